"""Alerts a plan raised, seen and delivered as the plan is, on SQLite and PostgreSQL: its
organisations' people see them (list, count, single, state change, the API, the live
stream), another organisation's do not (answered as missing); its e-mails and webhooks go
only to targets of organisations that may see the plan; a change of the plan's marking or
sharing changes who sees its alerts at once, and withholds a delivery queued before it.

One world per dialect for the module (plans, notices, one round of deliveries): the tests
read it; the stream test raises more alerts and the last test changes markings."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import message_from_bytes

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from outpost.api.app import create_app
from outpost.config import Settings
from outpost.markings import TLP
from outpost.records import Alert
from outpost.respond.checks import InvalidError
from outpost.respond.people import Action
from outpost.services import cases, plan_work, plans
from outpost.services import marking as rule
from outpost.services.alerts import (
    deliver_due,
    get_alert,
    handle_alert,
    list_alerts,
    page_alerts,
)
from outpost.services.case_work import unlink_case
from outpost.services.context import Context
from outpost.services.paging import Window
from outpost.services.plan_notices import send_due_notices
from outpost.services.tokens import create_api_token
from outpost.store.alerts import raise_alert
from outpost.store.schema import plans as plan_table
from outpost.warn.delivery import Delivered
from outpost.warn.rules import Mailbox, RuleSet, Smtp, Watch, Webhook
from outpost.web.server import create_web_app
from outpost.web.sessions import COOKIE
from tests import smtp_receiver, webhook_receiver
from tests.conftest import LOOPBACK
from tests.plan_world import PlanWorld, build
from tests.test_web_stream import free_port, listening, next_event
from tests.test_web_support import csrf_of, database_urls

PLAN = rule.Marked("plan", plan_table, Action.MANAGE_PLANS)
COORD, KZ, TJ = "crc-coordinator", "kz-knb-analyst", "tj-gkn-analyst"
MISSING = 2**31 - 1
WEBHOOKS = ("kz", "tj", "general")
CLEAR_GRADE = {"severity": "minor", "urgency": "expected", "certainty": "observed"}


def at(day: int) -> datetime:
    return datetime(2021, 9, day, 12, tzinfo=UTC)


@dataclass
class World:
    people: PlanWorld
    settings: Settings
    clear: int  # an alert from open sources
    delivered: Delivered
    hooks: dict[str, webhook_receiver.Receiver]  # by webhook name
    mail: smtp_receiver.Mailroom

    def as_(self, username: str) -> Context:
        return self.people.as_(username)

    def plan_alerts(self, plan: str) -> list[Alert]:
        found = list_alerts(self.as_(COORD), limit=None)  # the owner sees them all
        return [a for a in found if a.plan == plan]


def remark(world: World, plan_id: str, marking: TLP) -> None:
    """Change the plan's marking as its owner's coordinator, as the services do."""
    coord = world.as_(COORD)
    with coord.engine.begin() as conn:
        row, found = plans.seen(conn, coord.who, plan_id)
        rule.change(conn, coord.who, PLAN, row, found.sharing, marking)


def share(world: World, plan_id: str, org: str) -> None:
    coord = world.as_(COORD)
    with coord.engine.begin() as conn:
        row, _ = plans.seen(conn, coord.who, plan_id)
        rule.share(conn, coord.who, PLAN, row, orgs=[org])


def targets(hooks: dict[str, webhook_receiver.Receiver], mail: smtp_receiver.Mailroom) -> RuleSet:
    """A webhook of each member state and one of no organisation; a mailbox of the centre's
    coordinators and one of a member state's. The watch names the general and the tj ones
    (which a notice of the centre's plan must not use)."""
    owners = {"kz": "kz-knb", "tj": "tj-gkn", "general": None}
    webhooks = {n: Webhook(n, hooks[n].url, "s3cret", owners[n]) for n in owners}
    email = {
        "crc-coord": Mailbox("crc-coord", ("coord@crc.example.org",), "crc"),
        "tj-coord": Mailbox("tj-coord", ("coord@tj.example.org",), "tj-gkn"),
    }
    smtp = Smtp("127.0.0.1", mail.port, "outpost@example.org")
    watch = Watch(deliver=("webhook:general", "webhook:tj", "email:tj-coord"))
    return RuleSet((), webhooks, email, smtp, watch)


def make_plans(people: PlanWorld) -> None:
    """Two plans of the centre, AMBER, each with a measure for kz-knb (named on the plan by
    being assigned): tj-gkn is named on neither."""
    coord = people.as_(COORD)
    for uid, title in (("p1", "Border checks"), ("p2", "Refugee corridors")):
        plans.create_plan(
            coord, uid, title, due=date(2021, 9, 30), marking="TLP:AMBER", fixed_id=True
        )
        plan_work.add_measure(
            coord,
            uid,
            f"Close the crossing ({uid})",
            ["kz-knb"],
            date(2021, 9, 16),
            date(2021, 9, 20),
        )


def raise_clear(ctx: Context, subject: str, when: datetime) -> int:
    with ctx.engine.begin() as conn:
        ident, _ = raise_alert(
            conn, "open-sources", subject, None, CLEAR_GRADE, "Convoy attacked", [], [], when
        )
    return ident


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("marked-alerts")
    urls = database_urls(request.param, folder)
    with contextlib.ExitStack() as stack:
        stack.callback(urls.close)  # drops the PostgreSQL schema
        settings = Settings(data_dir=folder / "data", database_url=next(urls))
        people = build(settings)
        stack.callback(people.ctx.engine.dispose)
        hooks = {
            n: stack.enter_context(webhook_receiver.running()) for n in ("kz", "tj", "general")
        }
        mail = stack.enter_context(smtp_receiver.running())
        rules = targets(hooks, mail)
        make_plans(people)
        clear = raise_clear(people.ctx, "story-1", at(9))
        send_due_notices(people.ctx, at(10), rules)  # reminders: to kz-knb
        send_due_notices(people.ctx, at(17), rules)  # overdue: to the centre's coordinators
        made = World(people, settings, clear, Delivered(0, 0), hooks, mail)
        # p2 made AMBER+STRICT after its reminder was queued for kz-knb's webhook.
        remark(made, "p2", TLP.AMBER_STRICT)
        made.delivered = deliver_due(people.ctx.engine, rules, at(17), allow=LOOPBACK)
        yield made


def ids(found: list[Alert]) -> set[int]:
    return {a.id for a in found}


def test_a_plan_alert_names_the_plan_and_takes_its_marking(world: World) -> None:
    p1 = world.plan_alerts("p1")
    assert sorted(a.subject.split("/")[2] for a in p1) == ["overdue", "reminder-7d"]
    assert {a.marking for a in p1} == {"TLP:AMBER"}
    assert {a.marking for a in world.plan_alerts("p2")} == {"TLP:AMBER+STRICT"}
    overdue = next(a for a in p1 if "overdue" in a.subject)
    assert "«Border checks»" in overdue.title and "«Close the crossing (p1)»" in overdue.title


def test_the_plans_organisations_see_its_alerts_and_another_does_not(world: World) -> None:
    p1, p2 = ids(world.plan_alerts("p1")), ids(world.plan_alerts("p2"))
    seen = {who: ids(list_alerts(world.as_(who), limit=None)) for who in (COORD, KZ, TJ)}
    assert seen[COORD] == p1 | p2 | {world.clear}
    assert seen[KZ] == p1 | {world.clear}  # named on p1; p2 is its owner's alone now
    assert seen[TJ] == {world.clear}
    assert ids(list_alerts(world.people.ctx, limit=None)) == {world.clear}  # CLEAR only
    totals = {who: page_alerts(world.as_(who), None, Window()).total for who in (COORD, KZ, TJ)}
    assert totals == {COORD: 5, KZ: 3, TJ: 1}
    new = {who: page_alerts(world.as_(who), "new", Window()).total for who in (KZ, TJ)}
    assert new == {KZ: 3, TJ: 1}


def test_a_hidden_alert_answers_as_a_missing_one(world: World) -> None:
    hidden = min(ids(world.plan_alerts("p1")))
    tj, kz = world.as_(TJ), world.as_(KZ)
    assert get_alert(tj, hidden) is None and get_alert(tj, MISSING) is None
    assert handle_alert(tj, hidden, "closed", at(18)) is None
    assert get_alert(kz, hidden) is not None
    untouched = get_alert(world.as_(COORD), hidden)
    assert untouched is not None and untouched.alert.state == "new"
    with pytest.raises(InvalidError) as refused:
        cases.open_case(tj, "From the alert", "alert", str(hidden))
    with pytest.raises(InvalidError) as missing:
        cases.open_case(tj, "From the alert", "alert", str(MISSING))
    assert str(refused.value).replace(str(hidden), "N") == str(missing.value).replace(
        str(MISSING), "N"
    )


def test_deliveries_go_only_to_targets_that_may_see_the_plan(world: World) -> None:
    p1_reminder = next(a for a in world.plan_alerts("p1") if "reminder" in a.subject)
    posted = [json.loads(body) for _, body in world.hooks["kz"].got]
    assert [p["id"] for p in posted] == [p1_reminder.id]  # p2's was withheld
    assert posted[0]["marking"] == "TLP:AMBER" and posted[0]["plan"] == "p1"
    assert world.hooks["tj"].got == [] and world.hooks["general"].got == []
    mails = [message_from_bytes(m) for m in world.mail.messages]
    assert sorted(m["To"] for m in mails) == ["coord@crc.example.org"] * 2  # p1's, p2's overdue
    assert all("Overdue" in str(m["Subject"]) for m in mails)
    assert world.delivered == Delivered(3, 0)
    p2_reminder = next(a for a in world.plan_alerts("p2") if "reminder" in a.subject)
    (withheld,) = p2_reminder.deliveries
    assert (withheld.target, withheld.state) == ("webhook:kz", "withheld")
    queued = {d.target for a in world.plan_alerts("p1") for d in a.deliveries}
    assert queued == {"webhook:kz", "email:crc-coord"}  # never tj's, never the general one


def test_the_api_shows_a_plan_alert_to_its_organisations_only(world: World) -> None:
    app = create_app(world.settings)
    hidden = min(ids(world.plan_alerts("p1")))
    with TestClient(app, raise_server_exceptions=False) as client:
        ctx: Context = app.state.context

        def token(username: str) -> dict[str, str]:
            who = world.as_(username).who
            return {"Authorization": f"Bearer {create_api_token(ctx.acting(who), 't')[1]}"}

        kz, tj = token(KZ), token(TJ)
        listed = client.get("/api/v1/alerts", headers=tj).json()
        assert [a["id"] for a in listed["items"]] == [world.clear] and listed["total"] == 1
        assert client.get("/api/v1/alerts", headers=kz).json()["total"] == 3
        assert client.get(f"/api/v1/alerts/{hidden}", headers=kz).status_code == 200
        for method, body in (("GET", None), ("PATCH", {"state": "closed"})):
            shown = client.request(method, f"/api/v1/alerts/{hidden}", headers=tj, json=body)
            gone = client.request(method, f"/api/v1/alerts/{MISSING}", headers=tj, json=body)
            assert shown.status_code == gone.status_code == 404
            assert _but_path(shown.json()) == _but_path(gone.json())


def _but_path(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k != "instance"}


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[tuple[str, Context]]:
    app = create_web_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}", app.state.context
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def cookie(url: str, ctx: Context, world: World, username: str) -> str:
    secret = create_api_token(ctx.acting(world.as_(username).who), "stream")[1]
    with httpx.Client(base_url=url, timeout=10) as c:
        form = c.get("/signin").text
        answer = c.post("/signin", data={"token": secret, "csrf_token": csrf_of(form)})
        assert answer.status_code == 303
        return str(c.cookies[COOKIE])


def test_the_live_stream_tells_only_of_alerts_its_viewer_may_see(world: World) -> None:
    with serving(world.settings) as (url, ctx):
        path = f"/alerts/stream?after={datetime.now(UTC).timestamp():.6f}"
        tj_cookie, kz_cookie = cookie(url, ctx, world, TJ), cookie(url, ctx, world, KZ)
        with listening_as(url, path, tj_cookie) as tj, listening_as(url, path, kz_cookie) as kz:
            time.sleep(1.5)  # both streams are open and have polled
            # Today both measures are past their critical dates: escalations, raised now (the
            # stream tells of alerts changed since it opened). kz-knb is named on p1 only.
            send_due_notices(world.people.ctx, datetime.now(UTC))
            escalated = next(a for a in world.plan_alerts("p1") if "escalated" in a.subject)
            later = raise_clear(world.people.ctx, f"story-{time.time()}", datetime.now(UTC))
            assert next_event(kz, f'id="alert-{escalated.id}"') is not None
            told = next_event(tj, f'id="alert-{later}"')
            assert told is not None, "the CLEAR alert did not arrive"
            assert f"alert-{escalated.id}" not in told and "Border checks" not in told
            assert next_event(tj, f'id="alert-{escalated.id}"') is None
        pages = {who: inbox(url, c) for who, c in ((KZ, kz_cookie), (TJ, tj_cookie))}
        assert f'id="alert-{escalated.id}"' in pages[KZ] and "Border checks" in pages[KZ]
        assert f'id="alert-{escalated.id}"' not in pages[TJ] and "Border checks" not in pages[TJ]
        with httpx.Client(base_url=url, cookies={COOKIE: tj_cookie}, timeout=10) as c:
            form = {"state": "closed", "csrf_token": csrf_of(pages[TJ])}
            hidden = c.post(f"/alerts/{escalated.id}/state", data=form)
            missing = c.post(f"/alerts/{MISSING}/state", data=form)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text == missing.text


def inbox(url: str, session: str) -> str:
    with httpx.Client(base_url=url, cookies={COOKIE: session}, timeout=10) as c:
        answer = c.get("/alerts")
        assert answer.status_code == 200
        return answer.text


@contextlib.contextmanager
def listening_as(url: str, path: str, session: str) -> Iterator[object]:
    class _Server:  # what tests.test_web_stream.listening reads of a server
        def __init__(self, address: str) -> None:
            self.url = address

    with listening(_Server(url), path, session) as lines:  # type: ignore[arg-type]
        yield lines


def test_a_case_shows_a_linked_plan_alert_only_to_who_sees_the_plan(world: World) -> None:
    overdue = next(a for a in world.plan_alerts("p1") if "overdue" in a.subject)
    coord = world.as_(COORD)
    case = cases.open_case(
        coord, "Late closing", "alert", str(overdue.id), "TLP:AMBER", orgs=["kz-knb", "tj-gkn"]
    )
    shown = {who: cases.get_case(world.as_(who), case.id) for who in (COORD, KZ, TJ)}
    assert [(x.kind, x.id, x.marking) for x in shown[KZ].links] == [
        ("alert", str(overdue.id), "TLP:AMBER")
    ]
    assert shown[COORD].links == shown[KZ].links
    assert shown[TJ].links == ()  # it sees the case, not the plan's alert
    linked = {who: [e for e in v.timeline if e.what == "linked"] for who, v in shown.items()}
    assert [e.detail for e in linked[KZ]] == [{"kind": "alert", "id": str(overdue.id)}]
    assert linked[TJ] == []  # nor the entry that names it
    assert unlink_case(world.as_(TJ), case.id, "alert", str(overdue.id)) is False  # tj: analyst
    assert cases.get_case(coord, case.id).links == shown[COORD].links


def test_a_change_of_the_plans_marking_changes_who_sees_its_alerts(world: World) -> None:
    p2 = ids(world.plan_alerts("p2"))
    kz, tj = world.as_(KZ), world.as_(TJ)
    assert not p2 & ids(list_alerts(kz, limit=None))
    remark(world, "p2", TLP.AMBER)  # loosened by its owner's coordinator: kz-knb is named
    assert p2 <= ids(list_alerts(kz, limit=None))
    assert not p2 & ids(list_alerts(tj, limit=None))
    share(world, "p2", "tj-gkn")
    assert p2 <= ids(list_alerts(tj, limit=None))
    assert get_alert(tj, min(p2)) is not None
    remark(world, "p2", TLP.RED)  # named people only: the coordinator who made it so
    assert not p2 & (ids(list_alerts(kz, limit=None)) | ids(list_alerts(tj, limit=None)))
    assert p2 <= ids(list_alerts(world.as_(COORD), limit=None))
