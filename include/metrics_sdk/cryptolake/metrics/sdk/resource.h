// Resource: the entity producing telemetry (service, host, process).
//
// Rules (OpenTelemetry resource SDK spec):
//  - Merge(updating): attributes of `updating` win on key conflicts. Schema
//    URLs: if one is empty the other is used; if both are set and differ the
//    merge is an error (the old resource's schema URL is kept and a diagnostic
//    is emitted) .
//  - Default(): telemetry.sdk.name="cryptolake", telemetry.sdk.language="cpp",
//    telemetry.sdk.version=<project version>, service.name=
//    "unknown_service:<process executable name>", and service.instance.id=
//    a random UUID v4 generated once per process (the semantic conventions
//    recommend SDKs generate one; being in Default(), any id from the
//    environment or the caller overrides it through Merge()).
//  - FromEnvironment(): OTEL_RESOURCE_ATTRIBUTES ("k=v,k2=v2", values
//    percent-decoded; a value with any malformed entry is ignored as a
//    whole, with a diagnostic, as the resource SDK spec asks) then
//    OTEL_SERVICE_NAME, which wins over a service.name given in the former.
//    The overload taking `env` reads them through it (a value or nullptr),
//    for programs that configure from an environment other than the
//    process's (MetricsSetupOptions::env).
//  - Create(attrs): Default() merged with FromEnvironment() merged with attrs.
//
// Thread-safety: values.
#ifndef CRYPTOLAKE_METRICS_SDK_RESOURCE_H_
#define CRYPTOLAKE_METRICS_SDK_RESOURCE_H_

#include <functional>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/attribute_set.h"

namespace cryptolake::metrics {

class Resource {
 public:
  Resource() = default;
  explicit Resource(AttributeSet attributes, std::string schema_url = "")
      : attributes_(std::move(attributes)), schema_url_(std::move(schema_url)) {}

  const AttributeSet& attributes() const { return attributes_; }
  const std::string& schema_url() const { return schema_url_; }

  // Returns a new resource: this one updated by `updating` (see rules above).
  Resource Merge(const Resource& updating) const;

  // SDK defaults (telemetry.sdk.* and the unknown_service fallback).
  static Resource Default();
  // Attributes from OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
  static Resource FromEnvironment();
  static Resource FromEnvironment(const std::function<const char*(const char*)>& env);
  // Default() <- FromEnvironment() <- attributes (later wins).
  static Resource Create(const AttributeSet& attributes, std::string schema_url = "");

  // Parses the OTEL_RESOURCE_ATTRIBUTES format. Returns InvalidArgument naming
  // the offending entry when any entry is malformed; `out` then holds the
  // entries that did parse (callers may keep them).
  // Entries split at ',', key and value at the first '='; spaces and tabs
  // around both are trimmed; values are percent-decoded and must then be
  // valid UTF-8; keys must be non-empty visible ASCII without , = ; " \.
  // Empty list members are skipped; duplicate keys: last wins. All values
  // are strings.
  static Status ParseAttributeList(std::string_view text, AttributeSet* out);

  friend bool operator==(const Resource&, const Resource&) = default;

 private:
  AttributeSet attributes_;
  std::string schema_url_;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_SDK_RESOURCE_H_
