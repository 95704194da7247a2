// RestMetrics: the REST client's instruments, created from the global MeterProvider (metrics API
// only; the CLI installs the SDK). With no SDK installed they are no-ops.
//
// Instruments (scope "cryptolake.rest"):
//   cryptolake.api.requests          counter, {request}, one per HTTP attempt
//   cryptolake.api.request.duration  histogram, s, one per HTTP attempt
//     attributes: http.request.method, server.address, url.template ("/api/v3/klines"),
//     outcome (ok | rate_limited | banned | server_error | client_error | corrupt | timeout |
//     transport_error), and http.response.status_code when a response arrived
//   cryptolake.api.used_weight       gauge, {weight}, X-MBX-USED-WEIGHT-1M {server.address}
//   cryptolake.api.rate_limit_hits   counter, {hit}, {server.address, reason = http_429 |
//                                    http_418 | code_-1003}
// No free text (messages, symbols' error strings) is ever an attribute.
//
// Thread-safety: all methods may be called concurrently.
#ifndef CRYPTOLAKE_SRC_REST_REST_METRICS_H_
#define CRYPTOLAKE_SRC_REST_REST_METRICS_H_

#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/version.h"
#include "cryptolake/metrics/meter_provider.h"

namespace cryptolake::rest {

class RestMetrics {
 public:
  RestMetrics() {
    auto meter =
        metrics::GetMeterProvider()->GetMeter("cryptolake.rest", std::string(cryptolake::kVersion));
    requests_ = meter->CreateInt64Counter("cryptolake.api.requests",
                                          Opts("{request}", "HTTP requests to Binance's REST API"));
    duration_ = meter->CreateDoubleHistogram(
        "cryptolake.api.request.duration",
        Opts("s", "Duration of one HTTP request to Binance's REST API",
             {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}));
    used_weight_ = meter->CreateInt64Gauge(
        "cryptolake.api.used_weight",
        Opts("{weight}", "Request weight used in the current minute (X-MBX-USED-WEIGHT-1M)"));
    rate_limit_hits_ = meter->CreateInt64Counter(
        "cryptolake.api.rate_limit_hits",
        Opts("{hit}", "Rate-limit answers from Binance (429, 418, code -1003)"));
  }

  // status_code 0: no HTTP response (transport error or timeout).
  void RecordRequest(std::string_view server, std::string_view url_template, int status_code,
                     std::string_view outcome, double seconds) {
    if (status_code > 0) {
      requests_.Add(1, {{"http.request.method", "GET"},
                        {"http.response.status_code", status_code},
                        {"server.address", server},
                        {"url.template", url_template},
                        {"outcome", outcome}});
      duration_.Record(seconds, {{"http.request.method", "GET"},
                                 {"http.response.status_code", status_code},
                                 {"server.address", server},
                                 {"url.template", url_template},
                                 {"outcome", outcome}});
    } else {
      requests_.Add(1, {{"http.request.method", "GET"},
                        {"server.address", server},
                        {"url.template", url_template},
                        {"outcome", outcome}});
      duration_.Record(seconds, {{"http.request.method", "GET"},
                                 {"server.address", server},
                                 {"url.template", url_template},
                                 {"outcome", outcome}});
    }
  }

  void RecordUsedWeight(std::string_view server, int64_t used) {
    used_weight_.Record(used, {{"server.address", server}});
  }

  // reason: "http_429", "http_418" or "code_-1003".
  void RecordRateLimitHit(std::string_view server, std::string_view reason) {
    rate_limit_hits_.Add(1, {{"server.address", server}, {"reason", reason}});
  }

 private:
  static metrics::InstrumentOptions Opts(std::string unit, std::string description,
                                         std::vector<double> buckets = {}) {
    metrics::InstrumentOptions o;
    o.unit = std::move(unit);
    o.description = std::move(description);
    o.advisory_bucket_boundaries = std::move(buckets);
    return o;
  }

  metrics::Counter<int64_t> requests_;
  metrics::Histogram<double> duration_;
  metrics::Gauge<int64_t> used_weight_;
  metrics::Counter<int64_t> rate_limit_hits_;
};

}  // namespace cryptolake::rest

#endif  // CRYPTOLAKE_SRC_REST_REST_METRICS_H_
