"""The tests' checks on top of the one reader of what each consumer sees (``sandbox.consumers``)."""

from __future__ import annotations

from sandbox.consumers import SALESFORCE_FIELDS, Destinations
from top_items.activation.plan import map_row
from top_items.alert_routes import EMAIL, HEADER_FIELDS, HEADER_PREFIX
from top_items.registry import consumer

__all__ = ["SALESFORCE_FIELDS", "Destinations", "alert_emails", "alert_sinks", "assert_destination_equals_export",
           "assert_emailed_once", "crm_records", "expected", "holding", "sf_records"]


def alert_sinks(world) -> Destinations:
    """The world's destinations, its pager and SMTP sink emptied of what earlier tests sent."""
    from sandbox.mocks.control import MockControl
    from sandbox.world.mock_connections import INBOX_CONN_ID
    from top_items import settings

    for conn_id in (settings.PAGER_CONN_ID, INBOX_CONN_ID):
        MockControl.from_connection(world.services[conn_id]).reset()
    return Destinations.of(world)


def alert_emails(destinations: Destinations, to: str | None = None) -> list[dict]:
    """The alerts the SMTP sink received (or those delivered to ``to``), each as its recipient reads it: ``to``,
    ``summary`` (the subject), ``text`` (the body), and the fields the message carries as headers."""
    found = []
    for message in destinations.emails(to):
        fields = {key: message["headers"].get(f"{HEADER_PREFIX}{key.replace('_', '-').title()}")
                  for key in HEADER_FIELDS}
        found.append({"to": message["rcpt_tos"], "summary": message["subject"], "text": message["text"], **fields})
    return found


def assert_emailed_once(destinations: Destinations, alert: dict, addresses: set[str]) -> list[dict]:
    """``alert`` (as the pager received it) reached each of ``addresses`` by email exactly once, and nobody else;
    returns those emails."""
    mail = alert_emails(destinations)
    assert sorted(address for m in mail for address in m["to"]) == sorted(addresses), [(m["to"], m["summary"])
                                                                                      for m in mail]
    assert all(len(m["to"]) == 1 and m["dedup_key"] == alert["dedup_key"] for m in mail), mail
    assert {r["address"] for r in alert["to"] if r["route"] == EMAIL} == addresses  # and the on-call sees who
    return mail


def sf_records() -> list[dict]:
    return Destinations.from_environment().salesforce_records()


def crm_records() -> list[dict]:
    return Destinations.from_environment().crm_records()


def holding(name: str) -> list[dict]:
    """The records that hold recommendations: with on_remove clear_fields, a cleared company holds none."""
    spec = consumer(name)
    records = sf_records() if name == "salesforce" else crm_records()
    cleared = [r for r in records if spec.clear_fields and not any(r.get(f) for f in spec.clear_fields)]
    return [r for r in records if r not in cleared]


def expected(conn, name: str, feed_date: str) -> dict[str, dict]:
    """What the destination must hold: the export, mapped."""
    spec = consumer(name)
    out = {}
    with conn.cursor() as cur:
        cur.execute(f"select * from {spec.export} where feed_date = %s", (feed_date,))
        columns = [c.name for c in cur.description]
        for row in cur.fetchall():
            record = map_row(spec, dict(zip(columns, row, strict=False)))
            out[record[spec.external_id]] = record
    return out


def assert_destination_equals_export(conn, name: str, feed_date: str) -> None:
    """Nothing lost, nothing duplicated, no orphan, every field equal, stamps included: they hold the feed date."""
    spec = consumer(name)
    records = holding(name)
    keys = [r[spec.external_id] for r in records]
    assert len(keys) == len(set(keys)), f"duplicated keys in {name}: {sorted(k for k in keys if keys.count(k) > 1)}"
    want = expected(conn, name, feed_date)
    got = {r[spec.external_id]: {k: v for k, v in r.items() if k in want.get(r[spec.external_id], {})}
           for r in records}
    if name == "crm":
        want = {k: {f: ("" if v is None else str(v)) for f, v in rec.items()} for k, rec in want.items()}
    assert sorted(got) == sorted(want), (sorted(set(got) ^ set(want)))[:20]
    assert got == want
