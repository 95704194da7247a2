"""The metrics API for new Python code, on cryptolake's C++ metrics SDK.

Usage::

    from cryptolake import metrics

    meter = metrics.get_meter("my.flow", "1.0")
    records = meter.create_counter("my.records", unit="{record}", description="Records read")
    records.add(100, {"crypto.symbol": "BTCUSDT"})
    hot = records.bind({"crypto.symbol": "ETHUSDT"})   # the fast path for a fixed attribute set
    hot.add(1)

The SDK starts on first use (``get_meter_provider()``, ``get_meter()``, ``force_flush()``) from
the same ``OTEL_*`` variables as the C++ programs (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_METRICS_EXPORTER``, ``OTEL_METRIC_EXPORT_INTERVAL``, ``OTEL_SDK_DISABLED``, ...; see
docs/export.md); ``shutdown()`` runs at interpreter exit, so the last interval is exported.
If the SDK cannot start (or ``OTEL_SDK_DISABLED=true``), every instrument is a silent no-op.

Instruments: ``Counter.add``, ``UpDownCounter.add``, ``Histogram.record``, ``Gauge.record``, each
with an optional attribute dict (str keys; str, int, float, bool values or lists of one of
those) and ``.bind(attributes)``; and the observable forms, whose callbacks return an iterable
of ``(value, attributes)`` pairs. Recording never raises for a bad value (it is ignored); a bad
attribute raises ``TypeError``. All instruments are thread-safe.
"""

import atexit
import threading

from cryptolake import _native

Meter = _native.Meter
Counter = _native.Counter
UpDownCounter = _native.UpDownCounter
Histogram = _native.Histogram
Gauge = _native.Gauge
BoundCounter = _native.BoundCounter
BoundUpDownCounter = _native.BoundUpDownCounter
BoundHistogram = _native.BoundHistogram
BoundGauge = _native.BoundGauge
ObservableCounter = _native.ObservableCounter
ObservableUpDownCounter = _native.ObservableUpDownCounter
ObservableGauge = _native.ObservableGauge

__all__ = [
    "MeterProvider", "get_meter_provider", "get_meter", "force_flush", "shutdown",
    "Meter", "Counter", "UpDownCounter", "Histogram", "Gauge",
    "BoundCounter", "BoundUpDownCounter", "BoundHistogram", "BoundGauge",
    "ObservableCounter", "ObservableUpDownCounter", "ObservableGauge",
]


class MeterProvider:
    """The process's meter provider: the C++ SDK configured from the ``OTEL_*`` environment.

    There is one per process (``get_meter_provider()``). Once shut down it stays shut down:
    meters it hands out afterwards create no-op instruments.
    """

    def __init__(self, service_name=None):
        self._lock = threading.Lock()
        self._service_name = service_name
        self._started = False
        self._shut_down = False
        self._enabled = False

    def _start(self):
        with self._lock:
            if self._started or self._shut_down:
                return
            self._started = True
            self._enabled = _native.init_from_environment(self._service_name)
            atexit.register(self.shutdown)

    @property
    def sdk_enabled(self):
        """True when the SDK runs (False: disabled, failed to start, or shut down)."""
        self._start()
        return self._enabled and not self._shut_down and _native.sdk_enabled()

    def get_meter(self, name, version=""):
        """The meter of instrumentation scope ``(name, version)``."""
        self._start()
        return _native.get_meter(name, version)

    def force_flush(self, timeout_millis=5000):
        """Collects and exports now; the GIL is released while exporting. True on success."""
        self._start()
        if self._shut_down:
            return True
        return _native.force_flush(int(timeout_millis))

    def shutdown(self, timeout_millis=5000):
        """Exports what is left, stops the SDK and restores the no-op provider. Idempotent."""
        with self._lock:
            if self._shut_down:
                return True
            self._shut_down = True
            started = self._started
        if not started:
            return True
        return _native.shutdown(int(timeout_millis))


_provider = None
_provider_lock = threading.Lock()


def get_meter_provider():
    """The process-wide ``MeterProvider`` (the SDK starts on first use)."""
    global _provider
    with _provider_lock:
        if _provider is None:
            _provider = MeterProvider()
    _provider._start()
    return _provider


def get_meter(name, version=""):
    """``get_meter_provider().get_meter(name, version)``."""
    return get_meter_provider().get_meter(name, version)


def force_flush(timeout_millis=5000):
    """Collects and exports now (see ``MeterProvider.force_flush``)."""
    return get_meter_provider().force_flush(timeout_millis)


def shutdown(timeout_millis=5000):
    """Final export and stop (see ``MeterProvider.shutdown``); also runs at interpreter exit."""
    return get_meter_provider().shutdown(timeout_millis)
