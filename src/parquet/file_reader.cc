#include "cryptolake/parquet/file_reader.h"

#include <algorithm>
#include <cstring>

#include "compression.h"
#include "encoding.h"
#include "parquet_format.h"

namespace cryptolake::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";
// Pages above this size are rejected rather than allocated (ours are ~1 MiB).
constexpr int64_t kMaxPageBytes = 256ll << 20;

uint32_t LoadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

Result<Compression> CompressionOf(int32_t codec) {
  switch (codec) {
    case format::kUncompressed:
      return Compression::kUncompressed;
    case format::kSnappy:
      return Compression::kSnappy;
    case format::kZstd:
      return Compression::kZstd;
    default:
      return Status::InvalidArgument("unsupported compression codec " + std::to_string(codec));
  }
}

// Maps a leaf schema element to a column; *ts_scale receives 1000 for
// TIMESTAMP(MILLIS) columns (read as micros), else 1.
Result<ColumnSchema> ColumnOf(const format::SchemaElement& e, int64_t* ts_scale) {
  ColumnSchema c;
  c.name = e.name;
  *ts_scale = 1;
  if (!e.type) return Status::Corruption("column '" + e.name + "' has no physical type");
  int32_t rep = e.repetition_type.value_or(format::kRequired);
  if (rep == format::kRepeated) {
    return Status::InvalidArgument("column '" + e.name +
                                   "' is REPEATED; only flat schemas are read");
  }
  if (rep != format::kRequired && rep != format::kOptional) {
    return Status::Corruption("column '" + e.name + "' has bad repetition");
  }
  c.nullable = rep == format::kOptional;
  switch (*e.type) {
    case format::kBoolean:
      c.type = ColumnType::kBoolean;
      break;
    case format::kInt32:
      c.type = ColumnType::kInt32;
      break;
    case format::kDouble:
      c.type = ColumnType::kDouble;
      break;
    case format::kByteArray:
      c.type = ColumnType::kString;
      break;
    case format::kInt64: {
      c.type = ColumnType::kInt64;
      int unit = 0;
      if (e.logical == format::kTimestampLogical) {
        unit = e.ts_unit;
      } else if (e.converted_type == format::kTimestampMicros) {
        unit = format::kMicros;
      } else if (e.converted_type == format::kTimestampMillis) {
        unit = format::kMillis;
      }
      if (unit == format::kMicros) {
        c.type = ColumnType::kTimestampMicros;
      } else if (unit == format::kMillis) {
        c.type = ColumnType::kTimestampMicros;
        *ts_scale = 1000;
      } else if (unit != 0) {
        return Status::InvalidArgument("column '" + e.name + "': timestamp unit not supported");
      }
      break;
    }
    default:
      return Status::InvalidArgument("column '" + e.name + "': physical type " +
                                     std::to_string(*e.type) + " not supported");
  }
  return c;
}

// Decoded values of one page before nulls are spread in.
struct PageValues {
  std::vector<int64_t> i64;
  std::vector<int32_t> i32;
  std::vector<double> f64;
  std::vector<uint8_t> b;
  StringColumn s;
};

// Dictionary of a column chunk.
struct Dictionary {
  bool present = false;
  PageValues values;
  size_t size = 0;
};

Status DecodePlainStrings(const uint8_t* p, size_t size, size_t n, StringColumn* out) {
  const uint8_t* end = p + size;
  for (size_t i = 0; i < n; ++i) {
    if (end - p < 4) return Status::Corruption("plain byte array: truncated length");
    uint32_t len = LoadU32(reinterpret_cast<const char*>(p));
    p += 4;
    if (len > static_cast<size_t>(end - p))
      return Status::Corruption("plain byte array: truncated value");
    out->Append(std::string_view(reinterpret_cast<const char*>(p), len));
    p += len;
  }
  return Status::OK();
}

template <typename T>
Status DecodePlainFixed(const uint8_t* p, size_t size, size_t n, std::vector<T>* out) {
  if (n > size / sizeof(T)) return Status::Corruption("plain values: page too short");
  out->resize(n);
  if (n > 0) std::memcpy(out->data(), p, n * sizeof(T));
  return Status::OK();
}

// Decodes `n` PLAIN values of `type` into the matching PageValues member.
Status DecodePlain(ColumnType type, int32_t physical, const uint8_t* p, size_t size, size_t n,
                   PageValues* v) {
  switch (type) {
    case ColumnType::kBoolean:
      v->b.resize(n);
      return encoding::DecodePlainBooleans(p, size, n, v->b.data());
    case ColumnType::kInt32:
      return DecodePlainFixed(p, size, n, &v->i32);
    case ColumnType::kInt64:
    case ColumnType::kTimestampMicros:
      return DecodePlainFixed(p, size, n, &v->i64);
    case ColumnType::kDouble:
      return DecodePlainFixed(p, size, n, &v->f64);
    case ColumnType::kString:
      v->s.Clear();
      return DecodePlainStrings(p, size, n, &v->s);
  }
  return Status::Internal("bad column type");
}

}  // namespace

struct FileReader::Impl {
  std::string bytes;
  format::FileMetaData md;
  Schema schema;
  std::vector<int64_t> ts_scale;
  std::vector<std::vector<ColumnChunkInfo>> chunks;
  std::string created_by;
  int64_t footer_start = 0;

  Status ReadRowGroupInto(int rg, ColumnBatch* out) const;
  // Rows worth reserving up front: the declared count, but never more than a
  // generous multiple of the file size, so a lying footer cannot make us
  // allocate gigabytes before any page is checked.
  size_t ReservableRows(int64_t rows) const {
    return static_cast<size_t>(std::min<int64_t>(
        std::max<int64_t>(rows, 0), static_cast<int64_t>(bytes.size()) * 64));
  }
  // Appends the decoded values of one column chunk to column `col` of *out.
  Status ReadColumnChunk(int rg, int col, ColumnBatch* out) const;
  Status DecodeDataPage(ColumnType type, int32_t physical, int32_t encoding, const uint8_t* levels,
                        size_t n, size_t nonnull, const uint8_t* data, size_t size,
                        const Dictionary& dict, PageValues* scratch, size_t col,
                        ColumnBatch* out) const;
};

Result<FileReader> FileReader::Open(std::string file_bytes) {
  auto impl = std::make_unique<Impl>();
  impl->bytes = std::move(file_bytes);
  const std::string& b = impl->bytes;
  if (b.size() < 12) {
    return Status::Corruption("parquet: file of " + std::to_string(b.size()) +
                              " bytes is too small");
  }
  if (std::string_view(b.data(), 4) != kMagic ||
      std::string_view(b.data() + b.size() - 4, 4) != kMagic) {
    if (std::string_view(b.data() + b.size() - 4, 4) == "PARE") {
      return Status::InvalidArgument("parquet: encrypted footers are not supported");
    }
    return Status::Corruption("parquet: bad magic (not a Parquet file)");
  }
  uint32_t footer_len = LoadU32(b.data() + b.size() - 8);
  if (footer_len > b.size() - 12) {
    return Status::Corruption("parquet: footer length " + std::to_string(footer_len) +
                              " exceeds file size " + std::to_string(b.size()));
  }
  impl->footer_start = static_cast<int64_t>(b.size() - 8 - footer_len);
  CL_ASSIGN_OR_RETURN(impl->md, format::ParseFileMetaData(
                                    std::string_view(b.data() + impl->footer_start, footer_len)));
  const format::FileMetaData& md = impl->md;
  if (md.schema.empty()) return Status::Corruption("parquet: empty schema");
  const size_t ncols = static_cast<size_t>(std::max(0, md.schema[0].num_children.value_or(0)));
  if (md.schema.size() != ncols + 1) {
    return Status::InvalidArgument(
        "parquet: nested or inconsistent schema (" + std::to_string(md.schema.size()) +
        " elements, root has " + std::to_string(ncols) + " children); only flat schemas are read");
  }
  for (size_t i = 1; i < md.schema.size(); ++i) {
    if (md.schema[i].num_children.value_or(0) != 0) {
      return Status::InvalidArgument("parquet: nested column '" + md.schema[i].name +
                                     "' is not supported");
    }
    int64_t scale;
    CL_ASSIGN_OR_RETURN(ColumnSchema c, ColumnOf(md.schema[i], &scale));
    impl->schema.columns.push_back(std::move(c));
    impl->ts_scale.push_back(scale);
  }
  if (md.num_rows < 0) return Status::Corruption("parquet: negative num_rows");
  int64_t total_rows = 0;
  for (size_t g = 0; g < md.row_groups.size(); ++g) {
    const format::RowGroup& rg = md.row_groups[g];
    const std::string where = "parquet: row group " + std::to_string(g);
    if (rg.num_rows < 0 || rg.num_rows > INT32_MAX) {
      return Status::Corruption(where + ": bad num_rows " + std::to_string(rg.num_rows));
    }
    total_rows += rg.num_rows;
    if (rg.columns.size() != ncols) {
      return Status::Corruption(where + ": has " + std::to_string(rg.columns.size()) +
                                " columns, schema has " + std::to_string(ncols));
    }
    std::vector<ColumnChunkInfo> infos;
    for (size_t c = 0; c < ncols; ++c) {
      const format::ColumnChunk& cc = rg.columns[c];
      const std::string cwhere = where + " column '" + impl->schema.columns[c].name + "'";
      if (cc.file_path)
        return Status::InvalidArgument(cwhere + ": external column chunks unsupported");
      if (!cc.meta_data) return Status::Corruption(cwhere + ": no column metadata");
      const format::ColumnMetaData& m = *cc.meta_data;
      if (m.type != *md.schema[c + 1].type) {
        return Status::Corruption(cwhere + ": chunk type differs from schema type");
      }
      if (m.num_values != rg.num_rows) {
        return Status::Corruption(cwhere + ": num_values " + std::to_string(m.num_values) +
                                  " differs from row count " + std::to_string(rg.num_rows));
      }
      if (m.total_compressed_size < 0 || m.data_page_offset < 4 ||
          m.data_page_offset > impl->footer_start || m.total_compressed_size > impl->footer_start) {
        return Status::Corruption(cwhere + ": chunk offsets outside the file");
      }
      ColumnChunkInfo info;
      CL_ASSIGN_OR_RETURN(info.codec, CompressionOf(m.codec));
      for (int32_t e : m.encodings) info.encodings.push_back(static_cast<Encoding>(e));
      info.num_values = m.num_values;
      info.total_compressed_size = m.total_compressed_size;
      info.total_uncompressed_size = m.total_uncompressed_size;
      info.data_page_offset = m.data_page_offset;
      info.dictionary_page_offset = m.dictionary_page_offset;
      if (m.statistics) {
        info.null_count = m.statistics->null_count;
        info.min_value = m.statistics->min_value;
        info.max_value = m.statistics->max_value;
      }
      infos.push_back(std::move(info));
    }
    impl->chunks.push_back(std::move(infos));
  }
  if (total_rows != md.num_rows) {
    return Status::Corruption("parquet: row groups hold " + std::to_string(total_rows) +
                              " rows, footer says " + std::to_string(md.num_rows));
  }
  impl->created_by = md.created_by.value_or("");
  return FileReader(std::move(impl));
}

FileReader::FileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileReader::FileReader(FileReader&&) noexcept = default;
FileReader& FileReader::operator=(FileReader&&) noexcept = default;
FileReader::~FileReader() = default;

const Schema& FileReader::schema() const { return impl_->schema; }
int64_t FileReader::num_rows() const { return impl_->md.num_rows; }
int FileReader::num_row_groups() const { return static_cast<int>(impl_->md.row_groups.size()); }
int64_t FileReader::row_group_num_rows(int rg) const {
  return impl_->md.row_groups.at(rg).num_rows;
}
const std::string& FileReader::created_by() const { return impl_->created_by; }
const std::vector<std::pair<std::string, std::string>>& FileReader::key_value_metadata() const {
  return impl_->md.key_value_metadata;
}
const ColumnChunkInfo& FileReader::column_chunk(int rg, int col) const {
  return impl_->chunks.at(rg).at(col);
}

Result<ColumnBatch> FileReader::ReadRowGroup(int row_group) const {
  if (row_group < 0 || row_group >= num_row_groups()) {
    return Status::InvalidArgument("row group " + std::to_string(row_group) + " out of range");
  }
  ColumnBatch out(impl_->schema);
  out.Reserve(impl_->ReservableRows(impl_->md.row_groups[row_group].num_rows));
  CL_RETURN_IF_ERROR(impl_->ReadRowGroupInto(row_group, &out));
  return out;
}

Result<ColumnBatch> FileReader::ReadAll() const {
  // Row groups decode straight into one batch (no per-group copy).
  ColumnBatch all(impl_->schema);
  all.Reserve(impl_->ReservableRows(impl_->md.num_rows));
  for (int g = 0; g < num_row_groups(); ++g) {
    CL_RETURN_IF_ERROR(impl_->ReadRowGroupInto(g, &all));
  }
  return all;
}

Status FileReader::Impl::ReadRowGroupInto(int rg, ColumnBatch* out) const {
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    CL_RETURN_IF_ERROR(ReadColumnChunk(rg, static_cast<int>(c), out)
                           .WithContext("row group " + std::to_string(rg) + " column '" +
                                        schema.columns[c].name + "'"));
  }
  return Status::OK();
}

Status FileReader::Impl::ReadColumnChunk(int rg, int col, ColumnBatch* out) const {
  const format::ColumnMetaData& m = *md.row_groups[rg].columns[col].meta_data;
  const ColumnSchema& cs = schema.columns[col];
  int64_t start = m.data_page_offset;
  if (m.dictionary_page_offset && *m.dictionary_page_offset >= 4 &&
      *m.dictionary_page_offset < m.data_page_offset) {
    start = *m.dictionary_page_offset;
  }
  if (m.total_compressed_size > footer_start - start) {
    return Status::Corruption("chunk extends past the footer");
  }
  const uint8_t* base = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t pos = static_cast<size_t>(start);
  const size_t end = static_cast<size_t>(start + m.total_compressed_size);
  const size_t rows = static_cast<size_t>(m.num_values);
  const size_t first_row = out->ColumnSize(col);
  Dictionary dict;
  PageValues scratch;
  std::string decompressed;
  std::vector<uint8_t> levels;
  size_t done = 0;
  while (done < rows) {
    if (pos >= end) {
      return Status::Corruption("chunk ended after " + std::to_string(done) + " of " +
                                std::to_string(rows) + " values");
    }
    format::PageHeader h;
    size_t hsize = 0;
    CL_RETURN_IF_ERROR(format::ParsePageHeader(
        std::string_view(reinterpret_cast<const char*>(base + pos), end - pos), &h, &hsize));
    pos += hsize;
    if (h.compressed_page_size < 0 || static_cast<size_t>(h.compressed_page_size) > end - pos ||
        h.uncompressed_page_size < 0 || h.uncompressed_page_size > kMaxPageBytes) {
      return Status::Corruption("page sizes out of range");
    }
    const uint8_t* body = base + pos;
    const size_t body_size = static_cast<size_t>(h.compressed_page_size);
    pos += body_size;
    const std::string_view body_view(reinterpret_cast<const char*>(body), body_size);

    if (h.type == format::kDictionaryPage) {
      if (!h.dictionary_page_header) return Status::Corruption("dictionary page without header");
      if (dict.present || done > 0) return Status::Corruption("misplaced dictionary page");
      const auto& dh = *h.dictionary_page_header;
      if (dh.encoding != format::kPlain && dh.encoding != format::kPlainDictionary) {
        return Status::InvalidArgument("dictionary page encoding not PLAIN");
      }
      if (dh.num_values < 0 || (dh.num_values > 0 && cs.type == ColumnType::kBoolean)) {
        return Status::Corruption("bad dictionary size");
      }
      CL_RETURN_IF_ERROR(Decompress(m.codec, body_view, h.uncompressed_page_size, &decompressed));
      if (static_cast<size_t>(dh.num_values) > decompressed.size() * 8 + 8) {
        return Status::Corruption("dictionary count exceeds page size");
      }
      CL_RETURN_IF_ERROR(DecodePlain(cs.type, m.type,
                                     reinterpret_cast<const uint8_t*>(decompressed.data()),
                                     decompressed.size(), dh.num_values, &dict.values));
      dict.present = true;
      dict.size = static_cast<size_t>(dh.num_values);
      continue;
    }
    if (h.type != format::kDataPage && h.type != format::kDataPageV2) continue;  // index pages

    size_t n;
    int32_t value_encoding;
    const uint8_t* values_data;
    size_t values_size;
    const uint8_t* level_data = nullptr;
    size_t level_size = 0;
    bool has_level_prefix = false;
    if (h.type == format::kDataPage) {
      if (!h.data_page_header) return Status::Corruption("data page without header");
      const auto& d = *h.data_page_header;
      if (d.num_values < 0) return Status::Corruption("negative page value count");
      n = static_cast<size_t>(d.num_values);
      value_encoding = d.encoding;
      CL_RETURN_IF_ERROR(Decompress(m.codec, body_view, h.uncompressed_page_size, &decompressed));
      values_data = reinterpret_cast<const uint8_t*>(decompressed.data());
      values_size = decompressed.size();
      if (cs.nullable) {
        if (d.definition_level_encoding != format::kRle) {
          return Status::InvalidArgument("definition levels not RLE encoded");
        }
        has_level_prefix = true;
      }
    } else {
      if (!h.data_page_header_v2) return Status::Corruption("data page v2 without header");
      const auto& d = *h.data_page_header_v2;
      if (d.num_values < 0 || d.definition_levels_byte_length < 0 ||
          d.repetition_levels_byte_length < 0 ||
          static_cast<int64_t>(d.definition_levels_byte_length) + d.repetition_levels_byte_length >
              static_cast<int64_t>(body_size) ||
          static_cast<int64_t>(d.definition_levels_byte_length) + d.repetition_levels_byte_length >
              h.uncompressed_page_size) {
        return Status::Corruption("bad data page v2 header");
      }
      n = static_cast<size_t>(d.num_values);
      value_encoding = d.encoding;
      size_t skip = static_cast<size_t>(d.repetition_levels_byte_length);
      level_data = body + skip;
      level_size = static_cast<size_t>(d.definition_levels_byte_length);
      size_t lv = skip + level_size;
      std::string_view rest(reinterpret_cast<const char*>(body + lv), body_size - lv);
      size_t rest_uncompressed = static_cast<size_t>(h.uncompressed_page_size) - lv;
      if (d.is_compressed && m.codec != format::kUncompressed) {
        CL_RETURN_IF_ERROR(Decompress(m.codec, rest, rest_uncompressed, &decompressed));
        values_data = reinterpret_cast<const uint8_t*>(decompressed.data());
        values_size = decompressed.size();
      } else {
        values_data = body + lv;
        values_size = rest.size();
      }
      if (!cs.nullable && level_size != 0) return Status::Corruption("levels in a required column");
    }
    if (n > rows - done) {
      return Status::Corruption("pages hold more values than the chunk's " + std::to_string(rows));
    }
    size_t nonnull = n;
    const uint8_t* level_ptr = nullptr;
    if (cs.nullable) {
      if (has_level_prefix) {
        if (values_size < 4) return Status::Corruption("truncated definition levels");
        uint32_t len = LoadU32(reinterpret_cast<const char*>(values_data));
        if (len > values_size - 4) return Status::Corruption("definition levels exceed page");
        level_data = values_data + 4;
        level_size = len;
        values_data += 4 + len;
        values_size -= 4 + len;
      }
      levels.resize(n);
      CL_RETURN_IF_ERROR(encoding::DecodeRleHybrid(level_data, level_size, 1, n, levels.data()));
      nonnull = 0;
      for (uint8_t l : levels) nonnull += l;
      level_ptr = levels.data();
    }
    CL_RETURN_IF_ERROR(DecodeDataPage(cs.type, m.type, value_encoding, level_ptr, n, nonnull,
                                      values_data, values_size, dict, &scratch, col, out));
    done += n;
  }
  if (ts_scale[col] != 1) {
    auto& v = out->Int64(col);
    for (size_t i = first_row; i < v.size(); ++i) {
      v[i] =
          static_cast<int64_t>(static_cast<uint64_t>(v[i]) * static_cast<uint64_t>(ts_scale[col]));
    }
  }
  return Status::OK();
}

namespace {

// Decodes `nonnull` values of a fixed-width column page into target[0..nonnull).
template <typename T>
Status DecodeFixedValues(ColumnType type, int32_t enc, const uint8_t* data, size_t size,
                         size_t nonnull, const Dictionary& dict, const std::vector<T>& dict_values,
                         PageValues* scratch, T* target) {
  if (enc == format::kPlain) {
    if constexpr (std::is_same_v<T, uint8_t>) {
      return encoding::DecodePlainBooleans(data, size, nonnull, target);
    } else {
      if (nonnull > size / sizeof(T)) return Status::Corruption("plain values: page too short");
      if (nonnull > 0) std::memcpy(target, data, nonnull * sizeof(T));
      return Status::OK();
    }
  }
  if (enc == format::kPlainDictionary || enc == format::kRleDictionary) {
    if (!dict.present) return Status::Corruption("dictionary-encoded page without dictionary");
    if constexpr (std::is_same_v<T, uint8_t>) {
      return Status::Corruption("dictionary-encoded boolean");
    } else {
      if (nonnull == 0) return Status::OK();
      if (size < 1) return Status::Corruption("dictionary page data missing bit width");
      std::vector<uint32_t> idx(nonnull);
      CL_RETURN_IF_ERROR(
          encoding::DecodeRleHybrid(data + 1, size - 1, data[0], nonnull, idx.data()));
      const T* d = dict_values.data();
      const size_t dsize = dict.size;
      for (size_t i = 0; i < nonnull; ++i) {
        if (idx[i] >= dsize) return Status::Corruption("dictionary index out of range");
        target[i] = d[idx[i]];
      }
      return Status::OK();
    }
  }
  if (enc == format::kDeltaBinaryPacked) {
    if constexpr (std::is_same_v<T, int64_t>) {
      return encoding::DecodeDeltaBinaryPacked(data, size, nonnull, target);
    } else if constexpr (std::is_same_v<T, int32_t>) {
      scratch->i64.resize(nonnull);
      CL_RETURN_IF_ERROR(
          encoding::DecodeDeltaBinaryPacked(data, size, nonnull, scratch->i64.data()));
      for (size_t i = 0; i < nonnull; ++i) target[i] = static_cast<int32_t>(scratch->i64[i]);
      return Status::OK();
    }
  }
  if (enc == format::kRle) {
    if constexpr (std::is_same_v<T, uint8_t>) {
      if (size < 4) return Status::Corruption("RLE booleans: missing length");
      uint32_t len = LoadU32(reinterpret_cast<const char*>(data));
      if (len > size - 4) return Status::Corruption("RLE booleans: length exceeds page");
      return encoding::DecodeRleHybrid(data + 4, len, 1, nonnull, target);
    }
  }
  return Status::InvalidArgument("encoding " + std::to_string(enc) + " not supported for " +
                                 std::string(ColumnTypeName(type)) + " columns");
}

// Decodes one page of a fixed-width column and appends its n rows to *dst:
// straight into dst when there are no levels, else via `tmp` with nulls spread.
template <typename T>
Status AppendFixedPage(ColumnType type, int32_t enc, const uint8_t* levels, size_t n,
                       size_t nonnull, const uint8_t* data, size_t size, const Dictionary& dict,
                       const std::vector<T>& dict_values, PageValues* scratch,
                       std::vector<T>* tmp, std::vector<T>* dst) {
  if (levels == nullptr) {
    const size_t old = dst->size();
    dst->resize(old + nonnull);
    return DecodeFixedValues(type, enc, data, size, nonnull, dict, dict_values, scratch,
                             dst->data() + old);
  }
  tmp->resize(nonnull);
  CL_RETURN_IF_ERROR(
      DecodeFixedValues(type, enc, data, size, nonnull, dict, dict_values, scratch, tmp->data()));
  const size_t old = dst->size();
  dst->resize(old + n);
  T* out = dst->data() + old;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) out[i] = levels[i] ? (*tmp)[k++] : T{};
  return Status::OK();
}

}  // namespace

Status FileReader::Impl::DecodeDataPage(ColumnType type, int32_t physical, int32_t enc,
                                        const uint8_t* levels, size_t n, size_t nonnull,
                                        const uint8_t* data, size_t size, const Dictionary& dict,
                                        PageValues* v, size_t col, ColumnBatch* out) const {
  switch (type) {
    case ColumnType::kBoolean:
      CL_RETURN_IF_ERROR(AppendFixedPage(type, enc, levels, n, nonnull, data, size, dict,
                                         dict.values.b, v, &v->b, &out->Bool(col)));
      break;
    case ColumnType::kInt32:
      CL_RETURN_IF_ERROR(AppendFixedPage(type, enc, levels, n, nonnull, data, size, dict,
                                         dict.values.i32, v, &v->i32, &out->Int32(col)));
      break;
    case ColumnType::kInt64:
    case ColumnType::kTimestampMicros:
      CL_RETURN_IF_ERROR(AppendFixedPage(type, enc, levels, n, nonnull, data, size, dict,
                                         dict.values.i64, v, &v->i64, &out->Int64(col)));
      break;
    case ColumnType::kDouble:
      CL_RETURN_IF_ERROR(AppendFixedPage(type, enc, levels, n, nonnull, data, size, dict,
                                         dict.values.f64, v, &v->f64, &out->Double(col)));
      break;
    case ColumnType::kString: {
      v->s.Clear();
      if (enc == format::kPlain) {
        CL_RETURN_IF_ERROR(DecodePlainStrings(data, size, nonnull, &v->s));
      } else if (enc == format::kPlainDictionary || enc == format::kRleDictionary) {
        if (!dict.present) return Status::Corruption("dictionary-encoded page without dictionary");
        std::vector<uint32_t> idx(nonnull);
        if (nonnull > 0) {
          if (size < 1) return Status::Corruption("dictionary page data missing bit width");
          CL_RETURN_IF_ERROR(
              encoding::DecodeRleHybrid(data + 1, size - 1, data[0], nonnull, idx.data()));
        }
        for (uint32_t i : idx) {
          if (i >= dict.size) return Status::Corruption("dictionary index out of range");
          v->s.Append(dict.values.s[i]);
        }
      } else {
        return Status::InvalidArgument("encoding " + std::to_string(enc) +
                                       " not supported for string columns");
      }
      StringColumn& dst = out->String(col);
      if (levels == nullptr) {
        dst.AppendRange(v->s, 0, nonnull);
      } else {
        size_t k = 0;
        for (size_t i = 0; i < n; ++i) dst.Append(levels[i] ? v->s[k++] : std::string_view());
      }
      break;
    }
  }
  if (levels != nullptr) {
    auto& validity = out->Validity(col);
    validity.insert(validity.end(), levels, levels + n);
  }
  return Status::OK();
}

}  // namespace cryptolake::parquet
