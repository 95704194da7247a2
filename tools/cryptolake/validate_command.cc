// `cryptolake validate`: runs the checks of validate_checks.h, prints a table (or JSON) and exits
// 0 when none failed.
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "cryptolake/metrics/net/otlp_exporter_options.h"
#include "cryptolake/metrics/sdk/diagnostics.h"
#include "validate_checks.h"

namespace cryptolake::cli {
namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string Millis(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", ms);
  return buf;
}

void PrintTable(const std::vector<CheckResult>& results, std::ostream& out) {
  size_t name_width = 5;
  for (const CheckResult& r : results) name_width = std::max(name_width, r.name.size());
  auto pad = [](std::string s, size_t w) {
    s.resize(std::max(s.size(), w), ' ');
    return s;
  };
  out << pad("check", name_width) << "  result  " << pad("ms", 6) << "  detail\n";
  out << std::string(name_width, '-') << "  ------  " << std::string(6, '-') << "  "
      << std::string(40, '-') << "\n";
  for (const CheckResult& r : results) {
    std::string ms = Millis(r.duration_ms);
    out << pad(r.name, name_width) << "  " << pad(std::string(CheckStatusName(r.status)), 6) << "  "
        << std::string(6 - std::min<size_t>(6, ms.size()), ' ') << ms << "  " << r.detail << "\n";
  }
}

void PrintJson(const std::vector<CheckResult>& results, bool ok, std::ostream& out) {
  out << "{\"ok\":" << (ok ? "true" : "false") << ",\"checks\":[";
  for (size_t i = 0; i < results.size(); ++i) {
    const CheckResult& r = results[i];
    out << (i ? "," : "") << "{\"name\":" << JsonString(r.name)
        << ",\"result\":" << JsonString(CheckStatusName(r.status))
        << ",\"detail\":" << JsonString(r.detail) << ",\"duration_ms\":" << Millis(r.duration_ms)
        << "}";
  }
  out << "]}\n";
}

}  // namespace

CLI::App* AddValidateCommand(CLI::App& app, ValidateFlags& f, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check the observability setup: the OTEL_* configuration and resource, a test export to\n"
      "the OTLP endpoint (with a diagnosis: unparsable endpoint, connection refused, DNS\n"
      "failure, timeout, rejected credentials, wrong path), the Prometheus endpoint, the legacy\n"
      "MetricsCollector, every instrument and tracker, behaviour with a dead or invalid\n"
      "endpoint, recording overhead (< 1 us), the plan's example environments, 4-thread load\n"
      "over 10k series (RSS growth, throughput, p95 latency) and a small demo ingest whose\n"
      "metrics must reach the endpoint.\n"
      "Without an OTLP endpoint the two network checks are skipped; a skip is not a failure.\n"
      "Exit: 0 when no check failed (skips allowed), 1 when one failed, 2 for a usage error.\n"
      "Header values (OTEL_EXPORTER_OTLP_HEADERS, e.g. Basic auth) are never printed.");
  cmd->add_option("--endpoint", f.endpoint,
                  "OTLP endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT (overrides it and "
                  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)");
  cmd->add_option("--protocol", f.protocol,
                  "grpc | http/protobuf | http/json (overrides OTEL_EXPORTER_OTLP_PROTOCOL)");
  cmd->add_flag("--json", f.json, "Print one JSON object instead of the table");
  cmd->add_option("--timeout", f.timeout_ms, "Milliseconds to wait for the endpoint")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  cmd->callback([&f, exit_code] { *exit_code = RunValidateCommand(f); });
  return cmd;
}

int RunValidateCommand(const ValidateFlags& f) {
  if (!f.protocol.empty() && !metrics::ParseOtlpProtocol(f.protocol).ok()) {
    std::cerr << "cryptolake validate: --protocol must be grpc, http/protobuf or http/json\n";
    return kExitUsage;
  }
  ValidateContext ctx;
  ctx.endpoint = f.endpoint;
  ctx.protocol = f.protocol;
  ctx.timeout = std::chrono::milliseconds(f.timeout_ms);

  // The SDK's diagnostics would interleave with the table: the checks report what matters in
  // their details, and the table ends with the diagnostics' event names.
  std::mutex mu;
  std::vector<std::string> diagnostics;
  metrics::DiagnosticHandler previous =
      metrics::SetDiagnosticHandler([&](const metrics::Diagnostic& d) {
        std::lock_guard<std::mutex> lock(mu);
        if (diagnostics.size() < 100) diagnostics.emplace_back(d.event);
      });

  std::vector<CheckResult> results;
  bool ok = true;
  for (const CheckSpec& spec : AllChecks()) {
    if (!f.json) std::cerr << "cryptolake validate: " << spec.name << "...\n";
    const auto start = std::chrono::steady_clock::now();
    CheckResult r;
    try {
      r = spec.run(ctx);
    } catch (const std::exception& e) {
      r = validate_internal::Fail(std::string("threw: ") + validate_internal::OneLine(e.what()));
    } catch (...) {
      r = validate_internal::Fail("threw a non-standard exception");
    }
    r.name = std::string(spec.name);
    r.duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (r.status == CheckStatus::kFail) ok = false;
    results.push_back(std::move(r));
  }
  metrics::SetDiagnosticHandler(std::move(previous));

  if (f.json) {
    PrintJson(results, ok, std::cout);
  } else {
    PrintTable(results, std::cout);
    int passed = 0, failed = 0, skipped = 0;
    for (const CheckResult& r : results) {
      (r.status == CheckStatus::kPass   ? passed
       : r.status == CheckStatus::kFail ? failed
                                        : skipped)++;
    }
    std::cout << "\n" << passed << " passed, " << failed << " failed, " << skipped << " skipped";
    if (!diagnostics.empty()) {
      // Event names only (stable identifiers); error_handling provokes some on purpose.
      std::set<std::string> events(diagnostics.begin(), diagnostics.end());
      std::cout << "; SDK diagnostics seen:";
      for (const std::string& e : events) std::cout << " " << e;
    }
    std::cout << "\n";
  }
  return ok ? kExitOk : kExitFailed;
}

}  // namespace cryptolake::cli
