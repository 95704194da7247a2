"""The predecessor's legacy API (python-predecessor sections 1.1, 1.2, 1.4), pinned.

None of these tests needs the native module: with it, the collector also records OpenTelemetry
instruments (checked in test_compat_otlp.py), which must not change anything seen here.
"""

import dataclasses
import os
import subprocess
import sys
import time
import typing
from datetime import datetime

import pytest

import crypto_lakehouse.core as core
from crypto_lakehouse.core.metrics import (
    BackwardCompatibleMetricsCollector,
    MetricsCollector,
    WorkflowMetrics,
    get_metrics_collector,
)

from compat_support import (  # noqa: F401 (fixtures)
    FakeSuite,
    failing_suite,
    fake_suite,
    native_sdk_per_module,
)

FIELDS = [
    "workflow_name",
    "execution_state",
    "start_time",
    "end_time",
    "duration",
    "results",
    "metrics_data",
    "config_snapshot",
]


def sample(**changes):
    values = dict(
        workflow_name="ArchiveCollection",
        execution_state="completed",
        start_time=datetime(2024, 1, 1, 0, 0, 0),
        end_time=datetime(2024, 1, 1, 0, 0, 2, 500000),
        duration=2.5,
        results={"files": 3},
        metrics_data={"metrics": {}, "events": [], "errors": []},
        config_snapshot={"id": "c1"},
    )
    values.update(changes)
    return WorkflowMetrics(**values)


# --- 1.1 WorkflowMetrics ------------------------------------------------------------------------


def test_workflow_metrics_is_a_dataclass_with_eight_fields_in_order():
    assert dataclasses.is_dataclass(WorkflowMetrics)
    assert [f.name for f in dataclasses.fields(WorkflowMetrics)] == FIELDS
    for f in dataclasses.fields(WorkflowMetrics):
        assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def test_workflow_metrics_field_types_are_the_predecessors():
    hints = typing.get_type_hints(WorkflowMetrics)
    assert hints == {
        "workflow_name": str,
        "execution_state": str,
        "start_time": typing.Optional[datetime],
        "end_time": typing.Optional[datetime],
        "duration": typing.Optional[float],
        "results": typing.Dict[str, typing.Any],
        "metrics_data": typing.Dict[str, typing.Any],
        "config_snapshot": typing.Dict[str, typing.Any],
    }


def test_workflow_metrics_positional_constructor_needs_all_eight():
    args = ["W", "running", None, None, None, {}, {}, {}]
    m = WorkflowMetrics(*args)
    assert [getattr(m, f) for f in FIELDS] == args
    with pytest.raises(TypeError):
        WorkflowMetrics(*args[:7])
    with pytest.raises(TypeError):
        WorkflowMetrics()


def test_workflow_metrics_eq_is_field_wise():
    assert sample() == sample()
    assert sample() is not sample()
    for field, other in [
        ("workflow_name", "X"),
        ("execution_state", "failed"),
        ("duration", 2.0),
        ("results", {}),
        ("metrics_data", {"error": "x"}),
        ("config_snapshot", {}),
        ("start_time", None),
    ]:
        assert sample() != sample(**{field: other}), field
    assert sample() != ("ArchiveCollection",)


def test_workflow_metrics_is_mutable_unhashable_and_unordered():
    m = sample()
    m.execution_state = "failed"
    assert m.execution_state == "failed"
    assert WorkflowMetrics.__hash__ is None
    with pytest.raises(TypeError):
        hash(m)
    with pytest.raises(TypeError):
        _ = sample() < sample()
    assert not WorkflowMetrics.__dataclass_params__.frozen
    assert not WorkflowMetrics.__dataclass_params__.order


def test_workflow_metrics_repr_is_the_dataclass_repr():
    m = WorkflowMetrics("W", "initialized", None, None, None, {}, {"a": 1}, {})
    assert repr(m) == (
        "WorkflowMetrics(workflow_name='W', execution_state='initialized', start_time=None, "
        "end_time=None, duration=None, results={}, metrics_data={'a': 1}, config_snapshot={})"
    )


def test_workflow_metrics_failed_variant():
    now = datetime.now()
    m = WorkflowMetrics("W", "failed", now, now, 0, {}, {"error": "boom"}, {"id": "x"})
    assert dataclasses.asdict(m)["metrics_data"] == {"error": "boom"}
    assert dataclasses.astuple(m)[4] == 0


# --- 1.2 MetricsCollector -----------------------------------------------------------------------


def test_both_import_paths_give_the_same_classes():
    assert core.MetricsCollector is MetricsCollector
    assert core.WorkflowMetrics is WorkflowMetrics


def test_collector_initial_state():
    c = MetricsCollector()
    assert c.metrics == {} and type(c.metrics) is dict
    assert c.events == [] and type(c.events) is list
    assert c.errors == [] and type(c.errors) is list


def test_start_workflow_sets_name_and_float_epoch_start(monkeypatch):
    c = MetricsCollector()
    monkeypatch.setattr(time, "time", lambda: 1700000000.25)
    c.start_workflow("ArchiveCollection")
    assert c.metrics == {"workflow_name": "ArchiveCollection", "start_time": 1700000000.25}
    assert type(c.metrics["start_time"]) is float


def test_start_workflow_overwrites_and_clears_nothing():
    c = MetricsCollector()
    c.start_workflow("a")
    c.record_event("e")
    c.record_error("x")
    c.end_workflow()
    first_start = c.metrics["start_time"]
    time.sleep(0.002)
    c.start_workflow("b")
    assert c.metrics["workflow_name"] == "b"
    assert c.metrics["start_time"] > first_start
    assert "end_time" in c.metrics
    assert len(c.events) == 1 and len(c.errors) == 1
    assert list(c.metrics) == ["workflow_name", "start_time", "end_time"]


def test_end_workflow_without_start_and_twice():
    c = MetricsCollector()
    assert c.end_workflow() is None
    assert list(c.metrics) == ["end_time"]
    first = c.metrics["end_time"]
    time.sleep(0.002)
    c.end_workflow()
    assert c.metrics["end_time"] > first
    c.start_workflow("late")
    assert list(c.metrics) == ["end_time", "workflow_name", "start_time"]


def test_record_event_and_error_have_exactly_two_keys(monkeypatch):
    c = MetricsCollector()
    monkeypatch.setattr(time, "time", lambda: 42.5)
    assert c.record_event("file_downloaded") is None
    assert c.record_error("Connection refused") is None
    assert c.events == [{"event": "file_downloaded", "timestamp": 42.5}]
    assert c.errors == [{"error": "Connection refused", "timestamp": 42.5}]
    assert list(c.events[0]) == ["event", "timestamp"]
    assert list(c.errors[0]) == ["error", "timestamp"]


def test_timestamps_are_sub_second_epoch_floats_in_order():
    c = MetricsCollector()
    before = time.time()
    for i in range(5):
        c.record_event(f"e{i}")
    after = time.time()
    stamps = [e["timestamp"] for e in c.events]
    assert all(type(t) is float for t in stamps)
    assert stamps == sorted(stamps)
    assert before <= stamps[0] and stamps[-1] <= after
    assert abs(time.time() - stamps[0]) < 60  # seconds, not milliseconds


def test_get_metrics_returns_a_new_outer_dict_of_the_live_objects():
    c = MetricsCollector()
    first = c.get_metrics()
    second = c.get_metrics()
    assert list(first) == ["metrics", "events", "errors"]
    assert first is not second and first == second
    assert first["metrics"] is c.metrics
    assert first["events"] is c.events
    assert first["errors"] is c.errors
    # Later recordings appear in an earlier result.
    c.start_workflow("w")
    c.record_event("e")
    c.record_error("x")
    assert first["metrics"]["workflow_name"] == "w"
    assert first["events"][0]["event"] == "e"
    assert first["errors"][0]["error"] == "x"
    # Mutating the result mutates the collector; the outer dict is the caller's own.
    first["events"].append({"event": "injected", "timestamp": 0.0})
    first["metrics"]["extra"] = 1
    first["added"] = True
    assert c.events[-1]["event"] == "injected"
    assert c.metrics["extra"] == 1
    assert "added" not in c.get_metrics()


def test_get_metrics_keys_are_exactly_the_legacy_three_whatever_otel_does(fake_suite):
    c = MetricsCollector()
    assert c.otel_enabled
    c.start_workflow("w")
    c.end_workflow("w")
    assert list(c.get_metrics()) == ["metrics", "events", "errors"]
    assert fake_suite.log  # it did record


def test_no_duration_is_computed():
    c = MetricsCollector()
    c.start_workflow("w")
    c.end_workflow()
    assert set(c.metrics) == {"workflow_name", "start_time", "end_time"}
    assert c.metrics["end_time"] >= c.metrics["start_time"]


def test_collector_matches_the_reference_description(monkeypatch):
    from compat_support import ReferenceCollector

    clock = iter(x * 0.5 for x in range(1, 100))
    stamps = []

    def tick():
        stamps.append(next(clock))
        return stamps[-1]

    monkeypatch.setattr(time, "time", tick)
    ours, ref = MetricsCollector(), ReferenceCollector()
    for target in (ours, ref):
        target.end_workflow()
        target.start_workflow("A")
        target.record_event("matrix_loaded")
        target.record_error("bad row")
        target.start_workflow("B")
        target.end_workflow()
    # Same calls, same clock pattern: the same dicts, including key order.
    o, r = ours.get_metrics(), ref.get_metrics()
    shift = 3.0  # the reference ran six clock ticks later
    assert list(o["metrics"]) == list(r["metrics"])
    assert {k: (v + shift if isinstance(v, float) else v) for k, v in o["metrics"].items()} == r[
        "metrics"
    ]
    assert [dict(e, timestamp=e["timestamp"] + shift) for e in o["events"]] == r["events"]
    assert [dict(e, timestamp=e["timestamp"] + shift) for e in o["errors"]] == r["errors"]


# --- 1.4 the superset ---------------------------------------------------------------------------


def test_start_workflow_returns_name_and_epoch_ms(monkeypatch):
    c = MetricsCollector()
    monkeypatch.setattr(time, "time", lambda: 1765028461.1239)
    assert c.start_workflow("legacy_workflow") == "legacy_workflow_1765028461123"
    # Same millisecond: unique within the collector.
    assert c.start_workflow("legacy_workflow") == "legacy_workflow_1765028461123_2"
    assert c.start_workflow("other") == "other_1765028461123"


def test_end_workflow_accepts_a_name_or_an_id():
    c = MetricsCollector()
    wid = c.start_workflow("w")
    c.end_workflow(wid)
    assert "end_time" in c.metrics
    c.end_workflow("w")  # nothing running any more: end_time only
    c.end_workflow("unknown")
    assert set(c.metrics) == {"workflow_name", "start_time", "end_time"}


def test_record_event_and_error_keep_keyword_attributes_without_overwriting(monkeypatch):
    c = MetricsCollector()
    monkeypatch.setattr(time, "time", lambda: 7.0)
    c.record_event("klines_ingested", records_count=100, timestamp=-1)
    c.record_error("Connection refused", error_type="unavailable", timestamp=-1)
    # The legacy keyword form still works (the parameter names are the predecessor's).
    c.record_event(event="kw")
    c.record_error(error="kw")
    assert c.events == [
        {"event": "klines_ingested", "timestamp": 7.0, "records_count": 100},
        {"event": "kw", "timestamp": 7.0},
    ]
    assert c.errors == [
        {"error": "Connection refused", "timestamp": 7.0, "error_type": "unavailable"},
        {"error": "kw", "timestamp": 7.0},
    ]


def test_plan_legacy_snippet_runs_as_written():
    from crypto_lakehouse.core.metrics import MetricsCollector

    collector = MetricsCollector()  # Now powered by OpenTelemetry
    workflow_id = collector.start_workflow("legacy_workflow")
    collector.record_event("data_processed")
    collector.end_workflow(workflow_id)

    assert workflow_id.startswith("legacy_workflow_")
    assert collector.metrics["workflow_name"] == "legacy_workflow"
    assert [e["event"] for e in collector.events] == ["data_processed"]


def test_wrapper_collector_flags_and_legacy_view(fake_suite):
    on = BackwardCompatibleMetricsCollector(enable_otel=True)
    assert isinstance(on.legacy_collector, MetricsCollector)
    on.start_workflow("archive_collection")
    on.record_event("data_ingested", records_count=10, data_size_bytes=100)
    on.record_error("Connection failed", error_type="network_error", operation="data_download")
    on.end_workflow("archive_collection")
    m = on.get_metrics()
    assert list(m) == ["metrics", "events", "errors", "otel_enabled", "otel_metrics_active"]
    assert m["otel_enabled"] is True and m["otel_metrics_active"] is True
    assert on.legacy_collector.metrics.get("workflow_name") == "archive_collection"
    assert on.legacy_collector.events[0]["event"] == "data_ingested"
    assert on.legacy_collector.errors[0]["error"] == "Connection failed"
    # The legacy collector's own result is unchanged by the wrapper's flags.
    assert list(on.legacy_collector.get_metrics()) == ["metrics", "events", "errors"]

    off = get_metrics_collector(enable_otel=False)
    assert off is not get_metrics_collector(enable_otel=False)
    off.start_workflow("w")
    off.end_workflow()
    m = off.get_metrics()
    assert m["otel_enabled"] is False and "otel_metrics_active" not in m


def test_validation_script_backward_compat_check():
    # validate_otel_integration.py check (4), OTel disabled.
    c = get_metrics_collector(enable_otel=False)
    c.start_workflow("test_workflow")
    c.record_event("data_ingested", records_count=100, data_size_bytes=5000)
    c.record_error("Test error", error_type="test_error")
    c.end_workflow("test_workflow")
    m = c.get_metrics()
    assert m["otel_enabled"] is False
    assert len(m["events"]) >= 1 and len(m["errors"]) >= 1
    assert "workflow_name" in m["metrics"]
    # check (6): 100 record_event calls under 50 ms.
    start = time.perf_counter()
    for i in range(100):
        c.record_event(f"perf_{i}")
    assert time.perf_counter() - start < 0.05


def test_checklist_keys_are_present():
    # validation-checklist section 1.4: the id-returning form and the three keys.
    c = MetricsCollector()
    wid = c.start_workflow("checklist")
    c.end_workflow(wid)
    m = c.get_metrics()
    for key in ("metrics", "events", "errors"):
        assert key in m


# --- fallback (2.11) and recording failures ----------------------------------------------------


def test_instrument_failures_never_reach_the_caller(failing_suite):
    c = MetricsCollector()
    wid = c.start_workflow("w")
    c.record_event("rows_ingested", records_count=5)
    c.record_error("boom", error_type="io_error")
    c.end_workflow(wid)
    assert len(c.events) == 1 and len(c.errors) == 1


def _run_isolated(code, **env):
    full = dict(os.environ)
    full.update(env)
    full["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_legacy_works_silently_without_the_native_module():
    code = """
import sys
sys.modules['cryptolake._native'] = None  # makes `from cryptolake import _native` fail
from crypto_lakehouse.core.metrics import MetricsCollector
from crypto_lakehouse.observability.metrics import get_metrics
c = MetricsCollector()
wid = c.start_workflow('w')
c.record_event('data_ingested', records_count=3)
c.record_error('boom')
c.end_workflow(wid)
assert not c.otel_enabled
assert list(c.get_metrics()) == ['metrics', 'events', 'errors']
m = get_metrics()
assert not m.enabled
with m.track_workflow_execution('w') as i:
    with m.track_data_processing('p'):
        m.record_data_batch(10, 20)
try:
    with m.track_storage_operation('put'):
        raise KeyError('k')
except KeyError:
    pass
print('ok', i.startswith('w_'))
"""
    proc = _run_isolated(code)
    assert proc.stdout.strip() == "ok True"
    assert proc.stderr == ""


def test_sdk_disabled_is_silent_legacy_only():
    code = """
from crypto_lakehouse.core.metrics import MetricsCollector, get_metrics_collector
c = MetricsCollector()
c.start_workflow('w'); c.record_event('e'); c.end_workflow()
w = get_metrics_collector()
print(c.otel_enabled, w.get_metrics()['otel_enabled'], len(c.events))
"""
    proc = _run_isolated(code, OTEL_SDK_DISABLED="true")
    assert proc.stdout.strip() == "False False 1"


# --- what the collector records (a recording stand-in for the native suite) ---------------------


def test_collector_records_the_catalog_instruments(fake_suite, monkeypatch):
    c = MetricsCollector()
    ticks = iter([100.0, 102.5])
    monkeypatch.setattr(time, "monotonic", lambda: next(ticks))
    wid = c.start_workflow("legacy_workflow")
    c.record_event("data_processed")
    c.record_event("Klines_INGESTED", records_count=500, data_size_bytes=4096.9, symbol="BTCUSDT",
                   market="spot", timeframe="1m", note="free text is never an attribute")
    c.record_event("trades_ingested")
    c.end_workflow(wid)
    assert fake_suite.of("workflows_active") == [
        (1, {"workflow.name": "legacy_workflow"}),
        (-1, {"workflow.name": "legacy_workflow"}),
    ]
    assert fake_suite.of("workflow_events") == [
        (1, {"event.name": "data_processed", "workflow.name": "legacy_workflow"}),
        (1, {"event.name": "Klines_INGESTED", "workflow.name": "legacy_workflow"}),
        (1, {"event.name": "trades_ingested", "workflow.name": "legacy_workflow"}),
    ]
    # The "ingested" hook: given counts (floats truncate), defaults 1 record / 0 bytes, only the
    # stream attributes (no made-up BTCUSDT defaults, no interval: not a stream key).
    assert fake_suite.of("records_ingested") == [
        (500, {"crypto.symbol": "BTCUSDT", "crypto.market": "spot"}),
        (1, {}),
    ]
    assert fake_suite.of("bytes_ingested") == [
        (4096, {"crypto.symbol": "BTCUSDT", "crypto.market": "spot"})
    ]
    executions = {"workflow.name": "legacy_workflow", "outcome": "success"}
    assert fake_suite.of("workflow_executions") == [(1, executions)]
    assert fake_suite.of("workflow_duration") == [(2.5, executions)]  # seconds


def test_collector_errors_are_bounded_and_fail_the_running_workflow(fake_suite):
    c = MetricsCollector()
    c.start_workflow("w")
    c.record_error("Connection refused by 10.0.0.7:443", error_type="network_error")
    c.record_error("second", error_type="Not A Bounded Type!")
    c.record_error("third")  # the predecessor's default "general" is what _OTHER means
    c.record_error("fourth", error_type="timeout", workflow_name="explicit")
    c.record_error("fifth", error_type="x" * 33)
    c.end_workflow()  # no argument: ends the latest running workflow
    assert fake_suite.of("errors") == [
        (1, {"error.type": "network_error", "operation.kind": "workflow", "workflow.name": "w"}),
        (1, {"error.type": "_OTHER", "operation.kind": "workflow", "workflow.name": "w"}),
        (1, {"error.type": "_OTHER", "operation.kind": "workflow", "workflow.name": "w"}),
        (1, {"error.type": "timeout", "operation.kind": "workflow", "workflow.name": "explicit"}),
        (1, {"error.type": "_OTHER", "operation.kind": "workflow", "workflow.name": "w"}),
    ]
    failed = {"workflow.name": "w", "outcome": "failure", "error.type": "network_error"}
    assert fake_suite.of("workflow_executions") == [(1, failed)]
    for _, value, attrs in fake_suite.log:
        assert not any("Connection" in str(v) for v in attrs.values())


def test_end_workflow_by_name_ends_the_latest_of_that_name(fake_suite, monkeypatch):
    c = MetricsCollector()
    first = c.start_workflow("w")
    second = c.start_workflow("w")
    other = c.start_workflow("o")
    assert len({first, second, other}) == 3
    c.end_workflow("w")  # the latest "w" (second)
    c.end_workflow(first)
    c.end_workflow(first)  # already ended: end_time only
    c.end_workflow()  # the latest still running: "o"
    c.end_workflow()  # nothing left
    ended = [a["workflow.name"] for v, a in fake_suite.of("workflows_active") if v == -1]
    assert ended == ["w", "w", "o"]
    assert len(fake_suite.of("workflow_executions")) == 3


def test_collector_without_otel_records_nothing(fake_suite):
    c = MetricsCollector(enable_otel=False)
    c.start_workflow("w")
    c.record_event("x_ingested")
    c.record_error("e")
    c.end_workflow("w")
    assert not c.otel_enabled and fake_suite.log == []


def test_dropped_collector_releases_its_running_workflows(fake_suite):
    c = MetricsCollector()
    c.start_workflow("abandoned")
    del c
    import gc

    gc.collect()
    assert fake_suite.of("workflows_active") == [
        (1, {"workflow.name": "abandoned"}),
        (-1, {"workflow.name": "abandoned"}),
    ]
    assert fake_suite.of("workflow_executions") == []
