"""The DAGs run in-process with ``dag.test()``, and the incidents Airflow keeps between runs."""

from __future__ import annotations

from datetime import date, datetime, timezone

from tests.support.paths import REPO


def run_dag(dag_id: str, feed_date: str, conf: dict | None = None):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert not bag.import_errors, bag.import_errors
    day = date.fromisoformat(feed_date)
    return bag.get_dag(dag_id).test(logical_date=datetime(day.year, day.month, day.day, tzinfo=timezone.utc),
                                    run_conf=conf)


def close_incidents() -> None:
    """Open incidents live in Airflow's metadata (top_items/alerts.py): each test starts with none, as the pager."""
    from airflow.models import Variable
    from airflow.utils.session import create_session

    from top_items.alerts import INCIDENT_PREFIX

    with create_session() as session:
        session.query(Variable).filter(Variable.key.startswith(INCIDENT_PREFIX)).delete(synchronize_session=False)
