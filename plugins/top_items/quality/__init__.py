"""Data-quality gates: Soda Core contracts (include/contracts/) verified at the raw layer, the marts and
each export, every check recorded in ops.dq_results, history for "vs normal" checks in ops.dq_metrics.

The DAG's API: ``run_gate(conn, gate, feed_date, run_id=...) -> GateResult`` and
``GateResult.raise_for_failures()`` (raises :class:`GateFailedError`, whose message is the pager alert).
The names below are imported when first used: the DAG file reads this package's constants at parse time, and
parsing must not pay for Soda and the database driver (the gate tasks do).
"""

from importlib import import_module

_HOMES = {"gates": "contracts", "UnknownGateError": "contracts", "GateFailedError": "gate", "GateResult": "gate",
          "run_gate": "gate", "CheckRecord": "outcomes"}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
