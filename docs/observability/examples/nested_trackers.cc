// Trackers nested like the plan's context managers: a workflow, an ingestion inside it, an API
// call, a processing stage and a storage write. Each records when its scope ends; the inner ones
// carry workflow.name = "archive_collection" on their error and processing series.
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"

namespace tel = cryptolake::telemetry;

int main() {
  auto reader = std::make_shared<cryptolake::metrics::ManualReader>();
  auto provider = std::make_shared<cryptolake::metrics::SdkMeterProvider>(
      cryptolake::metrics::SdkMeterProviderOptions{.readers = {reader}});
  cryptolake::metrics::SetMeterProvider(provider);

  {
    tel::TrackWorkflowExecution workflow("archive_collection");
    std::printf("workflow id: %s\n", workflow.id().c_str());
    tel::TrackDataIngestion ingestion(tel::source::kArchive);
    {
      tel::TrackApiInteraction api(tel::kExchangeBinance, "/api/v3/klines");
      api.SetServerAddress("api.binance.com");
      api.SetHttpStatus(200);
      api.RecordUsedWeight(42);
    }
    {
      tel::TrackDataProcessing processing(
          tel::stage::kConvert, {{tel::attr::kMarket, "spot"}, {tel::attr::kDataType, "klines"}});
      processing.SetRecordCount(1440);
    }
    {
      tel::TrackStorageOperation put(tel::storage_op::kPut,
                                     {{tel::attr::kStorageBackend, "local"},
                                      {tel::attr::kLayer, std::string(tel::layer::kSilver)}});
      put.SetBytes(65536, "write");
    }
    // A failure inside Run() is recorded with error.type from the exception and rethrown.
    try {
      tel::TrackDataProcessing failing(tel::stage::kConvert);
      failing.Run([] { throw std::runtime_error("bad row"); });
    } catch (const std::runtime_error&) {
    }
    ingestion.SetRecordCount(1440);
  }

  cryptolake::metrics::ResourceMetrics data;
  if (!reader->Collect(&data).ok()) return 1;
  size_t metrics = 0;
  for (const auto& scope : data.scope_metrics) metrics += scope.metrics.size();
  std::printf("%zu metrics recorded\n", metrics);
  cryptolake::metrics::SetMeterProvider(nullptr);
  return metrics > 0 ? 0 : 1;
}
