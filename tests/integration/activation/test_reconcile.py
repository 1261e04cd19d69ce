"""Reconcile reads each destination back, lists the drift against the export and the ledger, and repairs it."""

from __future__ import annotations

import pytest

from tests.support.activation import D1, D2, crm_day, destination_for, load, sf_day, sync_runs
from tests.support.destinations import assert_destination_equals_export, crm_records, holding, sf_records
from top_items import cli
from top_items.activation.engine import sync_consumer
from top_items.activation.reconcile import reconcile

pytestmark = pytest.mark.timeout(180)


class Killed(Exception):
    pass


def day(name: str, feed_date: str, drop=()) -> list[dict]:
    return sf_day(feed_date, drop=drop) if name == "salesforce" else crm_day(feed_date, stores=30, drop=drop)


def key_field(name: str) -> str:
    return destination_for(name).consumer.external_id


class TestRealOrphan:
    """Batch 4 reaches the destination, the ledger never hears of it, and then its keys leave the export."""

    @pytest.mark.parametrize("name", ["salesforce", "crm"])
    def test_is_listed_then_removed(self, exports, sf_ctl, crm_ctl, name):
        conn = exports
        load(conn, name, D1, day(name, D1))

        def die_after_batch_4_is_accepted(step, done, total):
            if (step, done) == ("sent", 4):
                raise Killed

        with pytest.raises(Killed):
            sync_consumer(conn, name, D1, run_id="killed", hook=die_after_batch_4_is_accepted,
                          destination=destination_for(name, batch_size=7))
        unrecorded = sorted(r[key_field(name)] for r in holding(name))[21:28]
        load(conn, name, D2, day(name, D2, drop=set(unrecorded)))
        assert sync_consumer(conn, name, D2, run_id="next-day").outcome == "success"
        assert len(holding(name)) == 30  # 23 exported and 7 orphans the ledger knows nothing of

        listed = reconcile(conn, name, run_id="look", dry_run=True)
        assert sorted(listed.drift["orphan"]) == unrecorded and len(holding(name)) == 30
        assert (listed.run.mode, listed.run.outcome, listed.run.held_after) == ("reconcile", "success", None)

        repaired = reconcile(conn, name, run_id="repair")
        assert sorted(repaired.drift["orphan"]) == unrecorded and repaired.run.succeeded["remove"] == 7
        assert_destination_equals_export(conn, name, D2)
        row = sync_runs(conn, name)[-1]
        assert (row["mode"], row["outcome"], row["planned_removes"], row["held_after"]) == ("reconcile", "success",
                                                                                           7, 23)
        assert sum(map(len, reconcile(conn, name, run_id="again").drift.values())) == 0


class TestDriftAtTheDestination:
    def tamper(self, kind: str, exports):
        """Change Salesforce behind the engine's back; returns the keys it touched."""
        dest = destination_for("salesforce")
        dest.connect()
        records = {r["Top_Item_Key__c"]: r for r in sf_records()}
        if kind == "missing":
            for key in ("S001:K001", "S002:K002"):
                dest.sf.Top_Item__c.delete(records[key]["Id"])
            return ["S001:K001", "S002:K002"]
        if kind == "stale":
            dest.sf.Top_Item__c.update(records["S003:K003"]["Id"], {"Sku_Name__c": "edited by hand"})
            return ["S003:K003"]
        if kind == "restamp":
            dest.sf.Top_Item__c.update(records["S004:K004"]["Id"], {"Feed_Date__c": "2020-01-01"})
            return ["S004:K004"]
        exports.execute("delete from ops.sync_state where record_key in ('S005:K001', 'S005:K002')")
        exports.execute("update ops.sync_state set row_hash = 'wrong' where record_key = 'S005:K003'")
        return ["S005:K001", "S005:K002", "S005:K003"]

    @pytest.mark.parametrize(("kind", "writes"), [("missing", 1), ("stale", 1), ("restamp", 1), ("state", 0)])
    def test_is_repaired(self, exports, sf_ctl, kind, writes):
        load(exports, "salesforce", D1, sf_day(D1))
        sync_consumer(exports, "salesforce", D1, run_id="r1")
        touched = self.tamper(kind, exports)
        before = len(sf_ctl.writes())

        result = reconcile(exports, "salesforce", run_id="repair")

        assert sorted(result.drift[kind]) == touched
        assert sum(map(len, result.drift.values())) == len(touched)
        assert len(sf_ctl.writes()) - before == writes
        assert_destination_equals_export(exports, "salesforce", D1)
        assert exports.execute("select count(*) from ops.sync_state where status = 'synced'").fetchone()[0] == 30
        assert sum(map(len, reconcile(exports, "salesforce", run_id="again").drift.values())) == 0


class TestSnapshot:
    def test_a_lost_pointer_is_published_again(self, exports, s3):
        rows = [{"feed_date": D1, "store_id": s, "items": "[]"} for s in ("S1", "S2")]
        load(exports, "retailer_app", D1, rows)
        sync_consumer(exports, "retailer_app", D1, run_id="r1")
        assert sum(map(len, reconcile(exports, "retailer_app", run_id="in-sync").drift.values())) == 0
        s3.delete_object(Bucket="retailer-app", Key="top-items/latest.json")

        result = reconcile(exports, "retailer_app", run_id="repair")

        assert sorted(result.drift["missing"]) == ["S1", "S2"] and result.run.records_pushed == 2
        again = destination_for("retailer_app")
        again.connect()
        assert sorted(again.read_back()) == ["S1", "S2"]


def test_the_cli_prints_the_drift_table_and_records_a_run(exports, sf_ctl, capsys):
    load(exports, "salesforce", D1, sf_day(D1))
    sync_consumer(exports, "salesforce", D1, run_id="r1")
    assert cli.main(["reconcile", "salesforce", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "salesforce against its export for 2026-11-23" in out and "orphan" in out and "dry run" in out
    assert sync_runs(exports, "salesforce")[-1]["mode"] == "reconcile"


def test_a_consumer_never_pushed_has_nothing_to_reconcile(exports, sf_ctl):
    from top_items.activation.errors import SyncError

    with pytest.raises(SyncError, match="never pushed"):
        reconcile(exports, "salesforce", run_id="r")


class TestNotOurs:
    @pytest.mark.parametrize("on_remove", ["archive", "clear_fields"])
    def test_a_company_we_never_pushed_to_is_left_alone(self, exports, crm_ctl, on_remove):
        tuned = {"on_remove": on_remove, "clear_fields": () if on_remove == "archive" else
                 destination_for("crm").consumer.clear_fields}
        load(exports, "crm", D1, crm_day(D1))
        sync_consumer(exports, "crm", D1, run_id="r1", destination=destination_for("crm", **tuned))
        crm = destination_for("crm", **tuned)
        crm.connect()
        crm._upsert({"FOREIGN": {"store_id": "FOREIGN", "email": "someone@else.example"}}, "a company of sales")

        result = reconcile(exports, "crm", run_id="repair", destination=destination_for("crm", **tuned))

        assert sum(map(len, result.drift.values())) == 0
        assert any(c["store_id"] == "FOREIGN" for c in crm_records())
