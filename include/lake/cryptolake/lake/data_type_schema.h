// DataTypeSchema: the declarative description of one archive data type — the
// markets it exists on, whether its paths carry an interval (kline-class),
// whether the archive publishes it daily and/or monthly, its CSV columns per
// market variant, how each maps onto the silver (Parquet) columns, and which
// row validations apply.
//
// The table in data_type_schema.cc is the one place that says which data
// types exist. Supporting a new archive data type means adding one
// declaration there and nothing else:
//   - the converter (silver_converter.h) is generic over the declarations and
//     has no per-type code paths;
//   - the archive layer (cryptolake/archive) sits below this one and knows
//     only the path grammar: an ArchiveFile or DiscoveryQuery has an interval
//     level exactly when its `interval` is non-empty. Whether a type must have
//     one is answered here (has_interval, CheckInterval), so dependencies stay
//     one-way (lake -> archive) and no second list of kline-class types exists;
//   - the CLI builds its list of data types from AllDataTypeSchemas().
// A new *market* is a new archive::Market enumerator (a path prefix and a
// name) plus the declarations that name it in their variants.
//
// A new CsvFieldKind or SilverFill must be handled by every switch over it
// (data_type_schema.cc, silver_converter.cc); those switches have no
// `default:` and their files turn -Wswitch into an error (a #pragma at the
// top of each), so a forgotten case does not build.
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
  kDateText,      // "YYYY-MM-DD" UTC -> µs of that midnight
  // An hour of the day, 0..23, added to the row's time column (which a
  // kDateText column fills). Stored in no column of its own: its silver_name
  // stays empty.
  kHourOfDay,
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
  kSource,                // constant: where the rows came from, "archive" or "rest"
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
  std::string data_type;      // archive name, e.g. "aggTrades"
  bool has_interval = false;  // kline-class: paths carry an interval level ("1m")
  bool daily = true;          // the archive publishes daily files
  bool monthly = true;        // the archive publishes monthly files
  std::vector<SilverColumnSpec> silver_columns;
  std::vector<CsvVariant> variants;
  ValidationRules rules;
  // The Parquet schema of silver_columns (same for every market); filled when
  // the table is built.
  parquet::Schema silver_schema;

  // The CSV columns for `market`, or nullptr when the type does not exist there.
  const std::vector<CsvColumnSpec>* CsvColumns(archive::Market market) const;
  // True when the archive publishes this type with `period`.
  bool HasPeriod(archive::Period period) const;
  // InvalidArgument when `interval` is empty for a kline-class type, given
  // for any other type, or not one the archive publishes for this type on
  // `market` (1s exists for spot klines only).
  Status CheckInterval(std::string_view interval, archive::Market market) const;
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
