// otlp_proto_peer: cryptolake's side of the OTLP protobuf conformance check
// (otlp_proto_check.js decodes and encodes with the official definitions,
// @opentelemetry/otlp-transformer's generated root.js).
//
//   otlp_proto_peer encode <out.pb> <out.json>
//       Builds a rich ExportMetricsServiceRequest (every metric kind, int and
//       double points, every attribute type, optional fields absent, present
//       and zero, non-finite doubles, multi-byte lengths) and writes our
//       protobuf encoding and our OTLP/JSON encoding of the same data.
//   otlp_proto_peer decode <in.pb>
//       Decodes protobuf bytes with DecodeOtlpProto and prints the result as
//       OTLP/JSON (EncodeOtlpJson) on stdout.
//
// Exit status: 0 on success, 1 when decoding fails (the status on stderr),
// 2 on bad usage or I/O errors.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "cryptolake/metrics/export/otlp_json.h"
#include "cryptolake/metrics/export/otlp_proto.h"

namespace cryptolake::metrics {
namespace {

constexpr uint64_t kStart = 1733400000000000000ULL;
constexpr uint64_t kTime = 1733400060987654321ULL;

AttributeSet PointAttributes(int i) {
  static const char* const kSymbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
  return AttributeSet{{"exchange", std::string("binance")},
                      {"symbol", std::string(kSymbols[i % 3])},
                      {"shard", int64_t{i}}};
}

ResourceMetrics MakeRequest() {
  ResourceMetrics rm;
  rm.resource = Resource(
      AttributeSet{
          {"service.name", std::string("cryptolake")},
          {"service.instance.id", std::string("3f0c8a0e-5d7a-4c1e-9a39-2f6b1c0d9e11")},
          {"host.cores", int64_t{-2}},
          {"on_call", true},
          {"off_call", false},
          {"ratio", 0.125},
          {"unicode \xE2\x82\xAC", std::string("\xF0\x9F\x9A\x80 \xC3\xA9")},
          {"empty", std::string()},
          {"tags", std::vector<std::string>{"spot", "", "um"}},
          {"flags", std::vector<bool>{false, true}},
          {"ids", std::vector<int64_t>{0, -1, std::numeric_limits<int64_t>::max(),
                                       std::numeric_limits<int64_t>::min()}},
          {"weights", std::vector<double>{-0.5, 1e-300, 0.0}},
          {"long", std::string(200, 'L')},
      },
      "https://opentelemetry.io/schemas/1.27.0");

  ScopeMetrics sm;
  sm.scope.name = "cryptolake.lake";
  sm.scope.version = "1.2.3";
  sm.scope.schema_url = "https://opentelemetry.io/schemas/1.26.0";
  sm.scope.attributes = AttributeSet{{"layer", std::string("lake")}, {"n", int64_t{7}}};

  {
    MetricData m;
    m.name = "lake.rows";
    m.description = "Rows written";
    m.unit = "{row}";
    SumData sum;
    sum.temporality = AggregationTemporality::kCumulative;
    sum.is_monotonic = true;
    // 300 points: the metric and scope lengths need more than one varint byte.
    for (int i = 0; i < 300; ++i) {
      NumberDataPoint p;
      p.attributes = PointAttributes(i);
      p.start_time_unix_nano = kStart;
      p.time_unix_nano = kTime + static_cast<uint64_t>(i);
      p.value = int64_t{1} << (i % 63);
      sum.points.push_back(p);
    }
    NumberDataPoint zero;  // Every implicit field at its default.
    zero.value = int64_t{0};
    sum.points.push_back(zero);
    m.data = sum;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "lake.queue";
    SumData sum;
    sum.temporality = AggregationTemporality::kDelta;
    NumberDataPoint p;
    p.start_time_unix_nano = kStart;
    p.time_unix_nano = kTime;
    p.value = -1.5;
    sum.points.push_back(p);
    m.data = sum;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "lake.price";
    m.unit = "USD";
    GaugeData gauge;
    int i = 0;
    for (double v :
         {97000.5, 0.0, -0.0, std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
          std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()}) {
      NumberDataPoint p;
      p.attributes = AttributeSet{{"i", int64_t{i++}}};
      p.time_unix_nano = kTime;
      p.value = v;
      gauge.points.push_back(p);
    }
    NumberDataPoint neg;
    neg.time_unix_nano = kTime;
    neg.value = std::numeric_limits<int64_t>::min();
    gauge.points.push_back(neg);
    m.data = gauge;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "lake.fetch.duration";
    m.description = "HTTP fetch time";
    m.unit = "s";
    HistogramData hist;
    hist.temporality = AggregationTemporality::kDelta;
    HistogramDataPoint full;
    full.attributes = PointAttributes(1);
    full.start_time_unix_nano = kStart;
    full.time_unix_nano = kTime;
    full.count = 10;
    full.sum = 31.25;
    full.explicit_bounds = {0,   5,   10,   25,   50,   75,   100,  250,
                            500, 750, 1000, 2500, 5000, 7500, 10000};
    full.bucket_counts = {1, 2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4};
    full.min = -1.0;
    full.max = 20000.0;
    HistogramDataPoint zeros;
    zeros.start_time_unix_nano = kStart;
    zeros.time_unix_nano = kTime;
    zeros.sum = 0.0;
    zeros.min = 0.0;
    zeros.max = 0.0;
    zeros.bucket_counts = {0, 0};
    zeros.explicit_bounds = {1};
    HistogramDataPoint bare;
    bare.time_unix_nano = kTime;
    hist.points = {full, zeros, bare};
    m.data = hist;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "lake.trade.size";
    m.unit = "{contract}";
    ExponentialHistogramData eh;
    eh.temporality = AggregationTemporality::kCumulative;
    ExponentialHistogramDataPoint p;
    p.attributes = PointAttributes(2);
    p.start_time_unix_nano = kStart;
    p.time_unix_nano = kTime;
    p.count = 12;
    p.sum = -3.5;
    p.scale = -4;
    p.zero_count = 2;
    p.zero_threshold = 1e-12;
    p.positive.offset = -129;
    p.positive.bucket_counts = {1, 0, 127, 128, 300, std::numeric_limits<uint64_t>::max()};
    p.negative.offset = 64;
    p.negative.bucket_counts = {5};
    p.min = -12.0;
    p.max = 99.0;
    ExponentialHistogramDataPoint empty;
    empty.time_unix_nano = kTime;
    empty.scale = 20;
    empty.zero_threshold = -0.0;
    eh.points = {p, empty};
    m.data = eh;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;  // No points: the kind is still on the wire.
    m.name = "lake.empty";
    m.data = HistogramData{{}, AggregationTemporality::kCumulative};
    sm.metrics.push_back(m);
  }
  rm.scope_metrics.push_back(sm);
  ScopeMetrics unnamed;  // An empty scope.
  rm.scope_metrics.push_back(unnamed);
  return rm;
}

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out);
}

}  // namespace
}  // namespace cryptolake::metrics

int main(int argc, char** argv) {
  using namespace cryptolake::metrics;
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "encode" && argc == 4) {
    const ResourceMetrics rm = MakeRequest();
    if (!WriteFile(argv[2], EncodeOtlpProto(rm)) || !WriteFile(argv[3], EncodeOtlpJson(rm))) {
      std::cerr << "cannot write output files\n";
      return 2;
    }
    return 0;
  }
  if (mode == "decode" && argc == 3) {
    std::ifstream in(argv[2], std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << argv[2] << "\n";
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto decoded = DecodeOtlpProto(bytes);
    if (!decoded.ok()) {
      std::cerr << decoded.status().ToString() << "\n";
      return 1;
    }
    std::cout << EncodeOtlpJson(*decoded) << "\n";
    return 0;
  }
  std::cerr << "usage: otlp_proto_peer encode <out.pb> <out.json> | decode <in.pb>\n";
  return 2;
}
