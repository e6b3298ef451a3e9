"""Sending alerts: webhooks (JSON, signed) and e-mail, retried with back-off, never dropped.

Every delivery is a row. An attempt that fails, for whatever reason, records the error (one
line) and the time of the next try (30 s, 1, 2, 4... minutes, at most an hour apart; later
if the receiver asks with Retry-After, at most a day) and stays visible in `outpost alerts`;
it is retried for as long as it fails. Each delivery is its own failure domain: one that
fails, even by raising what nobody expected, is recorded and moved back in the queue, and
the others go out. Each attempt has a short time-out, so a receiver that hangs costs one
time-out per cycle, not the cycle.

Webhook URLs and the mail server pass the one address policy (outpost.addresses): a private,
loopback or link-local target is refused unless the fetch_allow_networks setting allows it.
Header values built from data (the subject, the addresses of the rule file) are one line of
at most 200 characters, without control characters or bidi overrides.

A webhook receives the alert as JSON, POSTed with
    X-Outpost-Signature: sha256=<HMAC-SHA256 of the body with the webhook's secret, hex>
    X-Outpost-Delivery: <delivery id>   (the same on every retry: receivers drop repeats)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from outpost.addresses import IPNetwork, check_host, check_url
from outpost.ingest.web import bounded_client, retry_after_seconds
from outpost.records import Alert, Delivery
from outpost.serialize import alert_json
from outpost.values import clean
from outpost.warn.rules import Mailbox, RuleSet, Smtp, Webhook

TIMEOUT = 5.0  # seconds per network step of an attempt
ATTEMPT_DEADLINE = 3  # times TIMEOUT: a whole webhook attempt, however the receiver paces it
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
LONGEST_WAIT = timedelta(days=1)  # what a receiver's Retry-After may ask for, at most
# A delivery taken for an attempt is not taken again (by another `warn` run) for this long;
# if the process dies in the attempt, it is retried after it.
LEASE = timedelta(minutes=2)
BATCH = 50  # deliveries tried per call
HEADER_CHARS = 200
ERROR_CHARS = 500
SLOW_DOWN = (429, 503)  # answers whose Retry-After is honoured

# C0, DEL and C1 controls (CR, LF, ESC, NEL...), line and paragraph separators, and the bidi
# marks, embeddings, overrides and isolates that make text read other than it is stored.
CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+"
)


@dataclass(frozen=True)
class Delivered:
    sent: int
    failed: int


@dataclass(frozen=True)
class Outcome:
    """One attempt: the error (None when sent) and how long the receiver asked us to wait."""

    error: str | None
    wait: timedelta | None = None


class ReceiverError(RuntimeError):
    """A webhook answered other than 2xx; `wait` is its Retry-After, if it gave one."""

    def __init__(self, message: str, wait: timedelta | None = None) -> None:
        super().__init__(message)
        self.wait = wait


def one_line(text: str, limit: int = HEADER_CHARS) -> str:
    """`text` as one line of at most `limit` characters without control characters: what a
    header may carry (a CR/LF in a title would start a header of its own, or make the mail
    library refuse the message)."""
    line = " ".join(clean(CONTROLS.sub(" ", text)).split())  # clean: lone surrogates
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def describe(exc: BaseException, limit: int = ERROR_CHARS) -> str:
    """`Type: message`, one line: what a log line or a delivery's last error says."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    # The first line names the problem; what follows (a database error's SQL) is noise.
    return one_line(f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": "), limit)


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """The wait a Retry-After header asks for (seconds or an HTTP-date), at most a day;
    None when there is none or it cannot be read. Read as fetching reads it."""
    seconds = None if value is None else retry_after_seconds(value, now)
    return None if seconds is None else min(timedelta(seconds=seconds), LONGEST_WAIT)


def send_webhook(
    hook: Webhook,
    alert: Alert,
    delivery: int,
    timeout: float = TIMEOUT,
    allow: Iterable[IPNetwork] = (),
    now: datetime | None = None,
) -> None:
    """POST the alert; raise when the URL is refused or the receiver does not take it."""
    check_url(hook.url, allow)
    body = json.dumps(alert_json(alert), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Outpost-Signature": signature(body, hook.secret),
        "X-Outpost-Delivery": str(delivery),
    }
    # Redirects are not followed (a redirect could lead to a private address); the answer's
    # body is never read, so a receiver cannot make us hold a large or endless one.
    with (
        bounded_client(timeout, ATTEMPT_DEADLINE * timeout) as client,
        client.stream("POST", hook.url, content=body, headers=headers) as response,
    ):
        status, asked = response.status_code, response.headers.get("Retry-After")
    if not 200 <= status < 300:
        wait = retry_after(asked, now or datetime.now(UTC)) if status in SLOW_DOWN else None
        said = f" (Retry-After: {one_line(asked or '', 40)})" if wait is not None else ""
        raise ReceiverError(f"HTTP {status} from {hook.url[:200]}{said}", wait)


def send_email(
    smtp: Smtp,
    mailbox: Mailbox,
    alert: Alert,
    timeout: float = TIMEOUT,
    allow: Iterable[IPNetwork] = (),
) -> None:
    check_host(smtp.host, smtp.port, allow, f"the mail server {one_line(smtp.host, 100)}")
    message = EmailMessage()
    message["Subject"] = one_line(f"[Outpost {alert.severity}] {alert.title}")
    message["From"] = one_line(smtp.sender)
    message["To"] = ", ".join(one_line(address) for address in mailbox.to)
    lines = [
        one_line(alert.title, 1000),
        f"Rule: {alert.rule_id} · severity {alert.severity}, urgency {alert.urgency}, "
        f"certainty {alert.certainty} · {alert.article_count} article(s)",
        "",
        *(
            "- " + one_line(f"{e.get('sentence', '')} ({e.get('url') or e.get('article')})", 2000)
            for e in alert.evidence
        ),
    ]
    message.set_content("\n".join(lines))
    message.add_attachment(
        json.dumps(alert_json(alert), ensure_ascii=False, indent=2).encode(),
        maintype="application",
        subtype="json",
        filename=f"alert-{alert.id}.json",
    )
    with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username and smtp.password:
            client.login(smtp.username, smtp.password)
        client.send_message(message)


def retry_delay(attempts: int) -> timedelta:
    """After `attempts` failed tries."""
    delay: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16)
    return min(delay, LAST_RETRY)


class Channel(Protocol):
    """A way alerts go out: raises when the target is not defined or does not take it."""

    def __call__(
        self, rules: RuleSet, name: str, alert: Alert, delivery: int, send: Sending
    ) -> None: ...


@dataclass(frozen=True)
class Sending:
    """What every attempt of a call shares: its time-out, the networks allowed, the time."""

    timeout: float
    allow: tuple[IPNetwork, ...]
    now: datetime


class UndefinedTargetError(LookupError):
    """The rule file no longer defines the delivery's target."""


def _webhook(rules: RuleSet, name: str, alert: Alert, delivery: int, send: Sending) -> None:
    if name not in rules.webhooks:
        raise UndefinedTargetError
    send_webhook(rules.webhooks[name], alert, delivery, send.timeout, send.allow, send.now)


def _email(rules: RuleSet, name: str, alert: Alert, delivery: int, send: Sending) -> None:
    if name not in rules.email or rules.smtp is None:
        raise UndefinedTargetError
    send_email(rules.smtp, rules.email[name], alert, send.timeout, send.allow)


# Delivery channels by the kind a target names ("webhook:ops", "email:duty"): a new channel
# is one entry here.
CHANNELS: dict[str, Channel] = {"webhook": _webhook, "email": _email}


def attempt(rules: RuleSet, delivery: Delivery, alert: Alert, send: Sending) -> Outcome:
    """One try of one delivery; whatever goes wrong is this delivery's alone, and recorded."""
    kind, _, name = delivery.target.partition(":")
    try:
        channel = CHANNELS.get(kind)
        if channel is None:
            raise UndefinedTargetError
        channel(rules, name, alert, delivery.id, send)
    except UndefinedTargetError:
        return Outcome(f"{delivery.target} is not defined in the rule file any more")
    except ReceiverError as exc:
        return Outcome(describe(exc), exc.wait)
    except Exception as exc:  # any failure is this delivery's alone: record it, go on
        return Outcome(describe(exc))
    return Outcome(None)
