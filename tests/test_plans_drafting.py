"""From text to plan: the seed articles ingested and analysed for real (once for the module),
their decisions with deadlines drafted into a plan due 16 September 2021 whose evidence is the
sentence of the article; and the rules of drafting on events written out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from outpost.config import FetchSettings, Settings, sqlite_url
from outpost.markings import TLP
from outpost.records import EventRow, MeasureState
from outpost.respond.drafting import COMMITMENT_TYPES, draft_plan, shorten
from outpost.respond.people import NotAllowedError
from outpost.respond.plans import PlanError
from outpost.respond.rollup import PlanState, rollup
from outpost.services.analysis import analyze_store
from outpost.services.context import Context, operator
from outpost.services.events import find_events, get_event
from outpost.services.ingest import ingest
from outpost.services.paging import Filters, Window
from outpost.store import connect
from tests.plan_parts import CRC_COORDINATOR, KZ_ANALYST, NOW
from tests.plan_world import seed_articles


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    """A SQLite store holding the two seed articles, analysed by the real pipeline."""
    folder = tmp_path_factory.mktemp("seeds")
    articles = seed_articles(folder)
    url = sqlite_url(folder / "seeds.db")
    engine = connect(url)
    settings = Settings(data_dir=folder / "data", database_url=url, fetch=FetchSettings())
    assert ingest(engine, settings, [str(articles)]).new == 2
    analyze_store(engine)
    try:
        yield Context(engine, settings, operator())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def events(seeded: Context) -> list[EventRow]:
    page = find_events(seeded, Filters(), Window(limit=200))
    assert page.next_cursor is None  # every event on one page
    return list(page.items)


def test_the_seed_articles_draft_a_plan_due_on_16_september(
    seeded: Context, events: list[EventRow]
) -> None:
    plan = draft_plan(
        events, CRC_COORDINATOR, plan_id="afg-draft", now=NOW, orgs=["kz-knb", "tj-gknb"],
        marking=TLP.AMBER, title="Joint response measures to the threats coming from Afghanistan",
    )  # fmt: skip
    assert plan.due == date(2021, 9, 16)
    due = [m for m in plan.measures if m.due == date(2021, 9, 16)]
    assert due, [(m.due, m.title) for m in plan.measures]
    measure = due[0]
    assert "16" in measure.evidence[0].quote
    assert "implemented by September 16" in measure.description
    assert measure.orgs == ("kz-knb", "tj-gknb") and measure.state is MeasureState.ASSIGNED
    # The evidence points at the very sentence of the stored article.
    for proof in measure.evidence:
        assert proof.event is not None and proof.start is not None
        detail = get_event(seeded, proof.event)
        assert detail is not None and detail.article.uid == proof.article
        assert detail.article.text[proof.start : proof.end] == proof.quote
    assert rollup(plan, NOW).state is PlanState.NOT_STARTED


def test_only_decisions_with_deadlines_become_measures(events: list[EventRow]) -> None:
    plan = draft_plan(events, CRC_COORDINATOR, plan_id="d", title="Draft", now=NOW)
    chosen = {e.id for e in events if e.deadline and e.type in COMMITMENT_TYPES}
    assert {p.event for m in plan.measures for p in m.evidence} == chosen
    assert len(chosen) < len(events)  # the seeds hold events without a deadline too
    # Without a list of organisations the owner takes the measures, to reassign them.
    assert {m.orgs for m in plan.measures} == {("crc",)}
    assert plan.marking is TLP.AMBER_STRICT


def test_no_decision_with_a_deadline_is_refused_by_name(events: list[EventRow]) -> None:
    undated = [e for e in events if not e.deadline]
    with pytest.raises(PlanError, match=f"no decision with a deadline among {len(undated)} event"):
        draft_plan(undated, CRC_COORDINATOR, plan_id="d", title="Draft", now=NOW)


# The rules, on events written out ----------------------------------------------------------

BASE = EventRow(
    id=1, article="a1", title="Session", type="AGREEMENT", score=0.8, confidence=0.8,
    date="2021-08-23", deadline="2021-09-16", country=None, place=None, actors=[], targets=[],
    domains=[], evidence="The ministers must report by September 16.", start=10, end=52,
)  # fmt: skip


def test_a_partial_deadline_falls_due_at_the_end_of_its_month_or_year() -> None:
    events = [
        BASE,
        replace(BASE, id=2, deadline="2021-11", evidence="Plans are due by November."),
        replace(BASE, id=3, deadline="2022", evidence="Exercises by the end of 2022."),
    ]
    plan = draft_plan(events, CRC_COORDINATOR, plan_id="d", title="Draft", now=NOW)
    assert [m.due for m in plan.measures] == [
        date(2021, 9, 16),
        date(2021, 11, 30),
        date(2022, 12, 31),
    ]
    assert plan.due == date(2022, 12, 31)


def test_the_same_sentence_twice_is_one_measure_with_both_pieces_of_evidence() -> None:
    copy = replace(
        BASE, id=7, article="a2", evidence="The ministers  must report by\nSeptember 16."
    )
    plan = draft_plan([BASE, copy], CRC_COORDINATOR, plan_id="d", title="Draft", now=NOW)
    (measure,) = plan.measures
    assert [(p.article, p.event) for p in measure.evidence] == [("a1", 1), ("a2", 7)]
    assert measure.title == "The ministers must report by September 16."
    assert measure.description == "The ministers must report by September 16.\n\nFrom: Session (a1)"


def test_events_of_other_types_are_left_out_and_the_types_can_be_chosen() -> None:
    attack = replace(BASE, type="ATTACK", evidence="They threatened to strike by September 16.")
    with pytest.raises(PlanError, match="no decision with a deadline among 1 event"):
        draft_plan([attack], CRC_COORDINATOR, plan_id="d", title="Draft", now=NOW)
    plan = draft_plan(
        [attack], CRC_COORDINATOR, plan_id="d", title="Draft", now=NOW, types={"ATTACK"}
    )
    assert len(plan.measures) == 1


def test_a_bad_deadline_names_its_event() -> None:
    with pytest.raises(PlanError, match="event 1: deadline '2021-02-30': day is out of range"):
        draft_plan(
            [replace(BASE, deadline="2021-02-30")], CRC_COORDINATOR, plan_id="d", title="D", now=NOW
        )
    with pytest.raises(
        PlanError, match="event 1: deadline 'soon': not YYYY, YYYY-MM or YYYY-MM-DD"
    ):
        draft_plan(
            [replace(BASE, deadline="soon")], CRC_COORDINATOR, plan_id="d", title="D", now=NOW
        )


def test_only_a_coordinator_drafts_and_long_sentences_make_short_titles() -> None:
    with pytest.raises(NotAllowedError, match="may not create a plan"):
        draft_plan([BASE], KZ_ANALYST, plan_id="d", title="Draft", now=NOW)
    long = replace(BASE, evidence="The leaders " + "agreed and " * 30 + "will act by September 16.")
    (measure,) = draft_plan([long], CRC_COORDINATOR, plan_id="d", title="Draft", now=NOW).measures
    assert len(measure.title) <= 120 and measure.title.endswith("agreed…")
    assert shorten("short", 120) == "short"
