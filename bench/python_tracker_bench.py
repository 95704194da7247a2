#!/usr/bin/env python3
"""Cost of the predecessor's API on cryptolake's SDK, from Python (issue 14).

    PYTHONPATH=build/release/python python3 bench/python_tracker_bench.py

Measures, per operation (best of 5 timeit repeats):
  * one ``with metrics.track_data_processing("x"): pass`` scope (the SDK running, and with
    nothing recorded: the fallback when the native module or the SDK is missing);
  * ``collector.record_event("e")`` on the legacy MetricsCollector, with OpenTelemetry on
    (appends the legacy record and adds to cryptolake.workflow.events) and off;
  * the predecessor's own cost: a pure-Python loop appending ``{'event', 'timestamp'}`` to a list.

The SDK runs with no exporter (OTEL_METRICS_EXPORTER=none): recording costs the same whatever
exports.
"""

import os
import sys
import time
import timeit

os.environ.pop("OTEL_SDK_DISABLED", None)
os.environ["OTEL_METRICS_EXPORTER"] = "none"

from crypto_lakehouse import _telemetry  # noqa: E402
from crypto_lakehouse.core.metrics import MetricsCollector  # noqa: E402
from crypto_lakehouse.observability.metrics import get_metrics  # noqa: E402

NUMBER = 100_000
REPEAT = 5


def best_ns(stmt, setup="pass", number=NUMBER, g=None):
    times = timeit.repeat(stmt, setup=setup, number=number, repeat=REPEAT, globals=g)
    return min(times) / number * 1e9


def tracker_scope(metrics):
    def run():
        with metrics.track_data_processing("x"):
            pass

    return run


def main():
    metrics = get_metrics()
    sdk = metrics.enabled
    results = []

    scope_ns = best_ns("run()", g={"run": tracker_scope(metrics)})
    results.append(("tracker scope, SDK " + ("on" if sdk else "OFF"), scope_ns))

    saved = _telemetry.instruments
    _telemetry.instruments = lambda: None
    try:
        results.append(("tracker scope, nothing recorded (fallback)",
                        best_ns("run()", g={"run": tracker_scope(metrics)})))
    finally:
        _telemetry.instruments = saved

    on = best_ns("c.record_event('e')", setup="c = MetricsCollector()",
                 g={"MetricsCollector": MetricsCollector})
    results.append(("collector.record_event, OTel " + ("on" if sdk else "OFF"), on))
    off = best_ns("c.record_event('e')", setup="c = MetricsCollector(enable_otel=False)",
                  g={"MetricsCollector": MetricsCollector})
    results.append(("collector.record_event, OTel off (legacy only)", off))

    legacy = best_ns("events.append({'event': 'e', 'timestamp': time()})",
                     setup="events = []", g={"time": time.time})
    results.append(("pure Python: append {event, timestamp} (predecessor)", legacy))

    print(f"python {sys.version.split()[0]}, native {_telemetry.native_available()}, "
          f"SDK {sdk}; best of {REPEAT} x {NUMBER}")
    for name, ns in results:
        print(f"{name:55s} {ns:9.0f} ns/op  {ns / legacy:6.1f}x the dict append")


if __name__ == "__main__":
    main()
