"""Freshness promises as consumers.yml declares them (``fresh_by``): read, and when each falls due. Light on
purpose: the registry reads a promise to check it while a DAG file is parsed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Promise:
    consumer: str
    hour: int
    minute: int
    weekday: int | None = None  # 0 is Monday; None: every day

    def text(self) -> str:
        when = "daily" if self.weekday is None else f"{WEEKDAYS[self.weekday].capitalize()}s"
        return f"{when} by {self.hour:02d}:{self.minute:02d} UTC"

    def cron(self) -> str:
        return f"{self.minute} {self.hour} * * {'*' if self.weekday is None else (self.weekday + 1) % 7}"

    def last_due(self, now: datetime) -> datetime:
        """The latest instant at or before ``now`` that the promise fell due."""
        due = now.astimezone(UTC).replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if due > now:
            due -= timedelta(days=1)
        while self.weekday is not None and due.weekday() != self.weekday:
            due -= timedelta(days=1)
        return due

    @staticmethod
    def day(due: datetime) -> str:
        """The feed date the promise is about at ``due``: the day before it."""
        return (due.date() - timedelta(days=1)).isoformat()


def parse(consumer: str, text: str) -> Promise:
    words = str(text).strip().lower().split()
    try:
        *weekday, clock = words
        hour, minute = (int(part) for part in clock.split(":"))
        if len(weekday) > 1 or not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
        return Promise(consumer, hour, minute, WEEKDAYS.index(weekday[0]) if weekday else None)
    except ValueError:
        raise ValueError(f"consumers.yml: {consumer}.fresh_by must be \"HH:MM\" or \"<weekday> HH:MM\" (UTC), "
                         f"not {text!r}") from None


def promises() -> list[Promise]:
    from top_items import registry  # here: the registry imports this module to check what it reads

    return [parse(name, spec.fresh_by) for name, spec in registry.consumers().items() if spec.fresh_by]
