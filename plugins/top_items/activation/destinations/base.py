"""The two interfaces a destination implements, and the registry that picks one by consumers.yml's name.

An :class:`Incremental` destination receives the plan (upserts, removes) in batches and answers one
:class:`Outcome` per op. A :class:`Snapshot` destination receives every record of the export at once in
:meth:`Snapshot.publish`. Both read back what they hold (:meth:`Destination.read_back`), for reconcile.
Every destination is built from its :class:`Consumer` alone; credentials come from its Airflow connection.
"""

from __future__ import annotations

from collections.abc import Callable

from top_items.activation.errors import AuthError
from top_items.activation.plan import Op, Outcome
from top_items.registry import Consumer


class Destination:
    """What every destination has: a connection, an honest API call count, a location, and a read-back."""

    kind = "destination"  # consumers.yml ``destination:``
    removals: tuple[str, ...] = ()  # the on_remove values this destination can carry out
    location: str | None = None

    def __init__(self, consumer: Consumer):
        if consumer.on_remove not in self.removals:
            raise ValueError(f"consumers.yml: {consumer.name}.on_remove is {consumer.on_remove!r}; "
                             f"{self.kind} supports {', '.join(self.removals)}")
        self.consumer = consumer

    @property
    def api_calls(self) -> int:
        """Real HTTP calls so far, retries included."""
        return 0

    def connect(self) -> None:
        """Authenticate (fail with :class:`AuthError` naming the connection)."""

    def read_back(self) -> dict[str, dict]:
        """Every record the destination holds for this consumer: ``{key: {"id": ..., <field>: value}}``."""
        raise NotImplementedError

    def close(self) -> None:
        """Release clients; called once at the end of every run."""


class Incremental(Destination):
    def batch_size(self, action: str, total: int) -> int:
        """Records per call for ``action`` (upsert | remove) when ``total`` records are planned."""
        raise NotImplementedError

    def upsert(self, ops: list[Op]) -> list[Outcome]:
        raise NotImplementedError

    def remove(self, ops: list[Op]) -> list[Outcome]:
        """Carry out ``on_remove`` for each op (delete, archive, clear_fields); a record already gone is ok."""
        raise NotImplementedError


class Snapshot(Destination):
    def publish(self, records: list[dict], feed_date: str, run_label: str, *, roll_back: bool = False) -> int:
        """Publish every record; returns how many were published. ``roll_back``: a person takes the readers back
        to this older day (a backfill never moves what they read backwards)."""
        raise NotImplementedError


REGISTRY: dict[str, Callable[[Consumer], Destination]] = {}


def register(cls: type[Destination]) -> type[Destination]:
    REGISTRY[cls.kind] = cls
    return cls


def get_connection(conn_id: str):
    """The Airflow connection (``AIRFLOW_CONN_*`` or the metadata DB); a missing one is an AuthError."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException as exc:
        raise AuthError(f"Airflow connection {conn_id!r} is not defined: cannot authenticate") from exc
