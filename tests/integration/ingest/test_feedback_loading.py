"""Retailer feedback against real Postgres and moto: accounted like a feed, quarantined with a reason, and turned
into overrides owned by the retailer; a re-run replaces its day alone."""

from __future__ import annotations

import pytest

from tests.support.landing import put
from top_items import settings
from top_items.ingest.feedback import FeedbackError, load_feedback

D = "2026-11-25"
HEADER = ",".join(settings.FEEDBACK_COLUMNS)
# (line of the object, the reason it must be quarantined with, or None when it must load)
EVERY_KIND = [
    ("S0001,K1,seasonal", None),
    ("S0002,K2,not_for_my_store", None),
    ("S0001,K3,too expensive", "unknown_reason"),
    ("S9999,K1,seasonal", "unknown_store"),
    ("S0001,K99,seasonal", "unknown_sku"),
    ("S0001,K1,not_for_my_store", "duplicate_key"),
    ("S0001,K4", "wrong_column_count"),
    (",K4,seasonal", "empty_key"),
    ("", "blank_line"),
]


def key(name: str, day: str = D) -> str:
    return settings.feedback_prefix(day) + name


def body(lines: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def test_every_item_loads_or_is_quarantined_with_its_reason_and_becomes_a_retailer_override(loaded_reference, s3):
    conn = loaded_reference
    put(s3, key("app-1.csv"), body([line for line, _ in EVERY_KIND]), bucket=settings.RETAILER_APP_BUCKET)

    result = load_feedback(conn, s3, D, run_id="test")

    expected = {number: reason for number, (_, reason) in enumerate(EVERY_KIND, start=2)}
    quarantined = dict(conn.execute("select source_line, reason from raw.feedback_quarantine").fetchall())
    assert quarantined == {line: reason for line, reason in expected.items() if reason}
    audit = conn.execute("select dataset, rows_in, rows_loaded, rows_quarantined, status from ops.load_audit "
                         "where dataset = 'retailer_feedback'").fetchall()
    assert audit == [("retailer_feedback", len(EVERY_KIND), 2, len(EVERY_KIND) - 2, "loaded")]
    overrides = conn.execute("select override_id, rule, store_id, sku_id, owner, created::text, expires::text, "
                             "reason from raw.overrides order by override_id").fetchall()
    assert overrides == [
        (f"feedback:{D}:S0001:K1", "suppress", "S0001", "K1", "retailer:S0001", D, "2027-02-23",
         "retailer feedback: seasonal"),
        (f"feedback:{D}:S0002:K2", "suppress", "S0002", "K2", "retailer:S0002", D, "2027-02-23",
         "retailer feedback: not_for_my_store"),
    ]  # the default TTL of include/sql/vars.yml: 90 days
    assert result.overrides == 2


def test_an_object_that_is_not_the_contract_is_rejected_alone_and_the_task_fails_naming_it(loaded_reference, s3):
    conn = loaded_reference
    bucket = settings.RETAILER_APP_BUCKET
    put(s3, key("good.csv"), body(["S0001,K1,seasonal"]), bucket=bucket)
    put(s3, key("wrong-header.csv"), body(["S0001,K2,seasonal"], header="store,sku,why"), bucket=bucket)
    put(s3, key("notes.txt"), "hello", bucket=bucket)
    put(s3, key("zipped.csv"), b"\x1f\x8b\x08\x00rest", bucket=bucket)
    put(s3, key("latin1.csv"), HEADER.encode() + b"\nS0001,K\xe9,seasonal\n", bucket=bucket)

    with pytest.raises(FeedbackError) as raised:
        load_feedback(conn, s3, D, run_id="test")

    for name in ("wrong-header.csv", "notes.txt", "zipped.csv", "latin1.csv"):
        assert name in str(raised.value)
    assert "good.csv" not in str(raised.value)
    statuses = dict(conn.execute("select split_part(source_file, '/', 3), status from ops.load_audit "
                                 "where dataset = 'retailer_feedback'").fetchall())
    assert statuses == {"good.csv": "loaded", "wrong-header.csv": "rejected", "notes.txt": "rejected",
                        "zipped.csv": "rejected", "latin1.csv": "rejected"}
    assert conn.execute("select override_id from raw.overrides").fetchall() == [(f"feedback:{D}:S0001:K1",)]


def test_rerunning_a_day_replaces_its_feedback_and_nothing_else(loaded_reference, s3):
    conn = loaded_reference
    bucket = settings.RETAILER_APP_BUCKET
    put(s3, key("a.csv", "2026-11-24"), body(["S0002,K2,seasonal"]), bucket=bucket)
    put(s3, key("a.csv"), body(["S0001,K1,seasonal", "S0001,K3,nope"]), bucket=bucket)
    load_feedback(conn, s3, "2026-11-24")
    load_feedback(conn, s3, D)
    put(s3, key("a.csv"), body(["S0001,K4,seasonal"]), bucket=bucket)

    load_feedback(conn, s3, D)

    assert conn.execute("select override_id from raw.overrides order by 1").fetchall() == [
        ("feedback:2026-11-24:S0002:K2",), (f"feedback:{D}:S0001:K4",)]
    assert conn.execute("select count(*) from raw.feedback_quarantine").fetchone()[0] == 0


def test_a_day_without_feedback_loads_nothing_and_is_no_error(loaded_reference, s3):
    result = load_feedback(loaded_reference, s3, D)
    assert result.objects == [] and result.overrides == 0
