"""The change preview on real Postgres, moto and the live mocks: a simulated day is built, gated, published and
pushed; then a rule changes in a copy of include/sql. The preview must predict, per consumer, exactly what really
running and publishing that change does to the published export (records added, changed, removed), what the sync
engine then plans to push, and whether its volume guard lets the push through; and the preview itself must leave
the published tables, the ops tables, S3 and every destination as they were."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest

from sandbox.mocks.control import MockControl
from top_items import registry, settings
from top_items.activation import ledger
from top_items.activation.engine import sync_consumer
from top_items.activation.errors import VolumeGuardBlocked
from top_items.activation.plan import map_row, record_key
from top_items.preview import CANNOT_PREVIEW, PASSES, STOPPED
from top_items.preview.run import NothingToPreview, preview
from top_items.registry import consumers

pytestmark = pytest.mark.timeout(600)

D = "2026-11-25"
PUBLISHED = ("marts.store_missing_top_items", *(spec.export for spec in consumers().values()))
OPS = ("ops.sync_runs", "ops.sync_state", "ops.dq_results", "ops.dq_metrics", "ops.model_runs")


# -- the real thing: a run of a tree of model files, its publication and its pushes ---------------------------
def load_day(conn, s3, day: str = D) -> None:
    from sandbox.simulate.catalog import WorldSpec
    from sandbox.simulate.publish import write_day
    from top_items.ingest.feeds import load_inventory_feeds
    from top_items.ingest.reference import load_reference_snapshots

    write_day(s3, WorldSpec(), date.fromisoformat(day))
    load_reference_snapshots(conn, s3, day)
    load_inventory_feeds(conn, s3, day)


def run_and_publish(conn, sql_dir, run_id: str, day: str = D) -> dict[str, bool]:
    """Build, gate and publish ``sql_dir``'s models for the day, as the DAG does; returns each gate's verdict."""
    from top_items.quality import history, run_gate
    from top_items.quality.contracts import EXPORT_GATE_PREFIX
    from top_items.rules import variables
    from top_items.transform.build import build
    from top_items.transform.models import discover
    from top_items.transform.publish import publish
    from top_items.transform.workspace import Workspace

    workspace, rules = Workspace(day, run_id), variables(sql_dir)
    for model in discover(sql_dir):
        build(conn, model, workspace, rules=rules)
    passed = {gate: run_gate(conn, gate, day, run_id=run_id, layers=workspace.variables(), rules=rules).ok
              for gate in ("marts", *(EXPORT_GATE_PREFIX + name for name in consumers()))}
    assert passed["marts"]
    publish(conn, workspace, withhold=[spec.export for name, spec in consumers().items()
                                       if not passed[EXPORT_GATE_PREFIX + name]], models=discover(sql_dir))
    history.record(conn, ["marts.store_missing_top_items"], day, run_id)
    workspace.drop(conn)
    return passed


def push(conn, name: str, run_id: str, day: str = D):
    """Push one consumer for real; a blocked push is returned as its recorded ops.sync_runs row."""
    try:
        sync_consumer(conn, name, day, run_id=run_id)
    except VolumeGuardBlocked:
        pass
    return newest_sync_run(conn, name)


def newest_sync_run(conn, name: str) -> dict:
    cur = conn.execute("select * from ops.sync_runs where consumer = %s order by sync_run_id desc limit 1", (name,))
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))


def published_records(conn, name: str, day: str = D) -> dict[str, dict]:
    spec = consumers()[name]
    return {record_key(spec, row): map_row(spec, row) for row in ledger.export_rows(conn, spec, day)}


def what_changed(before: dict[str, dict], after: dict[str, dict]) -> dict[str, int]:
    """Counted by hand, record by record: what a publication really did to a consumer's export."""
    return {"added": len(after.keys() - before.keys()), "removed": len(before.keys() - after.keys()),
            "changed": sum(before[key] != after[key] for key in before.keys() & after.keys())}


# -- what must not move while a preview runs -----------------------------------------------------------------
def fingerprint(conn, world, s3) -> dict:
    tables = {relation: conn.execute(f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) "
                                     f"from {relation} as t").fetchone() for relation in (*PUBLISHED, *OPS)}
    mocks = {conn_id: len(MockControl.from_connection(world.services[conn_id]).requests())
             for conn_id in (registry.consumer("salesforce").connection, registry.consumer("crm").connection)}
    objects = sorted((o["Key"], o["ETag"]) for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=settings.RETAILER_APP_BUCKET) for o in page.get("Contents", []))
    schemas = conn.execute("select count(*) from pg_namespace where nspname like 'preview\\_%'").fetchone()[0]
    return {"tables": tables, "mock requests": mocks, "s3 objects": objects, "preview schemas": schemas}


@pytest.fixture
def mocks(world):
    controls = [MockControl.from_connection(world.services[c]) for c in (registry.consumer("salesforce").connection,
                                                                          registry.consumer("crm").connection)]
    for control in controls:
        control.reset()
    yield controls
    for control in controls:
        control.reset()


@pytest.fixture
def pushed_day(warehouse, s3, mocks):
    """Day D loaded, run with include/sql, published and pushed to every consumer."""
    load_day(warehouse, s3)
    assert all(run_and_publish(warehouse, settings.SQL_DIR, "base").values())
    for name in consumers():
        assert push(warehouse, name, "base")["outcome"] == "success"
    return warehouse


def changed_tree(tmp_path, **rules):
    """A copy of include/sql with some rule parameters of vars.yml set to other values."""
    tree = shutil.copytree(settings.SQL_DIR, tmp_path / "sql")
    text = (tree / "vars.yml").read_text()
    for name, value in rules.items():
        text, found = re.subn(rf"(?m)^(\s*{name}:\s*)\d+", rf"\g<1>{value}", text)
        assert found == 1, name
    (tree / "vars.yml").write_text(text)
    return tree


def edited_model(tmp_path, model: str, old: str, new: str):
    """A copy of include/sql with one model file edited."""
    tree = shutil.copytree(settings.SQL_DIR, tmp_path / "sql")
    path = tree / f"{model.replace('.', '/')}.sql"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    return tree


# -- the preview against the real outcome --------------------------------------------------------------------
# store_top_n 12: every store's list grows by two. 5: it halves, which the app's and CRM's guards must block (half
# of a store's list is churn 5/15 = 0.33 of a record, above their 0.3) and Salesforce's (0.75) allows. SKU names in
# capitals (a model file): every Salesforce record and every CRM list changes, so both are blocked, while the app's
# lists keep their SKUs (its churn counts sku_ids): a change of every record, but no churn.
CHANGES = {
    "longer_lists": (lambda tmp: changed_tree(tmp, store_top_n=12), set()),
    "shorter_lists": (lambda tmp: changed_tree(tmp, store_top_n=5), {"retailer_app", "crm"}),
    "names_in_capitals": (lambda tmp: edited_model(tmp, "marts.dim_skus", "    sku_name,",
                                                   "    upper(sku_name) as sku_name,"), {"salesforce", "crm"}),
}


@pytest.mark.parametrize(("change", "blocked"), CHANGES.values(), ids=CHANGES.keys())
def test_the_preview_predicts_what_running_the_change_publishes_and_pushes(pushed_day, world, s3, tmp_path,
                                                                            change, blocked):
    conn = pushed_day
    tree = change(tmp_path)
    before = {name: published_records(conn, name) for name in consumers()}
    untouched = fingerprint(conn, world, s3)

    result = preview(conn, D, sql_dir=tree)

    assert fingerprint(conn, world, s3) == untouched  # nothing published, recorded, pushed or left behind
    assert result.shadow.built and result.marts_gate.ok
    assert {c.consumer.name for c in result.consumers if c.guard_blocks} == blocked
    assert result.exit_code == (STOPPED if blocked else PASSES)
    predicted = {c.consumer.name: c for c in result.consumers}

    passed = run_and_publish(conn, tree, "change")  # now really: build, gate, publish, push

    assert all(passed.values())
    for name in consumers():
        after = published_records(conn, name)
        counts = {k: v for k, v in predicted[name].diff.counts().items() if k != "unchanged"}
        assert counts == what_changed(before[name], after), name
        assert sum(counts.values()) > 0, name  # the change moves every consumer: the comparison means something
        assert predicted[name].gate.ok
        plan = predicted[name].plan.counts()
        assert (plan["add"], plan["change"], plan["remove"]) == (counts["added"], counts["changed"],
                                                                 counts["removed"]), name
        real = push(conn, name, "change")
        assert {kind: real[f"planned_{kind}s"] for kind in plan} == plan, name
        assert real["baseline"] == predicted[name].verdict.baseline
        assert real["outcome"] == ("blocked" if name in blocked else "success"), (name, real["detail"])
        if name in blocked:
            assert real["detail"].startswith(predicted[name].verdict.message)


def test_the_model_files_as_published_preview_to_no_change(pushed_day, world, s3):
    conn = pushed_day
    untouched = fingerprint(conn, world, s3)

    result = preview(conn, D)

    assert fingerprint(conn, world, s3) == untouched
    assert result.exit_code == PASSES, result.reasons
    for each in result.consumers:
        assert each.diff.counts() == {"added": 0, "changed": 0, "removed": 0, "unchanged": len(each.diff.before)}
        assert len(each.diff.before) > 0 and sum(each.plan.counts().values()) == 0, each.consumer.name
        assert each.verdict.allowed and each.verdict.baseline == len(each.diff.before)


def test_a_change_that_breaks_an_export_contract_is_stopped_as_the_real_gate_stops_it(pushed_day, world, s3,
                                                                                       tmp_path):
    conn = pushed_day
    tree = edited_model(tmp_path, "exports.exp_top_items_crm", "stores.email,", "stores.email as contact_email,")
    untouched = fingerprint(conn, world, s3)

    result = preview(conn, D, sql_dir=tree)

    assert fingerprint(conn, world, s3) == untouched
    by_name = {c.consumer.name: c for c in result.consumers}
    assert not by_name["crm"].gate.ok and "contact_email" in by_name["crm"].error
    assert [name for name, c in by_name.items() if c.stopped] == ["crm"]
    assert result.exit_code == STOPPED
    assert run_and_publish(conn, tree, "change")["export:crm"] is False  # the real gate agrees


def test_a_model_that_does_not_build_stops_the_preview_and_its_shadow_is_dropped(pushed_day, world, s3, tmp_path):
    conn = pushed_day
    tree = edited_model(tmp_path, "marts.store_missing_top_items", "as store_rank", "as store_rnak")
    untouched = fingerprint(conn, world, s3)

    result = preview(conn, D, sql_dir=tree)

    assert fingerprint(conn, world, s3) == untouched
    assert result.exit_code == STOPPED and "marts.store_missing_top_items failed to build" in result.reasons[0]
    assert result.consumers == []


class TestCommandLine:
    def test_the_report_and_exit_code_of_a_change_the_guard_would_block(self, pushed_day, tmp_path, capsys):
        from top_items.cli import main

        code = main(["preview", "--date", D, "--sql-dir", str(changed_tree(tmp_path, store_top_n=5))])

        out = capsys.readouterr().out
        assert code == STOPPED, out
        table = re.search(r"^ *consumer +published +preview +added +changed +removed +unchanged.*?\n\n", out,
                          re.MULTILINE | re.DOTALL)
        assert table, out
        rows = {line.split()[0]: line.split()[1:] for line in table.group(0).splitlines()[1:] if line.strip()}
        assert rows["crm"][-2:] == ["passed", "BLOCKED"] and rows["salesforce"][-2:] == ["passed", "allowed"]
        assert "crm: the volume guard would block the push" in out
        # a sample names the items that leave a store's list
        assert re.search(r"~ S\d+ +items: 10 -> 5 elements: (-K\d+ ?){5}$", out, re.MULTILINE), out

    def test_a_day_not_loaded_cannot_be_previewed(self, warehouse, capsys):
        from top_items.cli import main

        assert main(["preview", "--date", "2026-01-01"]) == CANNOT_PREVIEW
        assert "no rows for 2026-01-01" in capsys.readouterr().out
        with pytest.raises(NothingToPreview):
            preview(warehouse, "2026-01-01")
