// ListBucketResult parsing with a small XML scanner.
//
// The scanner understands exactly the XML that S3 servers produce: the
// declaration, comments, CDATA, a DOCTYPE, elements with (ignored)
// attributes, self-closing elements, and character/entity references. It
// keeps a stack of element local names (namespace prefixes stripped) so a
// <Prefix> is classified by where it sits: directly under the root it is the
// echoed request prefix, under <CommonPrefixes> it is a "subdirectory".
#include "cryptolake/archive/s3_listing.h"

#include <string>
#include <vector>

namespace cryptolake::archive {
namespace {

Status Bad(std::string_view why) {
  return Status::Corruption("bad S3 ListBucketResult XML: " + std::string(why));
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Appends `text` with entity and character references decoded.
Status DecodeText(std::string_view text, std::string* out) {
  size_t i = 0;
  while (i < text.size()) {
    size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) {
      out->append(text.substr(i));
      break;
    }
    out->append(text.substr(i, amp - i));
    size_t semi = text.find(';', amp);
    if (semi == std::string_view::npos || semi - amp > 12) return Bad("unterminated entity");
    std::string_view ref = text.substr(amp + 1, semi - amp - 1);
    if (ref == "amp") {
      out->push_back('&');
    } else if (ref == "lt") {
      out->push_back('<');
    } else if (ref == "gt") {
      out->push_back('>');
    } else if (ref == "quot") {
      out->push_back('"');
    } else if (ref == "apos") {
      out->push_back('\'');
    } else if (ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x' || ref[1] == 'X';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return Bad("empty character reference");
      uint32_t cp = 0;
      for (char c : digits) {
        int v;
        if (c >= '0' && c <= '9') {
          v = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
          v = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
          v = c - 'A' + 10;
        } else {
          return Bad("bad character reference &" + std::string(ref) + ";");
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
        if (cp > 0x10FFFF) return Bad("character reference out of range");
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return Bad("invalid character reference");
      AppendUtf8(cp, out);
    } else {
      return Bad("unknown entity &" + std::string(ref) + ";");
    }
    i = semi + 1;
  }
  return Status::OK();
}

bool ParseSize(std::string_view s, uint64_t* out) {
  // Tolerate surrounding whitespace from pretty-printed documents.
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

std::string_view LocalName(std::string_view qname) {
  size_t colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

bool IsNameEnd(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' || c == '>';
}

class Scanner {
 public:
  explicit Scanner(std::string_view xml) : xml_(xml) {}

  Result<ListBucketResult> Run() {
    size_t pos = 0;
    bool seen_root = false;
    while (pos < xml_.size()) {
      size_t lt = xml_.find('<', pos);
      std::string_view text =
          xml_.substr(pos, (lt == std::string_view::npos ? xml_.size() : lt) - pos);
      if (!text.empty()) {
        if (stack_.empty()) {
          if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
            return Bad("text outside the root element");
          }
        } else {
          CL_RETURN_IF_ERROR(DecodeText(text, &text_));
        }
      }
      if (lt == std::string_view::npos) break;
      std::string_view rest = xml_.substr(lt);
      if (rest.substr(0, 4) == "<!--") {
        size_t end = xml_.find("-->", lt + 4);
        if (end == std::string_view::npos) return Bad("unterminated comment");
        pos = end + 3;
      } else if (rest.substr(0, 9) == "<![CDATA[") {
        size_t end = xml_.find("]]>", lt + 9);
        if (end == std::string_view::npos) return Bad("unterminated CDATA section");
        if (stack_.empty()) return Bad("CDATA outside the root element");
        text_.append(xml_.substr(lt + 9, end - lt - 9));
        pos = end + 3;
      } else if (rest.substr(0, 2) == "<?") {
        size_t end = xml_.find("?>", lt + 2);
        if (end == std::string_view::npos) return Bad("unterminated processing instruction");
        pos = end + 2;
      } else if (rest.substr(0, 2) == "<!") {
        if (seen_root) return Bad("declaration inside the document");
        size_t end = xml_.find('>', lt + 2);  // DOCTYPE without an internal subset.
        if (end == std::string_view::npos) return Bad("unterminated declaration");
        pos = end + 1;
      } else if (rest.substr(0, 2) == "</") {
        size_t end = xml_.find('>', lt + 2);
        if (end == std::string_view::npos) return Bad("unterminated end tag");
        std::string_view name = xml_.substr(lt + 2, end - lt - 2);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t' || name.back() == '\n' ||
                                 name.back() == '\r'))
          name.remove_suffix(1);
        if (stack_.empty() || stack_.back() != LocalName(name)) {
          return Bad("end tag </" + std::string(name.substr(0, 64)) + "> does not match");
        }
        CL_RETURN_IF_ERROR(CloseElement());
        pos = end + 1;
      } else {
        // Start tag: name, attributes (quoted values may hold '>'), optional '/'.
        size_t i = lt + 1;
        while (i < xml_.size() && !IsNameEnd(xml_[i])) ++i;
        std::string_view name = xml_.substr(lt + 1, i - lt - 1);
        if (name.empty()) return Bad("empty tag name");
        char quote = 0;
        while (i < xml_.size()) {
          char c = xml_[i];
          if (quote) {
            if (c == quote) quote = 0;
          } else if (c == '"' || c == '\'') {
            quote = c;
          } else if (c == '>') {
            break;
          }
          ++i;
        }
        if (i >= xml_.size()) return Bad("unterminated start tag");
        bool self_closing = xml_[i - 1] == '/';
        if (stack_.empty()) {
          if (seen_root) return Bad("more than one root element");
          if (LocalName(name) != "ListBucketResult") {
            return Bad("root element is <" + std::string(name.substr(0, 64)) +
                       ">, expected <ListBucketResult>");
          }
          seen_root = true;
        }
        if (stack_.size() > 32) return Bad("elements nested too deeply");
        stack_.push_back(std::string(LocalName(name)));
        text_.clear();
        OpenElement();
        if (self_closing) CL_RETURN_IF_ERROR(CloseElement());
        pos = i + 1;
      }
    }
    if (!seen_root) return Bad("no <ListBucketResult> element");
    if (!stack_.empty()) return Bad("document ends inside <" + stack_.back() + "> (truncated)");
    return std::move(result_);
  }

 private:
  void OpenElement() {
    if (stack_.size() == 2 && stack_[1] == "Contents") result_.contents.emplace_back();
  }

  Status CloseElement() {
    const std::string& name = stack_.back();
    if (stack_.size() == 2) {
      if (name == "Prefix") {
        result_.prefix = text_;
      } else if (name == "IsTruncated") {
        if (text_ == "true") {
          result_.is_truncated = true;
        } else if (text_ == "false") {
          result_.is_truncated = false;
        } else {
          return Bad("IsTruncated is \"" + text_.substr(0, 32) + "\"");
        }
      } else if (name == "NextMarker") {
        result_.next_marker = text_;
      } else if (name == "Contents") {
        if (result_.contents.back().key.empty()) return Bad("<Contents> without a <Key>");
      }
    } else if (stack_.size() == 3 && stack_[1] == "Contents") {
      S3Object& obj = result_.contents.back();
      if (name == "Key") {
        obj.key = text_;
      } else if (name == "Size") {
        if (!ParseSize(text_, &obj.size))
          return Bad("Size \"" + text_.substr(0, 32) + "\" is not a number");
      } else if (name == "LastModified") {
        obj.last_modified = text_;
      } else if (name == "ETag") {
        obj.etag = text_;
      }
    } else if (stack_.size() == 3 && stack_[1] == "CommonPrefixes" && name == "Prefix") {
      result_.common_prefixes.push_back(text_);
    }
    stack_.pop_back();
    text_.clear();
    return Status::OK();
  }

  std::string_view xml_;
  std::vector<std::string> stack_;
  std::string text_;  // Decoded text of the innermost open element so far.
  ListBucketResult result_;
};

}  // namespace

std::string ListBucketResult::NextPageMarker() const {
  if (!is_truncated) return "";
  if (!next_marker.empty()) return next_marker;
  std::string last_key = contents.empty() ? "" : contents.back().key;
  std::string last_prefix = common_prefixes.empty() ? "" : common_prefixes.back();
  return last_key > last_prefix ? last_key : last_prefix;
}

Result<ListBucketResult> ParseListBucketResult(std::string_view xml) { return Scanner(xml).Run(); }

std::string UrlEncodeQueryValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (keep) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string BuildListObjectsQuery(std::string_view prefix, std::string_view delimiter,
                                  std::string_view marker, int max_keys) {
  std::string q;
  auto add = [&q](std::string_view name, std::string_view value) {
    if (!q.empty()) q += '&';
    q += name;
    q += '=';
    q += UrlEncodeQueryValue(value);
  };
  if (!delimiter.empty()) add("delimiter", delimiter);
  if (!prefix.empty()) add("prefix", prefix);
  if (!marker.empty()) add("marker", marker);
  if (max_keys > 0) add("max-keys", std::to_string(max_keys));
  return q;
}

}  // namespace cryptolake::archive
