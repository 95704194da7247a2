#include "parquet_format.h"

#include "thrift_compact.h"

namespace cryptolake::parquet::format {
namespace {

using thrift::ThriftReader;
using thrift::ThriftWriter;

void WriteStatistics(ThriftWriter& w, const Statistics& s) {
  if (s.max) w.BinaryField(1, *s.max);
  if (s.min) w.BinaryField(2, *s.min);
  if (s.null_count) w.I64Field(3, *s.null_count);
  if (s.max_value) w.BinaryField(5, *s.max_value);
  if (s.min_value) w.BinaryField(6, *s.min_value);
}

void WriteSchemaElement(ThriftWriter& w, const SchemaElement& e) {
  if (e.type) w.I32Field(1, *e.type);
  if (e.type_length) w.I32Field(2, *e.type_length);
  if (e.repetition_type) w.I32Field(3, *e.repetition_type);
  w.BinaryField(4, e.name);
  if (e.num_children) w.I32Field(5, *e.num_children);
  if (e.converted_type) w.I32Field(6, *e.converted_type);
  if (e.logical != kNoLogical) {
    w.BeginStructField(10);  // LogicalType union
    w.BeginStructField(static_cast<int16_t>(e.logical));
    if (e.logical == kTimestampLogical) {
      w.BoolField(1, e.ts_adjusted_to_utc);
      w.BeginStructField(2);  // TimeUnit union
      w.BeginStructField(static_cast<int16_t>(e.ts_unit));
      w.EndStruct();
      w.EndStruct();
    } else if (e.logical == kIntLogical) {
      w.ByteField(1, static_cast<int8_t>(e.int_bit_width));
      w.BoolField(2, e.int_signed);
    }
    w.EndStruct();
    w.EndStruct();
  }
}

void WriteColumnMetaData(ThriftWriter& w, const ColumnMetaData& m) {
  w.I32Field(1, m.type);
  w.BeginListField(2, thrift::kI32, static_cast<uint32_t>(m.encodings.size()));
  for (int32_t e : m.encodings) w.I32Elem(e);
  w.BeginListField(3, thrift::kBinary, static_cast<uint32_t>(m.path_in_schema.size()));
  for (const auto& p : m.path_in_schema) w.BinaryElem(p);
  w.I32Field(4, m.codec);
  w.I64Field(5, m.num_values);
  w.I64Field(6, m.total_uncompressed_size);
  w.I64Field(7, m.total_compressed_size);
  w.I64Field(9, m.data_page_offset);
  if (m.dictionary_page_offset) w.I64Field(11, *m.dictionary_page_offset);
  if (m.statistics) {
    w.BeginStructField(12);
    WriteStatistics(w, *m.statistics);
    w.EndStruct();
  }
}

}  // namespace

void SerializeFileMetaData(const FileMetaData& md, std::string* out) {
  ThriftWriter w(out);
  w.I32Field(1, md.version);
  w.BeginListField(2, thrift::kStruct, static_cast<uint32_t>(md.schema.size()));
  for (const auto& e : md.schema) {
    w.BeginStructElem();
    WriteSchemaElement(w, e);
    w.EndStruct();
  }
  w.I64Field(3, md.num_rows);
  w.BeginListField(4, thrift::kStruct, static_cast<uint32_t>(md.row_groups.size()));
  for (const auto& rg : md.row_groups) {
    w.BeginStructElem();
    w.BeginListField(1, thrift::kStruct, static_cast<uint32_t>(rg.columns.size()));
    for (const auto& cc : rg.columns) {
      w.BeginStructElem();
      if (cc.file_path) w.BinaryField(1, *cc.file_path);
      w.I64Field(2, cc.file_offset);
      if (cc.meta_data) {
        w.BeginStructField(3);
        WriteColumnMetaData(w, *cc.meta_data);
        w.EndStruct();
      }
      w.EndStruct();
    }
    w.I64Field(2, rg.total_byte_size);
    w.I64Field(3, rg.num_rows);
    if (rg.file_offset) w.I64Field(5, *rg.file_offset);
    if (rg.total_compressed_size) w.I64Field(6, *rg.total_compressed_size);
    if (rg.ordinal) w.I16Field(7, *rg.ordinal);
    w.EndStruct();
  }
  if (!md.key_value_metadata.empty()) {
    w.BeginListField(5, thrift::kStruct, static_cast<uint32_t>(md.key_value_metadata.size()));
    for (const auto& [k, v] : md.key_value_metadata) {
      w.BeginStructElem();
      w.BinaryField(1, k);
      w.BinaryField(2, v);
      w.EndStruct();
    }
  }
  if (md.created_by) w.BinaryField(6, *md.created_by);
  if (md.type_defined_column_orders > 0) {
    w.BeginListField(7, thrift::kStruct, static_cast<uint32_t>(md.type_defined_column_orders));
    for (int i = 0; i < md.type_defined_column_orders; ++i) {
      w.BeginStructElem();    // ColumnOrder union
      w.BeginStructField(1);  // TYPE_ORDER: empty TypeDefinedOrder
      w.EndStruct();
      w.EndStruct();
    }
  }
  w.EndMessage();
}

void SerializePageHeader(const PageHeader& h, std::string* out) {
  ThriftWriter w(out);
  w.I32Field(1, h.type);
  w.I32Field(2, h.uncompressed_page_size);
  w.I32Field(3, h.compressed_page_size);
  if (h.data_page_header) {
    const auto& d = *h.data_page_header;
    w.BeginStructField(5);
    w.I32Field(1, d.num_values);
    w.I32Field(2, d.encoding);
    w.I32Field(3, d.definition_level_encoding);
    w.I32Field(4, d.repetition_level_encoding);
    w.EndStruct();
  }
  if (h.dictionary_page_header) {
    w.BeginStructField(7);
    w.I32Field(1, h.dictionary_page_header->num_values);
    w.I32Field(2, h.dictionary_page_header->encoding);
    w.EndStruct();
  }
  if (h.data_page_header_v2) {
    const auto& d = *h.data_page_header_v2;
    w.BeginStructField(8);
    w.I32Field(1, d.num_values);
    w.I32Field(2, d.num_nulls);
    w.I32Field(3, d.num_rows);
    w.I32Field(4, d.encoding);
    w.I32Field(5, d.definition_levels_byte_length);
    w.I32Field(6, d.repetition_levels_byte_length);
    w.BoolField(7, d.is_compressed);
    w.EndStruct();
  }
  w.EndMessage();
}

// ---- Parsing ---------------------------------------------------------------
namespace {

// Reads an i32 field value, accepting the i16/i32/byte encodings some writers use.
int32_t ReadInt(ThriftReader& r, uint8_t type) {
  if (type == thrift::kByte) return r.ReadByte();
  if (type == thrift::kI16 || type == thrift::kI32) return r.ReadI32();
  r.Fail("expected an integer field");
  return 0;
}

int64_t ReadLong(ThriftReader& r, uint8_t type) {
  if (type == thrift::kI64) return r.ReadI64();
  return ReadInt(r, type);
}

std::string ReadString(ThriftReader& r, uint8_t type) {
  if (type != thrift::kBinary) {
    r.Fail("expected a binary field");
    return {};
  }
  return std::string(r.ReadBinary());
}

void ExpectStruct(ThriftReader& r, uint8_t type) {
  if (type != thrift::kStruct) r.Fail("expected a struct field");
}

// Reads fields up to the stop byte of the struct being read; `field(id,
// type)` reads the fields it knows and returns false for the others, which
// are skipped.
template <typename Field>
void ReadFields(ThriftReader& r, Field field) {
  int16_t id;
  uint8_t t;
  while (r.NextField(&id, &t)) {
    if (!field(id, t)) r.Skip(t);
  }
}

// A nested struct (a struct field or a struct list element).
template <typename Field>
void ReadStruct(ThriftReader& r, Field field) {
  r.EnterStruct();
  ReadFields(r, field);
  r.LeaveStruct();
}

bool IsBool(uint8_t type) { return type == thrift::kBoolTrue || type == thrift::kBoolFalse; }

void ParseStatistics(ThriftReader& r, Statistics* s) {
  ReadStruct(r, [&](int16_t id, uint8_t t) {
    switch (id) {
      case 1:
        s->max = ReadString(r, t);
        return true;
      case 2:
        s->min = ReadString(r, t);
        return true;
      case 3:
        s->null_count = ReadLong(r, t);
        return true;
      case 5:
        s->max_value = ReadString(r, t);
        return true;
      case 6:
        s->min_value = ReadString(r, t);
        return true;
      default:
        return false;
    }
  });
}

// Parses a union: returns the id of the member that is set, reading its body
// with `body(member, field id, field type)` (false: skipped).
template <typename Body>
int16_t ParseUnion(ThriftReader& r, Body body) {
  int16_t member = 0;
  ReadStruct(r, [&](int16_t id, uint8_t t) {
    if (t != thrift::kStruct || member != 0) return false;
    member = id;
    ReadStruct(r, [&](int16_t fid, uint8_t ft) { return body(id, fid, ft); });
    return true;
  });
  return member;
}

void ParseLogicalType(ThriftReader& r, SchemaElement* e) {
  e->logical = ParseUnion(r, [&](int16_t which, int16_t fid, uint8_t ft) {
    if (which == kTimestampLogical && fid == 1 && IsBool(ft)) {
      e->ts_adjusted_to_utc = r.ReadBool(ft);
    } else if (which == kTimestampLogical && fid == 2 && ft == thrift::kStruct) {
      e->ts_unit = ParseUnion(r, [](int16_t, int16_t, uint8_t) { return false; });
    } else if (which == kIntLogical && fid == 1) {
      e->int_bit_width = ReadInt(r, ft);
    } else if (which == kIntLogical && fid == 2 && IsBool(ft)) {
      e->int_signed = r.ReadBool(ft);
    } else {
      return false;
    }
    return true;
  });
}

void ParseSchemaElement(ThriftReader& r, SchemaElement* e) {
  ReadStruct(r, [&](int16_t id, uint8_t t) {
    switch (id) {
      case 1:
        e->type = ReadInt(r, t);
        return true;
      case 2:
        e->type_length = ReadInt(r, t);
        return true;
      case 3:
        e->repetition_type = ReadInt(r, t);
        return true;
      case 4:
        e->name = ReadString(r, t);
        return true;
      case 5:
        e->num_children = ReadInt(r, t);
        return true;
      case 6:
        e->converted_type = ReadInt(r, t);
        return true;
      case 10:
        ExpectStruct(r, t);
        ParseLogicalType(r, e);
        return true;
      default:
        return false;
    }
  });
}

template <typename Fn>
void ParseList(ThriftReader& r, uint8_t type, uint8_t want_elem, Fn each) {
  if (type != thrift::kList && type != thrift::kSet) {
    r.Fail("expected a list field");
    return;
  }
  uint8_t elem;
  uint32_t n = r.ReadListHeader(&elem);
  if (!r.ok()) return;
  if (n > 0 && elem != want_elem) {
    r.Fail("unexpected list element type");
    return;
  }
  for (uint32_t i = 0; i < n && r.ok(); ++i) each();
}

void ParseColumnMetaData(ThriftReader& r, ColumnMetaData* m) {
  ReadStruct(r, [&](int16_t id, uint8_t t) {
    switch (id) {
      case 1:
        m->type = ReadInt(r, t);
        return true;
      case 2:
        ParseList(r, t, thrift::kI32, [&] { m->encodings.push_back(r.ReadI32()); });
        return true;
      case 3:
        ParseList(r, t, thrift::kBinary, [&] { m->path_in_schema.emplace_back(r.ReadBinary()); });
        return true;
      case 4:
        m->codec = ReadInt(r, t);
        return true;
      case 5:
        m->num_values = ReadLong(r, t);
        return true;
      case 6:
        m->total_uncompressed_size = ReadLong(r, t);
        return true;
      case 7:
        m->total_compressed_size = ReadLong(r, t);
        return true;
      case 9:
        m->data_page_offset = ReadLong(r, t);
        return true;
      case 11:
        m->dictionary_page_offset = ReadLong(r, t);
        return true;
      case 12:
        ExpectStruct(r, t);
        ParseStatistics(r, &m->statistics.emplace());
        return true;
      default:
        return false;
    }
  });
}

void ParseColumnChunk(ThriftReader& r, ColumnChunk* c) {
  ReadStruct(r, [&](int16_t id, uint8_t t) {
    switch (id) {
      case 1:
        c->file_path = ReadString(r, t);
        return true;
      case 2:
        c->file_offset = ReadLong(r, t);
        return true;
      case 3:
        ExpectStruct(r, t);
        ParseColumnMetaData(r, &c->meta_data.emplace());
        return true;
      default:
        return false;
    }
  });
}

void ParseRowGroup(ThriftReader& r, RowGroup* g) {
  ReadStruct(r, [&](int16_t id, uint8_t t) {
    switch (id) {
      case 1:
        ParseList(r, t, thrift::kStruct, [&] { ParseColumnChunk(r, &g->columns.emplace_back()); });
        return true;
      case 2:
        g->total_byte_size = ReadLong(r, t);
        return true;
      case 3:
        g->num_rows = ReadLong(r, t);
        return true;
      case 5:
        g->file_offset = ReadLong(r, t);
        return true;
      case 6:
        g->total_compressed_size = ReadLong(r, t);
        return true;
      case 7:
        g->ordinal = static_cast<int16_t>(ReadInt(r, t));
        return true;
      default:
        return false;
    }
  });
}

}  // namespace

Result<FileMetaData> ParseFileMetaData(std::string_view bytes) {
  ThriftReader r(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  FileMetaData md;
  md.version = 0;
  bool have_schema = false, have_rows = false, have_groups = false;
  ReadFields(r, [&](int16_t id, uint8_t t) {
    switch (id) {
      case 1:
        md.version = ReadInt(r, t);
        return true;
      case 2:
        have_schema = true;
        ParseList(r, t, thrift::kStruct, [&] { ParseSchemaElement(r, &md.schema.emplace_back()); });
        return true;
      case 3:
        have_rows = true;
        md.num_rows = ReadLong(r, t);
        return true;
      case 4:
        have_groups = true;
        ParseList(r, t, thrift::kStruct, [&] { ParseRowGroup(r, &md.row_groups.emplace_back()); });
        return true;
      case 5:
        ParseList(r, t, thrift::kStruct, [&] {
          std::string k, v;
          ReadStruct(r, [&](int16_t fid, uint8_t ft) {
            if (fid == 1) {
              k = ReadString(r, ft);
            } else if (fid == 2) {
              v = ReadString(r, ft);
            } else {
              return false;
            }
            return true;
          });
          md.key_value_metadata.emplace_back(std::move(k), std::move(v));
        });
        return true;
      case 6:
        md.created_by = ReadString(r, t);
        return true;
      default:
        return false;
    }
  });
  if (!r.ok()) return Status::Corruption("parquet footer: " + r.error());
  if (!have_schema || !have_rows || !have_groups) {
    return Status::Corruption(
        "parquet footer: missing required field (schema/num_rows/row_groups)");
  }
  return md;
}

Status ParsePageHeader(std::string_view bytes, PageHeader* h, size_t* header_size) {
  ThriftReader r(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  *h = PageHeader();
  ReadFields(r, [&](int16_t id, uint8_t t) {
    switch (id) {
      case 1:
        h->type = ReadInt(r, t);
        return true;
      case 2:
        h->uncompressed_page_size = ReadInt(r, t);
        return true;
      case 3:
        h->compressed_page_size = ReadInt(r, t);
        return true;
      case 5: {
        ExpectStruct(r, t);
        auto& d = h->data_page_header.emplace();
        ReadStruct(r, [&](int16_t fid, uint8_t ft) {
          switch (fid) {
            case 1:
              d.num_values = ReadInt(r, ft);
              return true;
            case 2:
              d.encoding = ReadInt(r, ft);
              return true;
            case 3:
              d.definition_level_encoding = ReadInt(r, ft);
              return true;
            case 4:
              d.repetition_level_encoding = ReadInt(r, ft);
              return true;
            default:
              return false;
          }
        });
        return true;
      }
      case 7: {
        ExpectStruct(r, t);
        auto& d = h->dictionary_page_header.emplace();
        ReadStruct(r, [&](int16_t fid, uint8_t ft) {
          switch (fid) {
            case 1:
              d.num_values = ReadInt(r, ft);
              return true;
            case 2:
              d.encoding = ReadInt(r, ft);
              return true;
            default:
              return false;
          }
        });
        return true;
      }
      case 8: {
        ExpectStruct(r, t);
        auto& d = h->data_page_header_v2.emplace();
        ReadStruct(r, [&](int16_t fid, uint8_t ft) {
          switch (fid) {
            case 1:
              d.num_values = ReadInt(r, ft);
              return true;
            case 2:
              d.num_nulls = ReadInt(r, ft);
              return true;
            case 3:
              d.num_rows = ReadInt(r, ft);
              return true;
            case 4:
              d.encoding = ReadInt(r, ft);
              return true;
            case 5:
              d.definition_levels_byte_length = ReadInt(r, ft);
              return true;
            case 6:
              d.repetition_levels_byte_length = ReadInt(r, ft);
              return true;
            case 7:
              if (!IsBool(ft)) return false;
              d.is_compressed = r.ReadBool(ft);
              return true;
            default:
              return false;
          }
        });
        return true;
      }
      default:
        return false;
    }
  });
  if (!r.ok()) return Status::Corruption("parquet page header: " + r.error());
  *header_size = r.position();
  return Status::OK();
}

}  // namespace cryptolake::parquet::format
