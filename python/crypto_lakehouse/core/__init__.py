"""Core of the predecessor's API: the legacy metrics collector and record."""

from crypto_lakehouse.core.metrics import (
    BackwardCompatibleMetricsCollector,
    MetricsCollector,
    WorkflowMetrics,
    get_metrics_collector,
)

__all__ = [
    "MetricsCollector",
    "WorkflowMetrics",
    "BackwardCompatibleMetricsCollector",
    "get_metrics_collector",
]
