"""The plan's observability API: get_metrics() and its track_* context managers."""

from crypto_lakehouse.observability.metrics import (
    CryptoLakehouseMetrics,
    current_workflow_id,
    get_metrics,
)

__all__ = ["CryptoLakehouseMetrics", "current_workflow_id", "get_metrics"]
