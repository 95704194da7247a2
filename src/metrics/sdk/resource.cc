// Resource construction and merging (OpenTelemetry resource SDK spec).
//
// service.instance.id: the semantic conventions recommend that SDKs generate
// a random UUID (v1 or v4) for it; the resource SDK spec's list of attributes
// with SDK-provided defaults names only service.name and telemetry.sdk.*. We
// put the generated id in Default(), not Create(): Default() is the base layer
// every other source overrides through Merge(), so an id from
// OTEL_RESOURCE_ATTRIBUTES or from the caller's attributes replaces ours, and
// users who build a provider from Default() alone still get a unique instance.
// The id is generated once per process, so every Default() call agrees.
#include "cryptolake/metrics/sdk/resource.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cryptolake/common/version.h"
#include "cryptolake/metrics/sdk/diagnostics.h"

namespace cryptolake::metrics {
namespace {

constexpr std::string_view kServiceName = "service.name";
constexpr std::string_view kServiceInstanceId = "service.instance.id";

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict UTF-8 check (no overlongs, no surrogates, max U+10FFFF); decoded
// values become string attributes, which OTLP requires to be valid UTF-8.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000)) {
      return false;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// Decodes %XX escapes. Returns false on a truncated or non-hex escape.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexDigit(in[i + 1]);
    const int lo = HexDigit(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// A key is a non-empty run of visible ASCII without the list's delimiters.
bool IsValidKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == ',' || c == '=' || c == ';' || c == '"' || c == '\\') {
      return false;
    }
  }
  return true;
}

std::string ExecutableName() {
  std::array<char, 4096> buf;
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n > 0) {
    std::string path(buf.data(), static_cast<size_t>(n));
    // The kernel appends this marker when the binary was replaced on disk.
    constexpr std::string_view kDeleted = " (deleted)";
    if (path.size() > kDeleted.size() &&
        path.compare(path.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0) {
      path.resize(path.size() - kDeleted.size());
    }
    const size_t slash = path.rfind('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (!name.empty()) return name;
  }
#ifdef __GLIBC__
  if (program_invocation_short_name != nullptr && program_invocation_short_name[0] != '\0') {
    return program_invocation_short_name;
  }
#endif
  return "";
}

// RFC 4122 version 4 (random) UUID in its canonical 8-4-4-4-12 form.
std::string NewUuidV4() {
  std::random_device rd;
  std::array<uint8_t, 16> bytes;
  for (size_t i = 0; i < bytes.size(); i += 4) {
    const uint32_t r = rd();
    for (size_t k = 0; k < 4; ++k) bytes[i + k] = static_cast<uint8_t>(r >> (8 * k));
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // Version 4.
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // Variant 10xx.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0F]);
  }
  return out;
}

const std::string& ProcessInstanceId() {
  static const std::string id = NewUuidV4();
  return id;
}

}  // namespace

Resource Resource::Merge(const Resource& updating) const {
  std::vector<KeyValue> merged = attributes_.entries();
  merged.insert(merged.end(), updating.attributes_.entries().begin(),
                updating.attributes_.entries().end());
  std::string schema_url = schema_url_;
  if (schema_url_.empty()) {
    schema_url = updating.schema_url_;
  } else if (!updating.schema_url_.empty() && updating.schema_url_ != schema_url_) {
    const std::string message = "resource merge: conflicting schema URLs '" + schema_url_ +
                                "' and '" + updating.schema_url_ + "'; keeping '" + schema_url_ +
                                "'";
    ReportDiagnostic(DiagnosticSeverity::kWarning, "ResourceSchemaUrlConflict", message);
  }
  return Resource(AttributeSet(std::move(merged)), std::move(schema_url));
}

Resource Resource::Default() {
  const std::string exe = ExecutableName();
  return Resource(AttributeSet{
      {std::string(kServiceName), std::string("unknown_service") + (exe.empty() ? "" : ":" + exe)},
      {std::string(kServiceInstanceId), ProcessInstanceId()},
      {"telemetry.sdk.name", std::string("cryptolake")},
      {"telemetry.sdk.language", std::string("cpp")},
      {"telemetry.sdk.version", std::string(kVersion)},
  });
}

// getenv (concurrency-mt-unsafe) is safe here: the SDK never modifies the
// environment.
Resource Resource::FromEnvironment() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  return FromEnvironment([](const char* name) -> const char* { return std::getenv(name); });
}

Resource Resource::FromEnvironment(const std::function<const char*(const char*)>& env) {
  std::vector<KeyValue> entries;
  if (const char* list = env("OTEL_RESOURCE_ATTRIBUTES"); list != nullptr) {
    AttributeSet parsed;
    const Status status = ParseAttributeList(list, &parsed);
    // The resource SDK spec: on any error (e.g. a failed decoding) the
    // entire value SHOULD be discarded and an error reported; keeping the
    // entries that parsed would half-apply a value the user got wrong.
    if (!status.ok()) {
      const std::string message =
          "OTEL_RESOURCE_ATTRIBUTES: " + status.message() + "; the whole value is ignored";
      ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidEnvironmentValue", message);
    } else {
      entries = parsed.entries();
    }
  }
  if (const char* name = env("OTEL_SERVICE_NAME"); name != nullptr) {
    const std::string_view trimmed = TrimOws(name);
    if (!trimmed.empty()) entries.push_back({std::string(kServiceName), std::string(trimmed)});
  }
  return Resource(AttributeSet(std::move(entries)));
}

Resource Resource::Create(const AttributeSet& attributes, std::string schema_url) {
  return Default().Merge(FromEnvironment()).Merge(Resource(attributes, std::move(schema_url)));
}

Status Resource::ParseAttributeList(std::string_view text, AttributeSet* out) {
  std::vector<KeyValue> entries;
  std::string first_error;
  size_t bad = 0;
  auto fail = [&](std::string_view entry, std::string_view why) {
    if (bad++ == 0) {
      first_error = "malformed entry '" + std::string(entry) + "': " + std::string(why);
    }
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view raw = text.substr(pos, comma - pos);
    pos = comma + 1;
    const std::string_view entry = TrimOws(raw);
    // Empty list members (",," or a trailing comma) carry nothing; skip them.
    if (entry.empty()) continue;
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      fail(entry, "missing '='");
      continue;
    }
    const std::string_view key = TrimOws(entry.substr(0, eq));
    const std::string_view value = TrimOws(entry.substr(eq + 1));
    if (!IsValidKey(key)) {
      fail(entry, "empty key or key with invalid characters");
      continue;
    }
    std::string decoded;
    if (!PercentDecode(value, &decoded)) {
      fail(entry, "invalid percent-encoding");
      continue;
    }
    if (!IsValidUtf8(decoded)) {
      fail(entry, "value is not valid UTF-8");
      continue;
    }
    entries.push_back({std::string(key), std::move(decoded)});
  }
  *out = AttributeSet(std::move(entries));
  if (bad == 0) return Status::OK();
  std::string message = first_error;
  if (bad > 1) message += " (and " + std::to_string(bad - 1) + " more)";
  return Status::InvalidArgument(message);
}

}  // namespace cryptolake::metrics
