"""The predecessor's legacy metrics API, now also recording through cryptolake's C++ SDK.

``WorkflowMetrics`` and ``MetricsCollector`` keep the predecessor's behaviour exactly
(``crypto_lakehouse.core.metrics``, python-predecessor sections 1.1 and 1.2); what they add is
the superset its later "compatible" collectors disagreed on (section 1.4) and OpenTelemetry
recording on the instrument catalog. docs/python.md ("The predecessor's API") lists every choice.

Legacy state (unchanged):

* ``metrics`` (dict), ``events`` (list), ``errors`` (list) are public attributes.
* ``start_workflow(name)`` sets ``metrics['workflow_name']`` and ``metrics['start_time']``
  (``time.time()``); it never clears events, errors or end_time.
* ``end_workflow()`` sets ``metrics['end_time']``; no check that a workflow started.
* ``record_event(e)`` appends ``{'event': e, 'timestamp': t}``; ``record_error(e)`` appends
  ``{'error': e, 'timestamp': t}``.
* ``get_metrics()`` returns a new dict ``{'metrics', 'events', 'errors'}`` holding the live
  objects: later recordings show in it and mutating it mutates the collector.

Superset: ``start_workflow`` returns an id ``"<name>_<epoch ms>"`` (``_2``, ``_3``... appended
when this collector already issued it); ``end_workflow(name_or_id)``; keyword attributes on
``record_event``/``record_error``, stored in the record (keys ``event``/``error``/``timestamp``
are never overwritten).

OpenTelemetry (when the SDK runs; decided once, at construction):

* ``start_workflow``: cryptolake.workflow.active +1 {workflow.name}
* ``end_workflow(name_or_id)`` ends that running workflow (an id, else the latest started of that
  name); ``end_workflow()`` ends the latest started one still running: workflow.active -1,
  cryptolake.workflow.executions +1 and cryptolake.workflow.duration in seconds
  {workflow.name, outcome, error.type of the first error recorded while it ran}.
* ``record_event``: cryptolake.workflow.events {workflow.name, event.name}; an event whose name
  contains "ingested" (any case) also adds ``records_count`` (default 1) and
  ``data_size_bytes`` (default 0) to data.records.ingested / data.bytes.ingested.
* ``record_error``: cryptolake.errors {error.type, operation.kind=workflow, workflow.name};
  error.type is the ``error_type`` keyword when bounded, else "_OTHER"; never the message.

Thread-safety: like the predecessor's, one collector is meant for one workflow at a time; the
running-workflow bookkeeping is locked, so concurrent calls lose no OpenTelemetry recording, and
list appends are atomic in CPython.
"""

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Optional

from crypto_lakehouse import _telemetry

__all__ = [
    "WorkflowMetrics",
    "MetricsCollector",
    "BackwardCompatibleMetricsCollector",
    "get_metrics_collector",
]


@dataclass
class WorkflowMetrics:
    """Metrics of one workflow execution (the predecessor's dataclass, field for field)."""

    workflow_name: str
    execution_state: str
    start_time: Optional[datetime]
    end_time: Optional[datetime]
    duration: Optional[float]
    results: Dict[str, Any]
    metrics_data: Dict[str, Any]
    config_snapshot: Dict[str, Any]


# The "ingested" hook's keyword -> catalog attribute of data.records.ingested.
_STREAM_KWARGS = ("exchange", "market", "data_type", "symbol", "source")


def _count(value, default):
    """An int from a legacy count keyword (floats truncate); default for anything else."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value and abs(value) < 2**63:
        return int(value)
    return default


class _Running:
    __slots__ = ("name", "start", "sequence", "error_type")

    def __init__(self, name, start, sequence):
        self.name = name
        self.start = start
        self.sequence = sequence
        self.error_type = None


class MetricsCollector:
    """The predecessor's legacy collector; see the module docstring."""

    def __init__(self, enable_otel: bool = True):
        self.metrics: Dict[str, Any] = {}
        self.events: list = []
        self.errors: list = []
        self._otel = bool(enable_otel) and _telemetry.instruments() is not None
        self._lock = threading.Lock()
        self._running: Dict[str, _Running] = {}
        self._last_id: Dict[str, tuple] = {}
        self._sequence = 0

    def __del__(self):
        # Workflows never ended leave workflow.active (no execution is recorded), as the C++
        # collector's destructor does.
        try:
            running = list(self._running.values()) if self._otel else []
            self._running = {}
            for run in running:
                name = str(run.name)
                self._record(lambda m, n=name: m.workflows_active.add(-1, {"workflow.name": n}))
        except Exception:
            pass

    @property
    def otel_enabled(self) -> bool:
        """True when this collector also records OpenTelemetry instruments."""
        return self._otel

    # --- legacy methods ---------------------------------------------------------------------

    def start_workflow(self, workflow_name: str) -> str:
        now = time.time()
        self.metrics["workflow_name"] = workflow_name
        self.metrics["start_time"] = now
        with self._lock:
            workflow_id = self._new_id(workflow_name, now)
            self._sequence += 1
            self._running[workflow_id] = _Running(workflow_name, time.monotonic(), self._sequence)
        if self._otel:
            self._record(lambda m: m.workflows_active.add(1, {"workflow.name": str(workflow_name)}))
        return workflow_id

    def end_workflow(self, workflow_name_or_id: Optional[str] = None) -> None:
        self.metrics["end_time"] = time.time()
        with self._lock:
            run = self._take_running(workflow_name_or_id)
        if run is None or not self._otel:
            return
        seconds = time.monotonic() - run.start

        def record(m):
            name = str(run.name)
            m.workflows_active.add(-1, {"workflow.name": name})
            attrs = {"workflow.name": name}
            if run.error_type is None:
                attrs["outcome"] = "success"
            else:
                attrs["outcome"] = "failure"
                attrs["error.type"] = run.error_type
            m.workflow_executions.add(1, attrs)
            m.workflow_duration.record(seconds, attrs)

        self._record(record)

    def record_event(self, event: str, **attributes: Any) -> None:
        entry = {"event": event, "timestamp": time.time()}
        for key, value in attributes.items():
            if key not in entry:
                entry[key] = value
        self.events.append(entry)
        if not self._otel:
            return

        def record(m):
            attrs = {"event.name": str(event)}
            workflow = self._workflow_name_for(attributes)
            if workflow:
                attrs["workflow.name"] = workflow
            m.workflow_events.add(1, attrs)
            if isinstance(event, str) and "ingested" in event.lower():
                stream = _telemetry.map_attributes(
                    {k: attributes[k] for k in _STREAM_KWARGS if k in attributes}
                )
                records = _count(attributes.get("records_count", 1), 1)
                size = _count(attributes.get("data_size_bytes", 0), 0)
                if records > 0:
                    m.records_ingested.add(records, stream)
                if size > 0:
                    m.bytes_ingested.add(size, stream)

        self._record(record)

    def record_error(self, error: str, **attributes: Any) -> None:
        entry = {"error": error, "timestamp": time.time()}
        for key, value in attributes.items():
            if key not in entry:
                entry[key] = value
        self.errors.append(entry)
        if not self._otel:
            return
        error_type = _telemetry.bounded_error_type(attributes.get("error_type"))
        with self._lock:
            for run in self._running.values():
                if run.error_type is None:
                    run.error_type = error_type

        def record(m):
            attrs = {"error.type": error_type, "operation.kind": "workflow"}
            workflow = self._workflow_name_for(attributes)
            if workflow:
                attrs["workflow.name"] = workflow
            m.errors.add(1, attrs)

        self._record(record)

    def get_metrics(self) -> Dict[str, Any]:
        return {"metrics": self.metrics, "events": self.events, "errors": self.errors}

    # --- internals --------------------------------------------------------------------------

    def _new_id(self, name, now):
        """'<name>_<epoch ms>', made unique within this collector. REQUIRES: _lock held."""
        ms = int(now * 1000)
        last_ms, count = self._last_id.get(name, (None, 0))
        count = count + 1 if last_ms == ms else 1
        while True:
            workflow_id = f"{name}_{ms}" if count == 1 else f"{name}_{ms}_{count}"
            if workflow_id not in self._running:
                break
            count += 1
        self._last_id[name] = (ms, count)
        return workflow_id

    def _take_running(self, name_or_id):
        """Removes and returns the running workflow end_workflow(name_or_id) ends, or None."""
        if not self._running:
            return None
        if name_or_id is None:
            key = max(self._running, key=lambda k: self._running[k].sequence)
        elif isinstance(name_or_id, str) and name_or_id in self._running:
            key = name_or_id
        else:
            named = [k for k, r in self._running.items() if r.name == name_or_id]
            if not named:
                return None
            key = max(named, key=lambda k: self._running[k].sequence)
        return self._running.pop(key)

    def _workflow_name_for(self, attributes):
        given = attributes.get("workflow_name")
        if isinstance(given, str) and given:
            return given
        current = self.metrics.get("workflow_name") if isinstance(self.metrics, dict) else None
        return current if isinstance(current, str) and current else None

    def _record(self, fn):
        """Runs fn(instruments); recording never raises into the caller."""
        try:
            m = _telemetry.instruments()
            if m is not None:
                fn(m)
        except Exception:
            pass


class BackwardCompatibleMetricsCollector:
    """The predecessor's OpenTelemetry wrapper (section 1.4a) around a legacy collector.

    ``legacy_collector`` is a :class:`MetricsCollector` (which records the instruments itself);
    ``get_metrics()`` adds ``otel_enabled`` and, when it is true, ``otel_metrics_active``.
    """

    def __init__(self, enable_otel: bool = True):
        self.legacy_collector = MetricsCollector(enable_otel=enable_otel)
        self.enable_otel = self.legacy_collector.otel_enabled

    def start_workflow(self, workflow_name: str) -> str:
        return self.legacy_collector.start_workflow(workflow_name)

    def end_workflow(self, workflow_name: Optional[str] = None) -> None:
        self.legacy_collector.end_workflow(workflow_name)

    def record_event(self, event: str, **kwargs: Any) -> None:
        self.legacy_collector.record_event(event, **kwargs)

    def record_error(self, error: str, **kwargs: Any) -> None:
        self.legacy_collector.record_error(error, **kwargs)

    def get_metrics(self) -> Dict[str, Any]:
        result = self.legacy_collector.get_metrics()
        result["otel_enabled"] = self.enable_otel
        if self.enable_otel:
            result["otel_metrics_active"] = True
        return result


def get_metrics_collector(enable_otel: bool = True) -> BackwardCompatibleMetricsCollector:
    """A new wrapper collector on every call (as the predecessor's helper)."""
    return BackwardCompatibleMetricsCollector(enable_otel=enable_otel)
