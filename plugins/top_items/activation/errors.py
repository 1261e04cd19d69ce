"""Every error the sync engine raises or understands, in two families that never mix.

``SyncError`` fails the run at once: retrying cannot fix bad credentials, a broken mapping or a blocked
volume. ``DestinationUnavailable`` is transient (retries ran out for now): the task's own retries apply.
It is deliberately not a ``SyncError``, so a caller that fails fast on ``SyncError`` never swallows it.
"""

from __future__ import annotations


class SyncError(Exception):
    """A sync that cannot do its job this run; retrying will not help."""


class AuthError(SyncError):
    """The destination refused our credentials (names the Airflow connection; never a silent skip)."""


class MappingError(SyncError):
    """The export and the declared mapping disagree: a contract change, never guessed at."""


class EmptyExportError(SyncError):
    """A snapshot destination was asked to publish an export with no rows."""


class TooManyRejected(SyncError):
    """More rows were rejected than the consumer's threshold allows."""


class VolumeGuardBlocked(SyncError):
    """The planned push is beyond the consumer's volume or churn bound; the destination keeps its data."""


class DestinationUnavailable(Exception):
    """Retries ran out (rate limits, 5xx, timeouts, dropped connections): try the run again later."""


class BatchRejected(Exception):
    """The destination refused a whole batch (not a transient error): the engine splits it."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class RetryLater(Exception):
    """A classifier's verdict on one failed call: try again, after ``delay`` seconds if the server said so."""

    def __init__(self, reason: str, delay: float | None = None):
        super().__init__(reason)
        self.reason, self.delay = reason, delay


class DecisionRefused(ValueError):
    """A person's decision about a consumer that does not say who made it or why (decisions.py)."""


class NothingToTakeBack(Exception):
    """The consumer has no day to go back to: never pushed, or no older good day is still published."""
