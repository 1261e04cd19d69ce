"""The preview's verdict, exit code and report, from results built by hand (the real plan and guard, no database)."""

from __future__ import annotations

from top_items.activation.guard import check_volume
from top_items.activation.plan import StateRow, diff, map_row, record_key, row_hash
from top_items.preview import PASSES, STOPPED
from top_items.preview.build import ShadowBuild
from top_items.preview.diff import diff_records
from top_items.preview.report import counts_table, format_report
from top_items.preview.run import ConsumerPreview, Preview
from top_items.quality.gate import GateResult
from top_items.quality.outcomes import CheckRecord
from top_items.registry import consumer
from top_items.settings import SQL_DIR
from top_items.transform.workspace import PREVIEW_PREFIX, Workspace

D = "2026-11-25"
CRM = consumer("crm")


def crm_rows(lists: dict[str, str]) -> list[dict]:
    return [{"feed_date": D, "store_id": store, "email": f"{store}@x.com", "top_items_you_dont_carry": items,
             "top_items_feed_date": D} for store, items in lists.items()]


def gate(name: str, *failing: str) -> GateResult:
    checks = [CheckRecord(gate=name, dataset="exports.x", check_name="rows", level="fail", outcome="pass")]
    checks += [CheckRecord(gate=name, dataset="exports.x", check_name=check, level="fail", outcome="fail",
                           measured_value=0, threshold="> 0") for check in failing]
    return GateResult(gate=name, feed_date=D, run_id="preview", checks=checks)


def crm_preview(published: dict[str, str], previewed: dict[str, str], *failing: str) -> ConsumerPreview:
    """The CRM's preview when ``published`` was pushed and ``previewed`` is what the change would publish."""
    before = {record_key(CRM, r): map_row(CRM, r) for r in crm_rows(published)}
    after_rows = crm_rows(previewed)
    state = {key: StateRow(row_hash(CRM, record), None, "synced", D) for key, record in before.items()}
    plan = diff(CRM, after_rows, state, D)
    return ConsumerPreview(CRM, gate("export:crm", *failing),
                           diff=diff_records(before, {record_key(CRM, r): map_row(CRM, r) for r in after_rows}),
                           plan=plan, verdict=check_volume(CRM, plan, len(before)))


def result(*consumers: ConsumerPreview, error: str | None = None) -> Preview:
    target = ShadowBuild(Workspace(D, "preview-x", prefix=PREVIEW_PREFIX), SQL_DIR, {}, error=error,
                         gates={"marts": gate("marts")})
    return Preview(D, "published", target, list(consumers))


TEN = "; ".join(f"Item {n}" for n in range(10))
STORES = {f"S{n}": TEN for n in range(10)}


def test_a_change_within_every_bound_passes():
    one_more = {**STORES, "S0": TEN + "; Item 10"}
    found = result(crm_preview(STORES, one_more))

    assert (found.reasons, found.exit_code) == ([], PASSES)
    report = format_report(found)
    assert "passes (exit 0)" in report
    assert "~ S0  top_items_you_dont_carry: 10 -> 11 elements: +Item 10" in report
    assert "push plan against the ledger: 0 adds, 1 changes, 0 restamps, 0 removes (10 rows)" in report


def test_a_guard_that_would_block_stops_the_change_and_says_which_consumer():
    halved = {store: "; ".join(f"Item {n}" for n in range(5)) for store in STORES}
    found = result(crm_preview(STORES, halved))

    assert found.exit_code == STOPPED
    assert found.reasons == ["crm: the volume guard would block the push"]
    table = counts_table(found)
    assert table.to_dict("records") == [{"consumer": "crm", "published": 10, "preview": 10, "added": 0,
                                         "changed": 10, "removed": 0, "unchanged": 0, "contract": "passed",
                                         "volume guard": "BLOCKED"}]
    assert "STOPPED (exit 1)" in format_report(found)


def test_a_failing_contract_stops_the_change_and_the_report_names_the_check():
    found = result(crm_preview(STORES, STORES, "rows for the run's day exist"))

    assert found.reasons == ["crm: the export contract fails"]
    assert "rows for the run's day exist" in format_report(found)


def test_a_model_that_does_not_build_is_the_only_reason_given():
    found = result(error="marts.x failed to build: column y does not exist")

    assert (found.reasons, found.exit_code) == (["marts.x failed to build: column y does not exist"], STOPPED)
    assert "BUILD FAILED: marts.x failed to build" in format_report(found)


def test_an_unmappable_export_is_reported_and_stops_its_consumer():
    broken = ConsumerPreview(CRM, gate("export:crm"), error="exports.exp_top_items_crm has columns ['x'] ...")
    found = result(broken)

    assert broken.stopped and found.exit_code == STOPPED
    assert counts_table(found).iloc[0]["volume guard"] == "n/a"
