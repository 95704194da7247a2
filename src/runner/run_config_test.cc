#include "cryptolake/runner/run_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace cryptolake::runner {
namespace {

constexpr const char* kFile = R"(
[lake]
url = "./file-lake"
source = "/mirror"
[run]
steps = ["ingest", "gold"]
io_workers = 3
cpu_workers = 1
max_attempts = 5
retry_initial_backoff = "250ms"
retry_max_backoff = "2s"
task_timeout = "5m"
summary = "file-summary.json"
[[datasets]]
market = "um"
data_type = "klines"
intervals = ["1m"]
symbols = ["BTCUSDT", "ETHUSDT"]
start = "2024-03-01"
end = "2024-03-03"
[[datasets]]
market = "um"
data_type = "fundingRate"
symbols = "all"
start = "2024-01-01"
end = "yesterday"
period = "monthly"
[metrics]
exporter = "otlp"
endpoint = "http://collector:4317"
interval = "5s"
environment = "production"
high_volume_sample_rate = 0.1
)";

EnvLookup Env(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(RunConfig, ReadsEveryKey) {
  Result<RunConfig> c = LoadRunConfig(kFile, "lake.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->lake_url, "./file-lake");
  EXPECT_EQ(c->source, "/mirror");
  EXPECT_EQ(c->steps, (std::vector<std::string>{"ingest", "gold"}));
  EXPECT_EQ(c->io_workers, 3);
  EXPECT_EQ(c->cpu_workers, 1);
  EXPECT_EQ(c->max_attempts, 5);
  EXPECT_EQ(c->retry_initial_backoff.count(), 250);
  EXPECT_EQ(c->retry_max_backoff.count(), 2000);
  EXPECT_EQ(c->task_timeout.count(), 300000);
  ASSERT_EQ(c->datasets.size(), 2u);
  EXPECT_EQ(c->datasets[0].symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_FALSE(c->datasets[0].all_symbols);
  EXPECT_TRUE(c->datasets[1].all_symbols);
  EXPECT_EQ(c->datasets[1].period, "monthly");
  EXPECT_EQ(c->metrics.interval.count(), 5000);
  EXPECT_DOUBLE_EQ(c->metrics.high_volume_sample_rate, 0.1);
  EXPECT_TRUE(ValidateRunConfig(*c).ok()) << ValidateRunConfig(*c).ToString();
}

TEST(RunConfig, FlagsOverrideEnvironmentOverrideFile) {
  Result<RunConfig> c = LoadRunConfig(kFile, "lake.toml");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(ApplyEnvironment(Env({{"CRYPTOLAKE_LAKE_URL", "s3://env/lake"},
                                    {"CRYPTOLAKE_IO_WORKERS", "7"},
                                    {"CRYPTOLAKE_STEPS", "ingest, gaps"},
                                    {"CRYPTOLAKE_TASK_TIMEOUT", "30s"},
                                    {"CRYPTOLAKE_SUMMARY", ""}}),
                               &*c)
                  .ok());
  EXPECT_EQ(c->lake_url, "s3://env/lake");
  EXPECT_EQ(c->io_workers, 7);
  EXPECT_EQ(c->steps, (std::vector<std::string>{"ingest", "gaps"}));
  EXPECT_EQ(c->task_timeout.count(), 30000);
  EXPECT_EQ(c->summary_path, "file-summary.json");  // empty variable = unset
  EXPECT_EQ(c->cpu_workers, 1);                     // not in the environment: the file's
  RunOverrides flags;
  flags.lake_url = "./flag-lake";
  flags.io_workers = 2;
  ASSERT_TRUE(ApplyOverrides(flags, &*c).ok());
  EXPECT_EQ(c->lake_url, "./flag-lake");
  EXPECT_EQ(c->io_workers, 2);
  EXPECT_EQ(c->steps, (std::vector<std::string>{"ingest", "gaps"}));  // env still wins over file
}

TEST(RunConfig, ShardFromEnvironmentAndFlags) {
  RunConfig c;
  ASSERT_TRUE(
      ApplyEnvironment(Env({{"JOB_COMPLETION_INDEX", "2"}, {"CRYPTOLAKE_SHARD_COUNT", "4"}}), &c)
          .ok());
  EXPECT_EQ(c.shard, (ShardSpec{2, 4}));
  RunConfig d;
  ASSERT_TRUE(
      ApplyEnvironment(Env({{"CRYPTOLAKE_SHARD", "1/3"}, {"JOB_COMPLETION_INDEX", "2"}}), &d).ok());
  EXPECT_EQ(d.shard, (ShardSpec{1, 3}));
  Status missing_count = ApplyEnvironment(Env({{"JOB_COMPLETION_INDEX", "2"}}), &d);
  EXPECT_TRUE(missing_count.IsInvalidArgument());
  EXPECT_NE(missing_count.message().find("CRYPTOLAKE_SHARD_COUNT"), std::string::npos);
  // A count without an index (a Job that is not Indexed) must not run the whole plan per pod.
  Status missing_index = ApplyEnvironment(Env({{"CRYPTOLAKE_SHARD_COUNT", "4"}}), &d);
  EXPECT_TRUE(missing_index.IsInvalidArgument());
  EXPECT_NE(missing_index.message().find("JOB_COMPLETION_INDEX"), std::string::npos);
  RunOverrides flags;
  flags.shard = "3/4";
  ASSERT_TRUE(ApplyOverrides(flags, &d).ok());
  EXPECT_EQ(d.shard, (ShardSpec{3, 4}));
  RunOverrides count_only;
  count_only.shard_count = 8;
  count_only.job_completion_index = 5;
  ASSERT_TRUE(ApplyOverrides(count_only, &d).ok());
  EXPECT_EQ(d.shard, (ShardSpec{5, 8}));
  RunOverrides out_of_range;
  out_of_range.shard = "4/4";
  EXPECT_FALSE(ApplyOverrides(out_of_range, &d).ok());
}

TEST(RunConfig, BadTomlNamesFileAndLine) {
  Result<RunConfig> c = LoadRunConfig("[run]\nio_workers = 3\nsteps = [\"ingest\"\n", "bad.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsInvalidArgument());
  EXPECT_EQ(c.status().message().rfind("bad.toml:", 0), 0u) << c.status().message();
}

TEST(RunConfig, UnknownKeyNamesFileLineAndKey) {
  Result<RunConfig> c = LoadRunConfig("[run]\nio_workers = 3\n\nio_wrokers = 4\n", "lake.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("lake.toml:4:"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("io_wrokers"), std::string::npos);
  Result<RunConfig> t = LoadRunConfig("[lakes]\nurl = \"x\"\n", "lake.toml");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("lakes"), std::string::npos);
}

TEST(RunConfig, WrongTypeNamesKeyAndLine) {
  Result<RunConfig> c = LoadRunConfig("[run]\n\nio_workers = \"four\"\n", "lake.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("lake.toml:3:"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("io_workers"), std::string::npos);
  Result<RunConfig> d = LoadRunConfig("[run]\ntask_timeout = \"10 minutes\"\n", "lake.toml");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("task_timeout"), std::string::npos);
}

TEST(RunConfig, ValidationNamesDatasetLine) {
  Result<RunConfig> c = LoadRunConfig(
      "[[datasets]]\nmarket = \"um\"\ndata_type = \"klines\"\nsymbols = [\"BTCUSDT\"]\n"
      "start = \"2024-03-01\"\n\n[[datasets]]\nmarket = \"um\"\ndata_type = \"noSuchType\"\n"
      "symbols = [\"BTCUSDT\"]\nstart = \"2024-03-01\"\n",
      "lake.toml");
  ASSERT_TRUE(c.ok());
  Status s = ValidateRunConfig(*c);
  ASSERT_FALSE(s.ok());
  // The first dataset lacks intervals (klines needs one).
  EXPECT_NE(s.message().find("lake.toml:1:"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("intervals"), std::string::npos);
  c->datasets[0].intervals = {"1m"};
  s = ValidateRunConfig(*c);
  EXPECT_NE(s.message().find("lake.toml:7:"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("data_type"), std::string::npos);
}

TEST(RunConfig, TradesAndAggTradesFeedingOneGoldPartitionAreRefused) {
  Result<RunConfig> c = LoadRunConfig(
      "[[datasets]]\nmarket = \"um\"\ndata_type = \"aggTrades\"\nsymbols = [\"BTCUSDT\"]\n"
      "start = \"2024-03-01\"\nend = \"2024-03-10\"\n\n[[datasets]]\nmarket = \"um\"\n"
      "data_type = \"trades\"\nsymbols = [\"ETHUSDT\", \"BTCUSDT\"]\nstart = \"2024-03-10\"\n"
      "end = \"2024-03-12\"\n",
      "lake.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Status s = ValidateRunConfig(*c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("lake.toml:8:"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("line 1"), std::string::npos) << s.message();
  // Days that do not overlap, other symbols, or no gold step: fine.
  c->datasets[1].start = "2024-03-11";
  EXPECT_TRUE(ValidateRunConfig(*c).ok());
  c->datasets[1].start = "2024-03-01";
  c->datasets[1].symbols = {"ETHUSDT"};
  EXPECT_TRUE(ValidateRunConfig(*c).ok());
  c->datasets[1].symbols = {"BTCUSDT"};
  c->steps = {"ingest", "gaps", "fill"};
  EXPECT_TRUE(ValidateRunConfig(*c).ok());
}

TEST(RunConfig, Yesterday) {
  DatasetConfig d;
  d.start = "2024-02-27";
  d.end = "yesterday";
  Result<DateRange> r = ResolveDates(d, "2024-03-01");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->start, "2024-02-27");
  EXPECT_EQ(r->end, "2024-02-29");  // leap year
  d.start = "2024-03-01";
  EXPECT_FALSE(ResolveDates(d, "2024-03-01").ok());  // nothing through yesterday yet
  d.end = "2024-13-01";
  EXPECT_FALSE(ResolveDates(d, "2024-03-01").ok());
  // Monthly: through the last complete month, never the running one.
  d.period = "monthly";
  d.start = "2024-01-01";
  d.end = "yesterday";
  EXPECT_EQ(ResolveDates(d, "2024-03-15")->end, "2024-02-29");
  EXPECT_EQ(ResolveDates(d, "2024-03-01")->end, "2024-02-29");
  d.start = "2023-06-01";
  EXPECT_EQ(ResolveDates(d, "2024-01-01")->end, "2023-12-31");
}

TEST(RunConfig, Durations) {
  EXPECT_EQ(ParseDuration("500ms")->count(), 500);
  EXPECT_EQ(ParseDuration("2h")->count(), 7'200'000);
  EXPECT_FALSE(ParseDuration("0s").ok());
  EXPECT_FALSE(ParseDuration("5").ok());
  EXPECT_FALSE(ParseDuration("-1s").ok());
  EXPECT_EQ(ParseDuration("168h")->count(), 7 * 24 * 3'600'000);  // 7 days: the most
  EXPECT_FALSE(ParseDuration("169h").ok());
  EXPECT_FALSE(ParseDuration("3000000000h").ok());
  EXPECT_FALSE(ParseDuration("1d").ok());
}

TEST(RunConfig, MetricsBecomeOtelDefaults) {
  Result<RunConfig> c = LoadRunConfig(kFile, "lake.toml");
  ASSERT_TRUE(c.ok());
  std::map<std::string, std::string> env;
  for (auto& [k, v] : MetricsEnvironmentDefaults(c->metrics)) env[k] = v;
  EXPECT_EQ(env["OTEL_METRICS_EXPORTER"], "otlp");
  EXPECT_EQ(env["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://collector:4317");
  EXPECT_EQ(env["OTEL_METRIC_EXPORT_INTERVAL"], "5000");
  EXPECT_EQ(env["DEPLOYMENT_ENV"], "production");
  EXPECT_EQ(env["OTEL_HIGH_VOLUME_SAMPLE_RATE"], "0.1");
}

// The deployment examples stay valid.
TEST(RunConfig, DeployConfigsParseAndValidate) {
  for (const char* name : {"development.toml", "production.toml"}) {
    const std::string path = std::string(CRYPTOLAKE_SOURCE_DIR) + "/deploy/config/" + name;
    Result<RunConfig> c = LoadRunConfigFile(path);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    Status v = ValidateRunConfig(*c);
    EXPECT_TRUE(v.ok()) << v.ToString();
  }
  Result<RunConfig> dev =
      LoadRunConfigFile(std::string(CRYPTOLAKE_SOURCE_DIR) + "/deploy/config/development.toml");
  Result<RunConfig> prod =
      LoadRunConfigFile(std::string(CRYPTOLAKE_SOURCE_DIR) + "/deploy/config/production.toml");
  ASSERT_TRUE(dev.ok() && prod.ok());
  EXPECT_EQ(dev->metrics.environment, "development");
  EXPECT_EQ(dev->metrics.interval.count(), 1000);
  EXPECT_EQ(prod->metrics.environment, "production");
  EXPECT_EQ(prod->metrics.interval.count(), 5000);
  EXPECT_DOUBLE_EQ(prod->metrics.high_volume_sample_rate, 0.1);
}

}  // namespace
}  // namespace cryptolake::runner
