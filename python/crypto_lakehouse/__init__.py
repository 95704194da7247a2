"""The predecessor's Python API (crypto_lakehouse), kept call-compatible on cryptolake's SDK.

Two import paths, as the predecessor's code uses them:

* ``crypto_lakehouse.core.metrics`` (and ``crypto_lakehouse.core``): ``MetricsCollector`` and
  ``WorkflowMetrics``, the legacy API with its exact behaviour, now also recording the
  OpenTelemetry instrument catalog;
* ``crypto_lakehouse.observability.metrics``: ``get_metrics()`` and its ``track_*`` context
  managers.

Both record through the native module ``cryptolake._native`` when it is importable and the SDK
starts from the OTEL_* environment; otherwise everything works as before, silently, recording
nothing. See docs/python.md.
"""

__version__ = "2.0.0"
