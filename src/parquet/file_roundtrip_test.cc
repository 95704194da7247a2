#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <tuple>

#include "cryptolake/common/byte_sink.h"
#include "cryptolake/parquet/column_batch.h"
#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/parquet/file_writer.h"
#include "parquet_test_util.h"

namespace cryptolake::parquet {
namespace {

using testing::AllTypesBatch;
using testing::AllTypesSchema;

bool HasEncoding(const ColumnChunkInfo& info, Encoding e) {
  for (Encoding x : info.encodings) {
    if (x == e) return true;
  }
  return false;
}

template <typename T>
T Decode(const std::string& bytes) {
  T v{};
  EXPECT_EQ(bytes.size(), sizeof(T));
  std::memcpy(&v, bytes.data(), std::min(bytes.size(), sizeof(T)));
  return v;
}

std::string WriteOrDie(const Schema& schema, const WriterOptions& opts,
                       const std::vector<ColumnBatch>& batches) {
  FileWriter w(schema, opts);
  for (const auto& b : batches) w.Append(b);
  EXPECT_TRUE(w.status().ok()) << w.status().ToString();
  Result<std::string> file = w.Finish();
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return file.ok() ? *file : std::string();
}

class RoundTripTest
    : public ::testing::TestWithParam<std::tuple<Compression, bool /*dict*/, bool /*v2*/>> {
 protected:
  // The parameters' codec, dictionary and page version; 1000-row groups of many small pages.
  static WriterOptions Options() {
    auto [codec, dict, v2] = GetParam();
    WriterOptions opts;
    opts.compression = codec;
    opts.enable_dictionary = dict;
    opts.data_page_v2 = v2;
    opts.row_group_rows = 1000;
    opts.page_bytes = 700;  // many pages per chunk
    return opts;
  }
};

TEST_P(RoundTripTest, EveryTypeWithNullsManyRowGroupsAndPages) {
  auto [codec, dict, v2] = GetParam();
  const WriterOptions opts = Options();
  // Uneven batches: row groups straddle batch boundaries and whole-group batches.
  std::vector<ColumnBatch> batches = {AllTypesBatch(333, 0), AllTypesBatch(2500, 333),
                                      AllTypesBatch(1, 2833), AllTypesBatch(666, 2834)};
  std::string file = WriteOrDie(AllTypesSchema(), opts, batches);
  ASSERT_FALSE(file.empty());

  Result<FileReader> reader = FileReader::Open(file);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(reader->schema(), AllTypesSchema());
  EXPECT_EQ(reader->num_rows(), 3500);
  EXPECT_EQ(reader->num_row_groups(), 4);
  EXPECT_EQ(reader->row_group_num_rows(3), 500);
  Result<ColumnBatch> all = reader->ReadAll();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, AllTypesBatch(3500));
  Result<ColumnBatch> second = reader->ReadRowGroup(1);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, AllTypesBatch(1000, 1000));

  const ColumnChunkInfo& symbol = reader->column_chunk(0, 4);
  EXPECT_EQ(symbol.codec, codec);
  EXPECT_EQ(HasEncoding(symbol, Encoding::kRleDictionary), dict);
  EXPECT_EQ(symbol.dictionary_page_offset.has_value(), dict);
  EXPECT_EQ(reader->column_chunk(0, 9).null_count, 200);
}

// A sink gets exactly the bytes Finish() would return, and row groups encoded on their own
// (in any thread) and appended in order give the same file, byte for byte.
TEST_P(RoundTripTest, StreamingSinkAndEncodedRowGroupsGiveTheSameFile) {
  const WriterOptions opts = Options();
  std::vector<ColumnBatch> groups = {AllTypesBatch(1000, 0), AllTypesBatch(1000, 1000),
                                     AllTypesBatch(500, 2000)};
  const std::string expected = WriteOrDie(AllTypesSchema(), opts, groups);
  ASSERT_FALSE(expected.empty());

  StringSink sink;
  FileWriter streaming(AllTypesSchema(), opts, &sink);
  for (const ColumnBatch& b : groups) streaming.Append(b);
  Result<std::string> rest = streaming.Finish();
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_TRUE(rest->empty());
  EXPECT_TRUE(sink.bytes() == expected);

  std::vector<EncodedRowGroup> encoded(groups.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < groups.size(); ++i) {
    threads.emplace_back([&, i] {
      RowGroupEncoder encoder(AllTypesSchema(), opts);
      Result<EncodedRowGroup> g = encoder.Encode(groups[i]);
      ASSERT_TRUE(g.ok()) << g.status().ToString();
      encoded[i] = std::move(g).value();
    });
  }
  for (std::thread& t : threads) t.join();
  StringSink sink2;
  FileWriter assembled(AllTypesSchema(), opts, &sink2);
  for (EncodedRowGroup& g : encoded) assembled.AppendEncoded(std::move(g));
  ASSERT_TRUE(assembled.Finish().ok());
  EXPECT_TRUE(sink2.bytes() == expected);
  Result<FileReader> reader = FileReader::Open(sink2.bytes());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(*reader->ReadAll(), AllTypesBatch(2500));
}

TEST(FileWriterTest, AppendEncodedWhileRowsWaitIsRefused) {
  WriterOptions opts;
  opts.row_group_rows = 1000;
  FileWriter w(AllTypesSchema(), opts);
  w.Append(AllTypesBatch(10));
  RowGroupEncoder encoder(AllTypesSchema(), opts);
  Result<EncodedRowGroup> g = encoder.Encode(AllTypesBatch(5));
  ASSERT_TRUE(g.ok());
  w.AppendEncoded(std::move(g).value());
  EXPECT_TRUE(w.status().IsFailedPrecondition()) << w.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, RoundTripTest,
                         ::testing::Combine(::testing::Values(Compression::kUncompressed,
                                                              Compression::kSnappy,
                                                              Compression::kZstd),
                                            ::testing::Bool(), ::testing::Bool()));

TEST(FileWriterTest, StatisticsMinMaxNullCount) {
  WriterOptions opts;
  std::string file = WriteOrDie(AllTypesSchema(), opts, {AllTypesBatch(100)});
  Result<FileReader> r = FileReader::Open(file);
  ASSERT_TRUE(r.ok());
  const auto& small = r->column_chunk(0, 1);
  EXPECT_EQ(Decode<int32_t>(*small.min_value), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(Decode<int32_t>(*small.max_value), std::numeric_limits<int32_t>::max());
  const auto& id = r->column_chunk(0, 2);
  EXPECT_EQ(Decode<int64_t>(*id.min_value), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Decode<int64_t>(*id.max_value), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(id.null_count, 0);
  const auto& price = r->column_chunk(0, 3);
  EXPECT_EQ(Decode<double>(*price.min_value), -std::numeric_limits<double>::max());
  EXPECT_EQ(Decode<double>(*price.max_value), 100.0 + 36 * 0.25);
  // Strings compare as unsigned bytes: "\xff\xfe" is the maximum, "" the minimum.
  const auto& symbol = r->column_chunk(0, 4);
  EXPECT_EQ(*symbol.min_value, "");
  EXPECT_EQ(*symbol.max_value, std::string("\xff\xfe", 2));
  const auto& flag = r->column_chunk(0, 0);
  EXPECT_EQ(*flag.min_value, std::string(1, '\0'));
  EXPECT_EQ(*flag.max_value, std::string(1, '\1'));
  EXPECT_EQ(r->column_chunk(0, 10).null_count, 20);
}

TEST(FileWriterTest, DoubleStatisticsSkipNaNAndRoundTripNaNBits) {
  Schema s{{{"x", ColumnType::kDouble, true}}};
  ColumnBatch b(s);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double v : {nan, 0.0, -2.5, nan, 7.0, -0.0}) {
    b.Double(0).push_back(v);
    b.Validity(0).push_back(1);
  }
  b.Double(0).push_back(0);
  b.Validity(0).push_back(0);
  for (bool dict : {true, false}) {
    WriterOptions opts;
    opts.enable_dictionary = dict;
    std::string file = WriteOrDie(s, opts, {b});
    Result<FileReader> r = FileReader::Open(file);
    ASSERT_TRUE(r.ok());
    const auto& info = r->column_chunk(0, 0);
    EXPECT_EQ(Decode<double>(*info.min_value), -2.5);
    EXPECT_EQ(Decode<double>(*info.max_value), 7.0);
    EXPECT_EQ(info.null_count, 1);
    Result<ColumnBatch> back = r->ReadAll();
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(back->Double(0).size(), 7u);
    EXPECT_TRUE(std::isnan(back->Double(0)[0]));
    EXPECT_TRUE(std::signbit(back->Double(0)[5]));
    EXPECT_EQ(back->Validity(0), b.Validity(0));
  }
  // All-NaN column: no min/max at all.
  Schema s2{{{"x", ColumnType::kDouble, false}}};
  ColumnBatch nans(s2);
  nans.Double(0) = {nan, nan};
  Result<FileReader> r = FileReader::Open(WriteOrDie(s2, WriterOptions(), {nans}));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->column_chunk(0, 0).min_value.has_value());
}

TEST(FileWriterTest, DictionaryFallsBackToPlainWhenTooLarge) {
  Schema s{{{"s", ColumnType::kString, false}, {"v", ColumnType::kDouble, false}}};
  ColumnBatch b(s);
  for (int i = 0; i < 5000; ++i) {
    b.String(0).Append("value-" + std::to_string(i));
    b.Double(1).push_back(i * 1.5);
  }
  WriterOptions opts;
  opts.dictionary_max_values = 1000;
  Result<FileReader> r = FileReader::Open(WriteOrDie(s, opts, {b}));
  ASSERT_TRUE(r.ok());
  for (int c = 0; c < 2; ++c) {
    const auto& info = r->column_chunk(0, c);
    EXPECT_FALSE(HasEncoding(info, Encoding::kRleDictionary));
    EXPECT_TRUE(HasEncoding(info, Encoding::kPlain));
    EXPECT_FALSE(info.dictionary_page_offset.has_value());
  }
  Result<ColumnBatch> back = r->ReadAll();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, b);
}

TEST(FileWriterTest, SortedInt64UsesDeltaAndConstantStringsUseDictionary) {
  Schema s{{{"trade_id", ColumnType::kInt64, false},
            {"ts_event", ColumnType::kTimestampMicros, false},
            {"exchange", ColumnType::kString, false}}};
  ColumnBatch b(s);
  for (int64_t i = 0; i < 200'000; ++i) {
    b.Int64(0).push_back(5'000'000'000 + i);
    b.Int64(1).push_back(1'700'000'000'000'000 + i * 17);
    b.String(2).Append("binance");
  }
  std::string file = WriteOrDie(s, WriterOptions(), {b});
  EXPECT_LT(file.size(), 20'000u);  // 200k rows of 3 columns
  Result<FileReader> r = FileReader::Open(file);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(HasEncoding(r->column_chunk(0, 0), Encoding::kDeltaBinaryPacked));
  EXPECT_TRUE(HasEncoding(r->column_chunk(0, 2), Encoding::kRleDictionary));
  Result<ColumnBatch> back = r->ReadAll();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, b);
}

// Repeated string columns (StringColumn::AppendRepeated) must give the same
// file as the same values appended one by one, for every option that changes
// the string path: dictionary or not, page v1/v2, row groups cutting a batch,
// nulls, empty strings and batches buffered across Append calls.
TEST(FileWriterTest, RepeatedStringColumnsWriteTheSameFileAsAppendedValues) {
  Schema s{{{"id", ColumnType::kInt64, false},
            {"exchange", ColumnType::kString, false},
            {"interval", ColumnType::kString, true},
            {"empty", ColumnType::kString, false}}};
  auto make = [&](size_t rows, int64_t first, bool repeated) {
    ColumnBatch b(s);
    for (size_t i = 0; i < rows; ++i) {
      b.Int64(0).push_back(first + static_cast<int64_t>(i));
      b.Validity(2).push_back((first + static_cast<int64_t>(i)) % 3 == 0 ? 0 : 1);
    }
    if (repeated) {
      b.String(1).AppendRepeated("binance", rows);
      b.String(2).AppendRepeated("1m", rows);
      b.String(3).AppendRepeated("", rows);
      EXPECT_EQ(b.String(1).is_repeated(), rows > 0);
    } else {
      for (size_t i = 0; i < rows; ++i) {
        b.String(1).Append("binance");
        b.String(2).Append("1m");
        b.String(3).Append("");
      }
    }
    EXPECT_TRUE(b.Validate().ok());
    return b;
  };
  for (bool dict : {true, false}) {
    for (bool v2 : {false, true}) {
      WriterOptions opts;
      opts.enable_dictionary = dict;
      opts.data_page_v2 = v2;
      opts.row_group_rows = 700;
      opts.page_bytes = 512;
      std::vector<ColumnBatch> plain = {make(1000, 0, false), make(1, 1000, false),
                                        make(250, 1001, false)};
      std::vector<ColumnBatch> repeated = {make(1000, 0, true), make(1, 1000, true),
                                           make(250, 1001, true)};
      const std::string expected = WriteOrDie(s, opts, plain);
      const std::string got = WriteOrDie(s, opts, repeated);
      EXPECT_EQ(got, expected) << "dict " << dict << " v2 " << v2;
      Result<FileReader> r = FileReader::Open(got);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(HasEncoding(r->column_chunk(0, 1), Encoding::kRleDictionary), dict);
      EXPECT_EQ(r->column_chunk(0, 1).min_value, "binance");
      EXPECT_EQ(r->column_chunk(0, 1).max_value, "binance");
      Result<ColumnBatch> back = r->ReadAll();
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      // Null slots read back as "", so compare the nullable column value by value.
      ColumnBatch all = make(1251, 0, false);
      ColumnBatch all_repeated = make(1251, 0, true);
      EXPECT_EQ(back->Int64(0), all.Int64(0));
      EXPECT_EQ(back->String(1), all.String(1));
      EXPECT_EQ(back->String(1), all_repeated.String(1));  // values, not the representation
      EXPECT_EQ(back->String(3), all_repeated.String(3));
      ASSERT_EQ(back->Validity(2), all.Validity(2));
      for (size_t i = 0; i < 1251; ++i) {
        EXPECT_EQ(back->String(2)[i], all.Validity(2)[i] ? "1m" : "") << i;
      }
    }
  }
  // An all-null repeated column and an empty batch.
  WriterOptions opts;
  ColumnBatch nulls = make(20, 0, true);
  nulls.Validity(2).assign(20, 0);
  ColumnBatch nulls_plain = make(20, 0, false);
  nulls_plain.Validity(2).assign(20, 0);
  EXPECT_EQ(WriteOrDie(s, opts, {nulls}), WriteOrDie(s, opts, {nulls_plain}));
  EXPECT_EQ(WriteOrDie(s, opts, {make(0, 0, true)}), WriteOrDie(s, opts, {make(0, 0, false)}));
}

TEST(StringColumnTest, RepeatedFormBehavesLikeAppendedValues) {
  StringColumn c;
  c.AppendRepeated("ab", 0);
  EXPECT_FALSE(c.is_repeated());
  EXPECT_TRUE(c.empty());
  c.AppendRepeated("ab", 3);
  c.Append("ab");
  c.AppendRepeated("ab", 2);
  EXPECT_TRUE(c.is_repeated());
  EXPECT_EQ(c.repeated_value(), "ab");
  EXPECT_EQ(c.size(), 6u);
  EXPECT_EQ(c[5], "ab");
  StringColumn expected;
  for (int i = 0; i < 6; ++i) expected.Append("ab");
  EXPECT_EQ(c, expected);
  EXPECT_EQ(expected, c);
  // A different value converts to the bytes + offsets form.
  c.Append("xyz");
  c.AppendRepeated("q", 2);
  EXPECT_FALSE(c.is_repeated());
  expected.Append("xyz");
  expected.Append("q");
  expected.Append("q");
  EXPECT_EQ(c, expected);
  EXPECT_EQ(c.bytes(), expected.bytes());
  EXPECT_EQ(c.offsets(), expected.offsets());
  // Ranges of a repeated column, into empty, same-value and other columns.
  StringColumn r;
  r.AppendRepeated("v", 10);
  StringColumn into;
  into.AppendRange(r, 2, 5);
  EXPECT_TRUE(into.is_repeated());
  EXPECT_EQ(into.size(), 5u);
  into.AppendRange(expected, 6, 2);  // "q", "q"
  EXPECT_FALSE(into.is_repeated());
  ASSERT_EQ(into.size(), 7u);
  EXPECT_EQ(into[4], "v");
  EXPECT_EQ(into[6], "q");
  r.Materialize();
  EXPECT_FALSE(r.is_repeated());
  EXPECT_EQ(r.size(), 10u);
  EXPECT_EQ(r.bytes(), std::string(10, 'v'));
  StringColumn shorter;
  shorter.AppendRepeated("v", 9);
  EXPECT_FALSE(shorter == r);
  r.Clear();
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.is_repeated());
  // ColumnBatch row ranges keep the repeated form.
  Schema s{{{"x", ColumnType::kString, false}}};
  ColumnBatch src(s);
  src.String(0).AppendRepeated("binance", 100);
  ColumnBatch dst(s);
  dst.AppendRows(src, 10, 20);
  dst.AppendBatch(src);
  EXPECT_TRUE(dst.String(0).is_repeated());
  EXPECT_EQ(dst.num_rows(), 120u);
  EXPECT_TRUE(dst.Validate().ok());
}

TEST(FileWriterTest, KeyValueMetadataAndCreatedBy) {
  WriterOptions opts;
  opts.key_value_metadata = {{"source", "data/spot/x.zip"}, {"sha256", std::string(64, 'a')}};
  opts.created_by = "cryptolake version 9.9";
  Result<FileReader> r = FileReader::Open(WriteOrDie(AllTypesSchema(), opts, {AllTypesBatch(10)}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->key_value_metadata(), opts.key_value_metadata);
  EXPECT_EQ(r->created_by(), "cryptolake version 9.9");
}

TEST(FileWriterTest, EmptyFileIsValid) {
  FileWriter w(AllTypesSchema(), WriterOptions());
  Result<std::string> file = w.Finish();
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->substr(0, 4), "PAR1");
  Result<FileReader> r = FileReader::Open(*file);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->num_rows(), 0);
  EXPECT_EQ(r->num_row_groups(), 0);
  Result<ColumnBatch> all = r->ReadAll();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->num_rows(), 0u);
  EXPECT_EQ(all->schema(), AllTypesSchema());
}

TEST(FileWriterTest, AllNullColumnAndEmptyStrings) {
  Schema s{{{"a", ColumnType::kString, true}, {"b", ColumnType::kString, false}}};
  ColumnBatch b(s);
  for (int i = 0; i < 50; ++i) {
    b.String(0).Append("");
    b.Validity(0).push_back(0);
    b.String(1).Append("");
  }
  for (bool v2 : {false, true}) {
    WriterOptions opts;
    opts.data_page_v2 = v2;
    Result<FileReader> r = FileReader::Open(WriteOrDie(s, opts, {b}));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->column_chunk(0, 0).null_count, 50);
    EXPECT_FALSE(r->column_chunk(0, 0).min_value.has_value());
    Result<ColumnBatch> back = r->ReadAll();
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, b);
  }
}

TEST(FileWriterTest, ErrorsAreStickyAndPhasesEnforced) {
  FileWriter w(AllTypesSchema(), WriterOptions());
  ColumnBatch bad = AllTypesBatch(10);
  bad.Int64(2).pop_back();  // ragged
  w.Append(bad);
  EXPECT_TRUE(w.status().IsInvalidArgument());
  w.Append(AllTypesBatch(10));
  EXPECT_TRUE(w.status().IsInvalidArgument());
  EXPECT_FALSE(w.Finish().ok());
  EXPECT_TRUE(w.Finish().status().IsFailedPrecondition());

  FileWriter other(AllTypesSchema(), WriterOptions());
  Schema different{{{"x", ColumnType::kInt64, false}}};
  ColumnBatch wrong(different);
  wrong.Int64(0).push_back(1);
  other.Append(wrong);
  EXPECT_TRUE(other.status().IsInvalidArgument());

  FileWriter abandoned(AllTypesSchema(), WriterOptions());
  abandoned.Append(AllTypesBatch(5));
  abandoned.Abandon();
  EXPECT_TRUE(abandoned.Finish().status().IsFailedPrecondition());
  abandoned.Append(AllTypesBatch(5));
  EXPECT_TRUE(abandoned.status().IsFailedPrecondition());
}

TEST(ColumnBatchTest, ClearKeepsCapacityAndValidateCatchesBadBytes) {
  ColumnBatch b = AllTypesBatch(100);
  EXPECT_TRUE(b.Validate().ok());
  size_t cap = b.Int64(2).capacity();
  b.Clear();
  EXPECT_EQ(b.num_rows(), 0u);
  EXPECT_EQ(b.Int64(2).capacity(), cap);
  ColumnBatch c = AllTypesBatch(3);
  c.Bool(0)[1] = 2;
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
  EXPECT_EQ(AllTypesSchema().FindColumn("price"), 3);
  EXPECT_EQ(AllTypesSchema().FindColumn("nope"), -1);
}

}  // namespace
}  // namespace cryptolake::parquet
