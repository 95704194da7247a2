#include "cryptolake/metrics/export/otlp_delivery.h"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "cryptolake/metrics/sdk/diagnostics.h"
#include "delivery_instruments.h"
#include "spool_files.h"

namespace cryptolake::metrics {
namespace {

using std::chrono::milliseconds;
using TimePoint = DeliveryClock::TimePoint;

constexpr size_t kNpos = static_cast<size_t>(-1);
// Distinct diagnostics remembered for "report once"; past this, repeats of
// new messages are reported again rather than remembered without bound.
constexpr size_t kMaxRemembered = 256;

// Mutex as a BasicLockable, for std::condition_variable_any. The analysis
// cannot follow the unlock/relock inside wait(): predicates re-assert the
// capability with AssumeHeld().
class CvLock {
 public:
  explicit CvLock(Mutex& mu) : mu_(mu) {}
  void lock() NO_THREAD_SAFETY_ANALYSIS { mu_.Lock(); }
  void unlock() NO_THREAD_SAFETY_ANALYSIS { mu_.Unlock(); }

 private:
  Mutex& mu_;
};

class SteadyDeliveryClock final : public DeliveryClock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  void SleepUntil(TimePoint deadline, uint64_t wake_count) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return wakes_ != wake_count; });
  }
  void Wake() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++wakes_;
    }
    cv_.notify_all();
  }
  uint64_t WakeCount() override {
    std::lock_guard<std::mutex> lock(mu_);
    return wakes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t wakes_ = 0;
};

}  // namespace

std::shared_ptr<DeliveryClock> DeliveryClock::Steady() {
  return std::make_shared<SteadyDeliveryClock>();
}

OtlpDelivery::OtlpDelivery(std::unique_ptr<OtlpTransport> transport, OtlpDeliveryOptions options)
    : transport_(std::move(transport)),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : DeliveryClock::Steady()),
      component_name_(DeliveryInstruments::NextComponentName(options_.component_type)) {
  {
    MutexLock lock(mu_);
    if (options_.random) {
      random_ = options_.random;
    } else {
      auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
      random_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
    }
  }
  // Created once mu_ and the queue exist: the observable instruments read
  // them under mu_ from the collecting thread.
  {
    auto instruments = MakeInstruments(nullptr);
    MutexLock lock(instruments_mu_);
    instruments_ = std::move(instruments);
  }

  if (!options_.spool_dir.empty()) OpenSpool();
  FlushDiagnostics();
  sender_ = std::thread(&OtlpDelivery::SenderLoop, this);
  {
    MutexLock lock(mu_);
    if (!spool_enabled_) return;
  }
  spooler_ = std::thread(&OtlpDelivery::SpoolerLoop, this);
}

OtlpDelivery::~OtlpDelivery() {
  // Nowhere to return an error to; what was left is spooled or counted.
  (void)Shutdown(milliseconds(0));
  Instruments()->RemoveCallbacks();
  if (spool_lock_fd_ >= 0) ::close(spool_lock_fd_);  // Releases the flock.
}

std::string OtlpDelivery::Describe() const { return transport_->Describe(); }

std::shared_ptr<const DeliveryInstruments> OtlpDelivery::MakeInstruments(
    std::shared_ptr<MeterProvider> provider) {
  return std::make_shared<const DeliveryInstruments>(
      options_, component_name_, provider,
      [this] {
        uint64_t points = 0;
        MutexLock lock(mu_);
        for (const Entry& e : queue_) points += e.points;
        return points;
      },
      [this] {
        MutexLock lock(mu_);
        return stats_.queued_bytes;
      });
}

std::shared_ptr<const DeliveryInstruments> OtlpDelivery::Instruments() const {
  MutexLock lock(instruments_mu_);
  return instruments_;
}

void OtlpDelivery::UseMeterProvider(std::shared_ptr<MeterProvider> provider) {
  // Built outside both locks: registering the observable callbacks must not
  // wait for a collection that runs them (they take mu_).
  std::shared_ptr<const DeliveryInstruments> fresh = MakeInstruments(std::move(provider));
  std::shared_ptr<const DeliveryInstruments> old;
  {
    MutexLock lock(instruments_mu_);
    old = std::exchange(instruments_, std::move(fresh));
  }
  // A thread still recording through `old` holds its own reference.
  old->RemoveCallbacks();
}

std::string OtlpDelivery::SpoolPath(uint64_t seq, uint64_t points) const {
  return options_.spool_dir + "/" + spool::SpoolFileName(seq, points);
}

void OtlpDelivery::OpenSpool() {
  const std::string& dir = options_.spool_dir;
  auto unavailable = [&](const std::string& why) {
    ReportDiagnostic(DiagnosticSeverity::kError, "OtlpSpoolUnavailable",
                     "OTLP spool " + dir + " not used (" + why +
                         "); undelivered metrics are kept in memory only");
  };
  Result<int> lock_fd = spool::LockSpoolDir(dir);
  if (!lock_fd.ok()) return unavailable(lock_fd.status().message());
  spool_lock_fd_ = lock_fd.value();
  Result<std::vector<spool::SpoolFile>> listed = spool::ListSpoolDir(dir);
  if (!listed.ok()) {
    ::close(spool_lock_fd_);
    spool_lock_fd_ = -1;
    return unavailable(listed.status().message());
  }
  const std::vector<spool::SpoolFile>& found = listed.value();
  MutexLock lock(mu_);
  spool_enabled_ = true;
  stats_.spool_enabled = true;
  for (const spool::SpoolFile& f : found) {
    Entry e;
    e.seq = f.seq;
    e.points = f.points;
    e.size = f.size;
    e.spooled = true;
    queue_.push_back(std::move(e));
    stats_.spool_bytes += f.size;
    ++stats_.queued_batches;
    next_seq_ = std::max(next_seq_, f.seq + 1);
  }
  if (!found.empty()) {
    QueueDiagnosticLocked(DiagnosticSeverity::kWarning, "OtlpSpoolReplay",
                          "OTLP spool " + dir + ": " + std::to_string(found.size()) +
                              " batches from an earlier run are sent first");
  }
}

Status OtlpDelivery::Enqueue(std::string request, uint64_t data_points) {
  const uint64_t size = request.size();
  std::vector<std::pair<uint64_t, const char*>> drops;
  std::vector<std::string> unlinks;
  {
    MutexLock lock(mu_);
    if (draining_) return Status::FailedPrecondition("OTLP delivery is shut down");
    Entry e;
    e.seq = next_seq_++;
    e.points = data_points;
    e.size = size;
    e.bytes = std::make_shared<const std::string>(std::move(request));
    queue_.push_back(std::move(e));
    stats_.queued_bytes += size;
    ++stats_.queued_batches;
    stats_.enqueued_points += data_points;
    if (stats_.queued_bytes > options_.max_queue_bytes) {
      // With a spool the spooler spills the oldest to disk; the hard bound of
      // twice the limit only bites when the disk cannot keep up.
      uint64_t limit = options_.max_queue_bytes;
      if (spool_enabled_) {
        EvictSpooledLocked();
        limit = options_.max_queue_bytes * 2;
      }
      for (size_t i = 0; stats_.queued_bytes > limit && i + 1 < queue_.size();) {
        const Entry& victim = queue_[i];
        if (victim.in_flight || !victim.bytes) {
          ++i;
          continue;
        }
        drops.emplace_back(victim.points, "queue_full");
        std::string path = DropLocked(i, "queue_full");
        if (!path.empty()) unlinks.push_back(std::move(path));
      }
      if (!drops.empty()) {
        ReportOnceLocked("OtlpQueueFull", "OTLP delivery queue over " + std::to_string(limit) +
                                              " bytes: dropping the oldest batches");
      }
    }
  }
  // Diagnostics queued here are reported by the sender thread: the caller
  // does not pay for a stderr line.
  work_cv_.notify_all();
  for (const auto& path : unlinks) ::unlink(path.c_str());
  for (const auto& [points, reason] : drops) Instruments()->Exported(points, reason);
  return Status::OK();
}

size_t OtlpDelivery::FindLocked(uint64_t seq) const {
  auto it = std::lower_bound(queue_.begin(), queue_.end(), seq,
                             [](const Entry& e, uint64_t s) { return e.seq < s; });
  if (it == queue_.end() || it->seq != seq) return kNpos;
  return static_cast<size_t>(it - queue_.begin());
}

std::string OtlpDelivery::DropLocked(size_t index, const char* reason) {
  (void)reason;  // The caller records error.type outside the lock.
  Entry& e = queue_[index];
  std::string path;
  if (e.spooled) {
    path = SpoolPath(e.seq, e.points);
    stats_.spool_bytes -= e.size;
  }
  if (e.bytes) stats_.queued_bytes -= e.size;
  stats_.dropped_points += e.points;
  ++stats_.dropped_batches;
  --stats_.queued_batches;
  EraseLocked(index);
  done_cv_.notify_all();
  return path;
}

void OtlpDelivery::EraseLocked(size_t index) {
  // The spooler finishing this entry's file will find it gone and delete the
  // file; until then ForceFlush does not report the batch as done.
  if (queue_[index].spooling) ++orphaned_writes_;
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(index));
}

void OtlpDelivery::EvictSpooledLocked() {
  for (Entry& e : queue_) {
    if (stats_.queued_bytes <= options_.max_queue_bytes) return;
    if (e.spooled && e.bytes) {
      e.bytes.reset();  // The sender reads it back from its file.
      stats_.queued_bytes -= e.size;
    }
  }
}

void OtlpDelivery::ReportOnceLocked(const char* event, const std::string& message) {
  std::string key = std::string(event) + "\n" + message;
  if (reported_.count(key) != 0) return;
  if (reported_.size() < kMaxRemembered) reported_.insert(std::move(key));
  QueueDiagnosticLocked(DiagnosticSeverity::kWarning, event, message);
}

void OtlpDelivery::QueueDiagnosticLocked(DiagnosticSeverity severity, const char* event,
                                         std::string message) {
  pending_diagnostics_.push_back({severity, event, std::move(message)});
}

void OtlpDelivery::FlushDiagnostics() {
  std::vector<PendingDiagnostic> pending;
  {
    MutexLock lock(mu_);
    pending.swap(pending_diagnostics_);
  }
  // Outside mu_: a slow diagnostics handler must not hold up Enqueue.
  for (const PendingDiagnostic& d : pending) ReportDiagnostic(d.severity, d.event, d.message);
}

double OtlpDelivery::RandomLocked() {
  double r = random_();
  return std::clamp(r, 0.0, 1.0);
}

std::chrono::milliseconds OtlpDelivery::BackoffLocked() {
  // Equal jitter: at least half the exponential step, so retries stay spread
  // out, with the other half random so that many exporters restarted by the
  // same outage do not retry in lockstep.
  const int64_t cap = std::max<int64_t>(1, options_.max_backoff.count());
  int64_t step = std::max<int64_t>(1, options_.initial_backoff.count());
  for (int i = 1; i < backoff_step_ && step < cap; ++i) step *= 2;
  step = std::min(step, cap);
  const double half = static_cast<double>(step) / 2.0;
  return milliseconds(static_cast<int64_t>(half + half * RandomLocked()));
}

std::chrono::milliseconds OtlpDelivery::ProbeDelayLocked() {
  // Jitter only lengthens the interval: never more than one probe per interval.
  const int64_t interval = std::max<int64_t>(1, options_.probe_interval.count());
  return milliseconds(interval +
                      static_cast<int64_t>(static_cast<double>(interval) * 0.2 * RandomLocked()));
}

bool OtlpDelivery::UnhealthyLocked() const {
  return consecutive_failures_ > 0 || stats_.circuit_state == CircuitState::kOpen;
}

size_t OtlpDelivery::NextToSpoolLocked() const {
  if (!spool_enabled_) return kNpos;
  // A backlog (a batch waiting behind another) means delivery is not keeping
  // up, e.g. an attempt hanging on an unresponsive endpoint before any failure
  // was seen: persist then too, not only once an attempt has failed.
  const bool backlog = queue_.size() > 1;
  const bool spill_all =
      options_.spool_policy == SpoolPolicy::kAlways || UnhealthyLocked() || backlog || draining_;
  if (!spill_all && stats_.queued_bytes <= options_.max_queue_bytes) return kNpos;
  for (size_t i = 0; i < queue_.size(); ++i) {
    const Entry& e = queue_[i];
    if (!e.spooled && !e.spooling && e.bytes) return i;
  }
  return kNpos;
}

void OtlpDelivery::SenderLoop() {
  CvLock cv_lock(mu_);
  for (;;) {
    std::shared_ptr<const std::string> bytes;
    uint64_t seq = 0;
    std::string read_path;
    milliseconds attempt_budget = options_.export_timeout;
    bool sleep = false;
    TimePoint sleep_until{};
    uint64_t wake_count = 0;
    FlushDiagnostics();
    {
      MutexLock lock(mu_);
      work_cv_.wait(cv_lock, [&] {
        mu_.AssumeHeld();
        return stop_ || draining_ || !queue_.empty() || !pending_diagnostics_.empty();
      });
      if (stop_) break;
      if (queue_.empty()) {
        if (draining_) break;  // Drained everything.
        continue;              // Woken for diagnostics only.
      }
      const TimePoint now = clock_->Now();
      if (draining_ && (now >= drain_deadline_ || next_attempt_ > drain_deadline_)) {
        break;  // No attempt fits before the shutdown deadline.
      }
      if (now < next_attempt_) {
        sleep = true;
        sleep_until = next_attempt_;
        // Read under mu_: a Shutdown that changes the state after this point
        // also calls Wake(), which ends the sleep below at once.
        wake_count = clock_->WakeCount();
      } else {
        Entry& head = queue_.front();
        head.in_flight = true;
        if (!head.attempted) {
          head.attempted = true;
          head.first_attempt = now;
        }
        seq = head.seq;
        bytes = head.bytes;
        if (!bytes) read_path = SpoolPath(head.seq, head.points);
        if (draining_) {
          attempt_budget = std::min(
              attempt_budget, std::chrono::duration_cast<milliseconds>(drain_deadline_ - now));
        }
        ++stats_.attempts;
      }
    }
    if (sleep) {
      clock_->SleepUntil(sleep_until, wake_count);
      continue;
    }
    if (!read_path.empty()) {
      Result<std::string> read = spool::ReadWholeFile(read_path);
      if (!read.ok()) {
        uint64_t points = 0;
        {
          MutexLock lock(mu_);
          --stats_.attempts;  // Nothing was sent.
          const size_t index = FindLocked(seq);
          if (index != kNpos) {
            points = queue_[index].points;
            (void)DropLocked(index, "spool_read");
          }
          ReportOnceLocked("OtlpSpoolError",
                           "dropping an unreadable spooled batch: " + read.status().ToString());
        }
        ::unlink(read_path.c_str());
        FlushDiagnostics();
        Instruments()->Exported(points, "spool_read");
        continue;
      }
      bytes = std::make_shared<const std::string>(std::move(read).value());
    }
    // The transport measures its deadline on the real steady clock.
    const SendOutcome outcome =
        transport_->Send(*bytes, std::chrono::steady_clock::now() + attempt_budget);
    FinishAttempt(outcome, seq);
  }
  FlushDiagnostics();
  {
    MutexLock lock(mu_);
    sender_done_ = true;
  }
  done_cv_.notify_all();
}

void OtlpDelivery::FinishAttempt(const SendOutcome& outcome, uint64_t seq) {
  std::string unlink_path;
  uint64_t ok_points = 0;
  uint64_t failed_points = 0;
  const char* error_type = nullptr;
  double seconds = -1;
  {
    MutexLock lock(mu_);
    const size_t index = FindLocked(seq);
    if (index == kNpos) return;  // Cannot happen: in-flight entries are never dropped.
    Entry& e = queue_[index];
    e.in_flight = false;
    const TimePoint now = clock_->Now();
    if (outcome.kind == SendOutcome::Kind::kRetryable) {
      ++consecutive_failures_;
      ++backoff_step_;
      milliseconds delay{0};
      if (stats_.circuit_state == CircuitState::kClosed &&
          consecutive_failures_ >= std::max(1, options_.failures_to_open)) {
        stats_.circuit_state = CircuitState::kOpen;
        std::string where = spool_enabled_ ? "queued and spooled to " + options_.spool_dir
                                           : "queued in memory (up to " +
                                                 std::to_string(options_.max_queue_bytes) +
                                                 " bytes, then the oldest are dropped)";
        QueueDiagnosticLocked(DiagnosticSeverity::kWarning, "OtlpEndpointUnreachable",
                              "OTLP endpoint " + transport_->Describe() + " unreachable after " +
                                  std::to_string(consecutive_failures_) + " attempts (" +
                                  outcome.message + "); metrics are being " + where +
                                  ", probing every " +
                                  std::to_string(options_.probe_interval.count()) + " ms");
      }
      delay = stats_.circuit_state == CircuitState::kOpen ? ProbeDelayLocked() : BackoffLocked();
      if (outcome.retry_after) {
        delay = std::max(delay, std::min(*outcome.retry_after, options_.max_retry_after));
      }
      next_attempt_ = now + delay;
      if (draining_ && outcome.connect_failed && !outcome.retry_after &&
          (stats_.circuit_state == CircuitState::kOpen || ++drain_connect_failures_ >= 2)) {
        // Shutting down and nothing listens (the circuit is open, or a retry
        // after a backoff was refused too): waiting out more backoffs until
        // the deadline would only delay the program's exit. What is left is
        // spooled (or counted as dropped) right away.
        next_attempt_ = drain_deadline_ + milliseconds(1);
        if (stats_.circuit_state == CircuitState::kClosed) {
          // The open circuit already said so; a short run that never got that
          // far says it here, once, with the reason.
          ReportOnceLocked("OtlpEndpointUnreachable", "OTLP endpoint " + transport_->Describe() +
                                                          " unreachable at shutdown (" +
                                                          outcome.message + ")");
        }
      }
    } else {
      // The receiver answered: it is reachable, whatever it said.
      if (stats_.circuit_state == CircuitState::kOpen) {
        stats_.circuit_state = CircuitState::kClosed;
        QueueDiagnosticLocked(
            DiagnosticSeverity::kWarning, "OtlpEndpointRecovered",
            "OTLP endpoint " + transport_->Describe() + " reachable again; delivering " +
                std::to_string(stats_.queued_batches) + " queued batches in order");
      }
      consecutive_failures_ = 0;
      backoff_step_ = 0;
      next_attempt_ = now;
      if (outcome.kind == SendOutcome::Kind::kSuccess) {
        const uint64_t rejected = std::min<uint64_t>(
            e.points,
            static_cast<uint64_t>(std::max<int64_t>(0, outcome.partial.rejected_data_points)));
        ok_points = e.points - rejected;
        failed_points = rejected;
        error_type = "rejected";
        stats_.delivered_points += ok_points;
        stats_.rejected_points += rejected;
        ++stats_.delivered_batches;
        if (outcome.partial.present()) {
          ReportOnceLocked("OtlpPartialSuccess",
                           "OTLP endpoint " + transport_->Describe() + " rejected " +
                               std::to_string(outcome.partial.rejected_data_points) +
                               " data points: " + outcome.partial.error_message);
        }
      } else {
        failed_points = e.points;
        error_type = "permanent";
        stats_.dropped_points += e.points;
        ++stats_.dropped_batches;
        ReportOnceLocked("OtlpExportRejected",
                         "OTLP endpoint " + transport_->Describe() +
                             " rejected a batch for good (dropped): " + outcome.message);
      }
      seconds = std::chrono::duration<double>(now - e.first_attempt).count();
      // A file being written now is deleted by the spooler when it sees the
      // entry gone.
      if (e.spooled) {
        unlink_path = SpoolPath(e.seq, e.points);
        stats_.spool_bytes -= e.size;
      }
      if (e.bytes) stats_.queued_bytes -= e.size;
      --stats_.queued_batches;
      EraseLocked(index);
      // ForceFlush waits for the self-metrics of what it flushed too.
      ++finishing_;
    }
  }
  work_cv_.notify_all();
  FlushDiagnostics();
  if (!unlink_path.empty()) ::unlink(unlink_path.c_str());
  if (seconds >= 0) {
    Instruments()->Exported(ok_points, nullptr);
    Instruments()->Exported(failed_points, error_type);
    Instruments()->Duration(seconds, failed_points == 0 ? nullptr : error_type);
    MutexLock lock(mu_);
    --finishing_;
  }
  done_cv_.notify_all();
}

void OtlpDelivery::SpoolerLoop() {
  CvLock cv_lock(mu_);
  const std::string& dir = options_.spool_dir;
  for (;;) {
    std::shared_ptr<const std::string> bytes;
    uint64_t seq = 0;
    uint64_t points = 0;
    {
      MutexLock lock(mu_);
      work_cv_.wait(cv_lock, [&] {
        mu_.AssumeHeld();
        return stop_ || NextToSpoolLocked() != kNpos;
      });
      if (stop_) break;
      Entry& e = queue_[NextToSpoolLocked()];
      e.spooling = true;
      bytes = e.bytes;
      seq = e.seq;
      points = e.points;
    }
    const std::string path = SpoolPath(seq, points);
    const Status written = spool::WriteFileAtomically(dir, path.substr(dir.size() + 1), *bytes);
    std::vector<std::pair<std::string, uint64_t>> dropped;  // path, points
    bool unlink_own = false;
    bool still_queued = true;
    {
      MutexLock lock(mu_);
      const size_t index = FindLocked(seq);
      still_queued = index != kNpos;
      if (index == kNpos) {
        unlink_own = written.ok();  // Delivered or dropped while being written.
      } else if (!written.ok()) {
        queue_[index].spooling = false;
        // A disk that refuses one write will likely refuse the next: stop
        // spooling rather than spin; batches stay in memory (bounded).
        spool_enabled_ = false;
        stats_.spool_enabled = false;
        QueueDiagnosticLocked(DiagnosticSeverity::kError, "OtlpSpoolError",
                              "OTLP spool disabled: " + written.ToString());
      } else {
        Entry& e = queue_[index];
        e.spooling = false;
        e.spooled = true;
        stats_.spool_bytes += e.size;
        stats_.spooled_points += e.points;
        ++stats_.spooled_batches;
        // Spool cap: the oldest spooled batches make room (never one in flight).
        for (size_t i = 0; stats_.spool_bytes > options_.max_spool_bytes && i < queue_.size();) {
          const Entry& victim = queue_[i];
          if (!victim.spooled || victim.in_flight) {
            ++i;
            continue;
          }
          const uint64_t victim_points = victim.points;
          dropped.emplace_back(DropLocked(i, "spool_full"), victim_points);
        }
        if (!dropped.empty()) {
          ReportOnceLocked("OtlpSpoolFull", "OTLP spool " + dir + " over " +
                                                std::to_string(options_.max_spool_bytes) +
                                                " bytes: dropping the oldest spooled batches");
        }
        EvictSpooledLocked();
      }
    }
    FlushDiagnostics();
    if (!still_queued) {
      if (unlink_own) ::unlink(path.c_str());
      MutexLock lock(mu_);
      --orphaned_writes_;
    }
    if (written.ok() && !unlink_own) Instruments()->Spooled(points);
    for (const auto& [victim_path, victim_points] : dropped) {
      ::unlink(victim_path.c_str());
      Instruments()->Exported(victim_points, "spool_full");
    }
    done_cv_.notify_all();
  }
}

void OtlpDelivery::SpoolRemaining() {
  // Runs after both threads stopped: the queue is ours alone.
  std::vector<Entry> pending;
  bool spool = false;
  {
    MutexLock lock(mu_);
    spool = spool_enabled_;
    for (const Entry& e : queue_) {
      if (!e.spooled) pending.push_back(e);
    }
  }
  std::vector<std::pair<uint64_t, const char*>> outcomes;  // seq, nullptr = spooled
  for (const Entry& e : pending) {
    const char* reason = "shutdown";
    if (spool && e.bytes) {
      const std::string path = SpoolPath(e.seq, e.points);
      Status s = spool::WriteFileAtomically(options_.spool_dir,
                                            path.substr(options_.spool_dir.size() + 1), *e.bytes);
      if (s.ok()) {
        reason = nullptr;
      } else {
        ReportDiagnostic(DiagnosticSeverity::kError, "OtlpSpoolError",
                         "OTLP spool: cannot write a batch at shutdown (dropped): " + s.ToString());
      }
    }
    outcomes.emplace_back(e.seq, reason);
  }
  std::vector<std::pair<uint64_t, const char*>> to_record;
  {
    MutexLock lock(mu_);
    for (const auto& [seq, reason] : outcomes) {
      const size_t index = FindLocked(seq);
      if (index == kNpos) continue;
      Entry& e = queue_[index];
      if (reason == nullptr) {
        e.spooled = true;
        stats_.spool_bytes += e.size;
        stats_.spooled_points += e.points;
        ++stats_.spooled_batches;
        to_record.emplace_back(e.points, nullptr);
      } else {
        to_record.emplace_back(e.points, reason);
        (void)DropLocked(index, reason);
      }
    }
    // What is spooled stays queued (the next run delivers it); memory is freed.
    for (Entry& e : queue_) {
      if (e.bytes) {
        stats_.queued_bytes -= e.size;
        e.bytes.reset();
      }
    }
  }
  for (const auto& [points, reason] : to_record) {
    if (reason == nullptr) {
      Instruments()->Spooled(points);
    } else {
      Instruments()->Exported(points, reason);
    }
  }
  if (!outcomes.empty() && !spool) {
    ReportDiagnostic(DiagnosticSeverity::kWarning, "OtlpDataDropped",
                     "OTLP delivery shut down with " + std::to_string(outcomes.size()) +
                         " undelivered batches and no spool: they are dropped (a spool "
                         "directory keeps them for the next run)");
  }
}

Status OtlpDelivery::ForceFlush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  CvLock cv_lock(mu_);
  MutexLock lock(mu_);
  const uint64_t last = next_seq_ - 1;
  const bool done = done_cv_.wait_until(cv_lock, deadline, [&] {
    mu_.AssumeHeld();
    return ((queue_.empty() || queue_.front().seq > last) && finishing_ == 0 &&
            orphaned_writes_ == 0) ||
           shut_down_;
  });
  if (!done) {
    return Status::Timeout("OTLP delivery: " + std::to_string(stats_.queued_batches) +
                           " batches still undelivered (delivery continues)");
  }
  if (!queue_.empty() && queue_.front().seq <= last) {
    return Status::FailedPrecondition("OTLP delivery shut down with batches undelivered");
  }
  return Status::OK();
}

Status OtlpDelivery::Shutdown(std::chrono::milliseconds timeout) {
  const auto real_deadline = std::chrono::steady_clock::now() + timeout;
  {
    CvLock cv_lock(mu_);
    MutexLock lock(mu_);
    if (draining_) {
      // Another call shuts down (or did): wait for it within our own timeout.
      const bool done = done_cv_.wait_until(cv_lock, real_deadline, [&] {
        mu_.AssumeHeld();
        return shut_down_;
      });
      return done ? Status::OK()
                  : Status::Timeout("OTLP delivery: a concurrent Shutdown is still running");
    }
    draining_ = true;
    drain_deadline_ = clock_->Now() + timeout;
  }
  work_cv_.notify_all();
  clock_->Wake();
  {
    CvLock cv_lock(mu_);
    MutexLock lock(mu_);
    done_cv_.wait_until(cv_lock, real_deadline, [&] {
      mu_.AssumeHeld();
      return sender_done_;
    });
    stop_ = true;
  }
  work_cv_.notify_all();
  clock_->Wake();
  // An attempt in flight ends by its deadline (at most export_timeout).
  if (sender_.joinable()) sender_.join();
  if (spooler_.joinable()) spooler_.join();
  uint64_t left = 0;
  {
    MutexLock lock(mu_);
    left = stats_.queued_batches;
  }
  SpoolRemaining();
  FlushDiagnostics();  // Anything queued after the sender stopped.
  {
    MutexLock lock(mu_);
    shut_down_ = true;
  }
  done_cv_.notify_all();
  if (left != 0) {
    return Status::Timeout("OTLP delivery: " + std::to_string(left) +
                           " batches undelivered at shutdown (spooled when a spool is set)");
  }
  return Status::OK();
}

OtlpDeliveryStats OtlpDelivery::stats() const {
  MutexLock lock(mu_);
  OtlpDeliveryStats stats = stats_;
  stats.volatile_batches = 0;
  for (const Entry& e : queue_) {
    if (!e.spooled) ++stats.volatile_batches;
  }
  return stats;
}

}  // namespace cryptolake::metrics
