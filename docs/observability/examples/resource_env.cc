// The resource every export carries comes from the environment, as in the CLI, e.g. with
//   OTEL_SERVICE_NAME=cryptolake-ingest
//   OTEL_RESOURCE_ATTRIBUTES=deployment.environment=prod,service.instance.id=worker-1
// OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES; values are
// percent-decoded. MetricsSetup builds the provider, readers and exporters from OTEL_*.
#include <cstdio>
#include <memory>

#include "cryptolake/metrics/net/metrics_setup.h"
#include "cryptolake/metrics/sdk/resource.h"

namespace m = cryptolake::metrics;

int main() {
  m::Resource resource = m::Resource::Default().Merge(m::Resource::FromEnvironment());
  for (const auto& entry : resource.attributes().entries()) {
    std::printf("%s\n", entry.key.c_str());
  }
  auto setup = m::MetricsSetup::Create({});
  if (!setup.ok()) {
    std::fprintf(stderr, "%s\n", setup.status().ToString().c_str());
    return 1;
  }
  return 0;
}
