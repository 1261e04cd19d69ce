"""The shape check of one retailer feedback line, made by the loader's SQL (raw.feedback_line) on the line as landed
(the reference checks: tests/integration/ingest)."""

from __future__ import annotations

import pytest

from top_items import settings
from top_items.ingest.feedback import OBJECT_NAME, landed


def classify(conn, line: str, max_id_length: int) -> tuple[str | None, str | None, str | None, str | None]:
    return conn.execute("select * from raw.feedback_line(%s, %s, %s)",
                        (landed(line), max_id_length, list(settings.FEEDBACK_REASONS))).fetchone()


@pytest.mark.parametrize(("line", "expected"), [
    ("S0001,K0042,seasonal", ("S0001", "K0042", "seasonal", None)),
    ('"S0001","K0042", not_for_my_store ', ("S0001", "K0042", "not_for_my_store", None)),
    ("", (None, None, None, "blank_line")),
    ("   ", (None, None, None, "blank_line")),
    ("S0001,K0042", (None, None, None, "wrong_column_count")),
    ("S0001,K0042,seasonal,extra", (None, None, None, "wrong_column_count")),
    (",K0042,seasonal", ("", "K0042", "seasonal", "empty_key")),
    ("S0001,,seasonal", ("S0001", "", "seasonal", "empty_key")),
    ("S0001,K0042,too expensive", ("S0001", "K0042", "too expensive", "unknown_reason")),
    ("S0001,K 42,seasonal", ("S0001", "K 42", "seasonal", "bad_key")),
    ("S0001,K0042\x00,seasonal", (None, None, None, "control_character")),
])
def test_each_line_is_loaded_or_quarantined_with_one_reason(warehouse, line, expected):
    assert classify(warehouse, line, max_id_length=64) == expected


def test_an_id_longer_than_the_limit_is_quarantined(warehouse):
    assert classify(warehouse, f"S0001,{'K' * 65},seasonal", max_id_length=64)[3] == "field_too_long"
    assert classify(warehouse, f"S0001,{'K' * 64},seasonal", max_id_length=64)[3] is None


@pytest.mark.parametrize(("name", "ok"), [("app-20261125.csv", True), ("batch=1.csv", True), ("notes.txt", False),
                                          ("a.csv.gz", False), (".hidden.csv", False)])
def test_object_names(name, ok):
    assert bool(OBJECT_NAME.fullmatch(name)) == ok
