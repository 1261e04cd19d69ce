"""What every destination implements, and the errors the engine understands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from top_items.activation.plan import Op, Plan


class SyncError(Exception):
    """A sync that did not do its job; the run is recorded as failed."""


class AuthError(SyncError):
    """The destination refused our credentials (names the Airflow connection; never a silent skip)."""


class DestinationUnavailable(SyncError):
    """Retries ran out (rate limits, 5xx, timeouts, dropped connections): nothing more is pushed this run."""


class TooManyRejected(SyncError):
    """More rows were rejected than the consumer's threshold allows."""


class BatchRejected(Exception):
    """The destination refused a whole batch (not a transient error): the engine splits it."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


@dataclass
class Outcome:
    op: Op
    ok: bool
    destination_id: str | None = None
    error_code: str | None = None
    message: str | None = None


class Destination:
    """A destination pushes batches of :class:`Op` and reports one :class:`Outcome` per op.

    ``incremental`` destinations receive only the plan (adds/changes as upserts, removes); a ``snapshot``
    destination receives every export row in :meth:`publish`. ``api_calls`` counts real HTTP calls, retries
    included.
    """

    name = "destination"
    snapshot = False
    api_calls = 0
    location: str | None = None

    def connect(self) -> None:
        """Authenticate (fail with :class:`AuthError` naming the connection)."""

    def batch_size(self, kind: str, total: int) -> int:
        raise NotImplementedError

    def upsert(self, ops: list[Op]) -> list[Outcome]:
        raise NotImplementedError

    def remove(self, ops: list[Op]) -> list[Outcome]:
        raise NotImplementedError

    def publish(self, conn, rows, plan: Plan) -> int:  # snapshot destinations only
        raise NotImplementedError

    def close(self) -> None:
        pass
