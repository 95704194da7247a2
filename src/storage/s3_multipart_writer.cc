// S3Writer: buffered single PUT or a multipart upload with bounded parallel
// parts (see s3_multipart_writer.h).
#include "s3_multipart_writer.h"

#include <algorithm>
#include <deque>
#include <future>
#include <utility>

namespace cryptolake::storage {
namespace {

class S3Writer final : public ObjectWriter {
 public:
  S3Writer(S3MultipartTarget* store, std::string key, const S3WriterOptions& options)
      : store_(store), key_(std::move(key)), options_(options) {}
  ~S3Writer() override;
  Status Append(std::string_view data) override;
  Status Publish() override;
  uint64_t bytes_appended() const override { return bytes_; }

 private:
  Status FlushFullParts();
  Status LaunchPart(std::string data);
  Status WaitOne();
  Status WaitAll();
  void AbortUpload();
  Status Fail(Status st) {
    if (status_.ok()) status_ = st;
    AbortUpload();
    return st;
  }

  S3MultipartTarget* const store_;
  const std::string key_;  // Relative to the store's prefix.
  const S3WriterOptions options_;
  std::string buffer_;
  uint64_t bytes_ = 0;
  Status status_;
  bool published_ = false;
  std::string upload_id_;  // Non-empty while a multipart upload is open.
  std::vector<std::string> etags_;
  std::deque<std::pair<int, std::future<Result<std::string>>>> inflight_;
};

S3Writer::~S3Writer() {
  if (!upload_id_.empty()) AbortUpload();
}

Status S3Writer::Append(std::string_view data) {
  if (published_) return Status::FailedPrecondition("ObjectWriter::Append after Publish");
  if (!status_.ok()) return status_;
  buffer_.append(data);
  bytes_ += data.size();
  return FlushFullParts();
}

Status S3Writer::FlushFullParts() {
  const S3WriterOptions& o = options_;
  const uint64_t part_size = std::max<uint64_t>(o.part_size, 1);
  if (upload_id_.empty()) {
    if (buffer_.size() <= o.multipart_threshold) return Status::OK();
    auto id = store_->CreateUpload(key_);
    if (!id.ok()) return Fail(id.status());
    upload_id_ = std::move(id).value();
  }
  size_t taken = 0;
  while (buffer_.size() - taken >= part_size) {
    Status st = LaunchPart(buffer_.substr(taken, part_size));
    taken += part_size;
    if (!st.ok()) return Fail(st);
  }
  buffer_.erase(0, taken);
  return Status::OK();
}

Status S3Writer::LaunchPart(std::string data) {
  const int max_parallel = std::max(options_.max_parallel_parts, 1);
  while (inflight_.size() >= static_cast<size_t>(max_parallel)) CL_RETURN_IF_ERROR(WaitOne());
  const int part = static_cast<int>(etags_.size()) + 1;
  etags_.emplace_back();
  inflight_.emplace_back(
      part, std::async(std::launch::async, [store = store_, key = key_, id = upload_id_, part,
                                            data = std::move(data)]() mutable {
        return store->UploadPart(key, id, part, std::move(data));
      }));
  return Status::OK();
}

Status S3Writer::WaitOne() {
  auto [part, future] = std::move(inflight_.front());
  inflight_.pop_front();
  Result<std::string> etag = future.get();
  if (!etag.ok()) return etag.status();
  etags_[static_cast<size_t>(part - 1)] = std::move(etag).value();
  return Status::OK();
}

Status S3Writer::WaitAll() {
  Status first;
  while (!inflight_.empty()) {
    Status st = WaitOne();
    if (first.ok()) first = st;
  }
  return first;
}

void S3Writer::AbortUpload() {
  (void)WaitAll();  // No part may land after the abort.
  if (upload_id_.empty()) return;
  store_->AbortUpload(key_, upload_id_);
  upload_id_.clear();
}

Status S3Writer::Publish() {
  if (published_) return Status::FailedPrecondition("ObjectWriter::Publish called twice");
  published_ = true;
  if (!status_.ok()) return status_;
  if (upload_id_.empty()) {
    Status st = store_->Put(key_, buffer_);
    std::string().swap(buffer_);
    return st;
  }
  if (!buffer_.empty() || etags_.empty()) {
    Status st = LaunchPart(std::move(buffer_));
    if (!st.ok()) return Fail(st);
  }
  std::string().swap(buffer_);
  Status st = WaitAll();
  if (!st.ok()) return Fail(st);
  st = store_->CompleteUpload(key_, upload_id_, etags_);
  if (!st.ok()) return Fail(st);
  upload_id_.clear();
  return Status::OK();
}

}  // namespace

std::unique_ptr<ObjectWriter> NewS3MultipartWriter(S3MultipartTarget* target, std::string key,
                                                   const S3WriterOptions& options) {
  return std::make_unique<S3Writer>(target, std::move(key), options);
}

}  // namespace cryptolake::storage
