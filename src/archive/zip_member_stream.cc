#include "cryptolake/archive/zip_member_stream.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "cryptolake/archive/zip_reader.h"

namespace cryptolake::archive {

namespace {
constexpr size_t kInputBlock = size_t{1} << 20;
}  // namespace

// ISA-L's state is ~40 KiB: kept on the heap, one per stream, with its input block.
struct ZipMemberStream::Inflater {
  inflate_state state;
  std::string input;
};

ZipMemberStream::~ZipMemberStream() = default;

Result<std::unique_ptr<ZipMemberStream>> ZipMemberStream::Open(std::string_view zip_bytes) {
  return OpenAt(zip_bytes.size(), [zip_bytes](uint64_t offset, uint64_t len, std::string* out) {
    if (offset > zip_bytes.size()) return Status::Corruption("bad zip: read past the end");
    out->assign(zip_bytes.substr(offset, len));
    return Status::OK();
  });
}

Result<std::unique_ptr<ZipMemberStream>> ZipMemberStream::OpenAt(uint64_t zip_size,
                                                                 ZipReadAt read_at) {
  CL_ASSIGN_OR_RETURN(ZipMemberLocation m, LocateSingleMemberAt(zip_size, read_at));
  std::unique_ptr<ZipMemberStream> s(new ZipMemberStream());
  s->read_at_ = std::move(read_at);
  s->name_ = std::move(m.name);
  s->deflated_ = m.deflated;
  s->data_offset_ = m.data_offset;
  s->compressed_size_ = m.compressed_size;
  s->declared_size_ = m.uncompressed_size;
  s->declared_crc_ = m.crc32;
  if (m.deflated) {
    s->inflater_ = std::make_unique<Inflater>();
    inflate_state& st = s->inflater_->state;
    isal_inflate_init(&st);
    // Raw deflate (the zip member's own stream) with the gzip CRC-32, which
    // is the zip CRC-32, computed over the output as it is produced.
    st.crc_flag = ISAL_GZIP_NO_HDR;
    st.avail_in = 0;
  }
  return s;
}

Status ZipMemberStream::ReadCompressed(size_t max, std::string* block) {
  const uint64_t n = std::min<uint64_t>(max, compressed_size_ - compressed_read_);
  if (n == 0) {
    block->clear();
    return Status::OK();
  }
  CL_RETURN_IF_ERROR(read_at_(data_offset_ + compressed_read_, n, block));
  if (block->size() != n) {
    return Status::Corruption("bad zip: member data ends early (truncated file?)");
  }
  compressed_read_ += n;
  return Status::OK();
}

Result<size_t> ZipMemberStream::Read(char* out, size_t capacity) {
  if (done_) return size_t{0};
  size_t n = 0;
  bool finished = false;
  uint32_t crc = 0;
  if (!deflated_) {
    CL_RETURN_IF_ERROR(ReadCompressed(capacity, &stored_block_));
    n = stored_block_.size();
    if (n > 0) std::memcpy(out, stored_block_.data(), n);
    crc_ = crc32_gzip_refl(crc_, reinterpret_cast<const unsigned char*>(out), n);
    finished = compressed_read_ == compressed_size_;
    crc = crc_;
  } else {
    inflate_state& st = inflater_->state;
    std::string& input = inflater_->input;
    st.next_out = reinterpret_cast<uint8_t*>(out);
    st.avail_out = static_cast<uint32_t>(std::min<size_t>(capacity, UINT32_MAX));
    const uint32_t avail_before = st.avail_out;
    for (;;) {
      if (st.avail_in == 0 && compressed_read_ < compressed_size_) {
        CL_RETURN_IF_ERROR(ReadCompressed(kInputBlock, &input));  // straight into ISA-L's input
        st.next_in = reinterpret_cast<uint8_t*>(input.data());
        st.avail_in = static_cast<uint32_t>(input.size());
      }
      int r = isal_inflate(&st);
      if (r != ISAL_DECOMP_OK) {
        return Status::Corruption("bad zip: member's deflate stream is corrupt (" +
                                  std::to_string(r) + ")");
      }
      finished = st.block_state == ISAL_BLOCK_FINISH;
      if (finished || st.avail_out == 0) break;
      if (st.avail_in == 0 && compressed_read_ == compressed_size_) {
        // No end of stream, and the input ran out.
        return Status::Corruption("bad zip: member's deflate stream ends early (truncated file?)");
      }
    }
    n = avail_before - st.avail_out;
    crc = st.crc;
  }
  produced_ += n;
  if (produced_ > declared_size_) {
    return Status::Corruption("bad zip: member inflates to more than its declared " +
                              std::to_string(declared_size_) + " bytes");
  }
  if (finished) {
    if (produced_ != declared_size_) {
      return Status::Corruption("bad zip: member inflates to " + std::to_string(produced_) +
                                " bytes, declared " + std::to_string(declared_size_));
    }
    if (crc != declared_crc_) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "bad zip: CRC-32 mismatch (stored %08x, computed %08x)",
                    declared_crc_, crc);
      return Status::Corruption(buf);
    }
    done_ = true;  // these are the last bytes; the next call returns 0
  }
  return n;
}

}  // namespace cryptolake::archive
