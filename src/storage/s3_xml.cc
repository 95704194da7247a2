// S3 response documents, read with one small XML scanner.
//
// The scanner understands exactly the XML that S3 servers produce: the
// declaration, comments, CDATA, a DOCTYPE, elements with (ignored)
// attributes, self-closing elements, and character/entity references. It
// keeps a stack of element local names (namespace prefixes stripped) and
// hands each document's reader the stack on every element's start and end,
// so an element is classified by where it sits: a <Prefix> directly under
// ListBucketResult is the echoed request prefix, under <CommonPrefixes> it
// is a "subdirectory".
#include "cryptolake/storage/s3_xml.h"

#include <string>
#include <vector>

namespace cryptolake::storage {
namespace {

using Stack = std::vector<std::string>;

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
template <typename BadFn>
Status DecodeText(std::string_view text, std::string* out, const BadFn& Bad) {
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

// One document's reader: told of every element's start and end, with the
// stack of open elements' local names (the element itself last) and, at the
// end, its decoded text (text of child elements excluded).
class DocumentReader {
 public:
  virtual ~DocumentReader() = default;
  virtual void Open(const Stack& stack) {}
  virtual Status Close(const Stack& stack, const std::string& text) = 0;
};

class Scanner {
 public:
  // `root`: the root element's expected local name, also the document's name
  // in errors. Empty accepts any root (the reader checks it).
  Scanner(std::string_view xml, std::string_view root, std::string_view doc_name,
          DocumentReader* reader)
      : xml_(xml), root_(root), doc_name_(doc_name), reader_(reader) {}

  Status Bad(std::string_view why) const {
    return Status::Corruption("bad S3 " + std::string(doc_name_) + " XML: " + std::string(why));
  }

  Status Run() {
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
          CL_RETURN_IF_ERROR(
              DecodeText(text, &text_, [this](std::string_view why) { return Bad(why); }));
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
          if (!root_.empty() && LocalName(name) != root_) {
            return Bad("root element is <" + std::string(name.substr(0, 64)) + ">, expected <" +
                       std::string(root_) + ">");
          }
          seen_root = true;
        }
        if (stack_.size() > 32) return Bad("elements nested too deeply");
        stack_.push_back(std::string(LocalName(name)));
        text_.clear();
        reader_->Open(stack_);
        if (self_closing) CL_RETURN_IF_ERROR(CloseElement());
        pos = i + 1;
      }
    }
    if (!seen_root) return Bad("no <" + std::string(root_.empty() ? "root" : root_) + "> element");
    if (!stack_.empty()) return Bad("document ends inside <" + stack_.back() + "> (truncated)");
    return Status::OK();
  }

 private:
  Status CloseElement() {
    CL_RETURN_IF_ERROR(reader_->Close(stack_, text_));
    stack_.pop_back();
    text_.clear();
    return Status::OK();
  }

  std::string_view xml_;
  std::string_view root_;
  std::string_view doc_name_;
  DocumentReader* reader_;
  Stack stack_;
  std::string text_;  // Decoded text of the innermost open element so far.
};

Status BadDoc(std::string_view doc, std::string_view why) {
  return Status::Corruption("bad S3 " + std::string(doc) + " XML: " + std::string(why));
}

// "true" / "false" of an IsTruncated element.
Status ParseBool(std::string_view doc, const std::string& text, bool* out) {
  if (text == "true") {
    *out = true;
  } else if (text == "false") {
    *out = false;
  } else {
    return BadDoc(doc, "IsTruncated is \"" + text.substr(0, 32) + "\"");
  }
  return Status::OK();
}

class ListBucketReader final : public DocumentReader {
 public:
  static constexpr std::string_view kDoc = "ListBucketResult";

  void Open(const Stack& stack) override {
    if (stack.size() == 2 && stack[1] == "Contents") result.contents.emplace_back();
  }

  Status Close(const Stack& stack, const std::string& text) override {
    const std::string& name = stack.back();
    if (stack.size() == 2) {
      if (name == "Prefix") {
        result.prefix = text;
      } else if (name == "IsTruncated") {
        return ParseBool(kDoc, text, &result.is_truncated);
      } else if (name == "NextMarker") {
        result.next_marker = text;
      } else if (name == "NextContinuationToken") {
        result.next_continuation_token = text;
      } else if (name == "Contents") {
        if (result.contents.back().key.empty()) return BadDoc(kDoc, "<Contents> without a <Key>");
      }
    } else if (stack.size() == 3 && stack[1] == "Contents") {
      S3Object& obj = result.contents.back();
      if (name == "Key") {
        obj.key = text;
      } else if (name == "Size") {
        if (!ParseSize(text, &obj.size)) {
          return BadDoc(kDoc, "Size \"" + text.substr(0, 32) + "\" is not a number");
        }
      } else if (name == "LastModified") {
        obj.last_modified = text;
      } else if (name == "ETag") {
        obj.etag = text;
      }
    } else if (stack.size() == 3 && stack[1] == "CommonPrefixes" && name == "Prefix") {
      result.common_prefixes.push_back(text);
    }
    return Status::OK();
  }

  ListBucketResult result;
};

// Children of the root element, by name (the last one wins); root checked by
// the scanner, or recorded when any root is accepted.
class FlatReader final : public DocumentReader {
 public:
  Status Close(const Stack& stack, const std::string& text) override {
    if (stack.size() == 1) root = stack[0];
    if (stack.size() == 2) fields.emplace_back(stack[1], text);
    return Status::OK();
  }
  std::string Field(std::string_view name) const {
    for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    return "";
  }

  std::string root;
  std::vector<std::pair<std::string, std::string>> fields;
};

class DeleteResultReader final : public DocumentReader {
 public:
  void Open(const Stack& stack) override {
    if (stack.size() == 2 && stack[1] == "Error") errors.emplace_back();
  }
  Status Close(const Stack& stack, const std::string& text) override {
    if (stack.size() == 3 && stack[1] == "Error") {
      S3DeleteError& e = errors.back();
      if (stack[2] == "Key") e.key = text;
      if (stack[2] == "Code") e.code = text;
      if (stack[2] == "Message") e.message = text;
    }
    return Status::OK();
  }
  std::vector<S3DeleteError> errors;
};

class ListUploadsReader final : public DocumentReader {
 public:
  static constexpr std::string_view kDoc = "ListMultipartUploadsResult";

  void Open(const Stack& stack) override {
    if (stack.size() == 2 && stack[1] == "Upload") result.uploads.emplace_back();
  }

  Status Close(const Stack& stack, const std::string& text) override {
    const std::string& name = stack.back();
    if (stack.size() == 2) {
      if (name == "IsTruncated") return ParseBool(kDoc, text, &result.is_truncated);
      if (name == "NextKeyMarker") result.next_key_marker = text;
      if (name == "NextUploadIdMarker") result.next_upload_id_marker = text;
      if (name == "Upload" &&
          (result.uploads.back().key.empty() || result.uploads.back().upload_id.empty())) {
        return BadDoc(kDoc, "<Upload> without a <Key> or an <UploadId>");
      }
    } else if (stack.size() == 3 && stack[1] == "Upload") {
      S3Upload& upload = result.uploads.back();
      if (name == "Key") upload.key = text;
      if (name == "UploadId") upload.upload_id = text;
      if (name == "Initiated") upload.initiated = text;
    }
    return Status::OK();
  }

  ListMultipartUploadsResult result;
};

}  // namespace

std::string ListBucketResult::NextPageMarker() const {
  if (!is_truncated) return "";
  if (!next_marker.empty()) return next_marker;
  std::string last_key = contents.empty() ? "" : contents.back().key;
  std::string last_prefix = common_prefixes.empty() ? "" : common_prefixes.back();
  return last_key > last_prefix ? last_key : last_prefix;
}

Result<ListBucketResult> ParseListBucketResult(std::string_view xml) {
  ListBucketReader reader;
  CL_RETURN_IF_ERROR(Scanner(xml, "ListBucketResult", "ListBucketResult", &reader).Run());
  return std::move(reader.result);
}

Result<S3ErrorDocument> ParseS3Error(std::string_view xml) {
  FlatReader reader;
  CL_RETURN_IF_ERROR(Scanner(xml, "Error", "Error", &reader).Run());
  return S3ErrorDocument{reader.Field("Code"), reader.Field("Message")};
}

Result<std::string> ParseInitiateMultipartUploadResult(std::string_view xml) {
  constexpr std::string_view kDoc = "InitiateMultipartUploadResult";
  FlatReader reader;
  CL_RETURN_IF_ERROR(Scanner(xml, kDoc, kDoc, &reader).Run());
  std::string id = reader.Field("UploadId");
  if (id.empty()) return BadDoc(kDoc, "no <UploadId>");
  return id;
}

Status ParseCompleteMultipartUploadResult(std::string_view xml) {
  constexpr std::string_view kDoc = "CompleteMultipartUploadResult";
  FlatReader reader;
  CL_RETURN_IF_ERROR(Scanner(xml, "", kDoc, &reader).Run());
  if (reader.root == "Error") {
    // S3 reports a failed completion in a 200 response (it may have sent
    // whitespace to keep the connection alive before it knew).
    return Status::IOError("S3 error " + reader.Field("Code") + ": " + reader.Field("Message"));
  }
  if (reader.root != kDoc) {
    return BadDoc(kDoc, "root element is <" + reader.root.substr(0, 64) + ">, expected <" +
                            std::string(kDoc) + ">");
  }
  return Status::OK();
}

Result<ListMultipartUploadsResult> ParseListMultipartUploadsResult(std::string_view xml) {
  ListUploadsReader reader;
  CL_RETURN_IF_ERROR(Scanner(xml, ListUploadsReader::kDoc, ListUploadsReader::kDoc, &reader).Run());
  return std::move(reader.result);
}

namespace {

void AppendEscaped(std::string_view text, std::string* xml) {
  for (char c : text) {
    if (c == '&') {
      *xml += "&amp;";
    } else if (c == '<') {
      *xml += "&lt;";
    } else if (c == '>') {
      *xml += "&gt;";
    } else if (c == '"') {
      *xml += "&quot;";
    } else if (c == '\r') {
      *xml += "&#13;";  // A literal CR would be normalized away by the parser.
    } else {
      xml->push_back(c);
    }
  }
}

}  // namespace

std::string BuildDeleteObjects(const std::vector<std::string>& keys) {
  std::string xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>";
  for (const std::string& key : keys) {
    xml += "<Object><Key>";
    AppendEscaped(key, &xml);
    xml += "</Key></Object>";
  }
  xml += "</Delete>";
  return xml;
}

Result<std::vector<S3DeleteError>> ParseDeleteResult(std::string_view xml) {
  DeleteResultReader reader;
  CL_RETURN_IF_ERROR(Scanner(xml, "DeleteResult", "DeleteResult", &reader).Run());
  return std::move(reader.errors);
}

std::string BuildCompleteMultipartUpload(const std::vector<std::string>& part_etags) {
  std::string xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < part_etags.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>";
    AppendEscaped(part_etags[i], &xml);
    xml += "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  return xml;
}

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

}  // namespace cryptolake::storage
