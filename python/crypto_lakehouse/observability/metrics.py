"""The plan's context managers (``crypto_lakehouse.observability.metrics``) on cryptolake's SDK.

``get_metrics()`` returns one process-wide :class:`CryptoLakehouseMetrics`; its first call
installs the SDK from the OTEL_* environment and registers a flush-and-shutdown at exit::

    metrics = get_metrics()
    with metrics.track_workflow_execution("archive_collection") as workflow_id:
        with metrics.track_data_ingestion("binance_api"):
            with metrics.track_api_interaction("binance", "/api/v3/klines"):
                ...
        with metrics.track_data_processing("transformation", symbol="BTCUSDT"):
            ...
        with metrics.track_storage_operation("s3_put"):
            ...

Each scope records what the C++ trackers (cryptolake/telemetry/trackers.h) record, in seconds:

=================================  ===================================================
track_workflow_execution(name)     cryptolake.workflow.executions, .duration {workflow.name,
                                   outcome, error.type}; cryptolake.workflow.active while open;
                                   yields the workflow id "<name>_<epoch ms>_<n>"
track_data_ingestion(source)       cryptolake.data.processing.duration {processing.stage=
                                   ingestion, lakehouse.source, outcome, error.type, ...}
track_api_interaction(exch, path)  cryptolake.api.requests, .request.duration {crypto.exchange,
track_api_interaction(path)        http.request.method, url.template, outcome, error.type, ...}
                                   (one argument: the endpoint; exchange= keyword, default binance)
track_data_processing(stage)       cryptolake.data.processing.duration (+ .throughput after
                                   set_record_count)
track_storage_operation(op)        cryptolake.storage.operations, .operation.duration
                                   (+ storage.object.size after set_bytes)
record_data_batch(n, bytes)        cryptolake.data.records.ingested / .bytes.ingested (no scope)
track_data_batch(n)                the same (the plan's name)
update_queue_size(queue, delta)    cryptolake.queue.size {queue.name}
=================================  ===================================================

Every scope keeps cryptolake.operations.active {operation.kind} while open; a scope left by an
exception records outcome=failure, adds one to cryptolake.errors {error.type, operation.kind,
workflow.name}, and lets the same exception object propagate unchanged. error.type is the
exception's class name when it is (or derives from) a built-in exception in a fixed list, else
"_OTHER". Recording never raises.

Nesting uses contextvars, so it follows asyncio tasks as well as threads: a scope opened inside
a workflow (on the same thread or in a task created inside it) carries that workflow's
workflow.name, and ``current_workflow_id()`` returns its id. A thread started by the caller (a
ThreadPoolExecutor worker) begins with an empty context; use ``contextvars.copy_context().run``
to hand the workflow over. ``async with`` works as well as ``with``.

Keyword attributes follow the catalog: symbol, market, data_type, timeframe/interval, exchange,
source, layer, backend map to crypto.*, lakehouse.* and storage.* keys; unknown keywords are
dropped (never free text). Each instrument keeps only its own catalog keys.

Thread-safety: a scope object belongs to the code that opened it; everything else may be used
from any thread.
"""

import contextvars
import itertools
import threading
import time
from typing import Any, Optional

from crypto_lakehouse import _telemetry

__all__ = ["CryptoLakehouseMetrics", "get_metrics", "current_workflow_id", "TrackedScope"]

# The innermost open scope of the current context (thread or asyncio task).
_current_scope: contextvars.ContextVar = contextvars.ContextVar(
    "crypto_lakehouse_scope", default=None
)
_workflow_sequence = itertools.count(1)
_monotonic = time.monotonic


def _attrs(kwargs):
    return _telemetry.map_attributes(kwargs) if kwargs else {}


def _add_missing(attrs, extra):
    """Adds the caller's attributes without overriding the tracker's own keys."""
    for key, value in extra.items():
        if key not in attrs:
            attrs[key] = value


def _open_scope():
    """The innermost scope of this context that is still open.

    A scope that ended out of order (its ``with`` left while an inner one was current) stays
    linked where it was; skip it and any other closed one.
    """
    scope = _current_scope.get()
    while scope is not None and scope._closed:
        scope = scope._parent
    return scope


def current_workflow_id() -> Optional[str]:
    """The id of the innermost open workflow scope in this context, or None."""
    scope = _open_scope()
    workflow = scope._workflow if scope is not None else None
    return workflow.id if workflow is not None else None


class TrackedScope:
    """One tracked scope; what the ``track_*`` context managers yield (workflows yield the id).

    Methods may be called inside the ``with`` block; they never raise.
    """

    _kind = ""

    def __init__(self, attributes):
        self._attributes = attributes
        self._failed = False
        self._error_type = None
        self._token = None
        self._closed = False
        self._parent = None
        self._workflow = None
        self._metrics = None
        self._active = None
        self._start = 0.0

    # --- caller API ---------------------------------------------------------------------------

    def fail(self, error_type: str = _telemetry.OTHER) -> None:
        """Marks the scope failed (the first failure wins); error_type is bounded."""
        if not self._failed:
            self._failed = True
            self._error_type = _telemetry.bounded_error_type(error_type)

    @property
    def failed(self) -> bool:
        return self._failed

    @property
    def error_type(self) -> Optional[str]:
        return self._error_type

    @property
    def workflow_id(self) -> Optional[str]:
        """The enclosing workflow's id (this scope's own for a workflow), or None."""
        return self._workflow.id if self._workflow is not None else None

    @property
    def workflow_name(self) -> Optional[str]:
        return self._workflow.name if self._workflow is not None else None

    def elapsed_seconds(self) -> float:
        return _monotonic() - self._start

    # --- context manager protocol -----------------------------------------------------------

    def __enter__(self):
        self._start = _monotonic()
        try:
            self._parent = _open_scope()
            self._workflow = self._parent._workflow if self._parent is not None else None
            self._on_enter()
            self._token = _current_scope.set(self)
            self._metrics = _telemetry.instruments()
            if self._metrics is not None:
                self._active = _telemetry.operations_active(self._metrics, self._kind)
                self._active.add(1)
                self._started()
        except Exception:
            pass
        return self._value()

    def __exit__(self, exc_type, exc, tb):
        seconds = _monotonic() - self._start
        try:
            if exc_type is not None and not self._failed:
                self._failed = True
                self._error_type = _telemetry.exception_error_type(exc_type)
            self._restore_context()
            m = self._metrics
            if m is not None:
                self._active.add(-1)
                if self._failed:
                    attrs = {"error.type": self._error_type, "operation.kind": self._kind}
                    if self._workflow is not None:
                        attrs["workflow.name"] = self._workflow.name
                    m.errors.add(1, attrs)
                self._finished(m, seconds)
        except Exception:
            pass
        return False  # Never swallow: the same exception propagates unchanged.

    async def __aenter__(self):
        return self.__enter__()

    async def __aexit__(self, exc_type, exc, tb):
        return self.__exit__(exc_type, exc, tb)

    # --- subclass hooks ---------------------------------------------------------------------

    def _on_enter(self):
        pass

    def _started(self):
        pass

    def _value(self):
        return self

    def _finished(self, m, seconds):
        raise NotImplementedError

    # --- helpers ----------------------------------------------------------------------------

    def _restore_context(self):
        if self._token is None:
            return
        token, self._token = self._token, None
        self._closed = True
        # Only the scope that is current may restore its parent: a scope exited out of order
        # (an abandoned generator closed later) or in another task must not clobber the scope
        # that is current there now.
        if _current_scope.get() is not self:
            return
        try:
            _current_scope.reset(token)
        except ValueError:
            # Exited in another context than the one that entered (a scope handed between
            # tasks) while current there: put back what this scope had replaced.
            _current_scope.set(self._parent)

    def _outcome_attributes(self, attrs):
        attrs["outcome"] = "failure" if self._failed else "success"
        if self._failed:
            attrs["error.type"] = self._error_type
        return attrs

    def _record_processing(self, m, stage, seconds, records):
        attrs = {"processing.stage": stage}
        self._outcome_attributes(attrs)
        if self._workflow is not None:
            attrs["workflow.name"] = self._workflow.name
        _add_missing(attrs, self._attributes)
        m.processing_duration.record(seconds, attrs)
        if records is not None and records >= 0 and not self._failed:
            throughput = {"processing.stage": stage}
            _add_missing(throughput, self._attributes)
            m.processing_throughput.record(records / max(seconds, 1e-6), throughput)


class _WorkflowScope(TrackedScope):
    _kind = "workflow"

    def __init__(self, name, attributes):
        super().__init__(attributes)
        self.name = str(name)
        self.id = f"{self.name}_{int(time.time() * 1000)}_{next(_workflow_sequence)}"

    def _on_enter(self):
        self._workflow = self

    def _started(self):
        self._metrics.workflows_active.add(1, {"workflow.name": self.name})

    def _value(self):
        return self.id

    def record_event(self, event):
        """cryptolake.workflow.events {workflow.name, event.name} (event: a program constant)."""
        try:
            if self._metrics is not None:
                self._metrics.workflow_events.add(
                    1, {"workflow.name": self.name, "event.name": str(event)}
                )
        except Exception:
            pass

    def _finished(self, m, seconds):
        m.workflows_active.add(-1, {"workflow.name": self.name})
        attrs = self._outcome_attributes({"workflow.name": self.name})
        _add_missing(attrs, self._attributes)
        m.workflow_executions.add(1, attrs)
        m.workflow_duration.record(seconds, attrs)


class _IngestionScope(TrackedScope):
    _kind = "ingestion"

    def __init__(self, source, attributes):
        attributes["lakehouse.source"] = str(source)
        super().__init__(attributes)
        self._records = None

    def set_record_count(self, records: int) -> None:
        """Records handled in the scope: adds a throughput point when it succeeds."""
        self._records = records

    def _finished(self, m, seconds):
        self._record_processing(m, "ingestion", seconds, self._records)


class _ProcessingScope(TrackedScope):
    _kind = "processing"

    def __init__(self, stage, attributes):
        super().__init__(attributes)
        self._stage = str(stage)
        self._records = None

    def set_record_count(self, records: int) -> None:
        """Records handled in the scope: adds a throughput point when it succeeds."""
        self._records = records

    def _finished(self, m, seconds):
        self._record_processing(m, self._stage, seconds, self._records)


class _ApiScope(TrackedScope):
    _kind = "api"

    def __init__(self, exchange, endpoint, attributes):
        super().__init__(attributes)
        self._exchange = str(exchange)
        self._endpoint = str(endpoint)
        self._method = "GET"
        self._status = 0
        self._server = None
        self._outcome = None

    def set_method(self, method: str) -> None:
        self._method = str(method)

    def set_http_status(self, status: int) -> None:
        """The HTTP status of the answer (0: none arrived)."""
        if isinstance(status, int) and not isinstance(status, bool):
            self._status = status

    def set_server_address(self, host: str) -> None:
        self._server = str(host)

    def set_outcome(self, outcome: str) -> None:
        """A finer outcome than success/failure (rate_limited...; a bounded identifier)."""
        self._outcome = _telemetry.bounded_error_type(outcome)

    def record_rate_limit_hit(self, reason: str) -> None:
        """cryptolake.api.rate_limit.hits {crypto.exchange, rate_limit.reason}."""
        try:
            if self._metrics is not None:
                attrs = {"crypto.exchange": self._exchange}
                if self._server:
                    attrs["server.address"] = self._server
                attrs["rate_limit.reason"] = _telemetry.bounded_error_type(reason)
                self._metrics.api_rate_limit_hits.add(1, attrs)
        except Exception:
            pass

    def _finished(self, m, seconds):
        attrs = {"crypto.exchange": self._exchange, "http.request.method": self._method}
        if self._status > 0:
            attrs["http.response.status_code"] = self._status
        if self._server:
            attrs["server.address"] = self._server
        attrs["url.template"] = self._endpoint
        self._outcome_attributes(attrs)
        if self._outcome is not None:
            attrs["outcome"] = self._outcome
        _add_missing(attrs, self._attributes)
        m.api_requests.add(1, attrs)
        m.api_request_duration.record(seconds, attrs)


class _StorageScope(TrackedScope):
    _kind = "storage"

    def __init__(self, op, attributes):
        super().__init__(attributes)
        self._op = str(op)
        self._bytes = None
        self._direction = None

    def set_bytes(self, size: int, io_direction: Optional[str] = None) -> None:
        """Bytes moved: storage.object.size, and storage.bytes when io_direction is given."""
        self._bytes = size
        self._direction = io_direction

    def _finished(self, m, seconds):
        backend = self._attributes.get("storage.backend")
        layer = self._attributes.get("lakehouse.layer")
        attrs = {"storage.operation": self._op}
        if backend is not None:
            attrs["storage.backend"] = backend
        attrs["outcome"] = "failure" if self._failed else "success"
        m.storage_operation_duration.record(seconds, attrs)
        if self._failed:
            attrs["error.type"] = self._error_type
        m.storage_operations.add(1, attrs)
        size = self._bytes
        if isinstance(size, int) and size >= 0 and not self._failed:
            sized = {"storage.operation": self._op}
            if backend is not None:
                sized["storage.backend"] = backend
            if layer is not None:
                sized["lakehouse.layer"] = layer
            m.storage_object_size.record(size, sized)
            if size > 0 and self._direction in ("read", "write"):
                moved = {"io.direction": self._direction}
                if backend is not None:
                    moved["storage.backend"] = backend
                m.storage_bytes.add(size, moved)


class CryptoLakehouseMetrics:
    """The plan's metrics object: context managers and batch helpers (module docstring)."""

    @property
    def enabled(self) -> bool:
        """True when recordings reach a running SDK (False: everything is a silent no-op)."""
        return _telemetry.instruments() is not None

    def track_workflow_execution(self, workflow_name: str, **attributes: Any):
        return _WorkflowScope(workflow_name, _attrs(attributes))

    def track_data_ingestion(self, source: str, **attributes: Any):
        return _IngestionScope(source, _attrs(attributes))

    def track_api_interaction(self, exchange_or_endpoint: str, endpoint: Optional[str] = None,
                              **attributes: Any):
        """``(exchange, endpoint)`` or the plan's ``(endpoint)`` (exchange= keyword, default
        binance). endpoint is a URL template such as "/api/v3/klines", never a query string."""
        if endpoint is None:
            exchange = attributes.pop("exchange", "binance")
            endpoint = exchange_or_endpoint
        else:
            exchange = exchange_or_endpoint
            attributes.pop("exchange", None)
        return _ApiScope(exchange, endpoint, _attrs(attributes))

    def track_data_processing(self, stage: str, **attributes: Any):
        return _ProcessingScope(stage, _attrs(attributes))

    def track_storage_operation(self, operation: str, **attributes: Any):
        return _StorageScope(operation, _attrs(attributes))

    def record_data_batch(self, records: int, bytes: int = 0, **attributes: Any) -> None:
        """Adds records/bytes to cryptolake.data.records.ingested / .bytes.ingested."""
        try:
            m = _telemetry.instruments()
            if m is None:
                return
            attrs = _telemetry.map_attributes(attributes)
            if isinstance(records, int) and records > 0:
                m.records_ingested.add(records, attrs)
            if isinstance(bytes, int) and bytes > 0:
                m.bytes_ingested.add(bytes, attrs)
        except Exception:
            pass

    def track_data_batch(self, records: int, bytes: int = 0, **attributes: Any) -> None:
        """The plan's name for :meth:`record_data_batch`."""
        self.record_data_batch(records, bytes, **attributes)

    def update_queue_size(self, queue: str, delta: int) -> None:
        """Adds delta to cryptolake.queue.size {queue.name}."""
        try:
            m = _telemetry.instruments()
            if m is not None and isinstance(delta, int):
                m.queue_size.add(delta, {"queue.name": str(queue)})
        except Exception:
            pass

    def record_workflow_event(self, event: str) -> None:
        """Counts a named event of the innermost open workflow (nothing outside one)."""
        scope = _open_scope()
        workflow = scope._workflow if scope is not None else None
        if workflow is not None:
            workflow.record_event(event)

    def force_flush(self, timeout_ms: int = 5000) -> bool:
        try:
            return bool(_telemetry.native_available() and _telemetry._native.force_flush(timeout_ms))
        except Exception:
            return False


_instance = None
_instance_lock = threading.Lock()


def get_metrics() -> CryptoLakehouseMetrics:
    """The process-wide metrics object; the first call starts the SDK from the environment."""
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                _telemetry.start()
                _instance = CryptoLakehouseMetrics()
    return _instance
