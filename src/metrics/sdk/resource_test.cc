#include "cryptolake/metrics/sdk/resource.h"

#include <errno.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "cryptolake/common/version.h"
#include "cryptolake/metrics/sdk/diagnostics.h"

namespace cryptolake::metrics {
namespace {

std::string GetString(const AttributeSet& set, std::string_view key) {
  const AttributeValue* v = set.Find(key);
  if (v == nullptr || !std::holds_alternative<std::string>(*v)) return "<missing>";
  return std::get<std::string>(*v);
}

// Sets or clears environment variables for one test and restores them.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Captures diagnostics for the lifetime of the object.
class DiagnosticCapture {
 public:
  DiagnosticCapture() {
    previous_ = SetDiagnosticHandler([this](const Diagnostic& d) {
      events.emplace_back(d.event);
      messages.emplace_back(d.message);
    });
  }
  ~DiagnosticCapture() { SetDiagnosticHandler(previous_); }

  std::vector<std::string> events;
  std::vector<std::string> messages;

 private:
  DiagnosticHandler previous_;
};

TEST(ResourceParseTest, EmptyListIsOk) {
  AttributeSet out{{"stale", true}};
  EXPECT_TRUE(Resource::ParseAttributeList("", &out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(Resource::ParseAttributeList("  ,, ,", &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(ResourceParseTest, PairsTrimmedAndPercentDecoded) {
  AttributeSet out;
  ASSERT_TRUE(
      Resource::ParseAttributeList(" service.name = ingest , deployment.environment=prod%20eu,"
                                   "note=a%2Cb%3Dc%25,emoji=%F0%9F%9A%80,eq=x=y,empty=",
                                   &out)
          .ok());
  EXPECT_EQ(out.size(), 6u);
  EXPECT_EQ(GetString(out, "service.name"), "ingest");
  EXPECT_EQ(GetString(out, "deployment.environment"), "prod eu");
  EXPECT_EQ(GetString(out, "note"), "a,b=c%");
  EXPECT_EQ(GetString(out, "emoji"), "\xF0\x9F\x9A\x80");
  EXPECT_EQ(GetString(out, "eq"), "x=y");
  EXPECT_EQ(GetString(out, "empty"), "");
}

TEST(ResourceParseTest, ValuesAreAlwaysStrings) {
  AttributeSet out;
  ASSERT_TRUE(Resource::ParseAttributeList("n=42,b=true", &out).ok());
  EXPECT_EQ(GetString(out, "n"), "42");
  EXPECT_EQ(GetString(out, "b"), "true");
}

TEST(ResourceParseTest, DuplicateKeysLastWins) {
  AttributeSet out;
  ASSERT_TRUE(Resource::ParseAttributeList("k=1,k=2", &out).ok());
  EXPECT_EQ(GetString(out, "k"), "2");
}

TEST(ResourceParseTest, MalformedEntriesReportedOthersKept) {
  struct Case {
    const char* text;
    const char* bad_entry;
  };
  const Case cases[] = {
      {"a=1,novalue,b=2", "novalue"},
      {"a=1,=2,b=2", "=2"},
      {"a=1,k y=2,b=2", "k y=2"},
      {"a=1,p=%zz,b=2", "p=%zz"},
      {"a=1,p=50%,b=2", "p=50%"},
      {"a=1,p=%4,b=2", "p=%4"},
      {"a=1,u=%FF%FE,b=2", "u=%FF%FE"},
      {"a=1,u=%C0%AF,b=2", "u=%C0%AF"},        // Overlong encoding of '/'.
      {"a=1,u=%ED%A0%80,b=2", "u=%ED%A0%80"},  // UTF-16 surrogate.
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    AttributeSet out;
    Status s = Resource::ParseAttributeList(c.text, &out);
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(s.IsInvalidArgument());
    EXPECT_NE(s.message().find(c.bad_entry), std::string::npos) << s.message();
    EXPECT_EQ(out.size(), 2u);
    EXPECT_EQ(GetString(out, "a"), "1");
    EXPECT_EQ(GetString(out, "b"), "2");
  }
}

TEST(ResourceParseTest, CountsFurtherErrors) {
  AttributeSet out;
  Status s = Resource::ParseAttributeList("x,y,z", &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'x'"), std::string::npos);
  EXPECT_NE(s.message().find("2 more"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

TEST(ResourceMergeTest, UpdatingWins) {
  Resource old(AttributeSet{{"a", std::string("old")}, {"b", int64_t{1}}});
  Resource updating(AttributeSet{{"a", std::string("new")}, {"c", true}});
  Resource merged = old.Merge(updating);
  EXPECT_EQ(merged.attributes(),
            (AttributeSet{{"a", std::string("new")}, {"b", int64_t{1}}, {"c", true}}));
}

TEST(ResourceMergeTest, SchemaUrlRules) {
  const std::string s1 = "https://opentelemetry.io/schemas/1.26.0";
  const std::string s2 = "https://opentelemetry.io/schemas/1.27.0";
  EXPECT_EQ(Resource({}, "").Merge(Resource({}, s1)).schema_url(), s1);
  EXPECT_EQ(Resource({}, s1).Merge(Resource({}, "")).schema_url(), s1);
  EXPECT_EQ(Resource({}, s1).Merge(Resource({}, s1)).schema_url(), s1);
  // Conflict: documented choice is to keep the old resource's URL.
  DiagnosticCapture capture;
  Resource merged = Resource(AttributeSet{{"a", int64_t{1}}}, s1)
                        .Merge(Resource(AttributeSet{{"b", int64_t{2}}}, s2));
  EXPECT_EQ(merged.schema_url(), s1);
  EXPECT_EQ(merged.attributes().size(), 2u);
  ASSERT_EQ(capture.events.size(), 1u);
  EXPECT_EQ(capture.events[0], "ResourceSchemaUrlConflict");
  EXPECT_NE(capture.messages[0].find(s2), std::string::npos);
}

TEST(ResourceDefaultTest, SdkAttributes) {
  Resource r = Resource::Default();
  EXPECT_EQ(GetString(r.attributes(), "telemetry.sdk.name"), "cryptolake");
  EXPECT_EQ(GetString(r.attributes(), "telemetry.sdk.language"), "cpp");
  EXPECT_EQ(GetString(r.attributes(), "telemetry.sdk.version"), kVersion);
  EXPECT_TRUE(r.schema_url().empty());
}

TEST(ResourceDefaultTest, ServiceNameIsUnknownServiceWithExecutableName) {
  Resource r = Resource::Default();
  EXPECT_EQ(GetString(r.attributes(), "service.name"),
            std::string("unknown_service:") + program_invocation_short_name);
}

TEST(ResourceDefaultTest, ServiceInstanceIdIsStableUuidV4) {
  const std::string id = GetString(Resource::Default().attributes(), "service.instance.id");
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  EXPECT_EQ(GetString(Resource::Default().attributes(), "service.instance.id"), id);
}

TEST(ResourceEnvironmentTest, NothingSet) {
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES", nullptr);
  ScopedEnv n("OTEL_SERVICE_NAME", nullptr);
  EXPECT_TRUE(Resource::FromEnvironment().attributes().empty());
}

TEST(ResourceEnvironmentTest, AttributesAndServiceNameWins) {
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,host.name=h%201");
  {
    ScopedEnv n("OTEL_SERVICE_NAME", nullptr);
    Resource r = Resource::FromEnvironment();
    EXPECT_EQ(GetString(r.attributes(), "service.name"), "from-attrs");
    EXPECT_EQ(GetString(r.attributes(), "host.name"), "h 1");
  }
  {
    ScopedEnv n("OTEL_SERVICE_NAME", "from-service-name");
    Resource r = Resource::FromEnvironment();
    EXPECT_EQ(GetString(r.attributes(), "service.name"), "from-service-name");
    EXPECT_EQ(GetString(r.attributes(), "host.name"), "h 1");
  }
  {
    ScopedEnv n("OTEL_SERVICE_NAME", "");  // Empty counts as unset.
    EXPECT_EQ(GetString(Resource::FromEnvironment().attributes(), "service.name"), "from-attrs");
  }
}

TEST(ResourceEnvironmentTest, InjectedLookupIsTheOnlySource) {
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES", "from.process=1");
  ScopedEnv n("OTEL_SERVICE_NAME", "process-name");
  auto env = [](const char* name) -> const char* {
    if (std::string_view(name) == "OTEL_RESOURCE_ATTRIBUTES") return "k=v,service.name=attrs";
    if (std::string_view(name) == "OTEL_SERVICE_NAME") return " injected ";
    return nullptr;
  };
  Resource r = Resource::FromEnvironment(env);
  EXPECT_EQ(GetString(r.attributes(), "service.name"), "injected");
  EXPECT_EQ(GetString(r.attributes(), "k"), "v");
  EXPECT_EQ(GetString(r.attributes(), "from.process"), "<missing>");
  EXPECT_TRUE(Resource::FromEnvironment([](const char*) -> const char* { return nullptr; })
                  .attributes()
                  .empty());
}

// Resource SDK spec: "In case of any error, e.g. failure during the decoding
// process, the entire environment variable value SHOULD be discarded and an
// error SHOULD be reported". Regression: the well-formed entries used to be kept.
TEST(ResourceEnvironmentTest, MalformedValueIsDiscardedWhole) {
  const char* const kBadValues[] = {"good=1,bad,also.good=%41", "good=1,p=%zz",
                                    "good=1,u=%FF%FE"};
  for (const char* value : kBadValues) {
    SCOPED_TRACE(value);
    ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES", value);
    ScopedEnv n("OTEL_SERVICE_NAME", nullptr);
    DiagnosticCapture capture;
    Resource r = Resource::FromEnvironment();
    ASSERT_EQ(capture.events.size(), 1u);
    EXPECT_EQ(capture.events[0], "InvalidEnvironmentValue");
    EXPECT_EQ(r.attributes().size(), 0u);
    EXPECT_EQ(GetString(r.attributes(), "good"), "<missing>");
  }
}

TEST(ResourceEnvironmentTest, MalformedValueStillHonoursServiceName) {
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES", "good=1,bad");
  ScopedEnv n("OTEL_SERVICE_NAME", "svc");
  DiagnosticCapture capture;
  Resource r = Resource::FromEnvironment();
  EXPECT_EQ(r.attributes().size(), 1u);
  EXPECT_EQ(GetString(r.attributes(), "service.name"), "svc");
}

TEST(ResourceCreateTest, LayersDefaultEnvironmentAndAttributes) {
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES",
              "service.name=env,service.instance.id=env-id,deployment.environment=ci");
  ScopedEnv n("OTEL_SERVICE_NAME", nullptr);
  Resource r = Resource::Create(AttributeSet{{"deployment.environment", std::string("user")},
                                             {"service.version", std::string("1.2")}},
                                "https://opentelemetry.io/schemas/1.26.0");
  EXPECT_EQ(GetString(r.attributes(), "service.name"), "env");
  EXPECT_EQ(GetString(r.attributes(), "service.instance.id"), "env-id");
  EXPECT_EQ(GetString(r.attributes(), "deployment.environment"), "user");
  EXPECT_EQ(GetString(r.attributes(), "service.version"), "1.2");
  EXPECT_EQ(GetString(r.attributes(), "telemetry.sdk.name"), "cryptolake");
  EXPECT_EQ(r.schema_url(), "https://opentelemetry.io/schemas/1.26.0");
}

TEST(ResourceCreateTest, UserServiceNameBeatsEnvironment) {
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES", nullptr);
  ScopedEnv n("OTEL_SERVICE_NAME", "env-name");
  EXPECT_EQ(GetString(Resource::Create({}).attributes(), "service.name"), "env-name");
  EXPECT_EQ(
      GetString(Resource::Create(AttributeSet{{"service.name", std::string("mine")}}).attributes(),
                "service.name"),
      "mine");
}

}  // namespace
}  // namespace cryptolake::metrics
