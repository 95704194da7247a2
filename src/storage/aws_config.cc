#include "cryptolake/storage/aws_config.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace cryptolake::storage {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

const char* NonEmpty(const AwsEnvironment& env, const char* name) {
  const char* v = env(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// The file's text; NotFound when it does not exist (not an error for callers).
Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The file's sections, or an empty map when it does not exist.
Result<AwsIniFile> LoadIni(const std::string& path) {
  Result<std::string> text = ReadText(path);
  if (!text.ok()) return AwsIniFile{};
  return ParseAwsIni(*text, path);
}

std::string HomeFile(const AwsEnvironment& env, const char* override_variable,
                     const char* relative) {
  if (const char* v = NonEmpty(env, override_variable)) return v;
  const char* home = NonEmpty(env, "HOME");
  return std::string(home != nullptr ? home : "") + "/" + relative;
}

const std::string* Find(const AwsIniFile& ini, const std::string& section, const std::string& key) {
  auto s = ini.find(section);
  if (s == ini.end()) return nullptr;
  auto k = s->second.find(key);
  return k == s->second.end() ? nullptr : &k->second;
}

}  // namespace

Result<AwsIniFile> ParseAwsIni(std::string_view text, std::string_view file_name) {
  AwsIniFile ini;
  std::string section;
  std::string subsection;  // Set while reading the indented lines of "key =".
  bool have_section = false;
  size_t line_number = 0;
  auto malformed = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(file_name) + ":" + std::to_string(line_number) +
                                   ": " + std::string(why));
  };
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view raw = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    const bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') return malformed("section header without ']'");
      std::string_view name = Trim(line.substr(1, line.size() - 2));
      if (name.empty()) return malformed("empty section name");
      section = std::string(name);
      ini[section];  // An empty section still exists.
      have_section = true;
      subsection.clear();
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return malformed("expected 'key = value'");
    if (!have_section) return malformed("setting before any [section]");
    std::string key(Trim(line.substr(0, eq)));
    std::string_view value = Trim(line.substr(eq + 1));
    if (key.empty()) return malformed("empty key");
    if (indented && !subsection.empty()) {
      ini[section][subsection + "." + key] = std::string(value);
      continue;
    }
    if (value.empty()) {
      subsection = key;  // "s3 =" opens a sub-section of indented lines.
      continue;
    }
    subsection.clear();
    ini[section][key] = std::string(value);
  }
  return ini;
}

Result<AwsConfig> LoadAwsConfig(const AwsEnvironment& env) {
  AwsConfig config;
  if (const char* profile = NonEmpty(env, "AWS_PROFILE")) config.profile = profile;
  const std::string credentials_path =
      HomeFile(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  const std::string config_path = HomeFile(env, "AWS_CONFIG_FILE", ".aws/config");
  Result<AwsIniFile> credentials_file = LoadIni(credentials_path);
  if (!credentials_file.ok()) return credentials_file.status();
  Result<AwsIniFile> config_file = LoadIni(config_path);
  if (!config_file.ok()) return config_file.status();
  const std::string config_section =
      config.profile == "default" ? "default" : "profile " + config.profile;

  // Credentials.
  const char* key_id = NonEmpty(env, "AWS_ACCESS_KEY_ID");
  const char* secret = NonEmpty(env, "AWS_SECRET_ACCESS_KEY");
  if ((key_id == nullptr) != (secret == nullptr)) {
    return Status::InvalidArgument(
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  }
  if (key_id != nullptr) {
    config.credentials.access_key_id = key_id;
    config.credentials.secret_access_key = secret;
    if (const char* token = NonEmpty(env, "AWS_SESSION_TOKEN")) {
      config.credentials.session_token = token;
    }
    config.credentials_source = "environment";
  } else {
    struct Source {
      const AwsIniFile* ini;
      const std::string* section;
      const std::string* path;
    };
    const Source sources[] = {{&*credentials_file, &config.profile, &credentials_path},
                              {&*config_file, &config_section, &config_path}};
    for (const Source& source : sources) {
      const std::string* id = Find(*source.ini, *source.section, "aws_access_key_id");
      const std::string* key = Find(*source.ini, *source.section, "aws_secret_access_key");
      if (id == nullptr && key == nullptr) continue;
      if (id == nullptr || key == nullptr) {
        return Status::InvalidArgument(*source.path + ": profile '" + config.profile +
                                       "' has only one of aws_access_key_id and "
                                       "aws_secret_access_key");
      }
      config.credentials.access_key_id = *id;
      config.credentials.secret_access_key = *key;
      if (const std::string* token = Find(*source.ini, *source.section, "aws_session_token")) {
        config.credentials.session_token = *token;
      }
      config.credentials_source = *source.path;
      break;
    }
  }

  // Region.
  if (const char* region = NonEmpty(env, "AWS_REGION")) {
    config.region = region;
  } else if (const char* default_region = NonEmpty(env, "AWS_DEFAULT_REGION")) {
    config.region = default_region;
  } else if (const std::string* region = Find(*config_file, config_section, "region")) {
    config.region = *region;
  }

  // Endpoint and addressing style.
  if (const char* url = NonEmpty(env, "AWS_ENDPOINT_URL_S3")) {
    config.endpoint_url = url;
  } else if (const char* any = NonEmpty(env, "AWS_ENDPOINT_URL")) {
    config.endpoint_url = any;
  } else if (const std::string* s3 = Find(*config_file, config_section, "s3.endpoint_url")) {
    config.endpoint_url = *s3;
  } else if (const std::string* top = Find(*config_file, config_section, "endpoint_url")) {
    config.endpoint_url = *top;
  }
  if (const std::string* style = Find(*config_file, config_section, "s3.addressing_style")) {
    if (*style == "path") {
      config.addressing_style = S3AddressingStyle::kPath;
    } else if (*style == "virtual") {
      config.addressing_style = S3AddressingStyle::kVirtual;
    } else if (*style == "auto") {
      config.addressing_style = S3AddressingStyle::kAuto;
    } else {
      return Status::InvalidArgument(config_path + ": profile '" + config.profile +
                                     "': s3 addressing_style must be path, virtual or auto");
    }
  }
  return config;
}

}  // namespace cryptolake::storage
