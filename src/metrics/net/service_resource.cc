#include "cryptolake/metrics/net/service_resource.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <initializer_list>
#include <utility>

#include "cryptolake/common/version.h"

namespace cryptolake::metrics {
namespace {

std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// The trimmed value of `name`, or "" when it is unset or blank.
std::string EnvValue(const metrics::EnvironmentLookup& env, const char* name) {
  const char* v = env ? env(name) : nullptr;
  return v == nullptr ? std::string() : std::string(TrimSpace(v));
}

// The first of `names` with a value, or "".
std::string FirstEnvValue(const metrics::EnvironmentLookup& env,
                          std::initializer_list<const char*> names) {
  for (const char* name : names) {
    std::string v = EnvValue(env, name);
    if (!v.empty()) return v;
  }
  return "";
}

// The trimmed contents of a small file, or "" when it cannot be read.
std::string ReadSmallFile(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string text;
  constexpr size_t kMax = 4096;  // A namespace name is at most 63 characters.
  std::array<char, kMax> buf;
  in.read(buf.data(), buf.size());
  text.assign(buf.data(), static_cast<size_t>(in.gcount()));
  return std::string(TrimSpace(text));
}

}  // namespace

std::string SystemHostName() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "";
  return std::string(TrimSpace(buf.data()));
}

std::string StorageBackendOf(std::string_view lake_url) {
  return lake_url.rfind("s3://", 0) == 0 ? "s3" : "local";
}

std::string CommaList(const std::vector<std::string>& items) {
  std::vector<std::string> seen;
  std::string out;
  for (const std::string& item : items) {
    if (item.empty() || std::find(seen.begin(), seen.end(), item) != seen.end()) continue;
    seen.push_back(item);
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

metrics::AttributeSet ServiceResourceAttributes(const ServiceResourceOptions& options) {
  const metrics::EnvironmentLookup& env = options.env;
  auto or_default = [](const std::string& value, std::string_view fallback) {
    return value.empty() ? std::string(fallback) : value;
  };
  std::vector<metrics::KeyValue> attrs = {
      {"service.name", std::string(kDefaultServiceName)},
      {"service.version", std::string(kVersion)},
      {"crypto.exchange", std::string("binance")},
      {"crypto.data_types", or_default(options.data_types, kAllDataTypes)},
      {"crypto.market_types", or_default(options.market_types, kAllMarketTypes)},
      {"lakehouse.layers", std::string("bronze,silver,gold")},
      {"lakehouse.storage_backend", or_default(options.storage_backend, "local")},
      {"lakehouse.format", std::string("parquet")},
      {"deployment.environment.name", or_default(EnvValue(env, "DEPLOYMENT_ENV"), "local")},
      {"process.pid", options.pid.has_value() ? *options.pid : static_cast<int64_t>(::getpid())},
  };

  const std::string host = options.hostname ? options.hostname() : SystemHostName();
  if (!host.empty()) attrs.push_back({"host.name", host});

  if (!EnvValue(env, "KUBERNETES_SERVICE_HOST").empty()) {
    std::string ns = FirstEnvValue(env, {"K8S_NAMESPACE", "POD_NAMESPACE"});
    if (ns.empty()) ns = ReadSmallFile(options.k8s_namespace_file);
    if (!ns.empty()) attrs.push_back({"k8s.namespace.name", std::move(ns)});
    std::string pod = FirstEnvValue(env, {"K8S_POD_NAME", "POD_NAME", "HOSTNAME"});
    if (pod.empty()) pod = host;
    if (!pod.empty()) attrs.push_back({"k8s.pod.name", std::move(pod)});
  }
  return metrics::AttributeSet(std::move(attrs));
}

}  // namespace cryptolake::metrics
