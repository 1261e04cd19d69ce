"""A metric's normal (ops.dq_normal), what every "vs normal" check compares today with: the previous good day until
a window of good days has been seen, then their median, by weekday where the metric has a weekly rhythm."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

D = date(2026, 11, 28)  # a Saturday


@pytest.fixture
def history(dq):
    dq.execute("delete from ops.dq_metrics")

    def record(values_by_day: dict[date, float]) -> None:
        for day, value in values_by_day.items():
            dq.execute("insert into ops.dq_metrics (dataset, metric, feed_date, value) values ('t', 'm', %s, %s)",
                       (day, value))
    return record


def normal(dq, day: date = D) -> float | None:
    value = dq.execute("select ops.dq_normal('t', 'm', %s)", (day,)).fetchone()[0]
    return None if value is None else float(value)


def days_before(day: date, count: int) -> list[date]:
    return [day - timedelta(days=n) for n in range(1, count + 1)]


def test_before_a_full_window_the_normal_is_the_previous_good_day(dq, history):
    assert normal(dq) is None
    history({day: 100 + n for n, day in enumerate(days_before(D, 13))})
    assert normal(dq) == 100  # the newest of 13 good days


def test_one_odd_day_in_a_full_window_does_not_move_the_normal(dq, history):
    values = {day: 100.0 for day in days_before(D, 14)}
    values[D - timedelta(days=1)] = 400  # yesterday was odd, and good
    history(values)
    assert normal(dq) == 100


def test_a_weekly_rhythm_is_compared_weekday_with_weekday(dq, history):
    history({day: 200 if day.isoweekday() >= 6 else 100 for day in days_before(D, 35)})  # busy weekends
    assert normal(dq, D) == 200  # a Saturday is judged against Saturdays
    assert normal(dq, D + timedelta(days=2)) == 100  # a Monday against Mondays


def test_without_a_rhythm_the_normal_is_the_median_of_the_window(dq, history):
    history({day: 100 + (n % 5) for n, day in enumerate(days_before(D, 35))})  # noise with no weekly shape
    assert normal(dq) == pytest.approx(102)
