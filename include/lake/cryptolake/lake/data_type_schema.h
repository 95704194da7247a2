// DataTypeSchema: the declarative description of one archive data type — its
// CSV columns per market variant, how each maps onto the silver (Parquet)
// columns, and which row validations apply.
//
// Supporting a new archive data type means adding one declaration to the
// table in data_type_schema.cc; the converter (silver_converter.h) is generic
// over these declarations and has no per-type code paths. Declared types:
// klines, trades, aggTrades, fundingRate, bookTicker, bookDepth, metrics,
// indexPriceKlines, markPriceKlines, premiumIndexKlines.
//
// A silver schema is shared by every market of a data type: columns that one
// market's archive does not carry (is_best_match outside spot, quote_volume
// for COIN-M klines, ...) are nullable and null there. docs/silver-schema.md
// documents every column.
//
// Thread-safety: the declarations are immutable after first use (built once
// under a function-local static); lookups are safe from any thread and the
// returned pointers stay valid for the life of the program.
#ifndef CRYPTOLAKE_LAKE_DATA_TYPE_SCHEMA_H_
#define CRYPTOLAKE_LAKE_DATA_TYPE_SCHEMA_H_

#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"
#include "cryptolake/parquet/schema.h"

namespace cryptolake::lake {

// How a CSV cell is parsed.
enum class CsvFieldKind {
  kInt64,         // optional '-' and digits
  kDecimal,       // plain decimal ("19560.7", "-0.00003449") -> double via fast_float
  kBool,          // True/False/true/false
  kEpochTime,     // integer epoch ms or µs (unit decided per file) -> µs
  kDateTimeText,  // "YYYY-MM-DD HH:MM:SS" UTC -> µs
  kText,          // verbatim text (no quotes)
  kIgnore,        // skipped (its content is not checked beyond having no quote)
};

std::string_view CsvFieldKindName(CsvFieldKind kind);

// One CSV column of a market variant.
struct CsvColumnSpec {
  std::string name;  // as in the archive header (used in error messages)
  CsvFieldKind kind;
  std::string silver_name;     // silver column it fills; empty = not stored
  bool empty_is_null = false;  // an empty cell is a null (silver column must be nullable)
};

// How a silver column gets its values.
enum class SilverFill {
  kCsv,                   // from the CSV column mapped to it; null when the market has none
  kExchange,              // constant "binance"
  kMarket,                // constant "spot" / "um" / "cm"
  kSymbol,                // constant: the archive file's symbol
  kInterval,              // constant: the file's interval (kline-class), null otherwise
  kSideFromIsBuyerMaker,  // "sell" when is_buyer_maker (the taker sold), else "buy"
};

struct SilverColumnSpec {
  parquet::ColumnSchema column;
  SilverFill fill = SilverFill::kCsv;
};

// The CSV layout of some markets of a data type.
struct CsvVariant {
  std::vector<archive::Market> markets;
  std::vector<CsvColumnSpec> columns;
};

// Validation rules, by silver column name.
struct ValidationRules {
  std::string time_column = "ts_event";   // event time: partitioning and ordering
  bool time_non_decreasing = true;        // false where the archive does not sort rows
  bool time_within_file_period = true;    // rows must fall in the file's day/month
  std::string unique_key;                 // duplicate values are errors; empty = none
  bool ohlc = false;                      // open/high/low/close sanity
  std::vector<std::string> positive;      // must be > 0
  std::vector<std::string> non_negative;  // must be >= 0
};

struct DataTypeSchema {
  std::string data_type;  // archive name, e.g. "aggTrades"
  std::vector<SilverColumnSpec> silver_columns;
  std::vector<CsvVariant> variants;
  ValidationRules rules;
  // The Parquet schema of silver_columns (same for every market); filled when
  // the table is built.
  parquet::Schema silver_schema;

  // The CSV columns for `market`, or nullptr when the type does not exist there.
  const std::vector<CsvColumnSpec>* CsvColumns(archive::Market market) const;
};

// All declared data types, in declaration order.
const std::vector<DataTypeSchema>& AllDataTypeSchemas();

// The declaration for an archive data type name ("klines", "aggTrades", ...).
// InvalidArgument naming the type and the supported ones when unknown, or when
// the type does not exist for `market` (e.g. fundingRate on spot).
Result<const DataTypeSchema*> FindDataTypeSchema(std::string_view data_type,
                                                 archive::Market market);

// The silver Parquet schema of a data type (identical for every market where
// the type exists). Errors as FindDataTypeSchema.
Result<const parquet::Schema*> SilverSchema(std::string_view data_type, archive::Market market);

// Checks the internal consistency of every declaration: each mapped silver
// column exists and its type fits the CSV kind, nullable where some market
// cannot fill it, rule columns exist with fitting types. Used by tests; the
// shipped table passes it.
Status CheckDataTypeSchemas();

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_DATA_TYPE_SCHEMA_H_
