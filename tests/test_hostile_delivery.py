"""Issue 11 on the delivery side, replayed against a real webhook receiver and a real SMTP
server on loopback, on SQLite and PostgreSQL: a title with line breaks and escapes goes out
clean and holds nothing up; a failing delivery never blocks the others; webhooks and the mail
server pass the one address policy; Retry-After is honoured; two runs at once raise one
alert, read one article once and send one delivery once."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select

from outpost.config import Settings
from outpost.records import Delivery
from outpost.services.alerts import deliver_due
from outpost.services.context import SYSTEM_WATCH
from outpost.services.ingest import ingest
from outpost.store.alerts import get_alert, mark_checked, raise_alert
from outpost.store.schema import alert_checks, articles
from outpost.warn.delivery import one_line
from outpost.warn.rules import Mailbox, RuleSet, Smtp, Webhook
from tests.conftest import LOOPBACK
from tests.smtp_receiver import Mailroom, running
from tests.webhook_receiver import Receiver

NOW = datetime(2025, 3, 15, 12, tzinfo=UTC)
SECRET = "s3cret-for-tests"
GRADE = {"severity": "severe", "urgency": "immediate", "certainty": "observed"}
HOSTILE = "Bridge down\r\nBcc: victim@example.org\x1b[31m\u202eevil\x85end\x00"
CONTROL = {*range(0x20), *range(0x7F, 0xA0), 0x202E}


@pytest.fixture
def room() -> Iterator[Mailroom]:
    with running() as mailroom:
        yield mailroom


def rules(receiver: Receiver, smtp_port: int = 9, **hooks: str) -> RuleSet:
    webhooks = {"ops": Webhook("ops", receiver.url, SECRET)}
    webhooks |= {name: Webhook(name, url, SECRET) for name, url in hooks.items()}
    return RuleSet(
        (),
        webhooks=webhooks,
        email={"duty": Mailbox("duty", ("duty@example.org",))},
        smtp=Smtp("127.0.0.1", smtp_port, "outpost@example.org"),
    )


def alert(
    engine: Engine, subject: str, targets: list[str], title: str = "Shelling", at: datetime = NOW
) -> int:
    with engine.begin() as conn:
        alert_id, created = raise_alert(
            conn, "attacks", subject, None, GRADE, title, [{"sentence": title}], targets, at
        )
    assert created
    return alert_id


def deliveries(engine: Engine, alert_id: int) -> dict[str, Delivery]:
    with engine.connect() as conn:
        found = get_alert(conn, SYSTEM_WATCH, alert_id)
    assert found is not None
    return {d.target: d for d in found.deliveries}


# --- item 2: control characters never reach a header; one delivery never stops the others ---


def test_a_title_with_line_breaks_goes_out_clean_and_holds_nothing_up(
    engine: Engine, receiver: Receiver, room: Mailroom
) -> None:
    hostile = alert(engine, "story-1", ["webhook:ops", "email:duty"], title=HOSTILE)
    other = alert(engine, "story-2", ["webhook:ops"], at=NOW + timedelta(seconds=1))
    done = deliver_due(
        engine, rules(receiver, room.port), NOW + timedelta(seconds=1), allow=LOOPBACK
    )
    assert (done.sent, done.failed) == (3, 0)
    (raw,) = room.messages
    message = message_from_bytes(raw)
    subject = "[Outpost severe] Bridge down Bcc: victim@example.org [31m evil end"
    assert message["Subject"] == subject
    assert message["Bcc"] is None and room.recipients == [["duty@example.org"]]
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    assert not any(line.startswith(b"Bcc") for line in head.splitlines())
    assert b"\x1b" not in raw and b"\x00" not in raw  # the body's title line is clean too
    posted = {json.loads(body)["id"]: headers for headers, body in receiver.got}
    assert set(posted) == {hostile, other}
    for headers in posted.values():
        assert not any(ord(c) in CONTROL for value in headers.values() for c in value)
    body = next(json.loads(b) for _, b in receiver.got if json.loads(b)["id"] == hostile)
    assert body["title"] == HOSTILE.replace("\x00", "")  # the JSON body: the data, escaped


def test_addresses_in_the_rule_file_cannot_add_headers_or_recipients(
    engine: Engine, receiver: Receiver, room: Mailroom
) -> None:
    mailbox = Mailbox("duty", ("duty@example.org\r\nBcc: spy@example.net",))
    smtp = Smtp("127.0.0.1", room.port, "outpost@example.org\nX-Injected: yes")
    hostile = RuleSet((), email={"duty": mailbox}, smtp=smtp)
    alert(engine, "story-1", ["email:duty"])
    assert deliver_due(engine, hostile, NOW, allow=LOOPBACK).sent == 1
    (raw,) = room.messages
    message = message_from_bytes(raw)
    assert room.recipients == [["duty@example.org"]]
    assert message["Bcc"] is None and message["X-Injected"] is None


def test_header_values_are_one_bounded_line() -> None:
    assert one_line("a\r\nb\tc\x1b\x9b\u2028d\u2066e\u200ff") == "a b c d e f"
    assert one_line("x" * 500) == "x" * 199 + "…"
    assert one_line("\ud800ok") == "\ufffdok"
    assert one_line("Ялта: взрыв‌ов") == "Ялта: взрыв‌ов"  # letters and the ZWNJ of Persian kept


def test_a_failing_delivery_moves_back_and_the_others_go_out(
    engine: Engine, receiver: Receiver
) -> None:
    hooks = rules(receiver, elsewhere="http://10.255.0.1:9/hook")
    stuck = alert(engine, "story-1", ["webhook:elsewhere"], at=NOW - timedelta(minutes=1))
    fine = alert(engine, "story-2", ["webhook:ops"])
    first = deliver_due(engine, hooks, NOW, allow=LOOPBACK, batch=1)
    assert (first.sent, first.failed) == (0, 1)  # the oldest went first, and failed
    second = deliver_due(engine, hooks, NOW + timedelta(seconds=1), allow=LOOPBACK, batch=1)
    assert (second.sent, second.failed) == (1, 0)  # not behind the failing one
    assert [json.loads(body)["id"] for _, body in receiver.got] == [fine]
    failing = deliveries(engine, stuck)["webhook:elsewhere"]
    assert failing.state == "failing" and failing.next_attempt == NOW + timedelta(seconds=30)
    assert (failing.last_error or "").startswith("AddressError: refused to connect to http://")
    assert "fetch_allow_networks" in (failing.last_error or "")


@contextmanager
def dripping_receiver() -> Iterator[str]:
    """A webhook receiver that reads the request, then answers one byte every 0.3 s: each
    read is well inside any time-out, the whole answer would take a minute."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"x" * 200 + b"\r\n\r\n":
                if stop.wait(0.3):
                    return
                with contextlib.suppress(OSError):
                    connection.sendall(bytes([byte]))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    finally:
        stop.set()
        server.close()


def test_a_receiver_that_drips_its_answer_costs_one_deadline(
    engine: Engine, receiver: Receiver
) -> None:
    with dripping_receiver() as url:
        hooks = rules(receiver, slow=url)
        slow = alert(engine, "story-1", ["webhook:slow"], at=NOW - timedelta(minutes=1))
        fine = alert(engine, "story-2", ["webhook:ops"])
        started = time.monotonic()
        done = deliver_due(engine, hooks, NOW, timeout=1.0, allow=LOOPBACK)
        took = time.monotonic() - started
    assert (done.sent, done.failed) == (1, 1)
    assert took < 3 * 1.0 + 2  # the attempt's deadline, and the fine delivery after it
    assert [json.loads(body)["id"] for _, body in receiver.got] == [fine]
    assert "Timeout" in (deliveries(engine, slow)["webhook:slow"].last_error or "")


# --- item 8: one address policy for webhooks and the mail server ------------------------------

NOTATIONS = (
    "http://127.0.0.1:{port}/hook",
    "http://localhost:{port}/hook",
    "http://127.1:{port}/hook",
    "http://2130706433:{port}/hook",
    "http://0x7f000001:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://[::ffff:7f00:1]:{port}/hook",
    "http://[64:ff9b::7f00:1]:{port}/hook",
    "http://[::1]:{port}/hook",
    "http://[fe80::1]:{port}/hook",
    "http://169.254.169.254:{port}/hook",
)


def test_private_targets_are_refused_unless_allowed(
    engine: Engine, receiver: Receiver, room: Mailroom
) -> None:
    hooks = {f"n{i}": url.format(port=receiver.port) for i, url in enumerate(NOTATIONS)}
    targets = [f"webhook:{name}" for name in hooks] + ["email:duty"]
    alert_id = alert(engine, "story-1", targets)
    done = deliver_due(engine, rules(receiver, room.port, **hooks), NOW)  # no allow list: safe
    assert (done.sent, done.failed) == (0, len(targets))
    assert receiver.got == [] and room.messages == []  # nothing reached either server
    for target, delivery in deliveries(engine, alert_id).items():
        error = delivery.last_error or ""
        assert error.startswith("AddressError: "), (target, error)
        assert "fetch_allow_networks" in error or "cannot resolve" in error, (target, error)
        assert "\n" not in error
    mail = deliveries(engine, alert_id)["email:duty"].last_error or ""
    assert "the mail server 127.0.0.1" in mail and "fetch_allow_networks" in mail


def test_a_redirect_is_not_followed(engine: Engine, receiver: Receiver) -> None:
    receiver.status, receiver.headers = 307, {"Location": "http://10.0.0.1/admin"}
    alert_id = alert(engine, "story-1", ["webhook:ops"])
    done = deliver_due(engine, rules(receiver), NOW, allow=LOOPBACK)
    assert done.failed == 1 and len(receiver.got) == 1
    assert (deliveries(engine, alert_id)["webhook:ops"].last_error or "").startswith(
        "ReceiverError: HTTP 307"
    )


# --- item 11: Retry-After -------------------------------------------------------------------

RETRY_AFTER = (
    (503, "120", timedelta(seconds=120)),
    (429, format_datetime(NOW + timedelta(hours=2), usegmt=True), timedelta(hours=2)),
    (429, "99999999999999999999", timedelta(days=1)),  # capped at a day
    (503, "86401", timedelta(days=1)),
    (429, "5", timedelta(seconds=30)),  # never sooner than our own back-off
    (503, "soon", timedelta(seconds=30)),  # unreadable: our back-off
    (500, "600", timedelta(seconds=30)),  # only 429 and 503 ask us to wait
)


def test_retry_after_is_honoured(engine: Engine, receiver: Receiver) -> None:
    for number, (status, header, wait) in enumerate(RETRY_AFTER):
        receiver.status, receiver.headers = status, {"Retry-After": header}
        alert_id = alert(engine, f"story-{number}", ["webhook:ops"])
        assert deliver_due(engine, rules(receiver), NOW, allow=LOOPBACK).failed == 1
        delivery = deliveries(engine, alert_id)["webhook:ops"]
        assert delivery.next_attempt == NOW + wait, (status, header)
        assert (delivery.last_error or "").startswith(f"ReceiverError: HTTP {status}")
    assert len(receiver.got) == len(RETRY_AFTER)  # each tried once, none again early


# --- item 11: two runs at once ----------------------------------------------------------------


def while_held(engine: Engine, hold: Callable[[Connection], Any], race: Callable[[], Any]) -> Any:
    """Run `hold` in an open transaction, start `race` in another thread (with its own
    connection) and let it reach the conflict, then commit; what `race` returned or raised."""
    outcome: dict[str, Any] = {}

    def other() -> None:
        try:
            outcome["value"] = race()
        except Exception as exc:  # the test reports it
            outcome["error"] = exc

    with engine.connect() as conn, conn.begin():
        hold(conn)
        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # it waits for the first run's commit
    thread.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    return outcome["value"]


def test_two_runs_raising_one_alert_at_once_make_one_alert(engine: Engine) -> None:
    def raise_it(conn: Connection, sentence: str) -> tuple[int, bool]:
        evidence = [{"sentence": sentence}]
        return raise_alert(
            conn, "attacks", "story-1", None, GRADE, "t", evidence, ["webhook:ops"], NOW
        )

    def second() -> tuple[int, bool]:
        with engine.begin() as conn:
            return raise_it(conn, "second")

    alert_id, created = while_held(engine, lambda conn: raise_it(conn, "first"), second)
    assert created is False
    with engine.connect() as conn:
        found = get_alert(conn, SYSTEM_WATCH, alert_id)
    assert found is not None and found.article_count == 2
    assert [e["sentence"] for e in found.evidence] == ["first", "second"]
    assert [d.target for d in found.deliveries] == ["webhook:ops"]


def test_two_runs_reading_one_article_at_once_read_it_once(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"id": "a1", "text": "Shelling near the border."}) + "\n")
    assert ingest(engine, settings, [str(source)]).new == 1
    with engine.connect() as conn:
        article_id = conn.execute(select(articles.c.id)).scalar_one()

    def second() -> bool:
        with engine.begin() as conn:
            return mark_checked(conn, article_id, NOW)

    claimed: list[bool] = []
    assert (
        while_held(engine, lambda conn: claimed.append(mark_checked(conn, article_id, NOW)), second)
        is False
    )
    assert claimed == [True]
    with engine.connect() as conn:
        assert conn.execute(select(alert_checks.c.article_id)).scalars().all() == [article_id]


def test_two_runs_delivering_at_once_send_once(engine: Engine, receiver: Receiver) -> None:
    alert(engine, "story-1", ["webhook:ops"])
    receiver.delay = 1.0  # both runs have read what is due before either records an attempt
    hooks = rules(receiver)
    results = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        results.append(deliver_due(engine, hooks, NOW, allow=LOOPBACK))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(receiver.got) == 1
    assert sorted((r.sent, r.failed) for r in results) == [(0, 0), (1, 0)]
