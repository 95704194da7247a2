#include "cryptolake/metrics/export/metrics_table.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace cryptolake::metrics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------
// Numbers.

std::string FormatInt(int64_t v) {
  // The magnitude as unsigned, so INT64_MIN has one too.
  uint64_t magnitude = v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string digits = std::to_string(magnitude);
  std::string out;
  if (v < 0) out.push_back('-');
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string FormatUint(uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string FormatOptionalDouble(const std::optional<double>& v) {
  return v ? FormatDouble(*v) : std::string("-");
}

// ---------------------------------------------------------------------------
// Attributes.

// Control characters would break the row; separators would make k=v pairs
// ambiguous, so such strings are quoted.
void AppendString(std::string_view s, std::string* out) {
  const bool quote = s.empty() || s.front() == ' ' || s.back() == ' ' ||
                     s.find_first_of(",=\"[]") != std::string_view::npos;
  if (quote) out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out->append("\\n");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out->append(buf);
    } else if (quote && (c == '"' || c == '\\')) {
      out->push_back('\\');
      out->push_back(ch);
    } else {
      out->push_back(ch);
    }
  }
  if (quote) out->push_back('"');
}

template <typename T>
void AppendScalar(const T& v, std::string* out) {
  if constexpr (std::is_same_v<T, bool>) {
    out->append(v ? "true" : "false");
  } else if constexpr (std::is_same_v<T, int64_t>) {
    out->append(std::to_string(v));
  } else if constexpr (std::is_same_v<T, double>) {
    out->append(FormatDouble(v));
  } else {
    AppendString(v, out);
  }
}

void AppendValue(const AttributeValue& value, std::string* out) {
  std::visit(
      [out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<bool>> ||
                      std::is_same_v<T, std::vector<int64_t>> ||
                      std::is_same_v<T, std::vector<double>> ||
                      std::is_same_v<T, std::vector<std::string>>) {
          out->push_back('[');
          for (size_t i = 0; i < v.size(); ++i) {
            if (i > 0) out->append(", ");
            AppendScalar(static_cast<typename T::value_type>(v[i]), out);
          }
          out->push_back(']');
        } else {
          AppendScalar(v, out);
        }
      },
      value);
}

std::string FormatAttributes(const AttributeSet& attributes) {
  std::string out;
  for (const KeyValue& kv : attributes.entries()) {
    if (!out.empty()) out.append(", ");
    AppendString(kv.key, &out);
    out.push_back('=');
    AppendValue(kv.value, &out);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Values.

std::string FormatNumber(const std::variant<int64_t, double>& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return FormatInt(*i);
  return FormatDouble(std::get<double>(v));
}

template <typename Point>
std::string FormatHistogram(const Point& p) {
  return "count=" + FormatUint(p.count) + " sum=" + FormatOptionalDouble(p.sum) +
         " p50=" + FormatOptionalDouble(EstimateQuantile(p, 0.5)) +
         " p99=" + FormatOptionalDouble(EstimateQuantile(p, 0.99));
}

struct Row {
  std::string metric;
  std::string attributes;
  std::string value;
  std::string unit;
};

void AppendRows(const MetricData& m, std::vector<Row>* rows) {
  auto add = [&](const AttributeSet& attributes, std::string value) {
    rows->push_back(Row{m.name, FormatAttributes(attributes), std::move(value), m.unit});
  };
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        for (const auto& p : d.points) {
          if constexpr (std::is_same_v<T, GaugeData> || std::is_same_v<T, SumData>) {
            add(p.attributes, FormatNumber(p.value));
          } else {
            add(p.attributes, FormatHistogram(p));
          }
        }
      },
      m.data);
}

// Display width: UTF-8 code points (continuation bytes do not count).
size_t Width(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

void AppendCell(std::string_view cell, size_t width, bool last, std::string* out) {
  out->append(cell);
  if (last) return;  // No trailing blanks.
  out->append(width - Width(cell) + 2, ' ');
}

// ---------------------------------------------------------------------------
// Quantiles.

// The target rank of q among `total` measurements.
double Rank(double q, uint64_t total) { return q * static_cast<double>(total); }

std::optional<double> Clamp(double v, const std::optional<double>& min,
                            const std::optional<double>& max) {
  if (min) v = std::max(v, *min);
  if (max) v = std::min(v, *max);
  return v;
}

// Lower and upper boundary of exponential bucket `index` at `scale`, for
// positive values: (b^index, b^(index+1)] with b = 2^(2^-scale).
std::pair<double, double> ExponentialBounds(int32_t scale, int64_t index) {
  const double step = std::ldexp(1.0, -scale);
  return {std::exp2(static_cast<double>(index) * step),
          std::exp2(static_cast<double>(index + 1) * step)};
}

}  // namespace

std::optional<double> EstimateQuantile(const HistogramDataPoint& p, double q) {
  if (!(q >= 0.0 && q <= 1.0)) return std::nullopt;
  uint64_t total = 0;
  for (uint64_t c : p.bucket_counts) total += c;
  if (total == 0) return std::nullopt;
  if (q == 0.0 && p.min) return *p.min;
  if (q == 1.0 && p.max) return *p.max;
  const double rank = Rank(q, total);
  const size_t n = p.bucket_counts.size();
  uint64_t before = 0;
  size_t last = n;  // The last non-empty bucket, for rounding leftovers.
  for (size_t i = 0; i < n; ++i) {
    const uint64_t c = p.bucket_counts[i];
    if (c == 0) continue;
    last = i;
    if (static_cast<double>(before + c) < rank) {
      before += c;
      continue;
    }
    double lower = i == 0 || i - 1 >= p.explicit_bounds.size() ? -kInf : p.explicit_bounds[i - 1];
    double upper = i < p.explicit_bounds.size() ? p.explicit_bounds[i] : kInf;
    if (p.min) lower = std::max(lower, *p.min);
    if (p.max) upper = std::min(upper, *p.max);
    if (std::isinf(lower) && std::isinf(upper)) return std::nullopt;  // No bound known.
    if (std::isinf(lower)) return Clamp(upper, p.min, p.max);
    if (std::isinf(upper)) return Clamp(lower, p.min, p.max);
    const double fraction = (rank - static_cast<double>(before)) / static_cast<double>(c);
    return Clamp(lower + (upper - lower) * fraction, p.min, p.max);
  }
  if (last == n) return std::nullopt;
  if (p.max) return *p.max;
  return last < p.explicit_bounds.size() ? std::optional<double>(p.explicit_bounds[last])
                                         : std::nullopt;
}

std::optional<double> EstimateQuantile(const ExponentialHistogramDataPoint& p, double q) {
  if (!(q >= 0.0 && q <= 1.0)) return std::nullopt;
  uint64_t total = p.zero_count;
  for (uint64_t c : p.negative.bucket_counts) total += c;
  for (uint64_t c : p.positive.bucket_counts) total += c;
  if (total == 0) return std::nullopt;
  if (q == 0.0 && p.min) return *p.min;
  if (q == 1.0 && p.max) return *p.max;
  const double rank = Rank(q, total);
  // Boundaries clamped to what was actually measured.
  auto midpoint = [&](double lower, double upper) {
    if (p.min) lower = std::max(lower, *p.min);
    if (p.max) upper = std::min(upper, *p.max);
    return Clamp(lower + (upper - lower) / 2, p.min, p.max);
  };
  uint64_t before = 0;
  std::optional<double> last;
  auto reaches = [&](uint64_t c) {
    if (c == 0) return false;
    if (static_cast<double>(before + c) >= rank) return true;
    before += c;
    return false;
  };
  // Most negative first: the highest negative index.
  const auto& neg = p.negative.bucket_counts;
  for (size_t j = neg.size(); j-- > 0;) {
    if (neg[j] == 0) continue;
    const auto [lo, hi] = ExponentialBounds(p.scale, int64_t{p.negative.offset} + static_cast<int64_t>(j));
    last = midpoint(-hi, -lo);
    if (reaches(neg[j])) return last;
  }
  if (p.zero_count > 0) {
    last = Clamp(0.0, p.min, p.max);
    if (reaches(p.zero_count)) return last;
  }
  const auto& pos = p.positive.bucket_counts;
  for (size_t j = 0; j < pos.size(); ++j) {
    if (pos[j] == 0) continue;
    const auto [lo, hi] = ExponentialBounds(p.scale, int64_t{p.positive.offset} + static_cast<int64_t>(j));
    last = midpoint(lo, hi);
    if (reaches(pos[j])) return last;
  }
  return last;  // Rounding left the rank past the end: the last bucket.
}

std::string FormatMetricsTable(const ResourceMetrics& data) {
  std::vector<Row> rows;
  for (const ScopeMetrics& sm : data.scope_metrics) {
    for (const MetricData& m : sm.metrics) AppendRows(m, &rows);
  }
  if (rows.empty()) return "(no metrics were recorded)\n";
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.metric < b.metric; });

  const Row header{"metric", "attributes", "value", "unit"};
  size_t widths[4] = {Width(header.metric), Width(header.attributes), Width(header.value),
                      Width(header.unit)};
  for (const Row& r : rows) {
    widths[0] = std::max(widths[0], Width(r.metric));
    widths[1] = std::max(widths[1], Width(r.attributes));
    widths[2] = std::max(widths[2], Width(r.value));
    widths[3] = std::max(widths[3], Width(r.unit));
  }
  std::string out;
  auto append_row = [&](const Row& r) {
    AppendCell(r.metric, widths[0], false, &out);
    AppendCell(r.attributes, widths[1], false, &out);
    AppendCell(r.value, widths[2], false, &out);
    AppendCell(r.unit, widths[3], true, &out);
    // Cells left empty at the end of a row leave padding behind.
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out.push_back('\n');
  };
  append_row(header);
  append_row(Row{std::string(widths[0], '-'), std::string(widths[1], '-'),
                 std::string(widths[2], '-'), std::string(widths[3], '-')});
  for (const Row& r : rows) append_row(r);
  return out;
}

}  // namespace cryptolake::metrics
