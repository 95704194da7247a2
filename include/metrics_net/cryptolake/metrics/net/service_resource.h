// ServiceResourceAttributes: the resource attributes a cryptolake program (the `cryptolake` CLI,
// the Python module cryptolake._native) describes itself with in every metric it exports
// (docs/export.md, "Resource attributes"). They are the program's defaults: the program hands
// them to MetricsSetup as `default_resource_attributes`, so
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override any of them, and the SDK's own
// (telemetry.sdk.*, service.instance.id, a UUID per process) sit underneath.
//
//   service.name                 crypto-data-lakehouse
//   service.version              cryptolake::kVersion
//   crypto.exchange              binance
//   crypto.data_types            the run's data types (comma list), else kAllDataTypes
//   crypto.market_types          the run's markets in the archive's names, else kAllMarketTypes
//   lakehouse.layers             bronze,silver,gold
//   lakehouse.storage_backend    local | s3 (StorageBackendOf the lake URL), else local
//   lakehouse.format             parquet
//   deployment.environment.name  env DEPLOYMENT_ENV, else local
//   host.name                    gethostname(); left out when unknown
//   process.pid                  getpid() (an int)
//   k8s.namespace.name           only in Kubernetes (env KUBERNETES_SERVICE_HOST set): env
//                                K8S_NAMESPACE, else POD_NAMESPACE, else the service account's
//                                namespace file; left out when unknown
//   k8s.pod.name                 only in Kubernetes: env K8S_POD_NAME, else POD_NAME, else
//                                HOSTNAME, else gethostname(); left out when unknown
//
// An attribute whose value is unknown is left out, never set to a placeholder. Environment
// values are trimmed of surrounding whitespace; an empty value counts as unset.
//
// Thread-safety: a pure function of its options (and of what the hostname function and the
// namespace file return).
#ifndef CRYPTOLAKE_METRICS_NET_SERVICE_RESOURCE_H_
#define CRYPTOLAKE_METRICS_NET_SERVICE_RESOURCE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/metrics/attribute_set.h"
#include "cryptolake/metrics/net/otlp_exporter_options.h"

namespace cryptolake::metrics {

inline constexpr std::string_view kDefaultServiceName = "crypto-data-lakehouse";
// crypto.data_types / crypto.market_types of a run that does not say what it handles.
inline constexpr std::string_view kAllDataTypes = "klines,trades,aggTrades,fundingRate";
inline constexpr std::string_view kAllMarketTypes = "spot,um,cm,option";
inline constexpr std::string_view kK8sNamespaceFile =
    "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

struct ServiceResourceOptions {
  // Comma lists of what this run handles ("klines", "aggTrades,trades"; "spot", "um,cm").
  // Empty: kAllDataTypes / kAllMarketTypes.
  std::string data_types;
  std::string market_types;
  // "local" or "s3" (see StorageBackendOf). Empty: "local".
  std::string storage_backend;
  // Where DEPLOYMENT_ENV, KUBERNETES_SERVICE_HOST, K8S_NAMESPACE, POD_NAMESPACE, K8S_POD_NAME,
  // POD_NAME and HOSTNAME are read.
  metrics::EnvironmentLookup env = metrics::ProcessEnvironment();
  // The host name (empty when unknown). Unset: SystemHostName().
  std::function<std::string()> hostname;
  // process.pid. Unset: getpid().
  std::optional<int64_t> pid;
  // Read for k8s.namespace.name when no variable names the namespace.
  std::string k8s_namespace_file = std::string(kK8sNamespaceFile);
};

metrics::AttributeSet ServiceResourceAttributes(const ServiceResourceOptions& options);

// gethostname(), or "" when it fails.
std::string SystemHostName();

// The lakehouse.storage_backend of a lake URL: "s3" for s3://..., "local" for a directory or
// file:// (the URLs storage::OpenObjectStore accepts).
std::string StorageBackendOf(std::string_view lake_url);

// `items` joined with ',', each once, in first-seen order; empty items are skipped.
std::string CommaList(const std::vector<std::string>& items);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_NET_SERVICE_RESOURCE_H_
