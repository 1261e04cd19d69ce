"""What a removal means, per consumer (consumers.yml on_remove), carried out against the live mocks."""

from __future__ import annotations

import pytest

from tests.support.activation import D1, D2, D3, crm_day, destination_for, load, sf_day, sync_runs
from tests.support.destinations import assert_destination_equals_export, crm_records, sf_records
from top_items.activation.engine import sync_consumer

pytestmark = pytest.mark.timeout(120)
GONE_SF, GONE_CRM = {"S001:K002", "S002:K005"}, {"S003", "S007"}


def push(conn, name: str, feed_date: str, rows: list[dict], **tuned):
    load(conn, name, feed_date, rows)
    result = sync_consumer(conn, name, feed_date, run_id=f"r-{feed_date}", destination=destination_for(name, **tuned))
    assert result.outcome == "success", result.detail
    return result


class TestSalesforce:
    def test_delete_removes_the_records(self, exports, sf_ctl):
        push(exports, "salesforce", D1, sf_day(D1, stores=2))
        result = push(exports, "salesforce", D2, sf_day(D2, stores=2, drop=GONE_SF))
        assert result.succeeded["remove"] == 2
        assert GONE_SF.isdisjoint(r["Top_Item_Key__c"] for r in sf_records())
        assert_destination_equals_export(exports, "salesforce", D2)

    def test_ignore_leaves_the_records_and_stops_tracking_them(self, exports, sf_ctl):
        push(exports, "salesforce", D1, sf_day(D1, stores=2), on_remove="ignore")
        writes = len(sf_ctl.writes())
        result = push(exports, "salesforce", D2, sf_day(D2, stores=2, drop=GONE_SF), on_remove="ignore")
        assert result.succeeded["remove"] == 2 and result.records_pushed == 10  # the restamps only
        assert [w["method"] for w in sf_ctl.writes()[writes:]] == ["PATCH"]
        left = {r["Top_Item_Key__c"]: r for r in sf_records()}
        assert GONE_SF <= set(left) and {left[k]["Feed_Date__c"] for k in GONE_SF} == {D1}
        assert exports.execute("select count(*) from ops.sync_state").fetchone()[0] == 10


class TestCrm:
    def companies(self) -> dict[str, dict]:
        return {c["store_id"]: c for c in crm_records()}

    def test_clear_fields_keeps_the_company_and_empties_its_top_items(self, exports, crm_ctl):
        push(exports, "crm", D1, crm_day(D1))
        before = self.companies()
        result = push(exports, "crm", D2, crm_day(D2, drop=GONE_CRM))
        after = self.companies()
        assert result.succeeded["remove"] == 2
        assert {k: c["id"] for k, c in after.items()} == {k: c["id"] for k, c in before.items()}  # none archived
        for store in GONE_CRM:
            assert not after[store]["top_items_you_dont_carry"] and not after[store]["top_items_feed_date"]
            assert after[store]["email"] == before[store]["email"]  # the company's own data stays
        assert_destination_equals_export(exports, "crm", D2)
        push(exports, "crm", D3, crm_day(D3))  # the stores come back: the same companies, filled again
        assert {k: c["id"] for k, c in self.companies().items()} == {k: c["id"] for k, c in before.items()}
        assert_destination_equals_export(exports, "crm", D3)

    def test_clear_fields_never_creates_a_company(self, exports, crm_ctl):
        push(exports, "crm", D1, crm_day(D1))
        ghost = destination_for("crm")
        ghost.connect()
        from top_items.activation.plan import REMOVE, Op

        outcomes = ghost.remove([Op(REMOVE, "S999", None, None)])  # the CRM never had it
        assert [o.ok for o in outcomes] == [True] and "S999" not in self.companies()

    def test_archive_archives_the_company(self, exports, crm_ctl):
        push(exports, "crm", D1, crm_day(D1), on_remove="archive", clear_fields=())
        push(exports, "crm", D2, crm_day(D2, drop=GONE_CRM), on_remove="archive", clear_fields=())
        assert GONE_CRM.isdisjoint(self.companies())
        assert [w["path"].rsplit("/", 1)[-1] for w in crm_ctl.writes()][-1] == "archive"

    def test_ignore_leaves_the_company_as_it_was(self, exports, crm_ctl):
        push(exports, "crm", D1, crm_day(D1), on_remove="ignore", clear_fields=())
        before = self.companies()
        push(exports, "crm", D2, crm_day(D2, drop=GONE_CRM), on_remove="ignore", clear_fields=())
        after = self.companies()
        assert {s: after[s] for s in GONE_CRM} == {s: before[s] for s in GONE_CRM}
        assert sync_runs(exports, "crm")[-1]["succeeded_removes"] == 2


@pytest.mark.parametrize(("name", "on_remove"), [("salesforce", "clear_fields"), ("salesforce", "archive"),
                                                 ("retailer_app", "ignore"), ("crm", "delete")])
def test_a_removal_the_destination_cannot_carry_out_is_refused_before_anything_runs(name, on_remove):
    with pytest.raises(ValueError, match=f"on_remove is '{on_remove}'"):
        destination_for(name, on_remove=on_remove)
