#include "silver_plan.h"

#include <string_view>

namespace cryptolake::lake::internal {

SilverPlan CompileSilverPlan(const DataTypeSchema& schema, const std::vector<CsvColumnSpec>& csv) {
  SilverPlan plan;
  plan.schema = &schema;
  auto csv_index_of = [&](std::string_view silver_name) {
    for (size_t i = 0; i < csv.size(); ++i) {
      if (csv[i].silver_name == silver_name) return static_cast<int>(i);
    }
    return -1;
  };
  for (const CsvColumnSpec& c : csv) {
    CompiledColumn cc;
    cc.spec = &c;
    if (c.kind == CsvFieldKind::kHourOfDay) plan.hour_csv = static_cast<int>(plan.cols.size());
    if (!c.silver_name.empty()) {
      cc.silver = schema.silver_schema.FindColumn(c.silver_name);
      plan.mapped.push_back(static_cast<int>(plan.cols.size()));
    }
    plan.cols.push_back(cc);
  }
  plan.silver_from_csv.assign(schema.silver_columns.size(), 0);
  plan.silver_csv_nullable.assign(schema.silver_columns.size(), 0);
  for (int c : plan.mapped) {
    plan.silver_from_csv[plan.cols[c].silver] = 1;
    if (plan.cols[c].spec->empty_is_null) plan.silver_csv_nullable[plan.cols[c].silver] = 1;
  }
  const ValidationRules& r = schema.rules;
  plan.time_csv = csv_index_of(r.time_column);
  plan.time_silver = schema.silver_schema.FindColumn(r.time_column);
  if (!r.unique_key.empty()) plan.unique_csv = csv_index_of(r.unique_key);
  if (r.ohlc) {
    plan.open_csv = csv_index_of("open");
    plan.high_csv = csv_index_of("high");
    plan.low_csv = csv_index_of("low");
    plan.close_csv = csv_index_of("close");
  }
  for (const std::string& name : r.positive) {
    if (int i = csv_index_of(name); i >= 0) plan.positive_csv.push_back(i);
  }
  for (const std::string& name : r.non_negative) {
    if (int i = csv_index_of(name); i >= 0) plan.non_negative_csv.push_back(i);
  }
  return plan;
}

}  // namespace cryptolake::lake::internal
