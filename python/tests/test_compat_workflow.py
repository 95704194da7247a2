"""A workflow of the predecessor's shape (section 1.3) on a ThreadPoolExecutor of 4 produces the
WorkflowMetrics the predecessor would (compared with the reference collector written from
section 1.2), plus the instruments (here through the recording stand-in; over OTLP in
test_compat_otlp.py).
"""

from datetime import datetime

from crypto_lakehouse.core.metrics import MetricsCollector, WorkflowMetrics

from compat_support import (  # noqa: F401 (fixture)
    ArchiveCollection,
    Config,
    ReferenceCollector,
    WorkflowError,
    fake_suite,
    native_sdk_per_module,
    run_workflow_pool,
)


def normalized(m):
    """A WorkflowMetrics with the clock readings replaced by their type, for comparison."""
    data = m.metrics_data
    if "metrics" in data:
        data = {
            "metrics": {k: (type(v) if k.endswith("_time") else v)
                        for k, v in data["metrics"].items()},
            "events": [dict(e, timestamp=type(e["timestamp"])) for e in data["events"]],
            "errors": [dict(e, timestamp=type(e["timestamp"])) for e in data["errors"]],
        }
    return WorkflowMetrics(m.workflow_name, m.execution_state, type(m.start_time),
                           type(m.end_time), type(m.duration), m.results, data,
                           m.config_snapshot)


def by_key(results):
    return sorted(results, key=lambda m: (m.workflow_name, str(m.results), str(m.config_snapshot)))


def test_pool_of_four_gives_the_predecessors_workflow_metrics(fake_suite):
    ours_workflows, ours = run_workflow_pool(MetricsCollector)
    ref_workflows, ref = run_workflow_pool(ReferenceCollector)
    assert len(ours) == len(ref) == 4
    assert [normalized(m) for m in by_key(ours)] == [normalized(m) for m in by_key(ref)]

    completed = [m for m in ours if m.execution_state == "completed"]
    failed = [m for m in ours if m.execution_state == "failed"]
    assert len(completed) == 3 and len(failed) == 1
    for m in completed:
        assert m.workflow_name == "ArchiveCollection"
        assert isinstance(m.start_time, datetime) and isinstance(m.end_time, datetime)
        assert m.duration == (m.end_time - m.start_time).total_seconds() >= 0.02
        assert [e["event"] for e in m.metrics_data["events"]] == [
            "workflow_setup_completed",
            "workflow_execution_completed",
            "workflow_cleanup_completed",
        ]
        assert m.metrics_data["errors"] == []
        metrics = m.metrics_data["metrics"]
        assert list(metrics) == ["workflow_name", "start_time", "end_time"]
        assert metrics["workflow_name"] == "ArchiveCollection"
        assert metrics["end_time"] >= metrics["start_time"]
        assert m.results["files"] == 3 and m.results["symbol"] == m.config_snapshot["symbol"]
    # The parallel executor's synthesised failure record.
    (f,) = failed
    assert f.workflow_name == "FailingCollection"
    assert f.duration == 0 and f.results == {}
    assert f.metrics_data == {"error": "Workflow execution failed: archive unreachable"}
    assert f.config_snapshot == {"id": "f"}
    # metrics_data holds the live collector objects, as the predecessor's did.
    for workflow in ours_workflows[:3]:
        (mine,) = [m for m in completed if m.results["symbol"] == workflow.config.get("symbol")]
        assert mine.metrics_data["events"] is workflow.metrics.events
    failing = ours_workflows[3]
    assert failing.execution_state == "failed"
    assert [e["error"] for e in failing.metrics.errors] == ["archive unreachable"]

    # What the instruments saw: 4 starts and 4 ends (end_workflow() in `finally`), 3 successes,
    # 1 failure with error.type _OTHER (the predecessor's record_error(str(e)) names no type).
    executions = sorted((a["workflow.name"], a["outcome"], a.get("error.type"))
                        for _, a in fake_suite.of("workflow_executions"))
    # The reference run recorded nothing; ours ran first.
    assert executions == [("ArchiveCollection", "success", None)] * 3 + [
        ("FailingCollection", "failure", "_OTHER")
    ]
    assert sum(v for v, _ in fake_suite.of("workflows_active")) == 0
    events = [a["event.name"] for _, a in fake_suite.of("workflow_events")]
    assert sorted(events) == sorted(
        ["workflow_setup_completed", "workflow_execution_completed",
         "workflow_cleanup_completed"] * 3 + ["workflow_setup_completed"]
    )
    assert fake_suite.of("errors") == [
        (1, {"error.type": "_OTHER", "operation.kind": "workflow",
             "workflow.name": "FailingCollection"})
    ]


def test_direct_execute_raises_workflow_error_chained():
    wf = ArchiveCollection(Config(id="x", symbol="BTCUSDT"))
    m = wf.execute()
    assert m.execution_state == "completed" and wf.execution_state == "completed"

    class Broken(ArchiveCollection):
        def _execute_workflow(self):
            raise KeyError("k")

    broken = Broken(Config(id="y", symbol="BTCUSDT"))
    try:
        broken.execute()
    except WorkflowError as e:
        assert isinstance(e.__cause__, KeyError)
        assert str(e) == "Workflow execution failed: 'k'"
    else:
        raise AssertionError("no WorkflowError")
    assert broken.metrics.errors[0]["error"] == "'k'"
    assert "end_time" in broken.metrics.metrics
