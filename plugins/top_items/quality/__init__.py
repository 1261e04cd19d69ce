"""Data-quality gates: Soda Core contracts (include/contracts/) verified at the raw layer, the marts and
each export, every check recorded in ops.dq_results, history for "vs the previous good day" in ops.dq_metrics.

The DAG's API: ``run_gate(conn, gate, feed_date, run_id=...) -> GateResult`` and
``GateResult.raise_for_failures()`` (raises :class:`GateFailedError`, whose message is the pager alert).
"""

from top_items.quality.contracts import UnknownGateError, gates
from top_items.quality.gate import GateFailedError, GateResult, run_gate
from top_items.quality.outcomes import CheckRecord

__all__ = ["gates", "CheckRecord", "GateFailedError", "GateResult", "UnknownGateError", "run_gate"]
