#include "cryptolake/metrics/net/service_resource.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "cryptolake/common/version.h"
#include "cryptolake/metrics/net/metrics_setup.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_reader.h"

namespace cryptolake::metrics {
namespace {

using metrics::AttributeSet;
using metrics::AttributeValue;

constexpr const char* kMissing = "<missing>";

// A fixed environment; lookup() must not outlive it.
struct FakeEnv {
  std::map<std::string, std::string> vars;
  metrics::EnvironmentLookup lookup() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

std::string Str(const AttributeSet& set, std::string_view key) {
  const AttributeValue* v = set.Find(key);
  if (v == nullptr) return kMissing;
  if (!std::holds_alternative<std::string>(*v)) return "<not a string>";
  return std::get<std::string>(*v);
}

// Options with everything the machine would supply injected.
ServiceResourceOptions Options(const FakeEnv& env) {
  ServiceResourceOptions o;
  o.env = env.lookup();
  o.hostname = [] { return std::string("node-7"); };
  o.pid = 4242;
  o.k8s_namespace_file = "/nonexistent/namespace";
  return o;
}

// The resource a MetricsSetup built from `env` exports with these attributes as the program's
// defaults (what RunMetrics does).
AttributeSet ExportedResource(const FakeEnv& env, const AttributeSet& defaults) {
  metrics::MetricsSetupOptions options;
  options.env = env.lookup();
  options.default_resource_attributes = defaults;
  auto reader = std::make_shared<metrics::ManualReader>();
  options.extra_readers.push_back(reader);
  Result<std::unique_ptr<metrics::MetricsSetup>> setup =
      metrics::MetricsSetup::Create(std::move(options));
  EXPECT_TRUE(setup.ok());
  metrics::ResourceMetrics data;
  EXPECT_TRUE(reader->Collect(&data).ok());
  return data.resource.attributes();
}

TEST(ServiceResourceTest, Defaults) {
  FakeEnv env;
  const AttributeSet r = ServiceResourceAttributes(Options(env));
  EXPECT_EQ(Str(r, "service.name"), "crypto-data-lakehouse");
  EXPECT_EQ(Str(r, "service.version"), std::string(kVersion));
  EXPECT_EQ(Str(r, "crypto.exchange"), "binance");
  EXPECT_EQ(Str(r, "crypto.data_types"), "klines,trades,aggTrades,fundingRate");
  EXPECT_EQ(Str(r, "crypto.market_types"), "spot,um,cm,option");
  EXPECT_EQ(Str(r, "lakehouse.layers"), "bronze,silver,gold");
  EXPECT_EQ(Str(r, "lakehouse.storage_backend"), "local");
  EXPECT_EQ(Str(r, "lakehouse.format"), "parquet");
  EXPECT_EQ(Str(r, "deployment.environment.name"), "local");
  EXPECT_EQ(Str(r, "deployment.environment"), kMissing);  // The old name is not emitted.
  EXPECT_EQ(Str(r, "host.name"), "node-7");
  const AttributeValue* pid = r.Find("process.pid");
  ASSERT_NE(pid, nullptr);
  ASSERT_TRUE(std::holds_alternative<int64_t>(*pid));
  EXPECT_EQ(std::get<int64_t>(*pid), 4242);
  EXPECT_EQ(Str(r, "k8s.namespace.name"), kMissing);
  EXPECT_EQ(Str(r, "k8s.pod.name"), kMissing);
  EXPECT_EQ(r.size(), 11u);
}

TEST(ServiceResourceTest, WhatTheRunHandles) {
  FakeEnv env;
  ServiceResourceOptions o = Options(env);
  o.data_types = "aggTrades,trades";
  o.market_types = "um";
  o.storage_backend = StorageBackendOf("s3://bucket/lake");
  const AttributeSet r = ServiceResourceAttributes(o);
  EXPECT_EQ(Str(r, "crypto.data_types"), "aggTrades,trades");
  EXPECT_EQ(Str(r, "crypto.market_types"), "um");
  EXPECT_EQ(Str(r, "lakehouse.storage_backend"), "s3");
}

TEST(ServiceResourceTest, StorageBackendOfLakeUrl) {
  EXPECT_EQ(StorageBackendOf("s3://bucket"), "s3");
  EXPECT_EQ(StorageBackendOf("s3://bucket/prefix/lake"), "s3");
  EXPECT_EQ(StorageBackendOf("./lake"), "local");
  EXPECT_EQ(StorageBackendOf("/data/lake"), "local");
  EXPECT_EQ(StorageBackendOf("file:///data/lake"), "local");
  EXPECT_EQ(StorageBackendOf("s3-mirror"), "local");  // A directory, not a URL.
}

TEST(ServiceResourceTest, CommaListKeepsFirstSeenOrderOnce) {
  EXPECT_EQ(CommaList({"klines", "aggTrades", "klines", "", "fundingRate"}),
            "klines,aggTrades,fundingRate");
  EXPECT_EQ(CommaList({}), "");
}

TEST(ServiceResourceTest, DeploymentEnv) {
  FakeEnv env{{{"DEPLOYMENT_ENV", " production\n"}}};
  EXPECT_EQ(Str(ServiceResourceAttributes(Options(env)), "deployment.environment.name"),
            "production");
  FakeEnv blank{{{"DEPLOYMENT_ENV", "  "}}};
  EXPECT_EQ(Str(ServiceResourceAttributes(Options(blank)), "deployment.environment.name"), "local");
}

TEST(ServiceResourceTest, UnknownHostNameIsLeftOut) {
  FakeEnv env;
  ServiceResourceOptions o = Options(env);
  o.hostname = [] { return std::string(); };
  const AttributeSet r = ServiceResourceAttributes(o);
  EXPECT_EQ(Str(r, "host.name"), kMissing);
  EXPECT_EQ(r.size(), 10u);
}

TEST(ServiceResourceTest, KubernetesOnlyWhenServiceHostIsSet) {
  // The pod and namespace variables alone do not mean Kubernetes.
  FakeEnv outside{{{"K8S_NAMESPACE", "ns"}, {"K8S_POD_NAME", "pod"}, {"HOSTNAME", "h"}}};
  AttributeSet r = ServiceResourceAttributes(Options(outside));
  EXPECT_EQ(Str(r, "k8s.namespace.name"), kMissing);
  EXPECT_EQ(Str(r, "k8s.pod.name"), kMissing);

  FakeEnv inside = outside;
  inside.vars["KUBERNETES_SERVICE_HOST"] = "10.0.0.1";
  r = ServiceResourceAttributes(Options(inside));
  EXPECT_EQ(Str(r, "k8s.namespace.name"), "ns");
  EXPECT_EQ(Str(r, "k8s.pod.name"), "pod");
}

TEST(ServiceResourceTest, KubernetesFallbacks) {
  FakeEnv env{{{"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
               {"POD_NAMESPACE", "from-pod-namespace"},
               {"POD_NAME", "from-pod-name"},
               {"HOSTNAME", "from-hostname-env"}}};
  AttributeSet r = ServiceResourceAttributes(Options(env));
  EXPECT_EQ(Str(r, "k8s.namespace.name"), "from-pod-namespace");
  EXPECT_EQ(Str(r, "k8s.pod.name"), "from-pod-name");

  env.vars.erase("POD_NAME");
  r = ServiceResourceAttributes(Options(env));
  EXPECT_EQ(Str(r, "k8s.pod.name"), "from-hostname-env");

  // Nothing names the pod: gethostname(), which in a pod is the pod's name.
  env.vars.erase("HOSTNAME");
  r = ServiceResourceAttributes(Options(env));
  EXPECT_EQ(Str(r, "k8s.pod.name"), "node-7");

  // Nothing names the namespace: the service account's namespace file.
  env.vars.erase("POD_NAMESPACE");
  const std::filesystem::path file =
      std::filesystem::path(::testing::TempDir()) / ("cryptolake_ns_" + std::to_string(getpid()));
  { std::ofstream(file) << "lakehouse-prod\n"; }
  ServiceResourceOptions o = Options(env);
  o.k8s_namespace_file = file.string();
  EXPECT_EQ(Str(ServiceResourceAttributes(o), "k8s.namespace.name"), "lakehouse-prod");
  std::filesystem::remove(file);

  // No variable and no readable file: left out, never "unknown".
  o.hostname = [] { return std::string(); };
  r = ServiceResourceAttributes(o);
  EXPECT_EQ(Str(r, "k8s.namespace.name"), kMissing);
  EXPECT_EQ(Str(r, "k8s.pod.name"), kMissing);
}

// Through MetricsSetup, as RunMetrics uses them: the environment wins over these defaults, the
// SDK's own attributes sit underneath.
TEST(ServiceResourceTest, ExportedResourceAndEnvironmentOverrides) {
  FakeEnv plain{{{"DEPLOYMENT_ENV", "staging"}}};
  AttributeSet r = ExportedResource(plain, ServiceResourceAttributes(Options(plain)));
  EXPECT_EQ(Str(r, "service.name"), "crypto-data-lakehouse");
  EXPECT_EQ(Str(r, "deployment.environment.name"), "staging");
  EXPECT_EQ(Str(r, "telemetry.sdk.name"), "cryptolake");
  EXPECT_NE(Str(r, "service.instance.id"), kMissing);
  ASSERT_NE(r.Find("process.pid"), nullptr);
  EXPECT_TRUE(std::holds_alternative<int64_t>(*r.Find("process.pid")));

  FakeEnv env{{{"DEPLOYMENT_ENV", "staging"},
               {"OTEL_RESOURCE_ATTRIBUTES",
                "service.name=from-attrs,deployment.environment.name=prod,"
                "crypto.exchange=binance-us,service.instance.id=pod-1"}}};
  r = ExportedResource(env, ServiceResourceAttributes(Options(env)));
  EXPECT_EQ(Str(r, "service.name"), "from-attrs");
  EXPECT_EQ(Str(r, "deployment.environment.name"), "prod");
  EXPECT_EQ(Str(r, "crypto.exchange"), "binance-us");
  EXPECT_EQ(Str(r, "service.instance.id"), "pod-1");
  EXPECT_EQ(Str(r, "lakehouse.format"), "parquet");  // Not overridden: kept.

  env.vars["OTEL_SERVICE_NAME"] = "from-service-name";
  r = ExportedResource(env, ServiceResourceAttributes(Options(env)));
  EXPECT_EQ(Str(r, "service.name"), "from-service-name");
}

}  // namespace
}  // namespace cryptolake::metrics
