"""The feed fast path against real Postgres and moto: nothing lost, every reason right, day D replaced alone."""

from __future__ import annotations

import pytest

from tests.support.landing import STORES, D, put, put_reference
from top_items import settings
from top_items.ingest.feeds import NoFeedFilesError, RejectedFilesError, load_inventory_feeds
from top_items.ingest.reference import load_reference_snapshots

TS = "2026-11-25T06:00:00-05:00"
HEADER = "store_id,sku_id,remaining_qty,reported_at"
# (line of the feed, the reason it must be quarantined with, or None when it must load)
EVERY_KIND = [
    (f"S0001,K1,5,{TS}", None),
    (f"S0001,K2,0,{TS}", None),  # quantity 0 loads (it means "not carried", decided in the marts)
    ('"S0001","K14","6","2026-11-25T11:00:00Z"', None),
    (f"S0001,K3,-2,{TS}", "negative_quantity"),
    (f"S0001,K4,3.5,{TS}", "non_integer_quantity"),
    (f"S0001,K5,,{TS}", "non_integer_quantity"),
    (f"S0001,K5b,NULL,{TS}", "non_integer_quantity"),
    (f"S0001,,4,{TS}", "empty_key"),
    (f",K6,4,{TS}", "empty_key"),
    ("S0001,K7,4", "wrong_column_count"),
    (f"S0001,K8,4,{TS},extra", "wrong_column_count"),
    ("S0001,K9,4,yesterday", "bad_timestamp"),
    ("S0001,K10,4,2026-02-30T06:00:00-05:00", "bad_timestamp"),
    ("S0001,K11,4,2026-11-25T06:00:00", "bad_timestamp"),
    (f"S9999,K12,4,{TS}", "unknown_store"),
    (f"S0001,K1,7,{TS}", "duplicate_key"),
    ("", "blank_line"),
    (f"S0001,K13,99999999999,{TS}", "quantity_out_of_range"),
]


def feed(lines: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def test_every_bad_row_is_quarantined_with_its_reason_and_nothing_is_lost(loaded_reference, s3):
    conn = loaded_reference
    put(s3, settings.feed_key(D, "S0001"), feed([line for line, _ in EVERY_KIND]))

    result = load_inventory_feeds(conn, s3, D, run_id="test")

    expected = {number: reason for number, (_, reason) in enumerate(EVERY_KIND, start=2)}
    quarantined = dict(conn.execute("select source_line, reason from raw.feed_quarantine where feed_date = %s",
                                    (D,)).fetchall())
    loaded = {line for (line,) in conn.execute("select source_line from raw.inventory_feed where feed_date = %s", (D,))}
    assert quarantined == {line: reason for line, reason in expected.items() if reason}
    assert loaded == {line for line, reason in expected.items() if reason is None}
    assert result.rows_in == len(EVERY_KIND) == result.rows_loaded + result.rows_quarantined
    raw_records = dict(conn.execute("select source_line, raw_record from raw.feed_quarantine").fetchall())
    assert raw_records[5] == f"S0001,K3,-2,{TS}"  # the record is kept verbatim, to be fixed and replayed
    audit = conn.execute("select rows_in, rows_loaded, rows_quarantined, status, checksum_sha256 from ops.load_audit "
                         "where dataset = 'inventory_feed'").fetchall()
    assert audit == [(len(EVERY_KIND), 3, len(EVERY_KIND) - 3, "loaded", result.files[0].checksum_sha256)]
    first = conn.execute(
        "select remaining_qty, reported_at::text from raw.inventory_feed where sku_id = 'K1'"
    ).fetchone()
    assert first[0] == 5  # the first occurrence of a duplicated key wins


def test_a_file_with_the_wrong_header_is_rejected_whole_and_the_others_load(loaded_reference, s3):
    conn = loaded_reference
    put(s3, settings.feed_key(D, "S0001"), feed([f"S0001,K1,5,{TS}"]))
    put(s3, settings.feed_key(D, "S0002"), feed([f"S0002,K1,5,{TS}"], header="store,sku_id,qty,reported_at"))
    put(s3, settings.feed_key(D, "S0003"),
        b"store_id,sku_id,remaining_qty,reported_at\nS0001,K\xff\xfe,1," + TS.encode())

    with pytest.raises(RejectedFilesError) as raised:
        load_inventory_feeds(conn, s3, D, run_id="test")

    message = str(raised.value)
    assert "store_id=S0002.csv" in message and "store_id=S0003.csv" in message and "S0001.csv" not in message
    rejected = conn.execute("select source_file, expected_columns, actual_columns, error from ops.load_audit "
                            "where status = 'rejected' order by source_file").fetchall()
    assert rejected[0][0].endswith("S0002.csv")
    assert rejected[0][1] == ["store_id", "sku_id", "remaining_qty", "reported_at"]
    assert rejected[0][2] == ["store", "sku_id", "qty", "reported_at"]
    assert "unreadable" in rejected[1][3]
    assert conn.execute("select count(*) from raw.inventory_feed").fetchone()[0] == 1


def test_rerunning_a_day_replaces_that_day_and_nothing_else(loaded_reference, s3):
    conn = loaded_reference
    other_day = "2026-11-24"
    put(s3, settings.feed_key(other_day, "S0001"), feed([f"S0001,K1,1,{TS}", f"S0001,K2,2,{TS}"]))
    put(s3, settings.feed_key(D, "S0001"), feed([f"S0001,K1,5,{TS}", f"S0001,K3,-1,{TS}"]))
    load_inventory_feeds(conn, s3, other_day)
    load_inventory_feeds(conn, s3, D)

    put(s3, settings.feed_key(D, "S0001"), feed([f"S0001,K1,9,{TS}"]))
    load_inventory_feeds(conn, s3, D)
    load_inventory_feeds(conn, s3, D)  # and again: idempotent

    rows = conn.execute("select feed_date::text, sku_id, remaining_qty from raw.inventory_feed "
                        "order by 1, 2").fetchall()
    assert rows == [(other_day, "K1", 1), (other_day, "K2", 2), (D, "K1", 9)]
    assert conn.execute("select count(*) from raw.feed_quarantine where feed_date = %s", (D,)).fetchone()[0] == 0


def test_a_day_without_feed_files_fails_clearly_and_keeps_what_was_loaded(loaded_reference, s3):
    conn = loaded_reference
    put(s3, settings.feed_key(D, "S0001"), feed([f"S0001,K1,5,{TS}"]))
    load_inventory_feeds(conn, s3, D)
    s3.delete_object(Bucket=settings.LANDING_BUCKET, Key=settings.feed_key(D, "S0001"))

    with pytest.raises(NoFeedFilesError, match="no inventory feed files"):
        load_inventory_feeds(conn, s3, D)

    assert conn.execute("select count(*) from raw.inventory_feed where feed_date = %s", (D,)).fetchone()[0] == 1


def test_many_files_load_in_one_pass_with_per_file_counts(warehouse, s3):
    conn = warehouse
    stores = [f"S{n:04d}" for n in range(1, 13)]
    put_reference(s3, stores=STORES.split("\n")[0] + "\n" + "".join(f"{s},Store,M01,full_liquor,x@x.com,001\n"
                                                                  for s in stores))
    load_reference_snapshots(conn, s3, D)
    for n, store in enumerate(stores):  # more files than the fetch-ahead depth, so downloads overlap the COPY
        put(s3, settings.feed_key(D, store),
            feed([f"{store},K{i + 1},{i},{TS}" for i in range(n + 1)]
                 + ([f"{store},K14,-1,{TS}"] if n % 3 == 0 else [])))

    result = load_inventory_feeds(conn, s3, D, fetch_ahead=3)

    assert [f.rows_loaded for f in result.files] == [n + 1 for n in range(12)]
    assert result.rows_quarantined == 4  # files 0, 3, 6 and 9 each carry one negative quantity
    audit = conn.execute("select sum(rows_in)::int, sum(rows_loaded)::int, sum(rows_quarantined)::int "
                         "from ops.load_audit where dataset = 'inventory_feed'").fetchone()
    assert audit == (result.rows_in, result.rows_loaded, result.rows_quarantined)


class TestSingleRows:
    """Validity of single rows: each kind is quarantined with its own reason, and the file's other rows load."""

    @pytest.mark.parametrize(("line", "reason"), [
        (f"S0001,K999,4,{TS}", "unknown_sku"),
        (f"S0001,{'K' * 65},4,{TS}", "field_too_long"),
        (f"{'S' * 65},K2,4,{TS}", "field_too_long"),
        (f"S0002,K2,4,{TS}", "store_mismatch"),
        (f"S0001,K2,4,{TS}," + "x" * 5000, "line_too_long"),
        (f"S0001,K2,4\x00,{TS}", "control_character"),
        (f"S0001,K2\r,4,{TS}", "control_character"),
        (f"S0001,K2,4,{TS}\x01more", "control_character"),
        (f'S0001,K2,4,"{TS}\x02', "control_character"),
        ("S0001,K2,4,2026-11-22T06:00:00-05:00", "reported_outside_feed_day"),
        ("S0001,K2,4,2026-11-27T06:00:00-05:00", "reported_outside_feed_day"),
    ], ids=["unknown_sku", "long_sku", "long_store", "other_store", "long_line", "nul", "bare_cr",
            "copy_delimiter", "copy_quote", "days_before", "days_after"])
    def test_a_bad_row_is_quarantined_alone(self, loaded_reference, s3, line, reason):
        conn = loaded_reference
        put(s3, settings.feed_key(D, "S0001"), feed([f"S0001,K1,5,{TS}", line, f"S0001,K3,6,{TS}"]).encode("utf-8"))

        result = load_inventory_feeds(conn, s3, D, run_id="test")

        assert dict(conn.execute("select source_line, reason from raw.feed_quarantine").fetchall()) == {3: reason}
        assert [sku for (sku,) in conn.execute("select sku_id from raw.inventory_feed order by 1")] == ["K1", "K3"]
        assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
        kept = conn.execute("select raw_record from raw.feed_quarantine").fetchone()[0]
        assert len(kept) <= 512 and kept[:10] == line.replace("\r", "\x1a")[:10].replace("\x00", "\x1a")

    def test_no_byte_can_merge_or_shift_lines(self, loaded_reference, s3):
        conn = loaded_reference
        hostile = f'S0001,K2,"4\x02\nS0001,K3,7,{TS}\r\nS0001,K4,\x01,{TS}\rS0001,K5,1,{TS}\r\n'.encode()
        put(s3, settings.feed_key(D, "S0001"), HEADER.encode() + b"\r\n" + hostile + f"S0001,K6,2,{TS}".encode())

        load_inventory_feeds(conn, s3, D, run_id="test")

        lines = dict(conn.execute("select source_line, reason from raw.feed_quarantine").fetchall())
        assert lines == {2: "control_character", 4: "control_character"}  # the CR inside line 4 joins nothing
        loaded = dict(conn.execute("select sku_id, source_line from raw.inventory_feed").fetchall())
        assert loaded == {"K3": 3, "K6": 5}


class TestEveryObjectIsAccountedFor:
    """An object the feed contract cannot read is rejected alone, with its audit row; the others load."""

    @pytest.mark.parametrize(("name", "body", "error"), [
        ("store_id=S0002.csv", __import__("gzip").compress(feed([f"S0002,K1,1,{TS}"]).encode()), "gzip"),
        ("store_id=S0002.csv", b"PK\x03\x04" + b"\x00" * 40, "zip"),
        ("store_id=S0002.csv", b"\x00\x01\x02binary" * 10, "NUL bytes"),
        ("store_id=S0002.csv", HEADER.encode() + b"\nS0002,K\xff,1," + TS.encode(), "unreadable"),
        ("store_id=S0002.csv.gz", b"anything", "unexpected object name"),
        ("notes.txt", b"hello", "unexpected object name"),
        ("nested/store_id=S0002.csv", feed([f"S0002,K1,1,{TS}"]).encode(), "unexpected object name"),
    ], ids=["gzip", "zip", "binary", "not_utf8", "compressed_name", "stray_file", "nested"])
    def test_a_hostile_object_is_rejected_alone(self, loaded_reference, s3, name, body, error):
        conn = loaded_reference
        put(s3, settings.feed_key(D, "S0001"), feed([f"S0001,K1,5,{TS}"]))
        put(s3, settings.feed_prefix(D) + name, body)

        with pytest.raises(RejectedFilesError, match=error):
            load_inventory_feeds(conn, s3, D, run_id="test")

        audit = dict(conn.execute("select source_file, status from ops.load_audit where dataset = 'inventory_feed'"))
        assert audit == {settings.feed_key(D, "S0001"): "loaded", settings.feed_prefix(D) + name: "rejected"}
        assert conn.execute("select count(*) from raw.inventory_feed").fetchone()[0] == 1


class TestStaleness:
    """A file that repeats the same store's earlier feed is stale: kept in quarantine, the store gets nothing."""

    YESTERDAY = "2026-11-24"
    ROWS = [("K1", 5), ("K2", 0), ("K3", 7)]

    def _yesterday(self, conn, s3):
        lines = [f"S0001,{sku},{qty},2026-11-24T06:00:00-05:00" for sku, qty in self.ROWS]
        put(s3, settings.feed_key(self.YESTERDAY, "S0001"), feed(lines))
        load_inventory_feeds(conn, s3, self.YESTERDAY)
        return lines

    @pytest.mark.parametrize("replay", [
        lambda lines: lines,
        lambda lines: [line.replace("2026-11-24", "2026-11-25") for line in lines],
        lambda lines: [line.replace("2026-11-24", "2026-11-25") for line in reversed(lines)],
    ], ids=["byte_identical", "timestamps_shifted", "reordered"])
    def test_a_replay_is_stale(self, loaded_reference, s3, replay):
        conn = loaded_reference
        lines = self._yesterday(conn, s3)
        put(s3, settings.feed_key(D, "S0001"), feed(replay(lines)))

        result = load_inventory_feeds(conn, s3, D)

        assert [(f.status, self.YESTERDAY in (f.error or "") or "before the feed day" in (f.error or ""))
                for f in result.files] == [("stale", True)]
        assert conn.execute("select count(*) from raw.inventory_feed where feed_date = %s", (D,)).fetchone()[0] == 0
        assert {r for (r,) in conn.execute("select reason from raw.feed_quarantine where feed_date = %s", (D,))} \
            == {"stale_file"}

    def test_a_changed_quantity_is_fresh(self, loaded_reference, s3):
        conn = loaded_reference
        lines = self._yesterday(conn, s3)
        put(s3, settings.feed_key(D, "S0001"), feed([lines[0].replace(",5,", ",4,").replace("-24T", "-25T"),
                                                      *(line.replace("-24T", "-25T") for line in lines[1:])]))

        result = load_inventory_feeds(conn, s3, D)

        assert [f.status for f in result.files] == ["loaded"] and result.rows_loaded == 3
