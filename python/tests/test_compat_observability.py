"""crypto_lakehouse.observability.metrics: the plan's context managers.

Recording is checked against a recording stand-in for the native suite (fake_suite), so these
tests need no native module; test_compat_otlp.py checks the same through a real OTLP export.
"""

import asyncio
import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from crypto_lakehouse.observability.metrics import (
    CryptoLakehouseMetrics,
    current_workflow_id,
    get_metrics,
)

from compat_support import failing_suite, fake_suite, native_sdk_per_module  # noqa: F401 (fixtures)


class Custom(Exception):
    pass


class MyKeyError(KeyError):
    pass


def test_get_metrics_is_one_process_wide_object():
    assert isinstance(get_metrics(), CryptoLakehouseMetrics)
    assert get_metrics() is get_metrics()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_metrics())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(m is get_metrics() for m in seen)


def test_plan_nested_snippet_runs_as_written(fake_suite):
    metrics = get_metrics()
    # High-level workflow tracking
    with metrics.track_workflow_execution("archive_collection"):
        with metrics.track_data_ingestion("binance_api"):
            with metrics.track_api_interaction("binance", "/api/v3/klines"):
                pass  # API operations
            with metrics.track_data_processing("transformation"):
                pass  # Data transformation
            with metrics.track_storage_operation("s3_put"):
                pass  # Storage operations
    wf = {"workflow.name": "archive_collection", "outcome": "success"}
    assert [a for _, a in fake_suite.of("workflow_executions")] == [wf]
    (duration, attrs), = fake_suite.of("workflow_duration")
    assert attrs == wf and 0 <= duration < 5  # seconds
    stages = [a for _, a in fake_suite.of("processing_duration")]
    assert stages == [
        {"processing.stage": "transformation", "outcome": "success",
         "workflow.name": "archive_collection"},
        {"processing.stage": "ingestion", "outcome": "success",
         "workflow.name": "archive_collection", "lakehouse.source": "binance_api"},
    ]
    api = {"crypto.exchange": "binance", "http.request.method": "GET",
           "url.template": "/api/v3/klines", "outcome": "success"}
    assert [a for _, a in fake_suite.of("api_requests")] == [api]
    assert [a for _, a in fake_suite.of("api_request_duration")] == [api]
    assert [a for _, a in fake_suite.of("storage_operations")] == [
        {"storage.operation": "s3_put", "outcome": "success"}
    ]
    active = fake_suite.of("operations_active")
    assert sum(v for v, _ in active) == 0 and len(active) == 10
    assert fake_suite.of("errors") == []


def test_plan_simple_integration_snippet_runs_as_written(fake_suite):
    from crypto_lakehouse.observability.metrics import get_metrics

    metrics = get_metrics()
    with metrics.track_data_processing("crypto_analysis"):
        metrics.record_data_batch(1000, 1024*1024, symbol="BTCUSDT")
    assert fake_suite.of("records_ingested") == [(1000, {"crypto.symbol": "BTCUSDT"})]
    assert fake_suite.of("bytes_ingested") == [(1048576, {"crypto.symbol": "BTCUSDT"})]


def test_plan_advanced_integration_snippet_runs_as_written(fake_suite):
    metrics = get_metrics()
    seen = []

    async def crypto_pipeline():
        with metrics.track_workflow_execution("data_pipeline") as workflow_id:
            # Multi-stage processing with comprehensive tracking
            seen.append(workflow_id)
            pass

    asyncio.run(crypto_pipeline())
    assert seen[0].startswith("data_pipeline_")
    assert [a["workflow.name"] for _, a in fake_suite.of("workflow_executions")] == [
        "data_pipeline"
    ]


def test_plan_enhanced_workflow_snippet(fake_suite):
    # Phase 3.2: the one-argument track_api_interaction and track_data_batch.
    class MetricsInstrumentedArchiveCollection:
        def __init__(self):
            self.metrics = get_metrics()

        async def fetch_kline_data(self, symbol, timeframe):
            await asyncio.sleep(0)
            return [1, 2, 3]

        def process_data(self, rows):
            return rows

        async def store_data(self, rows):
            await asyncio.sleep(0)

        async def process_symbol_data(self, symbol: str, timeframe: str):
            with self.metrics.track_data_processing("symbol_processing",
                                                    symbol=symbol,
                                                    timeframe=timeframe):
                with self.metrics.track_api_interaction("/api/v3/klines"):
                    kline_data = await self.fetch_kline_data(symbol, timeframe)
                processed_data = self.process_data(kline_data)
                self.metrics.track_data_batch(len(processed_data), symbol=symbol)
                with self.metrics.track_storage_operation("s3_put"):
                    await self.store_data(processed_data)

    asyncio.run(MetricsInstrumentedArchiveCollection().process_symbol_data("ETHUSDT", "1h"))
    assert [a for _, a in fake_suite.of("api_requests")] == [
        {"crypto.exchange": "binance", "http.request.method": "GET",
         "url.template": "/api/v3/klines", "outcome": "success"}
    ]
    assert fake_suite.of("records_ingested") == [(3, {"crypto.symbol": "ETHUSDT"})]
    assert fake_suite.of("bytes_ingested") == []
    (_, attrs), = fake_suite.of("processing_duration")
    assert attrs == {"processing.stage": "symbol_processing", "outcome": "success",
                     "crypto.symbol": "ETHUSDT", "crypto.interval": "1h"}


def test_exceptions_are_recorded_by_type_and_reraised_unchanged(fake_suite):
    metrics = get_metrics()
    cases = [
        (ValueError("bad value 123"), "ValueError"),
        (MyKeyError("k"), "KeyError"),  # nearest listed built-in base
        (FileNotFoundError(2, "missing"), "FileNotFoundError"),
        (ConnectionRefusedError(), "ConnectionRefusedError"),
        (Custom("secret message"), "_OTHER"),
        (asyncio.TimeoutError(), "TimeoutError"),
    ]
    for error, expected in cases:
        fake_suite.log.clear()
        with pytest.raises(type(error)) as raised:
            with metrics.track_workflow_execution("w"):
                with metrics.track_storage_operation("put", backend="s3"):
                    raise error
        assert raised.value is error
        assert raised.value.__traceback__ is not None
        errors = [a for _, a in fake_suite.of("errors")]
        assert errors == [
            {"error.type": expected, "operation.kind": "storage", "workflow.name": "w"},
            {"error.type": expected, "operation.kind": "workflow", "workflow.name": "w"},
        ], expected
        assert [a for _, a in fake_suite.of("storage_operations")] == [
            {"storage.operation": "put", "storage.backend": "s3", "outcome": "failure",
             "error.type": expected}
        ]
        assert [a for _, a in fake_suite.of("storage_operation_duration")] == [
            {"storage.operation": "put", "storage.backend": "s3", "outcome": "failure"}
        ]
        assert [a for _, a in fake_suite.of("workflow_executions")] == [
            {"workflow.name": "w", "outcome": "failure", "error.type": expected}
        ]
        for _, _, attrs in fake_suite.log:
            assert "secret" not in str(attrs) and "123" not in str(attrs)


def test_trackers_never_raise_when_recording_fails(failing_suite):
    metrics = get_metrics()
    with metrics.track_workflow_execution("w") as wid:
        with metrics.track_data_ingestion("archive") as scope:
            scope.set_record_count(10)
        with metrics.track_api_interaction("binance", "/api/v3/klines") as api:
            api.set_http_status(429)
            api.record_rate_limit_hit("http_429")
        metrics.record_data_batch(5, 6)
        metrics.update_queue_size("q", 1)
        metrics.record_workflow_event("e")
    assert wid.startswith("w_")
    with pytest.raises(ZeroDivisionError):
        with metrics.track_data_processing("p"):
            1 / 0


def test_durations_are_seconds(fake_suite):
    metrics = get_metrics()
    with metrics.track_data_processing("slow") as scope:
        time.sleep(0.05)
        scope.set_record_count(100)
    (seconds, attrs), = fake_suite.of("processing_duration")
    assert 0.04 <= seconds < 2, seconds
    (rate, tattrs), = fake_suite.of("processing_throughput")
    assert tattrs == {"processing.stage": "slow"}
    assert 50 < rate <= 100 / 0.04


def test_unknown_kwargs_are_dropped_and_plan_kwargs_mapped(fake_suite, monkeypatch):
    from crypto_lakehouse import _telemetry

    # Catalog keys pass through as given (the native catalog's keys; fixed here).
    monkeypatch.setattr(_telemetry, "_catalog_keys", frozenset({"server.address"}))
    metrics = get_metrics()
    with metrics.track_data_processing("p", symbol="BTCUSDT", market="um", data_type="klines",
                                       interval="1m", exchange="binance", note="free text",
                                       rows=[1, 2], obj=object(),
                                       **{"server.address": "h", "not.a.key": "x"}):
        pass
    (_, attrs), = fake_suite.of("processing_duration")
    assert attrs == {"processing.stage": "p", "outcome": "success", "crypto.symbol": "BTCUSDT",
                     "crypto.market": "um", "crypto.data_type": "klines",
                     "crypto.interval": "1m", "crypto.exchange": "binance",
                     "server.address": "h"}


def test_tracker_keys_win_over_caller_attributes(fake_suite):
    metrics = get_metrics()
    with metrics.track_data_processing("real", **{"processing.stage": "spoof", "outcome": "x"}):
        pass
    (_, attrs), = fake_suite.of("processing_duration")
    assert attrs["processing.stage"] == "real" and attrs["outcome"] == "success"


def test_api_scope_details(fake_suite):
    metrics = get_metrics()
    with metrics.track_api_interaction("/fapi/v1/klines", exchange="binance_futures") as api:
        api.set_method("POST")
        api.set_http_status(429)
        api.set_server_address("fapi.binance.com")
        api.set_outcome("rate_limited")
        api.record_rate_limit_hit("http_429")
    (_, attrs), = fake_suite.of("api_requests")
    assert attrs == {"crypto.exchange": "binance_futures", "http.request.method": "POST",
                     "http.response.status_code": 429, "server.address": "fapi.binance.com",
                     "url.template": "/fapi/v1/klines", "outcome": "rate_limited"}
    assert fake_suite.of("api_rate_limit_hits") == [
        (1, {"crypto.exchange": "binance_futures", "server.address": "fapi.binance.com",
             "rate_limit.reason": "http_429"})
    ]


def test_storage_bytes_and_explicit_failure(fake_suite):
    metrics = get_metrics()
    with metrics.track_storage_operation("put", backend="local", layer="silver") as op:
        op.set_bytes(2048, "write")
    assert fake_suite.of("storage_object_size") == [
        (2048, {"storage.operation": "put", "storage.backend": "local", "lakehouse.layer": "silver"})
    ]
    assert fake_suite.of("storage_bytes") == [
        (2048, {"io.direction": "write", "storage.backend": "local"})
    ]
    fake_suite.log.clear()
    with metrics.track_storage_operation("get") as op:
        op.fail("not_found")
        op.fail("timeout")  # the first failure wins
        op.set_bytes(10, "read")
    assert op.failed and op.error_type == "not_found"
    assert fake_suite.of("storage_object_size") == []
    assert fake_suite.of("errors") == [(1, {"error.type": "not_found", "operation.kind": "storage"})]


def test_queue_and_events(fake_suite):
    metrics = get_metrics()
    metrics.update_queue_size("ingest.files", 3)
    metrics.update_queue_size("ingest.files", -1)
    metrics.record_workflow_event("outside")  # no workflow: nothing
    with metrics.track_workflow_execution("w"):
        metrics.record_workflow_event("discovery_completed")
    assert fake_suite.of("queue_size") == [(3, {"queue.name": "ingest.files"}),
                                           (-1, {"queue.name": "ingest.files"})]
    assert fake_suite.of("workflow_events") == [
        (1, {"workflow.name": "w", "event.name": "discovery_completed"})
    ]


def test_workflow_ids_are_unique_and_nesting_follows_the_innermost(fake_suite):
    metrics = get_metrics()
    assert current_workflow_id() is None
    with metrics.track_workflow_execution("outer") as outer:
        assert current_workflow_id() == outer
        with metrics.track_data_processing("p") as p:
            assert p.workflow_id == outer and p.workflow_name == "outer"
            with metrics.track_workflow_execution("inner") as inner:
                assert current_workflow_id() == inner != outer
                with metrics.track_storage_operation("put") as s:
                    assert s.workflow_name == "inner"
            assert current_workflow_id() == outer
    assert current_workflow_id() is None
    ids = set()
    for _ in range(200):
        with metrics.track_workflow_execution("same") as wid:
            ids.add(wid)
    assert len(ids) == 200


def test_asyncio_gather_each_workflow_sees_its_own_scope(fake_suite):
    metrics = get_metrics()

    async def step(name, delay):
        with metrics.track_data_processing(f"stage_{name}") as scope:
            await asyncio.sleep(delay)
            return scope.workflow_name, current_workflow_id()

    async def workflow(name, delay):
        with metrics.track_workflow_execution(name) as wid:
            await asyncio.sleep(delay)
            # A nested scope in this task and in child tasks created inside the workflow.
            here = await step(name, delay)
            children = await asyncio.gather(step(name, delay / 2), step(name, 0))
            assert current_workflow_id() == wid
            return wid, here, children

    async def main():
        return await asyncio.gather(*[workflow(f"wf{i}", 0.01 * (5 - i)) for i in range(5)])

    results = asyncio.run(main())
    for i, (wid, here, children) in enumerate(results):
        assert wid.startswith(f"wf{i}_")
        assert here == (f"wf{i}", wid)
        assert children == [(f"wf{i}", wid), (f"wf{i}", wid)]
    by_stage = {}
    for _, a in fake_suite.of("processing_duration"):
        by_stage.setdefault(a["processing.stage"], set()).add(a["workflow.name"])
    assert by_stage == {f"stage_wf{i}": {f"wf{i}"} for i in range(5)}
    assert sum(v for v, _ in fake_suite.of("workflows_active")) == 0


def test_async_with_is_supported(fake_suite):
    metrics = get_metrics()

    async def main():
        async with metrics.track_workflow_execution("aw") as wid:
            async with metrics.track_data_ingestion("rest") as scope:
                await asyncio.sleep(0)
                return wid, scope.workflow_id

    wid, inner = asyncio.run(main())
    assert wid == inner
    with pytest.raises(RuntimeError):
        asyncio.run(_raise_in_async_with(metrics))
    assert fake_suite.of("errors")[-1][1]["error.type"] == "RuntimeError"


async def _raise_in_async_with(metrics):
    async with metrics.track_data_processing("p"):
        raise RuntimeError("x")


def test_threads_do_not_share_scopes_but_context_can_be_handed_over(fake_suite):
    metrics = get_metrics()
    with metrics.track_workflow_execution("parent") as wid:
        with ThreadPoolExecutor(max_workers=4) as pool:
            plain = pool.submit(current_workflow_id).result()
            handed = pool.submit(contextvars.copy_context().run, current_workflow_id).result()
    assert plain is None and handed == wid


def test_many_threads_lose_nothing(fake_suite):
    metrics = get_metrics()

    def work(i):
        with metrics.track_workflow_execution(f"t{i % 4}"):
            for _ in range(50):
                with metrics.track_data_processing("p"):
                    pass

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(40)))
    assert len(fake_suite.of("workflow_executions")) == 40
    assert len(fake_suite.of("processing_duration")) == 2000
    assert sum(v for v, _ in fake_suite.of("operations_active")) == 0


def test_a_scope_ended_out_of_order_leaves_the_current_one_alone():
    from crypto_lakehouse.observability.metrics import current_workflow_id, get_metrics

    metrics = get_metrics()

    def generator():
        with metrics.track_workflow_execution("in_generator"):
            yield 1

    g = generator()
    next(g)  # its workflow is open and current
    with metrics.track_workflow_execution("outer") as outer_id:
        g.close()  # the generator's scope ends while "outer" is current
        assert current_workflow_id() == outer_id
    # The generator's scope is closed: nothing stays current.
    assert current_workflow_id() is None
    with metrics.track_workflow_execution("after") as after_id:
        assert current_workflow_id() == after_id
