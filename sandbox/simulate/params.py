"""The simulator's knobs as Airflow params: one per field of ``WorldSpec``, with its default, type and bounds."""

from __future__ import annotations

from sandbox.simulate.catalog import knobs

_JSON_TYPES = {"int": "integer", "float": "number"}


def world_params() -> dict:
    from airflow.sdk import Param

    params = {}
    for knob in knobs():
        bounds = {key: knob.metadata[key] for key in ("minimum", "maximum") if knob.metadata[key] is not None}
        params[knob.name] = Param(knob.default, type=_JSON_TYPES[str(knob.type)], description=knob.metadata["help"],
                                  **bounds)
    return params
