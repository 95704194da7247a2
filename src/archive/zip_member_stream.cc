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

// ISA-L's state is ~40 KiB: kept on the heap, one per stream.
struct ZipMemberStream::Inflater {
  inflate_state state;
};

ZipMemberStream::~ZipMemberStream() = default;

Result<std::unique_ptr<ZipMemberStream>> ZipMemberStream::Open(std::string_view zip_bytes) {
  CL_ASSIGN_OR_RETURN(ZipMemberLocation m, LocateSingleMember(zip_bytes));
  std::unique_ptr<ZipMemberStream> s(new ZipMemberStream());
  s->name_.assign(m.name);
  s->deflated_ = m.deflated;
  s->data_ = m.data;
  s->declared_size_ = m.uncompressed_size;
  s->declared_crc_ = m.crc32;
  if (m.deflated) {
    s->inflater_ = std::make_unique<Inflater>();
    inflate_state& st = s->inflater_->state;
    isal_inflate_init(&st);
    // Raw deflate (the zip member's own stream) with the gzip CRC-32, which
    // is the zip CRC-32, computed over the output as it is produced.
    st.crc_flag = ISAL_GZIP_NO_HDR;
    st.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(m.data.data()));
    st.avail_in = static_cast<uint32_t>(m.data.size());
  }
  return s;
}

Result<size_t> ZipMemberStream::Read(char* out, size_t capacity) {
  if (done_) return size_t{0};
  size_t n = 0;
  bool finished = false;
  uint32_t crc = 0;
  if (!deflated_) {
    n = std::min(capacity, data_.size() - stored_pos_);
    if (n > 0) std::memcpy(out, data_.data() + stored_pos_, n);
    stored_pos_ += n;
    crc_ = crc32_gzip_refl(crc_, reinterpret_cast<const unsigned char*>(out), n);
    finished = stored_pos_ == data_.size();
    crc = crc_;
  } else {
    inflate_state& st = inflater_->state;
    st.next_out = reinterpret_cast<uint8_t*>(out);
    st.avail_out = static_cast<uint32_t>(std::min<size_t>(capacity, UINT32_MAX));
    const uint32_t avail_before = st.avail_out;
    int r = isal_inflate(&st);
    if (r != ISAL_DECOMP_OK) {
      return Status::Corruption("bad zip: member's deflate stream is corrupt (" +
                                std::to_string(r) + ")");
    }
    n = avail_before - st.avail_out;
    finished = st.block_state == ISAL_BLOCK_FINISH;
    if (n == 0 && !finished) {
      // No output, no end of stream: the input ran out early.
      return Status::Corruption("bad zip: member's deflate stream ends early (truncated file?)");
    }
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
