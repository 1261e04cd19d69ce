"""One mutant through the whole pipeline in a real world, judged against the same day run clean.

Every case starts from nothing: the history days run clean, day D is written, the faults are applied to D's landed
files, and D runs through ingest, the gates, the models, publish and every push (``dag.test()``, so alerts go out
as they do in production). What each consumer then sees, read back with its own client, is compared with the clean
run of D:

    absorbed   every consumer sees exactly what it sees after the clean day
    contained  only stores the fault touched differ, and each of them gets no list that day
    stopped    every consumer still sees the day before, and at least one alert went out
    missed     anything else: a consumer sees something the clean day would not have shown it

A contained or stopped mutant is *named* when an alert or the run summary uses a word of its operator's causes.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sandbox.consumers import SERVICES, Destinations
from sandbox.fuzz.operators import CAUSES, OPERATORS, Fault, Target
from sandbox.simulate.catalog import WorldSpec
from sandbox.simulate.publish import write_day
from top_items import settings

log = logging.getLogger(__name__)

ABSORBED, CONTAINED, STOPPED, MISSED = "absorbed", "contained", "stopped", "missed"
OUTCOMES = (ABSORBED, CONTAINED, STOPPED, MISSED)
PIPELINE = settings.PIPELINE_DAG_ID


@dataclass(frozen=True)
class Mutant:
    faults: tuple[tuple[str, float], ...]  # (operator, intensity), applied in order
    seed: int

    @property
    def label(self) -> str:
        return " + ".join(f"{name}@{intensity:g}" for name, intensity in self.faults)


@dataclass
class Observation:
    lists: dict[str, dict[str, tuple]]  # consumer -> store -> what it sees
    before: dict[str, dict[str, tuple]]  # the same, after the history days
    alerts: list[str]  # the causes of the pages day D sent
    summary: str
    state: str


@dataclass
class Verdict:
    mutant: Mutant
    outcome: str
    named: bool
    alerts: list[str]
    faults: list[Fault] = field(default_factory=list)
    differing: dict[str, list[str]] = field(default_factory=dict)


def _no_list(value) -> bool:
    """A store without a list that day: absent, or a record whose list is empty (the CRM's cleared company)."""
    if value is None:
        return True
    return isinstance(value, tuple) and value and not value[0]


class Fuzzer:
    def __init__(self, world, spec: WorldSpec, day: str, history: int = 2, progress=None):
        self.world, self.spec, self.day = world, spec, day
        # Airflow takes over logging once a DAG runs, so progress is a line handed to the caller.
        self.progress = progress or log.info
        first = date.fromisoformat(day) - timedelta(days=history)
        self.history = [(first + timedelta(days=n)).isoformat() for n in range(history)]
        self.destinations = Destinations(world.services, world.s3_endpoint)
        self._dag = None
        self._clean: Observation | None = None

    # -- the world ---------------------------------------------------------------------------------------------
    def reset(self) -> None:
        from sandbox.mocks.control import MockControl
        from sandbox.world.stack import empty_buckets, empty_warehouse
        from top_items.connections import s3_client, warehouse_connection

        with warehouse_connection() as conn:
            empty_warehouse(conn)
        empty_buckets(s3_client())
        for conn_id in SERVICES:
            MockControl.from_connection(self.world.services[conn_id]).reset()
        _close_incidents()

    def run_day(self, day: str) -> str:
        if self._dag is None:
            from airflow.dag_processing.dagbag import DagBag

            from top_items.settings import REPO_ROOT

            bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
            if bag.import_errors:
                raise RuntimeError(f"the DAGs do not import: {bag.import_errors}")
            self._dag = bag.get_dag(PIPELINE)
        moment = date.fromisoformat(day)
        run = self._dag.test(logical_date=datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc))
        return str(getattr(run.state, "value", run.state))

    # -- one case ------------------------------------------------------------------------------------------------
    def observe(self, mutant: Mutant | None) -> tuple[Observation, list[Fault]]:
        from top_items.connections import s3_client, warehouse_connection
        from top_items.summary import format_summary, gather

        self.reset()
        s3 = s3_client()
        for day in self.history:
            write_day(s3, self.spec, date.fromisoformat(day))
            state = self.run_day(day)
            if state != "success":
                raise RuntimeError(f"history day {day} did not run clean ({state}): the fuzzer needs a clean past")
        before = self.destinations.lists()
        raised = len(self.destinations.alarms())
        write_day(s3, self.spec, date.fromisoformat(self.day))
        faults = []
        for index, (name, intensity) in enumerate(mutant.faults if mutant else ()):
            rng = random.Random(f"{mutant.seed}:{index}:{name}:{intensity}")
            faults.append(OPERATORS[name](Target(s3, self.day, self.history[-1], rng, intensity)))
        state = self.run_day(self.day)
        with warehouse_connection() as conn:
            summary = format_summary(gather(conn, self.day))
        alerts = self.destinations.alarms()[raised:]
        return Observation(self.destinations.lists(), before, alerts, summary, state), faults

    def clean(self) -> Observation:
        if self._clean is None:
            self._clean, _ = self.observe(None)
        return self._clean

    def judge(self, mutant: Mutant) -> Verdict:
        clean = self.clean()
        seen, faults = self.observe(mutant)
        differing = {consumer: sorted(store for store in set(lists) | set(clean.lists[consumer])
                                      if lists.get(store) != clean.lists[consumer].get(store))
                     for consumer, lists in seen.lists.items()}
        differing = {consumer: stores for consumer, stores in differing.items() if stores}
        touched = None if any(f.stores is None for f in faults) else set().union(*(f.stores for f in faults))
        if not differing:
            outcome = ABSORBED
        elif seen.lists == seen.before and seen.alerts:
            outcome = STOPPED
        elif touched is not None and all(store in touched and _no_list(seen.lists[consumer].get(store))
                                         for consumer, stores in differing.items() for store in stores):
            outcome = CONTAINED
        else:
            outcome = MISSED
        words = " ".join([*seen.alerts, seen.summary]).lower()
        named = outcome in (CONTAINED, STOPPED) and any(
            cause in words for name, _ in mutant.faults for cause in CAUSES[name])
        self.progress(f"{mutant.label}: {outcome}{', named' if named else ''} ({len(seen.alerts)} alert(s))")
        return Verdict(mutant, outcome, named, seen.alerts, faults, differing)

    def normal_days(self, days: int) -> list[tuple[str, str, int, list[str]]]:
        """Clean days one after another: (day, run state, pages, the checks that warned); a page on a normal day is
        a false alarm."""
        from top_items.connections import s3_client, warehouse_connection
        from top_items.summary import gather

        self.reset()
        s3 = s3_client()
        first = date.fromisoformat(self.day) - timedelta(days=days - 1)
        found = []
        for n in range(days):
            day = (first + timedelta(days=n)).isoformat()
            raised = len(self.destinations.alarms())
            write_day(s3, self.spec, date.fromisoformat(day))
            state = self.run_day(day)
            with warehouse_connection() as conn:
                warnings = _warnings(gather(conn, day))
            found.append((day, state, len(self.destinations.alarms()) - raised, warnings))
            self.progress(f"normal day {day}: run {state}, {found[-1][2]} page(s), {len(warnings)} warning(s)"
                          + "".join(f"\n  {note}" for note in warnings))
        return found


def _warnings(summary: dict) -> list[str]:
    """The day's warned checks, as the summary notes them ("warn: dataset check = value (threshold ...)")."""
    from top_items.quality.outcomes import WARN

    return [note for gate in summary["gates"] for note in (gate["notes"] or "").split("; ")
            if note.startswith(f"{WARN}: ")]


def _close_incidents() -> None:
    from airflow.models import Variable
    from airflow.utils.session import create_session

    from top_items.alerts import INCIDENT_PREFIX

    with create_session() as session:
        session.query(Variable).filter(Variable.key.startswith(INCIDENT_PREFIX)).delete(synchronize_session=False)


def mutants(seed: int, intensities: tuple[float, ...], pairs: int) -> list[Mutant]:
    """Every operator alone at every intensity, then ``pairs`` random pairs: seeded, so a run can be repeated."""
    rng = random.Random(seed)
    alone = [Mutant(((name, intensity),), rng.randrange(2**31)) for name in OPERATORS for intensity in intensities]
    paired = []
    for _ in range(pairs):
        first, second = rng.sample(sorted(OPERATORS), 2)
        paired.append(Mutant(((first, rng.choice(intensities)), (second, rng.choice(intensities))),
                             rng.randrange(2**31)))
    return alone + paired
