#include "cryptolake/runner/task_executor.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "cryptolake/common/backoff.h"

namespace cryptolake::runner {
namespace {

using Clock = std::chrono::steady_clock;

struct Node {
  TaskSpec spec;
  std::vector<size_t> dependents;
  int pending = 0;  // unfinished dependencies
  bool running = false;
  bool finished = false;
  Clock::time_point not_before{};
  TaskReport report;
};

class Executor {
 public:
  Executor(std::vector<TaskSpec> tasks, const ExecutorOptions& o) : o_(o) {
    nodes_.resize(tasks.size());
    for (size_t i = 0; i < tasks.size(); ++i) {
      nodes_[i].spec = std::move(tasks[i]);
      nodes_[i].report.id = nodes_[i].spec.id;
    }
  }

  Status Check() const {
    if (o_.io_workers < 1 || o_.cpu_workers < 1 || o_.max_attempts < 1) {
      return Status::InvalidArgument("workers and max_attempts must be at least 1");
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      for (size_t d : nodes_[i].spec.deps) {
        if (d >= i) {
          return Status::InvalidArgument("task " + nodes_[i].spec.id +
                                         " depends on a task that is not before it");
        }
      }
      if (!nodes_[i].spec.fn)
        return Status::InvalidArgument("task " + nodes_[i].spec.id + " has no function");
    }
    return Status::OK();
  }

  std::vector<TaskReport> Run() {
    remaining_ = nodes_.size();
    std::vector<std::pair<size_t, TaskReport>> done_now;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < nodes_.size(); ++i) {
        nodes_[i].pending = static_cast<int>(nodes_[i].spec.deps.size());
        for (size_t d : nodes_[i].spec.deps) nodes_[d].dependents.push_back(i);
      }
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i].pending == 0) Enqueue(i);
      }
    }
    std::vector<std::thread> threads;
    for (int w = 0; w < o_.io_workers; ++w) threads.emplace_back([this] { Worker(TaskPool::kIo); });
    for (int w = 0; w < o_.cpu_workers; ++w)
      threads.emplace_back([this] { Worker(TaskPool::kCpu); });
    for (std::thread& t : threads) t.join();
    std::vector<TaskReport> out;
    out.reserve(nodes_.size());
    for (Node& n : nodes_) out.push_back(std::move(n.report));
    return out;
  }

 private:
  using Events = std::vector<std::pair<size_t, TaskReport>>;
  struct QueueDelta {
    TaskPool pool;
    int64_t delta;
  };

  std::deque<size_t>& Queue(TaskPool p) { return p == TaskPool::kIo ? io_ready_ : cpu_ready_; }

  // REQUIRES: mu_ held.
  void Enqueue(size_t i) {
    Queue(nodes_[i].spec.pool).push_back(i);
    deltas_.push_back({nodes_[i].spec.pool, 1});
    cv_.notify_all();
  }

  bool StopRequested() const { return o_.stop_requested && o_.stop_requested(); }

  // Marks task i finished with `report` settled; cascades to its dependents. REQUIRES: mu_.
  void Finish(size_t i, Events* events) {
    Node& n = nodes_[i];
    n.finished = true;
    n.running = false;
    --remaining_;
    events->emplace_back(i, n.report);
    const TaskOutcome o = n.report.outcome;
    // A task skipped because its own dependency failed passes that on.
    const bool failed = o == TaskOutcome::kFailed ||
                        (o == TaskOutcome::kSkipped && n.report.detail == "dependency_failed");
    for (size_t d : n.dependents) {
      Node& dep = nodes_[d];
      if (dep.finished) continue;
      if (failed || o == TaskOutcome::kCancelled) {
        if (failed) {
          dep.report.outcome = TaskOutcome::kSkipped;
          dep.report.detail = "dependency_failed";
          dep.report.error = Status::FailedPrecondition("dependency " + n.spec.id + " failed");
        } else {
          dep.report.outcome = TaskOutcome::kCancelled;
          dep.report.detail = n.report.detail;
          dep.report.error = Status::Cancelled("dependency " + n.spec.id + " was cancelled");
        }
        // Not in a ready queue: it was still waiting for this task.
        Finish(d, events);
      } else if (--dep.pending == 0) {
        Enqueue(d);
      }
    }
    cv_.notify_all();
  }

  // Cancels every task that is neither running nor finished. REQUIRES: mu_.
  void CancelPending(Events* events) {
    for (TaskPool p : {TaskPool::kIo, TaskPool::kCpu}) {
      deltas_.push_back({p, -static_cast<int64_t>(Queue(p).size())});
      Queue(p).clear();
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      if (n.finished || n.running) continue;
      n.report.outcome = TaskOutcome::kCancelled;
      n.report.detail = "interrupted";
      if (n.report.error.ok()) n.report.error = Status::Cancelled("the run was stopped");
      n.finished = true;
      --remaining_;
      events->emplace_back(i, n.report);
    }
    cv_.notify_all();
  }

  void Emit(Events* events) {
    std::vector<QueueDelta> deltas;
    {
      std::lock_guard<std::mutex> lock(mu_);
      deltas.swap(deltas_);
    }
    std::lock_guard<std::mutex> lock(callback_mu_);
    if (o_.on_queue_change) {
      for (const QueueDelta& d : deltas) {
        if (d.delta != 0) o_.on_queue_change(d.pool, d.delta);
      }
    }
    if (o_.on_task_done) {
      for (const auto& [i, report] : *events) o_.on_task_done(i, report);
    }
    events->clear();
  }

  // Picks a runnable task of `pool`, waiting for one; returns false when the run is over.
  bool Next(TaskPool pool, size_t* index, Events* events) {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      if (StopRequested() && !stopped_) {
        stopped_ = true;
        CancelPending(events);
      }
      if (remaining_ == 0) return false;
      std::deque<size_t>& q = Queue(pool);
      const Clock::time_point now = Clock::now();
      Clock::time_point wake = now + std::chrono::milliseconds(50);
      for (auto it = q.begin(); it != q.end(); ++it) {
        if (nodes_[*it].not_before <= now) {
          *index = *it;
          q.erase(it);
          deltas_.push_back({pool, -1});
          nodes_[*index].running = true;
          return true;
        }
        wake = std::min(wake, nodes_[*it].not_before);
      }
      if (!events->empty()) {
        lock.unlock();
        Emit(events);
        lock.lock();
        continue;
      }
      cv_.wait_until(lock, wake);
    }
  }

  void Worker(TaskPool pool) {
    auto loop = [this, pool] {
      Events events;
      size_t i = 0;
      while (Next(pool, &i, &events)) {
        Emit(&events);
        RunAttempt(i, &events);
        Emit(&events);
      }
      Emit(&events);
    };
    if (o_.wrap_worker) {
      o_.wrap_worker(loop);
    } else {
      loop();
    }
  }

  void RunAttempt(size_t i, Events* events) {
    Node& n = nodes_[i];
    const int attempt = ++n.report.attempts;
    const Clock::time_point start = Clock::now();
    TaskContext ctx(start + o_.task_timeout, o_.abort, attempt);
    Result<TaskResult> r = Status::Internal("task threw");
    try {
      r = n.spec.fn(ctx);
    } catch (const std::exception& e) {
      r = Status::Internal(std::string("task threw: ") + e.what());
    }
    const bool timed_out = Clock::now() >= start + o_.task_timeout;
    std::lock_guard<std::mutex> lock(mu_);
    n.report.seconds += std::chrono::duration<double>(Clock::now() - start).count();
    if (r.ok()) {
      n.report.outcome = r->skipped ? TaskOutcome::kSkipped : TaskOutcome::kSucceeded;
      n.report.detail = r->detail;
      n.report.rows = r->rows;
      n.report.bytes_written = r->bytes_written;
      n.report.error = Status::OK();
      Finish(i, events);
      return;
    }
    Status error = r.status();
    const bool aborted = o_.abort != nullptr && o_.abort->load();
    if (error.code() == Status::Code::kCancelled && timed_out && !aborted) {
      error =
          Status::Timeout("attempt " + std::to_string(attempt) + " exceeded the task timeout of " +
                          std::to_string(o_.task_timeout.count()) + " ms: " + error.message());
    }
    n.report.error = error;
    const bool retryable = error.code() != Status::Code::kCancelled && !error.IsInvalidArgument();
    if (retryable && attempt < o_.max_attempts && !StopRequested()) {
      n.running = false;
      n.not_before =
          Clock::now() + FullJitterBackoff(attempt - 1, -1, o_.initial_backoff, o_.max_backoff);
      Enqueue(i);
      return;
    }
    if (error.code() == Status::Code::kCancelled) {
      n.report.outcome = TaskOutcome::kCancelled;
      n.report.detail = "interrupted";
    } else {
      n.report.outcome = TaskOutcome::kFailed;
      n.report.detail = error.IsTimeout() ? "timeout" : "error";
    }
    Finish(i, events);
  }

  const ExecutorOptions& o_;
  std::vector<Node> nodes_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<size_t> io_ready_, cpu_ready_;
  std::vector<QueueDelta> deltas_;
  size_t remaining_ = 0;
  bool stopped_ = false;
  std::mutex callback_mu_;
};

}  // namespace

std::string_view TaskPoolName(TaskPool pool) { return pool == TaskPool::kIo ? "io" : "cpu"; }

std::string_view TaskOutcomeName(TaskOutcome outcome) {
  switch (outcome) {
    case TaskOutcome::kSucceeded:
      return "succeeded";
    case TaskOutcome::kSkipped:
      return "skipped";
    case TaskOutcome::kFailed:
      return "failed";
    case TaskOutcome::kCancelled:
      return "cancelled";
  }
  return "?";
}

Result<std::vector<TaskReport>> RunTasks(std::vector<TaskSpec> tasks,
                                         const ExecutorOptions& options) {
  Executor executor(std::move(tasks), options);
  CL_RETURN_IF_ERROR(executor.Check());
  return executor.Run();
}

}  // namespace cryptolake::runner
