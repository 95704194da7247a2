"""The compatibility packages' metrics arrive at the OTLP test receiver (test/peers/
otlp_receiver.mjs, which decodes with the official protobuf definitions): names, units,
attributes and values. Each scenario runs in a fresh interpreter (the SDK reads the OTEL_*
environment once, at init) whose only export is the one at exit.

Skipped, with the reason, when cryptolake._native is not importable or node is missing; the
legacy behaviour itself is pinned by test_compat_legacy.py and needs neither.
"""

import json

import pytest

from compat_support import Series, receiver, requires_native  # noqa: F401 (fixture)

pytestmark = requires_native


def export(receiver, code, **env):
    receiver.post("/reset")
    proc = receiver.run(code, extra_env=env)
    points = receiver.get("/points?since=0&wait_ms=15000")
    assert points, f"nothing exported:\n{proc.stderr}"
    return Series(points), proc


def value(point):
    return float(point["value"])


def sum_of(series, metric, attrs, unit):
    p = series.one(metric, attrs)
    assert p["unit"] == unit, (metric, p["unit"])
    assert p["type"] == "sum"
    return value(p)


def histogram(series, metric, attrs, unit="s"):
    p = series.one(metric, attrs)
    assert p["unit"] == unit, (metric, p["unit"])
    assert p["type"] == "histogram"
    return int(p["count"]), float(p["sum"])


PLAN_SNIPPETS = """
from crypto_lakehouse.observability.metrics import get_metrics
from crypto_lakehouse.core.metrics import MetricsCollector

metrics = get_metrics()
# High-level workflow tracking
with metrics.track_workflow_execution("archive_collection"):
    with metrics.track_data_ingestion("binance_api"):
        with metrics.track_api_interaction("binance", "/api/v3/klines"):
            pass
        with metrics.track_data_processing("transformation"):
            pass
        with metrics.track_storage_operation("s3_put"):
            pass

# Existing code continues working unchanged
collector = MetricsCollector()  # Now powered by OpenTelemetry
workflow_id = collector.start_workflow("legacy_workflow")
collector.record_event("data_processed")
collector.end_workflow(workflow_id)
assert collector.otel_enabled
assert list(collector.get_metrics()) == ["metrics", "events", "errors"]

# Simple integration
metrics = get_metrics()
with metrics.track_data_processing("crypto_analysis"):
    metrics.record_data_batch(1000, 1024*1024, symbol="BTCUSDT")
"""


def test_plan_snippets_export_the_catalog_series(receiver):
    s, _ = export(receiver, PLAN_SNIPPETS)
    for p in s.points:
        assert p["resource"].get("service.name"), "no service.name"
    wf = {"workflow.name": "archive_collection", "outcome": "success"}
    assert sum_of(s, "cryptolake.workflow.executions", wf, "{execution}") == 1
    count, total = histogram(s, "cryptolake.workflow.duration", wf)
    assert count == 1 and 0 <= total < 5  # seconds, not milliseconds
    assert sum_of(s, "cryptolake.workflow.active", {"workflow.name": "archive_collection"},
                  "{workflow}") == 0
    # lakehouse.source is not a key of processing.duration: the SDK keeps the catalog's keys.
    assert histogram(s, "cryptolake.data.processing.duration",
                     {"processing.stage": "ingestion", "outcome": "success",
                      "workflow.name": "archive_collection"})[0] == 1
    assert histogram(s, "cryptolake.data.processing.duration",
                     {"processing.stage": "transformation", "outcome": "success",
                      "workflow.name": "archive_collection"})[0] == 1
    api = {"crypto.exchange": "binance", "http.request.method": "GET",
           "url.template": "/api/v3/klines", "outcome": "success"}
    assert sum_of(s, "cryptolake.api.requests", api, "{request}") == 1
    assert histogram(s, "cryptolake.api.request.duration", api)[0] == 1
    storage = {"storage.operation": "s3_put", "outcome": "success"}
    assert sum_of(s, "cryptolake.storage.operations", storage, "{operation}") == 1
    assert histogram(s, "cryptolake.storage.operation.duration", storage)[0] == 1
    for kind in ("workflow", "ingestion", "api", "processing", "storage"):
        assert sum_of(s, "cryptolake.operations.active", {"operation.kind": kind},
                      "{operation}") == 0

    legacy = {"workflow.name": "legacy_workflow", "outcome": "success"}
    assert sum_of(s, "cryptolake.workflow.executions", legacy, "{execution}") == 1
    assert histogram(s, "cryptolake.workflow.duration", legacy)[0] == 1
    assert sum_of(s, "cryptolake.workflow.events",
                  {"workflow.name": "legacy_workflow", "event.name": "data_processed"},
                  "{event}") == 1

    assert histogram(s, "cryptolake.data.processing.duration",
                     {"processing.stage": "crypto_analysis", "outcome": "success"})[0] == 1
    assert sum_of(s, "cryptolake.data.records.ingested", {"crypto.symbol": "BTCUSDT"},
                  "{record}") == 1000
    assert sum_of(s, "cryptolake.data.bytes.ingested", {"crypto.symbol": "BTCUSDT"},
                  "By") == 1048576
    assert s.of("cryptolake.errors") == []


ERRORS = """
from crypto_lakehouse.observability.metrics import get_metrics
from crypto_lakehouse.core.metrics import MetricsCollector

metrics = get_metrics()
error = ValueError("row 17 is bad: price=abc")
try:
    with metrics.track_workflow_execution("failing"):
        with metrics.track_data_processing("convert", symbol="BTCUSDT", market="spot",
                                           note="free text"):
            raise error
except ValueError as e:
    assert e is error

class PipelineBroke(Exception):
    pass

try:
    with metrics.track_api_interaction("/api/v3/aggTrades"):
        raise PipelineBroke("secret detail")
except PipelineBroke:
    pass

c = MetricsCollector()
c.start_workflow("legacy_fail")
c.record_error("Connection refused by 10.1.2.3", error_type="network_error")
c.record_error("Another message", error_type="Free Text Type")
c.record_event("klines_ingested", records_count=250, data_size_bytes=999, symbol="ETHUSDT",
               market="um")
c.end_workflow()
"""


def test_errors_are_bounded_and_messages_never_exported(receiver):
    s, _ = export(receiver, ERRORS)
    errors = {json.dumps(p["attributes"], sort_keys=True): value(p)
              for p in s.of("cryptolake.errors")}
    assert errors == {
        json.dumps(a, sort_keys=True): 1
        for a in [
            {"error.type": "ValueError", "operation.kind": "processing",
             "workflow.name": "failing"},
            {"error.type": "ValueError", "operation.kind": "workflow",
             "workflow.name": "failing"},
            {"error.type": "_OTHER", "operation.kind": "api"},
            {"error.type": "network_error", "operation.kind": "workflow",
             "workflow.name": "legacy_fail"},
            {"error.type": "_OTHER", "operation.kind": "workflow",
             "workflow.name": "legacy_fail"},
        ]
    }
    assert s.one("cryptolake.errors", {"error.type": "ValueError", "operation.kind": "workflow",
                                       "workflow.name": "failing"})["unit"] == "{error}"
    # crypto.symbol is not a key of processing.duration; crypto.market is; `note` never is.
    assert histogram(s, "cryptolake.data.processing.duration",
                     {"processing.stage": "convert", "crypto.market": "spot",
                      "outcome": "failure", "error.type": "ValueError",
                      "workflow.name": "failing"})[0] == 1
    assert sum_of(s, "cryptolake.workflow.executions",
                  {"workflow.name": "failing", "outcome": "failure", "error.type": "ValueError"},
                  "{execution}") == 1
    assert sum_of(s, "cryptolake.workflow.executions",
                  {"workflow.name": "legacy_fail", "outcome": "failure",
                   "error.type": "network_error"}, "{execution}") == 1
    assert sum_of(s, "cryptolake.api.requests",
                  {"crypto.exchange": "binance", "http.request.method": "GET",
                   "url.template": "/api/v3/aggTrades", "outcome": "failure",
                   "error.type": "_OTHER"}, "{request}") == 1
    stream = {"crypto.symbol": "ETHUSDT", "crypto.market": "um"}
    assert sum_of(s, "cryptolake.data.records.ingested", stream, "{record}") == 250
    assert sum_of(s, "cryptolake.data.bytes.ingested", stream, "By") == 999
    text = json.dumps([p["attributes"] for p in s.points])
    for secret in ("10.1.2.3", "row 17", "Free Text", "secret", "free text", "Another"):
        assert secret not in text


POOL = """
import json
from compat_support import run_workflow_pool
from crypto_lakehouse.core.metrics import MetricsCollector

workflows, results = run_workflow_pool(MetricsCollector)
print(json.dumps(sorted([m.workflow_name, m.execution_state] for m in results)))
"""


def test_workflow_pool_of_four_exports_its_executions(receiver):
    s, proc = export(receiver, POOL)
    assert json.loads(proc.stdout) == [["ArchiveCollection", "completed"]] * 3 + [
        ["FailingCollection", "failed"]
    ]
    ok = {"workflow.name": "ArchiveCollection", "outcome": "success"}
    assert sum_of(s, "cryptolake.workflow.executions", ok, "{execution}") == 3
    count, total = histogram(s, "cryptolake.workflow.duration", ok)
    assert count == 3 and 0.06 <= total < 30
    failed = {"workflow.name": "FailingCollection", "outcome": "failure", "error.type": "_OTHER"}
    assert sum_of(s, "cryptolake.workflow.executions", failed, "{execution}") == 1
    for event, n in [("workflow_setup_completed", 3), ("workflow_execution_completed", 3),
                     ("workflow_cleanup_completed", 3)]:
        assert sum_of(s, "cryptolake.workflow.events",
                      {"workflow.name": "ArchiveCollection", "event.name": event},
                      "{event}") == n
    assert sum_of(s, "cryptolake.workflow.events",
                  {"workflow.name": "FailingCollection",
                   "event.name": "workflow_setup_completed"}, "{event}") == 1
    for name in ("ArchiveCollection", "FailingCollection"):
        assert sum_of(s, "cryptolake.workflow.active", {"workflow.name": name},
                      "{workflow}") == 0


def test_sdk_disabled_exports_nothing_and_legacy_still_works(receiver):
    receiver.post("/reset")
    proc = receiver.run(PLAN_SNIPPETS.replace("assert collector.otel_enabled",
                                              "assert not collector.otel_enabled"),
                        extra_env={"OTEL_SDK_DISABLED": "true"})
    assert proc.stderr == ""
    assert receiver.get("/stats")["requests"] == 0


CONCURRENT = """
import asyncio
from concurrent.futures import ThreadPoolExecutor
from crypto_lakehouse.observability.metrics import get_metrics

metrics = get_metrics()

def worker(i):
    with metrics.track_workflow_execution("threaded"):
        for _ in range(500):
            with metrics.track_data_processing("convert", market="spot"):
                pass

with ThreadPoolExecutor(max_workers=8) as pool:
    list(pool.map(worker, range(8)))

async def stage():
    with metrics.track_data_processing("fetch"):
        await asyncio.sleep(0.01)

async def workflow(name):
    with metrics.track_workflow_execution(name):
        await asyncio.gather(stage(), stage())
        await stage()

async def main():
    await asyncio.gather(*(workflow(f"async_{i}") for i in range(3)))

asyncio.run(main())
"""


def test_threads_and_asyncio_tasks_lose_nothing_and_keep_their_workflow(receiver):
    s, _ = export(receiver, CONCURRENT)
    assert histogram(s, "cryptolake.data.processing.duration",
                     {"processing.stage": "convert", "crypto.market": "spot",
                      "outcome": "success", "workflow.name": "threaded"})[0] == 4000
    assert sum_of(s, "cryptolake.workflow.executions",
                  {"workflow.name": "threaded", "outcome": "success"}, "{execution}") == 8
    for i in range(3):
        count, total = histogram(s, "cryptolake.data.processing.duration",
                                 {"processing.stage": "fetch", "outcome": "success",
                                  "workflow.name": f"async_{i}"})
        assert count == 3 and total >= 0.03
    assert [p for p in s.of("cryptolake.data.processing.duration")
            if p["attributes"].get("processing.stage") == "fetch"
            and "workflow.name" not in p["attributes"]] == []
    assert sum_of(s, "cryptolake.operations.active", {"operation.kind": "processing"},
                  "{operation}") == 0
