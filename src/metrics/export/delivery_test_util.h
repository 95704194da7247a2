// Test doubles for the OTLP delivery tests: a simulated clock, a scripted
// transport, a diagnostics recorder and small helpers. Header-only, tests only.
#ifndef CRYPTOLAKE_METRICS_EXPORT_DELIVERY_TEST_UTIL_H_
#define CRYPTOLAKE_METRICS_EXPORT_DELIVERY_TEST_UTIL_H_

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cryptolake/metrics/export/otlp_delivery.h"
#include "cryptolake/metrics/export/otlp_transport.h"
#include "cryptolake/metrics/sdk/diagnostics.h"

namespace cryptolake::metrics::delivery_test {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = DeliveryClock::TimePoint;

inline const TimePoint kStart = TimePoint(std::chrono::hours(1000));
constexpr milliseconds kLongWait{60000};  // Real-time bound for waits that should succeed.

// Simulated time. SleepUntil jumps to its deadline at once as long as the
// deadline is within the horizon; beyond it the sender blocks (in real time)
// until the test moves the horizon or Wake() is called. With an unbounded
// horizon an outage of hours takes no real time; with a bounded one the test
// can stop the sender at a known simulated instant and count what it did.
class FakeClock final : public DeliveryClock {
 public:
  TimePoint Now() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void SleepUntil(TimePoint deadline, uint64_t wake_count) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] {
      const bool go = wakes_ != wake_count || deadline <= horizon_;
      blocked_ = !go;
      if (blocked_) cv_.notify_all();  // For WaitBlocked().
      return go;
    });
    if (wakes_ == wake_count && deadline > now_) now_ = deadline;
  }
  void Wake() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakes_;
    cv_.notify_all();
  }
  uint64_t WakeCount() override {
    std::lock_guard<std::mutex> lock(mu_);
    return wakes_;
  }

  void SetHorizon(TimePoint horizon) {
    std::lock_guard<std::mutex> lock(mu_);
    horizon_ = horizon;
    blocked_ = false;  // Until the sender has looked at the new horizon.
    cv_.notify_all();
  }
  void Unbounded() { SetHorizon(TimePoint::max()); }
  // Waits (real time) until the sender sleeps past the horizon.
  bool WaitBlocked() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kLongWait, [&] { return blocked_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  TimePoint now_ = kStart;
  TimePoint horizon_ = TimePoint::max();
  uint64_t wakes_ = 0;
  bool blocked_ = false;
};

// What a scripted transport saw; shared with the test (the delivery owns the
// transport itself).
struct Script {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<SendOutcome> outcomes;  // Next outcomes, in order.
  // Used when `outcomes` is empty.
  std::function<SendOutcome(const std::string& request)> fallback = [](const std::string&) {
    return SendOutcome::Success();
  };
  std::vector<std::string> attempts;   // Every request sent.
  std::vector<TimePoint> attempt_times;  // Simulated time of each attempt.
  std::vector<std::string> delivered;  // Requests answered with success.
  bool gate_closed = false;            // Send blocks while true.
  bool in_send = false;
  FakeClock* clock = nullptr;

  void SetGate(bool closed) {
    std::lock_guard<std::mutex> lock(mu);
    gate_closed = closed;
    cv.notify_all();
  }
  bool WaitInSend() {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kLongWait, [&] { return in_send; });
  }
  std::vector<std::string> Delivered() {
    std::lock_guard<std::mutex> lock(mu);
    return delivered;
  }
  size_t AttemptCount() {
    std::lock_guard<std::mutex> lock(mu);
    return attempts.size();
  }
};

class ScriptedTransport final : public OtlpTransport {
 public:
  explicit ScriptedTransport(std::shared_ptr<Script> script) : script_(std::move(script)) {}

  SendOutcome Send(std::string_view request, std::chrono::steady_clock::time_point) override {
    std::unique_lock<std::mutex> lock(script_->mu);
    script_->in_send = true;
    script_->cv.notify_all();
    script_->cv.wait(lock, [&] { return !script_->gate_closed; });
    script_->in_send = false;
    std::string body(request);
    script_->attempts.push_back(body);
    if (script_->clock != nullptr) script_->attempt_times.push_back(script_->clock->Now());
    SendOutcome outcome;
    if (!script_->outcomes.empty()) {
      outcome = script_->outcomes.front();
      script_->outcomes.pop_front();
    } else {
      outcome = script_->fallback(body);
    }
    if (outcome.kind == SendOutcome::Kind::kSuccess) script_->delivered.push_back(body);
    script_->cv.notify_all();
    return outcome;
  }
  std::string Describe() const override { return "otlp/test http://collector.test:4318"; }

 private:
  std::shared_ptr<Script> script_;
};

inline SendOutcome Unavailable() {
  SendOutcome o = SendOutcome::Retryable("connection refused");
  o.connect_failed = true;
  return o;
}

// Collects diagnostics for the test's lifetime.
class DiagnosticsRecorder {
 public:
  DiagnosticsRecorder() {
    SetDiagnosticHandler([this](const Diagnostic& d) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.emplace_back(std::string(d.event), std::string(d.message));
    });
  }
  ~DiagnosticsRecorder() { SetDiagnosticHandler(nullptr); }
  int Count(std::string_view event) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& e : events_) n += e.first == event ? 1 : 0;
    return n;
  }
  std::string Message(std::string_view event) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : events_) {
      if (e.first == event) return e.second;
    }
    return "";
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> events_;
};

inline std::string TempDir(const std::string& name) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("otlp_delivery_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Polls `done` (real time) until true or the long bound passes.
inline bool Eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kLongWait;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

}  // namespace cryptolake::metrics::delivery_test

#endif  // CRYPTOLAKE_METRICS_EXPORT_DELIVERY_TEST_UTIL_H_
