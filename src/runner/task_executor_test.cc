#include "cryptolake/runner/task_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace cryptolake::runner {
namespace {

using std::chrono::milliseconds;

ExecutorOptions FastOptions() {
  ExecutorOptions o;
  o.io_workers = 2;
  o.cpu_workers = 1;
  o.max_attempts = 3;
  o.initial_backoff = milliseconds(1);
  o.max_backoff = milliseconds(4);
  o.task_timeout = milliseconds(60000);
  return o;
}

TaskSpec Task(std::string id, TaskFunction fn, std::vector<size_t> deps = {},
              TaskPool pool = TaskPool::kIo) {
  TaskSpec t;
  t.id = std::move(id);
  t.fn = std::move(fn);
  t.deps = std::move(deps);
  t.pool = pool;
  return t;
}

TaskFunction Ok(std::string detail = "done", int64_t rows = 0) {
  return [detail, rows](const TaskContext&) -> Result<TaskResult> {
    TaskResult r;
    r.detail = detail;
    r.rows = rows;
    return r;
  };
}

TEST(TaskExecutor, RetriesUntilSuccessAndCountsAttempts) {
  std::atomic<int> calls{0};
  std::vector<TaskSpec> tasks;
  tasks.push_back(Task("flaky", [&](const TaskContext& ctx) -> Result<TaskResult> {
    EXPECT_EQ(ctx.attempt(), calls.load() + 1);
    if (++calls < 3) return Status::Unavailable("try again");
    TaskResult r;
    r.detail = "ok";
    return r;
  }));
  Result<std::vector<TaskReport>> r = RunTasks(std::move(tasks), FastOptions());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ((*r)[0].outcome, TaskOutcome::kSucceeded);
  EXPECT_EQ((*r)[0].attempts, 3);
}

TEST(TaskExecutor, GivesUpAfterMaxAttempts) {
  std::atomic<int> calls{0};
  std::vector<TaskSpec> tasks;
  tasks.push_back(Task("broken", [&](const TaskContext&) -> Result<TaskResult> {
    ++calls;
    return Status::IOError("disk on fire");
  }));
  tasks.push_back(Task("bad-input", [&](const TaskContext&) -> Result<TaskResult> {
    return Status::InvalidArgument("never retried");
  }));
  Result<std::vector<TaskReport>> r = RunTasks(std::move(tasks), FastOptions());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ((*r)[0].outcome, TaskOutcome::kFailed);
  EXPECT_EQ((*r)[0].attempts, 3);
  EXPECT_NE((*r)[0].error.message().find("disk on fire"), std::string::npos);
  EXPECT_EQ((*r)[1].outcome, TaskOutcome::kFailed);
  EXPECT_EQ((*r)[1].attempts, 1);
}

TEST(TaskExecutor, FailureSkipsDependentsOnlyAndNeverStopsOthers) {
  std::vector<TaskSpec> tasks;
  tasks.push_back(Task(
      "a", [](const TaskContext&) -> Result<TaskResult> { return Status::Corruption("bad zip"); }));
  tasks.push_back(Task("a.child", Ok(), {0}));
  tasks.push_back(Task("a.grandchild", Ok(), {1}, TaskPool::kCpu));
  tasks.push_back(Task("b", Ok("b", 10)));
  tasks.push_back(Task("b.child", Ok("bc", 5), {3}, TaskPool::kCpu));
  ExecutorOptions o = FastOptions();
  o.max_attempts = 1;
  std::vector<std::string> done;
  o.on_task_done = [&](size_t, const TaskReport& r) { done.push_back(r.id); };
  Result<std::vector<TaskReport>> r = RunTasks(std::move(tasks), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, TaskOutcome::kFailed);
  EXPECT_EQ((*r)[1].outcome, TaskOutcome::kSkipped);
  EXPECT_EQ((*r)[1].detail, "dependency_failed");
  EXPECT_EQ((*r)[1].attempts, 0);
  EXPECT_EQ((*r)[2].outcome, TaskOutcome::kSkipped);
  EXPECT_EQ((*r)[2].detail, "dependency_failed");
  EXPECT_EQ((*r)[3].outcome, TaskOutcome::kSucceeded);
  EXPECT_EQ((*r)[4].outcome, TaskOutcome::kSucceeded);
  EXPECT_EQ((*r)[4].rows, 5);
  EXPECT_EQ(done.size(), 5u);
}

TEST(TaskExecutor, SkippedDependencyStillRunsDependents) {
  std::vector<TaskSpec> tasks;
  tasks.push_back(Task("up-to-date", [](const TaskContext&) -> Result<TaskResult> {
    TaskResult r;
    r.skipped = true;
    r.detail = "up_to_date";
    return r;
  }));
  tasks.push_back(Task("next", Ok(), {0}));
  Result<std::vector<TaskReport>> r = RunTasks(std::move(tasks), FastOptions());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, TaskOutcome::kSkipped);
  EXPECT_EQ((*r)[1].outcome, TaskOutcome::kSucceeded);
}

TEST(TaskExecutor, DependencyOrderHolds) {
  std::mutex mu;
  std::vector<std::string> order;
  auto record = [&](std::string id) {
    return [&, id](const TaskContext&) -> Result<TaskResult> {
      std::this_thread::sleep_for(milliseconds(2));
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(id);
      return TaskResult{};
    };
  };
  std::vector<TaskSpec> tasks;
  tasks.push_back(Task("1", record("1")));
  tasks.push_back(Task("2", record("2"), {0}, TaskPool::kCpu));
  tasks.push_back(Task("3", record("3"), {1}));
  tasks.push_back(Task("4", record("4"), {0, 2}, TaskPool::kCpu));
  ASSERT_TRUE(RunTasks(std::move(tasks), FastOptions()).ok());
  EXPECT_EQ(order, (std::vector<std::string>{"1", "2", "3", "4"}));
}

TEST(TaskExecutor, TimeoutIsCooperativeAndRetried) {
  std::atomic<int> calls{0};
  std::vector<TaskSpec> tasks;
  tasks.push_back(Task("slow", [&](const TaskContext& ctx) -> Result<TaskResult> {
    ++calls;
    while (!ctx.cancelled()) std::this_thread::sleep_for(milliseconds(1));
    return Status::Cancelled("gave up before publishing");
  }));
  ExecutorOptions o = FastOptions();
  o.task_timeout = milliseconds(20);
  o.max_attempts = 2;
  Result<std::vector<TaskReport>> r = RunTasks(std::move(tasks), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ((*r)[0].outcome, TaskOutcome::kFailed);
  EXPECT_EQ((*r)[0].detail, "timeout");
  EXPECT_TRUE((*r)[0].error.IsTimeout()) << (*r)[0].error.ToString();
}

TEST(TaskExecutor, NeverMoreThanPoolSizeInFlight) {
  std::atomic<int> io_now{0}, io_max{0}, cpu_now{0}, cpu_max{0};
  auto track = [](std::atomic<int>& now, std::atomic<int>& max) {
    return [&now, &max](const TaskContext&) -> Result<TaskResult> {
      int n = ++now;
      int m = max.load();
      while (n > m && !max.compare_exchange_weak(m, n)) {
      }
      std::this_thread::sleep_for(milliseconds(3));
      --now;
      return TaskResult{};
    };
  };
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < 24; ++i) {
    tasks.push_back(Task("io" + std::to_string(i), track(io_now, io_max)));
    tasks.push_back(Task("cpu" + std::to_string(i), track(cpu_now, cpu_max), {}, TaskPool::kCpu));
  }
  ExecutorOptions o = FastOptions();
  o.io_workers = 3;
  o.cpu_workers = 2;
  int64_t io_queue = 0, cpu_queue = 0, io_queue_max = 0;
  o.on_queue_change = [&](TaskPool p, int64_t d) {
    (p == TaskPool::kIo ? io_queue : cpu_queue) += d;
    io_queue_max = std::max(io_queue_max, io_queue);
  };
  ASSERT_TRUE(RunTasks(std::move(tasks), o).ok());
  EXPECT_LE(io_max.load(), 3);
  EXPECT_LE(cpu_max.load(), 2);
  EXPECT_GE(io_max.load(), 1);
  EXPECT_EQ(io_queue, 0);  // every queued task was taken off again
  EXPECT_EQ(cpu_queue, 0);
  EXPECT_EQ(io_queue_max, 24);
}

TEST(TaskExecutor, StopCancelsWhatHasNotStartedAndLetsInFlightFinish) {
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < 10; ++i) {
    tasks.push_back(Task("t" + std::to_string(i), [&](const TaskContext&) -> Result<TaskResult> {
      ++started;
      stop = true;  // the first task to run asks the run to stop
      std::this_thread::sleep_for(milliseconds(20));
      return TaskResult{};
    }));
  }
  ExecutorOptions o = FastOptions();
  o.io_workers = 1;
  o.stop_requested = [&] { return stop.load(); };
  Result<std::vector<TaskReport>> r = RunTasks(std::move(tasks), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(started.load(), 1);
  EXPECT_EQ((*r)[0].outcome, TaskOutcome::kSucceeded);  // in flight: finished
  for (size_t i = 1; i < r->size(); ++i) {
    EXPECT_EQ((*r)[i].outcome, TaskOutcome::kCancelled) << i;
    EXPECT_EQ((*r)[i].detail, "interrupted");
  }
}

TEST(TaskExecutor, AbortCancelsInFlightAttempts) {
  std::atomic<bool> abort{false};
  std::vector<TaskSpec> tasks;
  tasks.push_back(Task("long", [&](const TaskContext& ctx) -> Result<TaskResult> {
    abort = true;
    while (!ctx.cancelled()) std::this_thread::sleep_for(milliseconds(1));
    return Status::Cancelled("aborted before publishing");
  }));
  tasks.push_back(Task("after", Ok(), {0}));
  ExecutorOptions o = FastOptions();
  o.abort = &abort;
  o.stop_requested = [&] { return abort.load(); };
  Result<std::vector<TaskReport>> r = RunTasks(std::move(tasks), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, TaskOutcome::kCancelled);
  EXPECT_EQ((*r)[0].attempts, 1);  // cancellation is not retried
  EXPECT_EQ((*r)[1].outcome, TaskOutcome::kCancelled);
}

TEST(TaskExecutor, RejectsForwardDependencies) {
  std::vector<TaskSpec> tasks;
  tasks.push_back(Task("a", Ok(), {1}));
  tasks.push_back(Task("b", Ok()));
  EXPECT_TRUE(RunTasks(std::move(tasks), FastOptions()).status().IsInvalidArgument());
}

}  // namespace
}  // namespace cryptolake::runner
