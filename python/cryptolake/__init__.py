"""cryptolake for Python.

``cryptolake.metrics`` is the metrics API for new Python code: meters and instruments on
cryptolake's C++ metrics SDK (the extension module ``cryptolake._native``), exported as the
``OTEL_*`` environment says (OTLP, Prometheus, console), like the ``cryptolake`` CLI.
See docs/python.md.
"""
