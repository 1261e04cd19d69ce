"""The failure stories: a good day, then a bad one, and what no consumer may see of the bad one."""

from __future__ import annotations

from sandbox.simulate.catalog import WorldSpec

# Twelve stores: one store is 8% of a day.
GOOD_DAY, BAD_DAY = "2026-11-24", "2026-11-25"
EARLIER_GOOD_DAY = "2026-11-23"  # for a story judged against a store's own normal, which takes two good days
SPEC = WorldSpec(stores=12, skus=120, days=90)


def assert_nothing_reached_a_consumer(destinations, before: dict, cause: str, task_id: str,
                                      producers: tuple[str, ...]) -> dict:
    """Every destination as it was after the good day, and exactly one alert on each route, naming the cause: the
    on-call's on the pager, one email to each producer of a broken input (producers.yml); returns the pager's."""
    from tests.support.destinations import assert_emailed_once
    from top_items.registry import producer

    assert destinations.snapshot() == before  # byte for byte in S3, record for record in the APIs
    assert destinations.latest()["feed_date"] == GOOD_DAY
    alerts = destinations.alerts()
    assert len(alerts) == 1, [a["summary"] for a in alerts]
    assert alerts[0]["task_id"] == task_id, alerts[0]
    assert cause in alerts[0]["cause"], alerts[0]["cause"]
    assert alerts[0]["feed_date"] == BAD_DAY and alerts[0]["url"]
    for email in assert_emailed_once(destinations, alerts[0], {producer(name).owner for name in producers}):
        assert (email["task_id"], email["feed_date"], email["summary"]) == (task_id, BAD_DAY, alerts[0]["summary"])
    return alerts[0]
