// FormatMetricsTable: a human-readable, aligned text table of one export
// (ResourceMetrics), for terminals and logs. ConsoleMetricExporter writes it
// when its format is ConsoleMetricFormat::kTable.
//
// One row per data point, four columns:
//   metric      the metric name;
//   attributes  the point's attributes as k=v pairs joined by ", ", in the
//               stored (key-sorted) order; string values holding a separator
//               (',', '=', '"'), leading or trailing blanks, or nothing at
//               all are double-quoted (inner '"' and '\' escaped); control
//               characters are escaped (\n, \t, \xNN) so a row stays one line;
//               arrays print as [a, b];
//   value       sums and gauges: the number; histograms (explicit and
//               exponential): "count=N sum=S p50=X p99=Y", "-" for an absent
//               sum or for percentiles of an empty histogram;
//   unit        the metric's unit.
// Integers are printed with thousands separators (1,234,567), doubles with up
// to 6 significant digits (%.6g: 0.25, 1234.5, 1.23457e+06). Attribute values
// are printed without thousands separators. Columns are padded to the widest
// cell, counting UTF-8 code points. Rows are sorted by metric name; the sort
// is stable, so points of one metric (and metrics of one name from several
// scopes) keep their stored order. The resource and scopes are not shown.
// Data without any point gives the single line "(no metrics were recorded)".
// The text always ends with a newline.
//
// Percentiles are estimates from the buckets (EstimateQuantile):
//  - explicit buckets: the target rank is q * count; the bucket where the
//    cumulative count reaches it is located, and the value is interpolated
//    linearly between the bucket's bounds by the rank's position among the
//    bucket's counts. The bucket's bounds are first clamped to the point's
//    min and max when present, so the open first and last buckets get finite
//    bounds; an open bound without min/max makes the estimate the bucket's
//    finite bound. The result is clamped to [min, max] when present.
//  - exponential buckets: the bucket holding the target rank is located
//    (negative buckets from the most negative up, then the zero bucket, then
//    the positive buckets); the estimate is the arithmetic midpoint of its
//    boundaries (bucket index i at scale s spans (b^i, b^(i+1)] with
//    b = 2^(2^-s), mirrored for negative values; the zero bucket gives 0),
//    with the boundaries clamped to min and max when present.
// q = 0 gives the point's min when present (else the first non-empty
// bucket's estimate), q = 1 the max likewise. Empty histograms have no
// estimate.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_METRICS_EXPORT_METRICS_TABLE_H_
#define CRYPTOLAKE_METRICS_EXPORT_METRICS_TABLE_H_

#include <optional>
#include <string>

#include "cryptolake/metrics/sdk/metric_data.h"

namespace cryptolake::metrics {

std::string FormatMetricsTable(const ResourceMetrics& data);

// The estimated q-quantile (0 <= q <= 1) of a histogram point, as described
// above; nullopt when the point has no measurements or q is out of range.
std::optional<double> EstimateQuantile(const HistogramDataPoint& point, double q);
std::optional<double> EstimateQuantile(const ExponentialHistogramDataPoint& point, double q);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_METRICS_TABLE_H_
