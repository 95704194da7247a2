// OtlpDelivery: gets encoded OTLP batches to a receiver in order, without
// ever blocking the caller, and without losing them while the receiver is
// down.
//
// A batch is the bytes of one ExportMetricsServiceRequest plus its data point
// count. Enqueue() appends it to a queue bounded by bytes and returns at once;
// one sender thread delivers the queue strictly in order through an
// OtlpTransport: a batch is sent only after every earlier batch was delivered
// or dropped for good.
//
// Per attempt (OtlpTransport::Send, bounded by `export_timeout`):
//  - kSuccess: the batch is done; a partial success is never retried, its
//    rejected points are counted and its message reported once.
//  - kPermanent: the batch is dropped and counted; each distinct message is
//    reported once ("OtlpExportRejected").
//  - kRetryable: the batch stays at the head of the queue. The next attempt
//    waits for an exponential backoff with equal jitter (delay n is uniform in
//    [b/2, b], b = min(max_backoff, initial_backoff * 2^(n-1))), and at least
//    for the server's retry_after (capped at max_retry_after). A batch is
//    never dropped because retrying took long.
// Circuit breaker: after `failures_to_open` consecutive retryable failures the
// circuit opens ("OtlpEndpointUnreachable" warning, once per outage): no
// attempts at all except one probe (the head batch) per probe interval
// (interval + up to 20% jitter, never less). A successful probe closes it
// ("OtlpEndpointRecovered") and the queue drains in order. Any answer that is
// not retryable (success, partial success, permanent) proves the endpoint
// reachable: it resets the failure count and the backoff.
//
// Spool (optional, `spool_dir`): batches are written one file per batch,
// named by sequence number, holding the request bytes as-is, atomically
// (temporary file in the same directory, fsync, rename, fsync of the
// directory). What is written:
//  - with SpoolPolicy::kWhenUnhealthy (default), every queued batch not yet on
//    disk as soon as delivery is failing (the last attempt failed as
//    retryable, or the circuit is open) or falling behind (more than one
//    batch queued, e.g. an attempt hanging on an unresponsive endpoint, or
//    the in-memory queue over `max_queue_bytes`), including batches enqueued
//    while that lasts; batches on disk give their memory back while the queue
//    is over `max_queue_bytes` and are read back when they reach the head;
//  - with SpoolPolicy::kAlways, every batch as soon as it is enqueued;
//  - at Shutdown(), everything still undelivered.
// The writing is done by a second thread, so Enqueue() never waits for disk.
// A spool file is deleted only once its batch was delivered or permanently
// rejected, so delivery is at-least-once (a batch whose success answer was
// lost with a crash is sent again after the restart) and in order. At
// construction the delivery takes an exclusive flock on `<spool_dir>/lock`
// (if another process holds it: an "OtlpSpoolUnavailable" diagnostic and no
// spool), removes temporary files left by a crash, and queues the spool files
// it finds ahead of anything enqueued later, oldest first; new sequence
// numbers continue after the highest found. The spool is capped at
// `max_spool_bytes`: to make room the oldest spooled batches are dropped
// (counted). A spool file that cannot be read back is dropped and reported.
//
// Guarantee with the spool on: a batch whose Enqueue() returned is on disk
// within the spooler's write latency (one write + fsync, milliseconds)
// whenever delivery is failing or behind (kWhenUnhealthy), or always
// (kAlways); killing the process (kill -9) after that point and restarting on
// the same directory loses none of it. The one batch kWhenUnhealthy leaves
// exposed to a kill -9 is a lone batch in its first attempt while every
// earlier attempt succeeded (nothing waiting behind it, no failure yet);
// kAlways covers that too, at one fsync per batch. Dropped (and counted,
// never silently): the oldest spooled batches beyond max_spool_bytes; without
// a spool the oldest batches beyond max_queue_bytes, and what is still queued
// when Shutdown() ends; with a spool the oldest unspooled batches beyond twice
// max_queue_bytes (only when the disk cannot keep up with the producer).
//
// Self-metrics through the global MeterProvider (meter
// "cryptolake.metrics.export", instruments created at construction) follow the
// OpenTelemetry semantic conventions for SDK self-observability:
// otel.sdk.exporter.metric_data_point.exported (error.type set on failure:
// "rejected", "permanent", "queue_full", "spool_full", "spool_read",
// "shutdown"), otel.sdk.exporter.metric_data_point.inflight,
// otel.sdk.exporter.operation.duration (one observation per batch, first
// attempt to final outcome), plus cryptolake.exporter.metric_data_point.spooled
// and cryptolake.exporter.queue.size (bytes in memory). Attributes:
// otel.component.type, otel.component.name, server.address, server.port only.
//
// Thread-safety: Enqueue, ForceFlush, Shutdown and stats() may be called from
// any thread, concurrently. Enqueue never waits for the network, the disk or
// a diagnostics handler (it takes one short internal lock; diagnostics it
// raises are reported by the sender thread). The transport's Send() runs on the
// sender thread only.
#ifndef CRYPTOLAKE_METRICS_EXPORT_OTLP_DELIVERY_H_
#define CRYPTOLAKE_METRICS_EXPORT_OTLP_DELIVERY_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/common/thread_annotations.h"
#include "cryptolake/metrics/export/otlp_transport.h"
#include "cryptolake/metrics/sdk/diagnostics.h"

namespace cryptolake::metrics {

class DeliveryInstruments;
class MeterProvider;

// Time source and sleeper of the sender thread. Tests inject a simulated
// clock so that backoffs and probe intervals of minutes take no real time.
//
// Thread-safety: all methods may be called from any thread.
class DeliveryClock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~DeliveryClock() = default;

  virtual TimePoint Now() = 0;
  // Returns once Now() >= deadline, or as soon as WakeCount() differs from
  // `wake_count` (also when it already differs on entry).
  virtual void SleepUntil(TimePoint deadline, uint64_t wake_count) = 0;
  // Ends the sleeps in progress (and those that were passed an older count).
  virtual void Wake() = 0;
  virtual uint64_t WakeCount() = 0;

  // std::chrono::steady_clock.
  static std::shared_ptr<DeliveryClock> Steady();
};

enum class SpoolPolicy {
  kWhenUnhealthy,  // Spool when delivery fails or falls behind, and at shutdown.
  kAlways,         // Also every batch at once (survives kill -9 while healthy).
};

struct OtlpDeliveryOptions {
  // In-memory queue limit (bytes of batches held in memory).
  size_t max_queue_bytes = size_t{64} << 20;
  // Bounds one attempt (the deadline passed to Send). OTEL_EXPORTER_OTLP_TIMEOUT.
  std::chrono::milliseconds export_timeout{10000};
  // Exponential backoff between retryable failures (equal jitter). A 503 from a
  // busy receiver or load balancer is usually gone within a fraction of a
  // second, and at a 500 ms export interval a first delay of 1 s (gRPC's
  // customary one) would push the retried batch and the one queued behind it
  // past the plan's 1 s recording-to-arrival target; 250 ms keeps both inside
  // it. 30 s keeps a returning receiver from waiting long when the breaker is
  // configured to stay closed.
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{30000};
  // A server's retry_after longer than this is shortened to it.
  std::chrono::milliseconds max_retry_after{300000};
  // Consecutive retryable failures that open the circuit (>= 1).
  int failures_to_open = 5;
  // While open: one probe per interval (plus up to 20% jitter).
  std::chrono::milliseconds probe_interval{5000};

  // Empty: no spool.
  std::string spool_dir;
  uint64_t max_spool_bytes = uint64_t{256} << 20;
  SpoolPolicy spool_policy = SpoolPolicy::kWhenUnhealthy;

  // Self-metric attributes (otel.component.type, server.address,
  // server.port; port 0 = not recorded). Never header values or credentials.
  std::string component_type = "otlp_metric_exporter";
  std::string server_address;
  int server_port = 0;

  // Injected for tests; null = steady clock / a seeded PRNG. `random`
  // returns a uniform value in [0, 1) and is called on the sender thread only.
  std::shared_ptr<DeliveryClock> clock;
  std::function<double()> random;
};

enum class CircuitState { kClosed = 0, kOpen = 1 };

// Counters since construction (points are OTLP data points).
struct OtlpDeliveryStats {
  uint64_t enqueued_points = 0;   // Handed to Enqueue() (batches found in the spool excluded).
  uint64_t delivered_points = 0;  // Accepted by the receiver (rejected ones excluded).
  uint64_t delivered_batches = 0;
  uint64_t rejected_points = 0;  // Partial-success rejections.
  uint64_t dropped_points = 0;   // Permanent failures, overflow, spool cap, shutdown, unreadable.
  uint64_t dropped_batches = 0;
  uint64_t spooled_points = 0;  // Written to the spool (each batch counted once).
  uint64_t spooled_batches = 0;
  uint64_t attempts = 0;  // Send() calls.
  CircuitState circuit_state = CircuitState::kClosed;
  uint64_t queued_batches = 0;    // Undelivered, in memory or spooled.
  uint64_t queued_bytes = 0;      // Bytes of queued batches held in memory.
  uint64_t volatile_batches = 0;  // Queued batches not (yet) on disk: lost by a kill -9.
  uint64_t spool_bytes = 0;       // Bytes of spool files.
  bool spool_enabled = false;     // False without spool_dir, when the lock was held, or
                                  // after a failed write (the spool is then off).
};

class OtlpDelivery {
 public:
  // REQUIRES: transport != nullptr. Opens (creates) the spool and starts the
  // sender (and spooler) thread.
  OtlpDelivery(std::unique_ptr<OtlpTransport> transport, OtlpDeliveryOptions options);
  // Shutdown(0): undelivered batches go to the spool (or are dropped, counted).
  ~OtlpDelivery();

  OtlpDelivery(const OtlpDelivery&) = delete;
  OtlpDelivery& operator=(const OtlpDelivery&) = delete;

  // Queues one batch (ExportMetricsServiceRequest bytes with `data_points`
  // points). Never blocks. Overflow drops or spills the oldest batches (see
  // above), never this one. FailedPrecondition after Shutdown() began.
  Status Enqueue(std::string request, uint64_t data_points) EXCLUDES(mu_);

  // Waits until every batch enqueued before the call (and every spooled one
  // found at start) is delivered or dropped. Timeout when `timeout` passes
  // first (nothing is lost: delivery goes on).
  Status ForceFlush(std::chrono::milliseconds timeout) EXCLUDES(mu_);

  // Delivers what it can within `timeout` (attempts keep their backoff; an
  // open circuit still probes only on its interval), then spools the rest
  // (or drops it, counted), and stops the threads. An attempt already in
  // flight is waited for (the transport honours its deadline, at most
  // export_timeout). When nothing listens (a refused connection while the
  // circuit is open, or two in a row), it stops trying at once instead of
  // waiting out backoffs, so a dead backend does not delay a program's exit.
  // Returns Timeout when batches were left undelivered.
  // Idempotent: later calls return OK (a call concurrent with a running
  // Shutdown waits for it, within its own timeout).
  Status Shutdown(std::chrono::milliseconds timeout) EXCLUDES(mu_);

  // Records the self-metrics on `provider` from now on instead of the
  // provider that was global at construction. For a program that builds the
  // provider this delivery exports (its reader must exist before the
  // provider does): call it once the provider exists. Safe at any time.
  void UseMeterProvider(std::shared_ptr<MeterProvider> provider) EXCLUDES(instruments_mu_, mu_);

  OtlpDeliveryStats stats() const EXCLUDES(mu_);
  // The transport's description ("otlp/http http://host:4318/v1/metrics").
  std::string Describe() const;

 private:
  // One queued batch. `bytes` is null when the batch lives only in its spool
  // file (read back when it reaches the head).
  struct Entry {
    uint64_t seq = 0;
    uint64_t points = 0;
    uint64_t size = 0;
    std::shared_ptr<const std::string> bytes;
    bool spooled = false;                      // Its spool file exists.
    bool spooling = false;                     // The spooler is writing it.
    bool in_flight = false;                    // The sender is attempting it.
    bool counted_inflight = false;             // Added to the inflight self-metric.
    DeliveryClock::TimePoint first_attempt{};  // Set at the first attempt.
    bool attempted = false;
  };

  void SenderLoop() EXCLUDES(mu_);
  void SpoolerLoop() EXCLUDES(mu_);
  // Applies the outcome of one attempt on the batch `seq` (the head).
  void FinishAttempt(const SendOutcome& outcome, uint64_t seq) EXCLUDES(mu_);
  // Writes queued batches to the spool at Shutdown (caller's thread).
  void SpoolRemaining() EXCLUDES(mu_);
  // Opens the spool directory, takes its lock and queues what it holds.
  void OpenSpool() EXCLUDES(mu_);

  bool UnhealthyLocked() const REQUIRES(mu_);
  // Next entry the spooler should write, or npos.
  size_t NextToSpoolLocked() const REQUIRES(mu_);
  // Drops in-memory bytes of spooled entries while over max_queue_bytes.
  void EvictSpooledLocked() REQUIRES(mu_);
  // Removes queue_[index] as dropped for `reason` (error.type); returns its
  // spool file to delete ("" when none).
  std::string DropLocked(size_t index, const char* reason) REQUIRES(mu_);
  // Diagnostics found under mu_ are queued and reported by FlushDiagnostics()
  // once mu_ is released (Enqueue's by the sender thread). ReportOnceLocked
  // queues each (event, message) once.
  void ReportOnceLocked(const char* event, const std::string& message) REQUIRES(mu_);
  void QueueDiagnosticLocked(DiagnosticSeverity severity, const char* event, std::string message)
      REQUIRES(mu_);
  void FlushDiagnostics() EXCLUDES(mu_);
  size_t FindLocked(uint64_t seq) const REQUIRES(mu_);
  void EraseLocked(size_t index) REQUIRES(mu_);
  std::chrono::milliseconds BackoffLocked() REQUIRES(mu_);
  std::chrono::milliseconds ProbeDelayLocked() REQUIRES(mu_);
  double RandomLocked() REQUIRES(mu_);
  std::string SpoolPath(uint64_t seq, uint64_t points) const;

  // The self-metrics now (replaced by UseMeterProvider).
  std::shared_ptr<const DeliveryInstruments> Instruments() const EXCLUDES(instruments_mu_);
  // Builds the self-metric instruments on `provider` (null: the global one).
  std::shared_ptr<const DeliveryInstruments> MakeInstruments(
      std::shared_ptr<MeterProvider> provider);

  const std::unique_ptr<OtlpTransport> transport_;
  const OtlpDeliveryOptions options_;
  const std::shared_ptr<DeliveryClock> clock_;
  // otel.component.name of this delivery ("<component_type>/<n>").
  const std::string component_name_;
  mutable Mutex instruments_mu_;
  // Set in the constructor, before the threads start; UseMeterProvider swaps it.
  std::shared_ptr<const DeliveryInstruments> instruments_ GUARDED_BY(instruments_mu_);

  mutable Mutex mu_;
  std::condition_variable_any work_cv_;      // Wakes the sender and the spooler.
  std::condition_variable_any done_cv_;      // Signals progress to ForceFlush/Shutdown.
  std::deque<Entry> queue_ GUARDED_BY(mu_);  // Ascending seq.
  uint64_t next_seq_ GUARDED_BY(mu_) = 1;
  OtlpDeliveryStats stats_ GUARDED_BY(mu_);
  int consecutive_failures_ GUARDED_BY(mu_) = 0;
  int backoff_step_ GUARDED_BY(mu_) = 0;
  int finishing_ GUARDED_BY(mu_) = 0;  // Finished batches whose self-metrics are being recorded.
  // Entries removed while the spooler was writing their file (it deletes it).
  int orphaned_writes_ GUARDED_BY(mu_) = 0;

  // No attempt before this (backoff, retry_after or the probe interval).
  DeliveryClock::TimePoint next_attempt_ GUARDED_BY(mu_){};
  bool spool_enabled_ GUARDED_BY(mu_) = false;
  bool draining_ GUARDED_BY(mu_) = false;  // Shutdown began: no more Enqueue.
  // Refused connections while draining; the second one ends the drain.
  int drain_connect_failures_ GUARDED_BY(mu_) = 0;
  DeliveryClock::TimePoint drain_deadline_ GUARDED_BY(mu_){};
  bool stop_ GUARDED_BY(mu_) = false;  // Threads exit.
  bool sender_done_ GUARDED_BY(mu_) = false;
  bool shut_down_ GUARDED_BY(mu_) = false;
  std::set<std::string> reported_ GUARDED_BY(mu_);
  struct PendingDiagnostic {
    DiagnosticSeverity severity;
    const char* event;
    std::string message;
  };
  std::vector<PendingDiagnostic> pending_diagnostics_ GUARDED_BY(mu_);
  std::function<double()> random_ GUARDED_BY(mu_);

  int spool_lock_fd_ = -1;  // Owned; set before the threads start.
  std::thread sender_;
  std::thread spooler_;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_OTLP_DELIVERY_H_
