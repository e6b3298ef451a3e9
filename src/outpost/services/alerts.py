"""Alerts: clustered articles read against the watch rules, spikes in the watched countries,
deliveries, and the analysts' inbox.

Each article is read once: its alerts (new or updated) and the mark that it was read are
written in one transaction, so a run stopped at any moment neither skips an article nor
raises its alert twice; the mark is written first, so two runs at once read it once. An
alert is keyed by rule and story: later articles of the story add evidence to it, they do
not raise it again or send it again.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Engine

from outpost.addresses import IPNetwork
from outpost.records import Alert, Doc, Reading
from outpost.respond.people import Action, require_of_people
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.services.indicators import readings
from outpost.services.paging import (
    BadQueryError,
    Page,
    Window,
    checked_window,
    decode_cursor,
    encode_cursor,
)
from outpost.store import alerts as store
from outpost.store.alerts import Handled
from outpost.store.stories import story_title
from outpost.warn.delivery import (
    BATCH,
    LEASE,
    TIMEOUT,
    Delivered,
    Sending,
    attempt,
    retry_delay,
)
from outpost.warn.matching import VIOLENT_GROUPS, Evidence, grade, match
from outpost.warn.rules import RuleSet

SPIKE_RULE = "spike"
WITHHELD = "withheld: its target's organisation may not see this alert"
STATES = ("new", "acknowledged", "closed")
ALERT_SORTS = tuple(store.SORTS)  # "-updated" first: newest activity first


@dataclass(frozen=True)
class Checked:
    articles: int
    new: int  # alerts raised
    updated: int  # alerts that gained evidence


@functools.cache
def violent_types() -> frozenset[str]:
    """Read once per process: `outpost watch` asks every cycle."""
    from outpost.analyze.event_types import load_taxonomy

    return frozenset(t.name for t in load_taxonomy().types if t.group in VIOLENT_GROUPS)


class _Spikes:
    """Spike scores per series and day, read once per check."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[tuple[str, date], dict[str, Reading]] = {}

    def score(self, doc: Doc) -> float:
        if doc.published is None:
            return 0.0
        day = doc.published.date()
        keys = [("country", p.country) for p in doc.places if p.country]
        keys += [("domain", t.domain) for t in doc.threats]
        found = [self.reading(kind, day).get(key) for kind, key in keys]
        return max((r.score for r in found if r is not None and r.spike), default=0.0)

    def reading(self, kind: str, day: date) -> dict[str, Reading]:
        if (kind, day) not in self.cache:
            self.cache[(kind, day)] = {r.key: r for r in readings(self.conn, kind, day)}
        return self.cache[(kind, day)]


def check_articles(engine: Engine, rules: RuleSet, now: datetime, batch: int = 64) -> Checked:
    """Read every clustered article the rules have not read yet, `batch` at a time."""
    violent = violent_types()
    done = new = updated = 0
    while True:
        with engine.connect() as conn:
            todo = store.unchecked(conn, batch)
            spikes = _Spikes(conn)
            # Spike scores cost queries; only a rule with min_spike reads them.
            wanted = any(rule.min_spike is not None for rule in rules.rules)
            scores = [spikes.score(doc) if wanted else 0.0 for _, _, doc, _ in todo]
        if not todo:
            return Checked(done, new, updated)
        for (article_id, story_id, doc, url), spike in zip(todo, scores, strict=True):
            with engine.begin() as conn:
                # Claimed first: another run reading it at the same time gets nothing to do.
                if not store.mark_checked(conn, article_id, now):
                    continue
                raised = _check(conn, rules, violent, story_id, doc, url, spike, now)
            done += 1
            new += raised.count(True)
            updated += raised.count(False)


def _check(
    conn: Connection,
    rules: RuleSet,
    violent: frozenset[str],
    story_id: str,
    doc: Doc,
    url: str | None,
    spike: float,
    now: datetime,
) -> list[bool]:
    """The article against every rule; for each alert raised or updated, whether it is new."""
    title = story_title(conn, story_id) or doc.title or doc.id
    raised = []
    for rule in rules.rules:
        evidence = match(rule, doc, spike)
        if evidence is None:
            continue
        cap = grade(rule, evidence, doc.published or now, now, violent)
        _, created = store.raise_alert(
            conn,
            rule.id,
            story_id,
            story_id,
            asdict(cap),
            f"{rule.name}: {title}",
            [_evidence(e, url) for e in evidence],
            rule.deliver,
            now,
        )
        raised.append(created)
    return raised


def _evidence(e: Evidence, url: str | None) -> dict[str, object]:
    return {**asdict(e), "url": url}


def check_spikes(engine: Engine, rules: RuleSet, now: datetime) -> int:
    """Raise an alert for each watched country that spikes on the latest counted day."""
    watch = rules.watch
    with engine.connect() as conn:
        found = [r for r in readings(conn, "country") if r.key in watch.countries and r.spike]
    raised = 0
    for r in found:
        if r.score < watch.min_spike:
            continue
        title = (
            f"Unusual number of reports on {r.key}: {r.observed} on {r.day}, "
            f"{r.expected:.1f} expected (1 in {r.one_in_days:,.0f} days)"
        )
        evidence = [{"kind": "spike", "label": r.key, "sentence": title, "confidence": 1.0}]
        cap = {"severity": "moderate", "urgency": "expected", "certainty": "observed"}
        with engine.begin() as conn:
            _, created = store.raise_alert(
                conn,
                SPIKE_RULE,
                f"country:{r.key}:{r.day}",
                None,
                cap,
                title,
                evidence,
                watch.deliver,
                now,
            )
        raised += created
    return raised


def deliver_due(
    engine: Engine,
    rules: RuleSet,
    now: datetime,
    timeout: float = TIMEOUT,
    allow: Iterable[IPNetwork] = (),
    batch: int = BATCH,
) -> Delivered:
    """Try every delivery that is due once (up to `batch`); record each outcome.

    `allow` is the fetch_allow_networks setting: by default no private address is reached.
    A delivery another run has taken meanwhile is left to it, so none is sent twice. One
    whose target may no longer receive the alert (its plan's marking or sharing changed since
    it was queued) is withheld for good, never sent."""
    nets = tuple(allow)
    with engine.connect() as conn:
        todo = store.due(conn, now, batch)
    sent = failed = 0
    for delivery, alert in todo:
        with engine.begin() as conn:
            if not store.claim(conn, delivery, now, now + LEASE):
                continue
            if not store.may_receive(conn, alert.id, rules.owner_of(delivery.target)):
                store.withhold(conn, delivery.id, WITHHELD, now)
                continue
        outcome = attempt(rules, delivery, alert, Sending(timeout, nets, now))
        wait = max(retry_delay(delivery.attempts + 1), outcome.wait or timedelta(0))
        with engine.begin() as conn:
            store.record_attempt(conn, delivery.id, outcome.error, now, now + wait)
        sent += outcome.error is None
        failed += outcome.error is not None
    return Delivered(sent, failed)


def deliver(ctx: Context, rules: RuleSet, now: datetime) -> Delivered:
    """Deliver what is due, under the settings' address policy."""
    return deliver_due(ctx.engine, rules, now, allow=ctx.settings.fetch.allow_networks)


def list_alerts(ctx: Context, state: str | None = None, limit: int | None = 50) -> list[Alert]:
    """The inbox, newest activity first, with each alert's deliveries."""
    if state not in (None, *STATES):
        raise ValueError(f"state: one of {', '.join(STATES)}")
    with ctx.engine.connect() as conn:
        return store.list_alerts(conn, ctx.who, state, limit)


def set_alert_state(ctx: Context, alert_id: int, state: str, now: datetime) -> bool:
    """Acknowledge or close an alert as the acting principal; False when there is no such
    alert."""
    return handle_alert(ctx, alert_id, state, now) is not None


def handle_alert(ctx: Context, alert_id: int, state: str, now: datetime) -> Handled | None:
    """Acknowledge or close an alert as the acting principal (who and when are kept); the
    alert as it is now, or None when there is no such alert. NotAllowedError for a viewer."""
    require_of_people(ctx.who, Action.HANDLE_ALERTS)
    if state not in STATES:
        raise ValueError(f"state: one of {', '.join(STATES)}")
    with ctx.engine.begin() as conn:
        if not store.set_state(conn, ctx.who, alert_id, state, now):
            return None
        record(conn, ctx.who, "alert.state", f"alert:{alert_id}", {"state": state})
        return store.get_handled(conn, ctx.who, alert_id)


def alerts_changed(ctx: Context, since: datetime, limit: int = 500) -> list[Alert]:
    """Alerts raised or changed at `since` or later, oldest change first, at most `limit`:
    what a live inbox has not shown yet. Only those the acting principal may see: a stream
    never tells of an alert its viewer could not open."""
    with ctx.engine.connect() as conn:
        return store.changed_since(conn, ctx.who, since, limit)


def get_alert(ctx: Context, alert_id: int) -> Handled | None:
    """The alert if the acting principal may see it; None alike when it does not exist."""
    with ctx.engine.connect() as conn:
        return store.get_handled(conn, ctx.who, alert_id)


def page_alerts(ctx: Context, state: str | None, window: Window) -> Page[Handled]:
    """A page of the inbox in the `state` (None: every state), newest activity first unless
    the window sorts otherwise (ALERT_SORTS); BadQueryError names a bad state, sort or cursor."""
    if state not in (None, *STATES):
        raise BadQueryError(f"state: one of {', '.join(STATES)}")
    sort = checked_window(window, ALERT_SORTS)
    after = _after(window.cursor, sort) if window.cursor else None
    with ctx.engine.connect() as conn:
        found, total = store.page_alerts(conn, ctx.who, state, sort, after, window.limit + 1)
    items = found[: window.limit]
    if len(found) <= window.limit:
        return Page(tuple(items), total, None)
    last = items[-1].alert
    when = last.updated if sort.endswith("updated") else last.created
    return Page(tuple(items), total, encode_cursor(sort, when.isoformat(), last.id))


def _after(cursor: str, sort: str) -> tuple[datetime, int]:
    value, ident = decode_cursor(cursor, sort)
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or not isinstance(ident, int):
        raise BadQueryError("cursor: not a cursor this list gave")
    return when, ident


def check(ctx: Context, rules: RuleSet, now: datetime) -> tuple[Checked, int]:
    """Read the new articles against the rules, then look for spikes: (checked, spikes)."""
    return check_articles(ctx.engine, rules, now), check_spikes(ctx.engine, rules, now)
