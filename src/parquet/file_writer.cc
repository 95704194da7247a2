#include "cryptolake/parquet/file_writer.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>

#include "compression.h"
#include "dictionary_builder.h"
#include "encoding.h"
#include "parquet_format.h"

namespace cryptolake::parquet {

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kUncompressed:
      return "uncompressed";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

namespace {

constexpr std::string_view kMagic = "PAR1";

enum class ChunkEncoding { kPlain, kDictionary, kDelta };

int32_t CodecId(Compression c) {
  switch (c) {
    case Compression::kUncompressed:
      return format::kUncompressed;
    case Compression::kSnappy:
      return format::kSnappy;
    case Compression::kZstd:
      return format::kZstd;
  }
  return format::kUncompressed;
}

int32_t PhysicalTypeOf(ColumnType t) {
  switch (t) {
    case ColumnType::kBoolean:
      return format::kBoolean;
    case ColumnType::kInt32:
      return format::kInt32;
    case ColumnType::kInt64:
    case ColumnType::kTimestampMicros:
      return format::kInt64;
    case ColumnType::kDouble:
      return format::kDouble;
    case ColumnType::kString:
      return format::kByteArray;
  }
  return format::kInt64;
}

format::SchemaElement LeafElement(const ColumnSchema& c) {
  format::SchemaElement e;
  e.type = PhysicalTypeOf(c.type);
  e.repetition_type = c.nullable ? format::kOptional : format::kRequired;
  e.name = c.name;
  switch (c.type) {
    case ColumnType::kString:
      e.converted_type = format::kUtf8;
      e.logical = format::kStringLogical;
      break;
    case ColumnType::kInt32:
      e.converted_type = format::kInt_32;
      e.logical = format::kIntLogical;
      e.int_bit_width = 32;
      break;
    case ColumnType::kInt64:
      e.converted_type = format::kInt_64;
      e.logical = format::kIntLogical;
      e.int_bit_width = 64;
      break;
    case ColumnType::kTimestampMicros:
      e.converted_type = format::kTimestampMicros;
      e.logical = format::kTimestampLogical;
      e.ts_adjusted_to_utc = true;
      e.ts_unit = format::kMicros;
      break;
    case ColumnType::kBoolean:
    case ColumnType::kDouble:
      break;
  }
  return e;
}

template <typename T>
std::string LittleEndianBytes(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

// Strings of a chunk: value k is bytes[offsets[k] .. offsets[k+1]).
struct StringValues {
  const char* bytes = nullptr;
  const uint32_t* offsets = nullptr;
  std::string_view operator[](size_t k) const {
    return std::string_view(bytes + offsets[k], offsets[k + 1] - offsets[k]);
  }
};

// Upper bound of the DELTA_BINARY_PACKED size, from each block's delta range.
size_t EstimateDeltaBytes(const int64_t* v, size_t n) {
  size_t bytes = 16;
  for (size_t start = 1; start < n; start += 128) {
    size_t end = std::min(n, start + 128);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = start; i < end; ++i) {
      int64_t d =
          static_cast<int64_t>(static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(v[i - 1]));
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    int w = encoding::BitWidth(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo));
    bytes += 6 + static_cast<size_t>(w) * 16;  // 128 values * w bits / 8
  }
  return bytes;
}

}  // namespace

struct EncodedRowGroup::Rep {
  std::string bytes;  // column chunks, offsets relative to a row group starting at 4
  format::RowGroup meta;
};

class FileWriter::Impl {
 public:
  // `sink` null: the file accumulates in memory. `encoder_only`: no magic and
  // no file around the row groups (RowGroupEncoder).
  Impl(Schema schema, WriterOptions options, ByteSink* sink, bool encoder_only = false)
      : schema_(std::move(schema)),
        options_(std::move(options)),
        sink_(sink),
        pending_(schema_),
        compressor_(options_.compression, options_.zstd_level) {
    if (options_.row_group_rows <= 0 || options_.page_bytes <= 0) {
      status_ = Status::InvalidArgument("row_group_rows and page_bytes must be positive");
    }
    if (encoder_only) {
      // Offsets are recorded as if the row group followed the magic directly;
      // AppendEncoded relocates them to where the row group really lands.
      flushed_ = static_cast<int64_t>(kMagic.size());
    } else {
      out_.append(kMagic);
    }
  }

  void Append(const ColumnBatch& batch);
  Result<std::string> Finish();
  Result<EncodedRowGroup> EncodeRowGroup(const ColumnBatch& batch);
  void AppendEncoded(EncodedRowGroup group);
  void Abandon() {
    state_ = State::kAbandoned;
    out_.clear();
    out_.shrink_to_fit();
    pending_.Clear();
  }

  Schema schema_;
  WriterOptions options_;
  Status status_;
  int64_t rows_written_ = 0;

 private:
  enum class State { kOpen, kFinished, kAbandoned };

  Status WriteRowGroup(const ColumnBatch& batch, size_t begin, size_t count);
  Status WriteColumnChunk(const ColumnBatch& batch, size_t col, size_t begin, size_t count,
                          format::ColumnChunk* chunk);
  // Compresses page_ (the values section; for v1 also the levels) and
  // appends header + body to out_.
  Status EmitDataPage(const std::string& levels, size_t num_values, size_t num_nulls,
                      int32_t value_encoding, format::ColumnMetaData* md);
  Status EmitDictionaryPage(size_t num_values, format::ColumnMetaData* md);

  // Encodes values [va, vb) of the chunk into page_ (appending).
  template <typename T>
  void EncodeFixedValues(const T* values, size_t va, size_t vb, ChunkEncoding enc, int bit_width);
  void EncodeStringValues(StringValues values, size_t va, size_t vb, ChunkEncoding enc,
                          int bit_width);

  template <typename T, typename Key>
  Status WriteFixedChunk(const T* values, size_t nvalues, const uint8_t* validity, size_t count,
                         const ColumnSchema& cs, format::ColumnMetaData* md);
  Status WriteStringChunk(StringValues values, size_t nvalues, const uint8_t* validity,
                          size_t count, format::ColumnMetaData* md);
  // A chunk whose non-null values are all `value` (a repeated StringColumn).
  Status WriteRepeatedStringChunk(std::string_view value, size_t nvalues, const uint8_t* validity,
                                  size_t count, format::ColumnMetaData* md);
  // Splits the chunk's rows into pages of about `value_bytes` per value and
  // writes them; encode(va, vb) appends the values of one page to page_.
  template <typename EncodeFn>
  Status WritePages(const uint8_t* validity, size_t count, double value_bytes,
                    int32_t value_encoding, EncodeFn encode, format::ColumnMetaData* md);

  // File offset of the next byte: what went to the sink plus what is buffered.
  int64_t Pos() const { return flushed_ + static_cast<int64_t>(out_.size()); }
  // With a sink: hands the buffered bytes over and forgets them.
  Status FlushToSink();

  State state_ = State::kOpen;
  ByteSink* sink_ = nullptr;
  int64_t flushed_ = 0;  // bytes already handed to sink_ (encoder: the virtual start)
  std::string out_;
  ColumnBatch pending_;
  std::vector<format::RowGroup> row_groups_;
  Compressor compressor_;

  // Scratch reused across chunks and pages.
  std::string page_;
  std::string levels_;
  std::string compressed_;
  std::string header_;
  std::vector<uint32_t> indices_;
  std::vector<int64_t> compact64_;
  std::vector<int32_t> compact32_;
  std::vector<double> compactd_;
  std::vector<uint8_t> compactb_;
  StringColumn compacts_;
  FixedDictionaryBuilder<uint64_t> dict64_;
  FixedDictionaryBuilder<uint32_t> dict32_;
  StringDictionaryBuilder dicts_;
};

void FileWriter::Impl::Append(const ColumnBatch& batch) {
  if (state_ != State::kOpen) {
    if (status_.ok())
      status_ = Status::FailedPrecondition("FileWriter: Append after Finish/Abandon");
    return;
  }
  if (!status_.ok()) return;
  if (!(batch.schema() == schema_)) {
    status_ = Status::InvalidArgument("FileWriter: batch schema differs from the writer's");
    return;
  }
  Status valid = batch.Validate();
  if (!valid.ok()) {
    status_ = valid.WithContext("FileWriter");
    return;
  }
  const size_t rows = batch.num_rows();
  const size_t group = static_cast<size_t>(options_.row_group_rows);
  size_t off = 0;
  while (off < rows && status_.ok()) {
    if (pending_.num_rows() == 0 && rows - off >= group) {
      // Whole row groups are encoded straight from the caller's batch.
      status_ = WriteRowGroup(batch, off, group);
      off += group;
      continue;
    }
    size_t take = std::min(group - pending_.num_rows(), rows - off);
    pending_.AppendRows(batch, off, take);
    off += take;
    if (pending_.num_rows() == group) {
      status_ = WriteRowGroup(pending_, 0, group);
      pending_.Clear();
    }
  }
  rows_written_ += static_cast<int64_t>(rows);
}

Result<std::string> FileWriter::Impl::Finish() {
  if (state_ != State::kOpen) {
    return Status::FailedPrecondition("FileWriter: Finish after Finish/Abandon");
  }
  state_ = State::kFinished;
  if (!status_.ok()) return status_;
  if (pending_.num_rows() > 0) {
    status_ = WriteRowGroup(pending_, 0, pending_.num_rows());
    pending_.Clear();
    if (!status_.ok()) return status_;
  }
  format::FileMetaData md;
  md.version = 1;
  format::SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(schema_.columns.size());
  md.schema.push_back(root);
  for (const ColumnSchema& c : schema_.columns) md.schema.push_back(LeafElement(c));
  md.num_rows = rows_written_;
  md.row_groups = std::move(row_groups_);
  md.key_value_metadata = options_.key_value_metadata;
  md.created_by = options_.created_by;
  md.type_defined_column_orders = static_cast<int32_t>(schema_.columns.size());
  size_t footer_start = out_.size();
  format::SerializeFileMetaData(md, &out_);
  uint32_t footer_len = static_cast<uint32_t>(out_.size() - footer_start);
  out_.append(LittleEndianBytes(footer_len));
  out_.append(kMagic);
  if (sink_ != nullptr) {
    status_ = FlushToSink();
    if (!status_.ok()) return status_;
    return std::string();
  }
  return std::move(out_);
}

Status FileWriter::Impl::FlushToSink() {
  if (sink_ == nullptr || out_.empty()) return Status::OK();
  Status st = sink_->Append(out_);
  flushed_ += static_cast<int64_t>(out_.size());
  out_.clear();
  return st;
}

Result<EncodedRowGroup> FileWriter::Impl::EncodeRowGroup(const ColumnBatch& batch) {
  if (!status_.ok()) return status_;
  if (!(batch.schema() == schema_)) {
    return Status::InvalidArgument("RowGroupEncoder: batch schema differs from the encoder's");
  }
  CL_RETURN_IF_ERROR(batch.Validate().WithContext("RowGroupEncoder"));
  out_.clear();
  row_groups_.clear();
  CL_RETURN_IF_ERROR(WriteRowGroup(batch, 0, batch.num_rows()));
  EncodedRowGroup g;
  g.rep_ = std::make_unique<EncodedRowGroup::Rep>();
  g.rep_->bytes.assign(out_);  // copy: out_ keeps its capacity for the next group
  g.rep_->meta = std::move(row_groups_.front());
  row_groups_.clear();
  return g;
}

void FileWriter::Impl::AppendEncoded(EncodedRowGroup group) {
  if (state_ != State::kOpen) {
    if (status_.ok())
      status_ = Status::FailedPrecondition("FileWriter: AppendEncoded after Finish/Abandon");
    return;
  }
  if (!status_.ok()) return;
  if (group.rep_ == nullptr) {
    status_ = Status::InvalidArgument("FileWriter: empty EncodedRowGroup");
    return;
  }
  if (pending_.num_rows() > 0) {
    status_ = Status::FailedPrecondition(
        "FileWriter: AppendEncoded while rows from Append wait for their row group");
    return;
  }
  format::RowGroup& rg = group.rep_->meta;
  const int64_t delta = Pos() - static_cast<int64_t>(kMagic.size());
  if (rg.file_offset) *rg.file_offset += delta;
  for (format::ColumnChunk& c : rg.columns) {
    c.file_offset += delta;
    if (c.meta_data) {
      c.meta_data->data_page_offset += delta;
      if (c.meta_data->dictionary_page_offset) *c.meta_data->dictionary_page_offset += delta;
    }
  }
  rg.ordinal = static_cast<int16_t>(std::min<size_t>(row_groups_.size(), INT16_MAX));
  rows_written_ += rg.num_rows;
  row_groups_.push_back(std::move(rg));
  out_.append(group.rep_->bytes);
  status_ = FlushToSink();
}

Status FileWriter::Impl::WriteRowGroup(const ColumnBatch& batch, size_t begin, size_t count) {
  format::RowGroup rg;
  rg.num_rows = static_cast<int64_t>(count);
  rg.file_offset = Pos();
  const int64_t group_start = Pos();
  for (size_t c = 0; c < schema_.columns.size(); ++c) {
    format::ColumnChunk chunk;
    CL_RETURN_IF_ERROR(WriteColumnChunk(batch, c, begin, count, &chunk)
                           .WithContext("column '" + schema_.columns[c].name + "'"));
    rg.total_byte_size += chunk.meta_data->total_uncompressed_size;
    rg.columns.push_back(std::move(chunk));
  }
  rg.total_compressed_size = Pos() - group_start;
  rg.ordinal = static_cast<int16_t>(std::min<size_t>(row_groups_.size(), INT16_MAX));
  row_groups_.push_back(std::move(rg));
  return FlushToSink();
}

template <typename T>
static const T* CompactValues(const T* values, const uint8_t* validity, size_t count,
                              size_t nvalues, std::vector<T>* scratch) {
  if (validity == nullptr || nvalues == count) return values;
  scratch->resize(nvalues);
  size_t k = 0;
  for (size_t i = 0; i < count; ++i) {
    if (validity[i]) (*scratch)[k++] = values[i];
  }
  return scratch->data();
}

Status FileWriter::Impl::WriteColumnChunk(const ColumnBatch& batch, size_t col, size_t begin,
                                          size_t count, format::ColumnChunk* chunk) {
  const ColumnSchema& cs = schema_.columns[col];
  const uint8_t* validity = cs.nullable ? batch.Validity(col).data() + begin : nullptr;
  size_t nvalues = count;
  if (validity != nullptr) {
    nvalues = 0;
    for (size_t i = 0; i < count; ++i) nvalues += validity[i];
  }
  format::ColumnMetaData md;
  md.type = PhysicalTypeOf(cs.type);
  md.path_in_schema = {cs.name};
  md.codec = CodecId(options_.compression);
  md.num_values = static_cast<int64_t>(count);
  md.statistics.emplace();
  md.statistics->null_count = static_cast<int64_t>(count - nvalues);
  const int64_t chunk_start = Pos();
  Status st;
  switch (cs.type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestampMicros: {
      const int64_t* v =
          CompactValues(batch.Int64(col).data() + begin, validity, count, nvalues, &compact64_);
      st = WriteFixedChunk<int64_t, uint64_t>(v, nvalues, validity, count, cs, &md);
      break;
    }
    case ColumnType::kInt32: {
      const int32_t* v =
          CompactValues(batch.Int32(col).data() + begin, validity, count, nvalues, &compact32_);
      st = WriteFixedChunk<int32_t, uint32_t>(v, nvalues, validity, count, cs, &md);
      break;
    }
    case ColumnType::kDouble: {
      const double* v =
          CompactValues(batch.Double(col).data() + begin, validity, count, nvalues, &compactd_);
      st = WriteFixedChunk<double, uint64_t>(v, nvalues, validity, count, cs, &md);
      break;
    }
    case ColumnType::kBoolean: {
      const uint8_t* v =
          CompactValues(batch.Bool(col).data() + begin, validity, count, nvalues, &compactb_);
      st = WriteFixedChunk<uint8_t, uint32_t>(v, nvalues, validity, count, cs, &md);
      break;
    }
    case ColumnType::kString: {
      const StringColumn& s = batch.String(col);
      if (s.is_repeated()) {
        st = WriteRepeatedStringChunk(s.repeated_value(), nvalues, validity, count, &md);
        break;
      }
      StringValues values{s.bytes().data(), s.offsets().data() + begin};
      if (validity != nullptr && nvalues != count) {
        compacts_.Clear();
        for (size_t i = 0; i < count; ++i) {
          if (validity[i]) compacts_.Append(s[begin + i]);
        }
        values = StringValues{compacts_.bytes().data(), compacts_.offsets().data()};
      }
      st = WriteStringChunk(values, nvalues, validity, count, &md);
      break;
    }
  }
  CL_RETURN_IF_ERROR(st);
  chunk->file_offset = chunk_start;
  chunk->meta_data = std::move(md);
  return Status::OK();
}

template <typename T, typename Key>
Status FileWriter::Impl::WriteFixedChunk(const T* values, size_t nvalues, const uint8_t* validity,
                                         size_t count, const ColumnSchema& cs,
                                         format::ColumnMetaData* md) {
  constexpr bool kIsBool = std::is_same_v<T, uint8_t>;
  constexpr bool kIsDouble = std::is_same_v<T, double>;
  ChunkEncoding enc = ChunkEncoding::kPlain;
  int bit_width = 0;
  const T* stat_values = values;  // statistics come from the dictionary when there is one
  size_t stat_count = nvalues;
  std::vector<T> dict_values;
  if constexpr (!kIsBool) {
    // Size of the best non-dictionary encoding: PLAIN, or DELTA_BINARY_PACKED
    // for int64 when enabled and smaller.
    size_t fallback_size = nvalues * sizeof(T);
    if constexpr (std::is_same_v<T, int64_t>) {
      if (options_.delta_for_int64 && nvalues > 0) {
        size_t delta_size = EstimateDeltaBytes(values, nvalues);
        if (delta_size < fallback_size) {
          fallback_size = delta_size;
          enc = ChunkEncoding::kDelta;
        }
      }
    }
    if (options_.enable_dictionary && nvalues > 0) {
      // A dictionary only pays off if its values (sizeof(T) each) plus the
      // indices (>= log2(distinct) bits each) beat the fallback, which bounds
      // the distinct count worth trying: sorted ids give up after a few
      // thousand values instead of filling a large hash table.
      double fallback_bits = 8.0 * static_cast<double>(fallback_size) / nvalues;
      size_t by_bits = static_cast<size_t>(std::exp2(std::min(fallback_bits, 30.0)));
      size_t max_values = std::min<size_t>(
          {static_cast<size_t>(std::max<int64_t>(1, options_.dictionary_max_values)),
           static_cast<size_t>(std::max<int64_t>(1, options_.dictionary_max_bytes / sizeof(T))),
           fallback_size / sizeof(T) + 1, by_bits + 1});
      indices_.resize(nvalues);
      auto& builder = [&]() -> FixedDictionaryBuilder<Key>& {
        if constexpr (sizeof(Key) == 8)
          return dict64_;
        else
          return dict32_;
      }();
      if (builder.Build(values, nvalues, max_values, indices_.data())) {
        size_t distinct = builder.keys().size();
        int width = std::max(1, encoding::BitWidth(distinct - 1));
        size_t dict_size = distinct * sizeof(T) + nvalues * width / 8;
        if (dict_size < fallback_size) {
          enc = ChunkEncoding::kDictionary;
          bit_width = width;
          dict_values.resize(distinct);
          std::memcpy(dict_values.data(), builder.keys().data(), distinct * sizeof(T));
          stat_values = dict_values.data();
          stat_count = distinct;
        }
      }
    }
  }

  // Statistics: doubles skip NaN and widen zeros (-0 as min, +0 as max).
  bool have = false;
  T lo{}, hi{};
  for (size_t i = 0; i < stat_count; ++i) {
    T v = stat_values[i];
    if constexpr (kIsDouble) {
      if (std::isnan(v)) continue;
    }
    if (!have) {
      lo = hi = v;
      have = true;
    } else {
      if (v < lo) lo = v;
      if (hi < v) hi = v;
    }
  }
  if (have) {
    if constexpr (kIsDouble) {
      if (lo == 0.0) lo = -0.0;
      if (hi == 0.0) hi = 0.0;
    }
    std::string min_bytes, max_bytes;
    if constexpr (kIsBool) {
      min_bytes = std::string(1, static_cast<char>(lo));
      max_bytes = std::string(1, static_cast<char>(hi));
    } else {
      min_bytes = LittleEndianBytes(lo);
      max_bytes = LittleEndianBytes(hi);
    }
    md->statistics->min_value = min_bytes;
    md->statistics->max_value = max_bytes;
    // Legacy min/max use signed comparison, which matches these types.
    md->statistics->min = std::move(min_bytes);
    md->statistics->max = std::move(max_bytes);
  }

  if (enc == ChunkEncoding::kDictionary) {
    page_.clear();
    page_.append(reinterpret_cast<const char*>(dict_values.data()), dict_values.size() * sizeof(T));
    CL_RETURN_IF_ERROR(EmitDictionaryPage(dict_values.size(), md));
    md->encodings = {format::kPlain, format::kRleDictionary};
    return WritePages(
        validity, count, bit_width / 8.0, format::kRleDictionary,
        [&](size_t va, size_t vb) { EncodeFixedValues(values, va, vb, enc, bit_width); }, md);
  }
  if (enc == ChunkEncoding::kDelta) {
    md->encodings = {format::kDeltaBinaryPacked};
    return WritePages(
        validity, count, 4.0, format::kDeltaBinaryPacked,
        [&](size_t va, size_t vb) { EncodeFixedValues(values, va, vb, enc, 0); }, md);
  }
  md->encodings = {format::kPlain};
  return WritePages(
      validity, count, kIsBool ? 1.0 / 8 : static_cast<double>(sizeof(T)), format::kPlain,
      [&](size_t va, size_t vb) { EncodeFixedValues(values, va, vb, enc, 0); }, md);
}

template <typename T>
void FileWriter::Impl::EncodeFixedValues(const T* values, size_t va, size_t vb, ChunkEncoding enc,
                                         int bit_width) {
  switch (enc) {
    case ChunkEncoding::kDictionary:
      page_.push_back(static_cast<char>(bit_width));
      encoding::EncodeRleHybrid(indices_.data() + va, vb - va, bit_width, &page_);
      return;
    case ChunkEncoding::kDelta:
      if constexpr (std::is_same_v<T, int64_t>) {
        encoding::EncodeDeltaBinaryPacked(values + va, vb - va, &page_);
      }
      return;
    case ChunkEncoding::kPlain:
      if constexpr (std::is_same_v<T, uint8_t>) {
        encoding::EncodePlainBooleans(values + va, vb - va, &page_);
      } else {
        page_.append(reinterpret_cast<const char*>(values + va), (vb - va) * sizeof(T));
      }
      return;
  }
}

Status FileWriter::Impl::WriteStringChunk(StringValues values, size_t nvalues,
                                          const uint8_t* validity, size_t count,
                                          format::ColumnMetaData* md) {
  ChunkEncoding enc = ChunkEncoding::kPlain;
  int bit_width = 0;
  const size_t total_bytes = nvalues == 0 ? 0 : values.offsets[nvalues] - values.offsets[0];
  if (options_.enable_dictionary && nvalues > 0) {
    indices_.resize(nvalues);
    if (dicts_.Build(values.bytes, values.offsets, nvalues,
                     static_cast<size_t>(std::max<int64_t>(1, options_.dictionary_max_values)),
                     static_cast<size_t>(std::max<int64_t>(0, options_.dictionary_max_bytes)),
                     indices_.data())) {
      size_t distinct = dicts_.keys().size();
      bit_width = std::max(1, encoding::BitWidth(distinct - 1));
      size_t dict_size = dicts_.keys().bytes().size() + 4 * distinct + nvalues * bit_width / 8;
      if (dict_size < total_bytes + 4 * nvalues) enc = ChunkEncoding::kDictionary;
    }
  }
  // Statistics in unsigned byte order (std::string_view compares as unsigned
  // char); no legacy min/max, whose historic order for binary was signed.
  StringValues stat_values = values;
  size_t stat_count = nvalues;
  if (enc == ChunkEncoding::kDictionary) {
    stat_values = StringValues{dicts_.keys().bytes().data(), dicts_.keys().offsets().data()};
    stat_count = dicts_.keys().size();
  }
  if (stat_count > 0) {
    std::string_view lo = stat_values[0], hi = stat_values[0];
    for (size_t i = 1; i < stat_count; ++i) {
      std::string_view v = stat_values[i];
      if (v < lo) lo = v;
      if (hi < v) hi = v;
    }
    md->statistics->min_value = std::string(lo);
    md->statistics->max_value = std::string(hi);
  }
  if (enc == ChunkEncoding::kDictionary) {
    page_.clear();
    const StringColumn& keys = dicts_.keys();
    EncodeStringValues(StringValues{keys.bytes().data(), keys.offsets().data()}, 0, keys.size(),
                       ChunkEncoding::kPlain, 0);
    CL_RETURN_IF_ERROR(EmitDictionaryPage(keys.size(), md));
    md->encodings = {format::kPlain, format::kRleDictionary};
    return WritePages(
        validity, count, bit_width / 8.0, format::kRleDictionary,
        [&](size_t va, size_t vb) { EncodeStringValues(values, va, vb, enc, bit_width); }, md);
  }
  md->encodings = {format::kPlain};
  double per_value = nvalues == 0 ? 4.0 : 4.0 + static_cast<double>(total_bytes) / nvalues;
  return WritePages(
      validity, count, per_value, format::kPlain,
      [&](size_t va, size_t vb) { EncodeStringValues(values, va, vb, enc, 0); }, md);
}

Status FileWriter::Impl::WriteRepeatedStringChunk(std::string_view value, size_t nvalues,
                                                  const uint8_t* validity, size_t count,
                                                  format::ColumnMetaData* md) {
  // The choice WriteStringChunk would make for this chunk: a one-entry
  // dictionary (bit width 1, as there) when enabled and smaller than PLAIN.
  const size_t total_bytes = value.size() * nvalues;
  const bool dictionary =
      options_.enable_dictionary && nvalues > 0 &&
      static_cast<int64_t>(value.size()) <= std::max<int64_t>(0, options_.dictionary_max_bytes) &&
      value.size() + 4 + nvalues / 8 < total_bytes + 4 * nvalues;
  if (!dictionary) {
    compacts_.Clear();
    compacts_.Reserve(nvalues, total_bytes);
    for (size_t i = 0; i < nvalues; ++i) compacts_.Append(value);
    // compacts_ was empty and Append never starts the repeated form.
    return WriteStringChunk(StringValues{compacts_.bytes().data(), compacts_.offsets().data()},
                            nvalues, validity, count, md);
  }
  md->statistics->min_value = std::string(value);
  md->statistics->max_value = std::string(value);
  page_.clear();
  const uint32_t len = static_cast<uint32_t>(value.size());
  page_.append(reinterpret_cast<const char*>(&len), 4);
  page_.append(value.data(), value.size());
  CL_RETURN_IF_ERROR(EmitDictionaryPage(1, md));
  md->encodings = {format::kPlain, format::kRleDictionary};
  constexpr int kBitWidth = 1;
  return WritePages(
      validity, count, kBitWidth / 8.0, format::kRleDictionary,
      [&](size_t va, size_t vb) {
        page_.push_back(static_cast<char>(kBitWidth));
        encoding::EncodeRleHybridRepeated(0, vb - va, kBitWidth, &page_);
      },
      md);
}

void FileWriter::Impl::EncodeStringValues(StringValues values, size_t va, size_t vb,
                                          ChunkEncoding enc, int bit_width) {
  if (enc == ChunkEncoding::kDictionary) {
    page_.push_back(static_cast<char>(bit_width));
    encoding::EncodeRleHybrid(indices_.data() + va, vb - va, bit_width, &page_);
    return;
  }
  size_t start = page_.size();
  size_t bytes = values.offsets[vb] - values.offsets[va];
  page_.resize(start + bytes + 4 * (vb - va));
  char* dst = page_.data() + start;
  for (size_t k = va; k < vb; ++k) {
    uint32_t len = values.offsets[k + 1] - values.offsets[k];
    std::memcpy(dst, &len, 4);
    std::memcpy(dst + 4, values.bytes + values.offsets[k], len);
    dst += 4 + len;
  }
}

template <typename EncodeFn>
Status FileWriter::Impl::WritePages(const uint8_t* validity, size_t count, double value_bytes,
                                    int32_t value_encoding, EncodeFn encode,
                                    format::ColumnMetaData* md) {
  // Rows per page from the per-value size estimate; at least one row, and
  // small enough that page counts fit Thrift's i32.
  double rows = static_cast<double>(options_.page_bytes) / std::max(value_bytes, 1.0 / 64);
  size_t rows_per_page = static_cast<size_t>(std::clamp(rows, 1.0, double{1 << 24}));
  size_t va = 0;
  size_t row = 0;
  bool first = true;
  while (row < count || first) {
    first = false;
    size_t end = std::min(count, row + rows_per_page);
    size_t nonnull = end - row;
    levels_.clear();
    if (validity != nullptr) {
      nonnull = 0;
      for (size_t i = row; i < end; ++i) nonnull += validity[i];
      encoding::EncodeRleHybrid(validity + row, end - row, 1, &levels_);
    }
    page_.clear();
    encode(va, va + nonnull);
    CL_RETURN_IF_ERROR(EmitDataPage(levels_, end - row, (end - row) - nonnull, value_encoding, md));
    va += nonnull;
    row = end;
  }
  if (validity != nullptr) md->encodings.push_back(format::kRle);
  return Status::OK();
}

Status FileWriter::Impl::EmitDictionaryPage(size_t num_values, format::ColumnMetaData* md) {
  if (page_.size() > INT32_MAX / 2) return Status::InvalidArgument("dictionary page too large");
  compressed_.clear();
  CL_RETURN_IF_ERROR(compressor_.Compress(page_, &compressed_));
  format::PageHeader h;
  h.type = format::kDictionaryPage;
  h.uncompressed_page_size = static_cast<int32_t>(page_.size());
  h.compressed_page_size = static_cast<int32_t>(compressed_.size());
  h.dictionary_page_header.emplace();
  h.dictionary_page_header->num_values = static_cast<int32_t>(num_values);
  h.dictionary_page_header->encoding = format::kPlain;
  header_.clear();
  format::SerializePageHeader(h, &header_);
  md->dictionary_page_offset = Pos();
  out_.append(header_);
  out_.append(compressed_);
  md->total_uncompressed_size += static_cast<int64_t>(header_.size() + page_.size());
  md->total_compressed_size += static_cast<int64_t>(header_.size() + compressed_.size());
  return Status::OK();
}

Status FileWriter::Impl::EmitDataPage(const std::string& levels, size_t num_values,
                                      size_t num_nulls, int32_t value_encoding,
                                      format::ColumnMetaData* md) {
  if (page_.size() + levels.size() > INT32_MAX / 2) {
    return Status::InvalidArgument("data page too large");
  }
  format::PageHeader h;
  compressed_.clear();
  size_t uncompressed;
  if (options_.data_page_v2) {
    // v2: levels stay uncompressed in front of the compressed values.
    compressed_.append(levels);
    CL_RETURN_IF_ERROR(compressor_.Compress(page_, &compressed_));
    uncompressed = levels.size() + page_.size();
    h.type = format::kDataPageV2;
    auto& d = h.data_page_header_v2.emplace();
    d.num_values = static_cast<int32_t>(num_values);
    d.num_nulls = static_cast<int32_t>(num_nulls);
    d.num_rows = static_cast<int32_t>(num_values);
    d.encoding = value_encoding;
    d.definition_levels_byte_length = static_cast<int32_t>(levels.size());
    d.repetition_levels_byte_length = 0;
    d.is_compressed = options_.compression != Compression::kUncompressed;
  } else {
    // v1: [u32 levels length][levels][values], compressed as a whole.
    if (!levels.empty()) {
      std::string body;
      body.reserve(4 + levels.size() + page_.size());
      body.append(LittleEndianBytes(static_cast<uint32_t>(levels.size())));
      body.append(levels);
      body.append(page_);
      page_.swap(body);
    }
    CL_RETURN_IF_ERROR(compressor_.Compress(page_, &compressed_));
    uncompressed = page_.size();
    h.type = format::kDataPage;
    auto& d = h.data_page_header.emplace();
    d.num_values = static_cast<int32_t>(num_values);
    d.encoding = value_encoding;
    d.definition_level_encoding = format::kRle;
    d.repetition_level_encoding = format::kRle;
  }
  h.uncompressed_page_size = static_cast<int32_t>(uncompressed);
  h.compressed_page_size = static_cast<int32_t>(compressed_.size());
  header_.clear();
  format::SerializePageHeader(h, &header_);
  if (md->data_page_offset == 0) md->data_page_offset = Pos();
  out_.append(header_);
  out_.append(compressed_);
  md->total_uncompressed_size += static_cast<int64_t>(header_.size() + uncompressed);
  md->total_compressed_size += static_cast<int64_t>(header_.size() + compressed_.size());
  return Status::OK();
}

// ---- FileWriter --------------------------------------------------------------

EncodedRowGroup::EncodedRowGroup() = default;
EncodedRowGroup::~EncodedRowGroup() = default;
EncodedRowGroup::EncodedRowGroup(EncodedRowGroup&&) noexcept = default;
EncodedRowGroup& EncodedRowGroup::operator=(EncodedRowGroup&&) noexcept = default;
int64_t EncodedRowGroup::num_rows() const { return rep_ ? rep_->meta.num_rows : 0; }
size_t EncodedRowGroup::byte_size() const { return rep_ ? rep_->bytes.size() : 0; }

RowGroupEncoder::RowGroupEncoder(Schema schema, WriterOptions options)
    : impl_(std::make_unique<FileWriter::Impl>(std::move(schema), std::move(options), nullptr,
                                               /*encoder_only=*/true)) {}
RowGroupEncoder::~RowGroupEncoder() = default;
RowGroupEncoder::RowGroupEncoder(RowGroupEncoder&&) noexcept = default;
RowGroupEncoder& RowGroupEncoder::operator=(RowGroupEncoder&&) noexcept = default;
Result<EncodedRowGroup> RowGroupEncoder::Encode(const ColumnBatch& batch) {
  return impl_->EncodeRowGroup(batch);
}

FileWriter::FileWriter(Schema schema, WriterOptions options, ByteSink* sink)
    : impl_(std::make_unique<Impl>(std::move(schema), std::move(options), sink)) {}
void FileWriter::AppendEncoded(EncodedRowGroup group) { impl_->AppendEncoded(std::move(group)); }
FileWriter::~FileWriter() = default;
FileWriter::FileWriter(FileWriter&&) noexcept = default;
FileWriter& FileWriter::operator=(FileWriter&&) noexcept = default;

void FileWriter::Append(const ColumnBatch& batch) { impl_->Append(batch); }
Status FileWriter::status() const { return impl_->status_; }
Result<std::string> FileWriter::Finish() { return impl_->Finish(); }
void FileWriter::Abandon() { impl_->Abandon(); }
int64_t FileWriter::rows_written() const { return impl_->rows_written_; }
const Schema& FileWriter::schema() const { return impl_->schema_; }

}  // namespace cryptolake::parquet
