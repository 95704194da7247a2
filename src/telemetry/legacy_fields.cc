// LegacyFields and the Python-compatible JSON writer (legacy_json.h).
//
// The number format follows CPython's float repr: the shortest round-trip digits (std::to_chars
// gives the same digits as CPython's dtoa in mode 0), written in fixed notation when the decimal
// point position lies in (-4, 16], else in scientific notation. Strings follow json.dumps'
// ensure_ascii encoder, which escapes everything outside printable ASCII.
#include "cryptolake/telemetry/legacy_fields.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <system_error>

#include "legacy_json.h"

namespace cryptolake::telemetry {

LegacyFields::LegacyFields(std::initializer_list<LegacyField> fields) {
  for (const LegacyField& f : fields) Set(f.key, f.value);
}

void LegacyFields::Set(std::string_view key, LegacyValue value) {
  for (LegacyField& f : fields_) {
    if (f.key == key) {
      f.value = std::move(value);
      return;
    }
  }
  fields_.push_back({std::string(key), std::move(value)});
}

const LegacyValue* LegacyFields::Find(std::string_view key) const {
  for (const LegacyField& f : fields_) {
    if (f.key == key) return &f.value;
  }
  return nullptr;
}

const std::string* LegacyFields::FindString(std::string_view key) const {
  const LegacyValue* v = Find(key);
  return v != nullptr ? std::get_if<std::string>(v) : nullptr;
}

// Keys are unique (Set replaces), so equal sizes plus every key matching means equal sets.
bool LegacyFields::operator==(const LegacyFields& other) const {
  if (fields_.size() != other.fields_.size()) return false;
  for (const LegacyField& f : fields_) {
    const LegacyValue* v = other.Find(f.key);
    if (v == nullptr || !(*v == f.value)) return false;
  }
  return true;
}

namespace legacy_json {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendU16(std::string* out, uint32_t unit) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(unit >> shift) & 0xf]);
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is not valid UTF-8
// (overlong forms, surrogates and values above U+10FFFF are invalid).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t len;
  uint32_t v;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    v = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    v = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3f);
  }
  if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff))) return 0;
  if (v >= 0xd800 && v <= 0xdfff) return 0;
  *cp = v;
  return len;
}

}  // namespace

void AppendString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      if (c == '"' || c == '\\') out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        default:
          AppendU16(out, c);  // other controls and DEL
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      AppendU16(out, 0xfffd);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      AppendU16(out, 0xd800 | (cp >> 10));
      AppendU16(out, 0xdc00 | (cp & 0x3ff));
    } else {
      AppendU16(out, cp);
    }
    i += len;
  }
  out->push_back('"');
}

void AppendDouble(std::string* out, double v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  if (ec != std::errc()) {
    out->append("null");
    return;
  }
  // buf: [-]d[.ddd]e(+|-)xx
  std::string_view sci(buf, static_cast<size_t>(end - buf));
  const bool negative = !sci.empty() && sci[0] == '-';
  if (negative) sci.remove_prefix(1);
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  const int exponent = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  const int decpt = exponent + 1;  // digits[0..decpt) precede the decimal point
  const int ndigits = static_cast<int>(digits.size());
  if (negative) out->push_back('-');
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out->append("0.");
      out->append(static_cast<size_t>(-decpt), '0');
      out->append(digits);
    } else if (decpt >= ndigits) {
      out->append(digits);
      out->append(static_cast<size_t>(decpt - ndigits), '0');
      out->append(".0");
    } else {
      out->append(digits, 0, static_cast<size_t>(decpt));
      out->push_back('.');
      out->append(digits, static_cast<size_t>(decpt));
    }
    return;
  }
  out->push_back(digits[0]);
  if (ndigits > 1) {
    out->push_back('.');
    out->append(digits, 1);
  }
  out->push_back('e');
  out->push_back(exponent < 0 ? '-' : '+');
  const int mag = std::abs(exponent);
  if (mag < 10) out->push_back('0');
  out->append(std::to_string(mag));
}

void AppendInt(std::string* out, int64_t v) { out->append(std::to_string(v)); }

void AppendOptionalDouble(std::string* out, std::optional<double> v) {
  if (v.has_value()) {
    AppendDouble(out, *v);
  } else {
    out->append("null");
  }
}

void AppendValue(std::string* out, const LegacyValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    AppendString(out, *s);
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    AppendInt(out, *i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    AppendDouble(out, *d);
  } else {
    out->append(std::get<bool>(v) ? "true" : "false");
  }
}

void AppendKey(std::string* out, std::string_view key, bool* first) {
  if (!*first) out->append(", ");
  *first = false;
  AppendString(out, key);
  out->append(": ");
}

void AppendMembers(std::string* out, const LegacyFields& fields, bool* first) {
  for (const LegacyField& f : fields) {
    AppendKey(out, f.key, first);
    AppendValue(out, f.value);
  }
}

void AppendObject(std::string* out, const LegacyFields& fields) {
  out->push_back('{');
  bool first = true;
  AppendMembers(out, fields, &first);
  out->push_back('}');
}

}  // namespace legacy_json
}  // namespace cryptolake::telemetry
