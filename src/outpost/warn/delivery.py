"""Sending alerts: webhooks (JSON, signed) and e-mail, retried with back-off, never dropped.

Every delivery is a row. An attempt that fails records the error and the time of the next
try (30 s, 1, 2, 4... minutes, at most an hour apart) and stays visible in `outpost alerts`;
it is retried for as long as it fails. Each attempt has a short time-out, so a receiver that
hangs costs one time-out per cycle, not the cycle.

A webhook receives the alert as JSON, POSTed with
    X-Outpost-Signature: sha256=<HMAC-SHA256 of the body with the webhook's secret, hex>
    X-Outpost-Delivery: <delivery id>   (the same on every retry: receivers drop repeats)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy import Engine

from outpost.records import Alert, Delivery
from outpost.store import alerts as store
from outpost.warn.rules import Mailbox, RuleSet, Smtp, Webhook

TIMEOUT = 5.0  # seconds per attempt
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class Delivered:
    sent: int
    failed: int


def payload(alert: Alert) -> dict[str, Any]:
    data = asdict(alert)
    data.pop("deliveries")
    data["created"], data["updated"] = alert.created.isoformat(), alert.updated.isoformat()
    data["cap"] = {  # the CAP 1.2 words, capitalised as the standard writes them
        "severity": alert.severity.capitalize(),
        "urgency": alert.urgency.capitalize(),
        "certainty": alert.certainty.capitalize(),
    }
    return data


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(hook: Webhook, alert: Alert, delivery: int, timeout: float = TIMEOUT) -> None:
    body = json.dumps(payload(alert), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Outpost-Signature": signature(body, hook.secret),
        "X-Outpost-Delivery": str(delivery),
    }
    with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False) as client:
        response = client.post(hook.url, content=body, headers=headers)
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"HTTP {response.status_code} from {hook.url}")


def send_email(smtp: Smtp, mailbox: Mailbox, alert: Alert, timeout: float = TIMEOUT) -> None:
    message = EmailMessage()
    message["Subject"] = f"[Outpost {alert.severity}] {alert.title}"
    message["From"] = smtp.sender
    message["To"] = ", ".join(mailbox.to)
    lines = [
        f"{alert.title}",
        f"Rule: {alert.rule_id} · severity {alert.severity}, urgency {alert.urgency}, "
        f"certainty {alert.certainty} · {alert.article_count} article(s)",
        "",
        *(
            f"- {e.get('sentence', '')} ({e.get('url') or e.get('article')})"
            for e in alert.evidence
        ),
    ]
    message.set_content("\n".join(lines))
    message.add_attachment(
        json.dumps(payload(alert), ensure_ascii=False, indent=2).encode(),
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


def deliver_due(
    engine: Engine, rules: RuleSet, now: datetime, timeout: float = TIMEOUT
) -> Delivered:
    """Try every delivery that is due once; record each outcome."""
    with engine.connect() as conn:
        todo = store.due(conn, now)
    sent = failed = 0
    for delivery, alert in todo:
        error = _attempt(rules, delivery, alert, timeout)
        with engine.begin() as conn:
            store.record_attempt(
                conn, delivery.id, error, now, now + retry_delay(delivery.attempts + 1)
            )
        sent += error is None
        failed += error is not None
    return Delivered(sent, failed)


def _attempt(rules: RuleSet, delivery: Delivery, alert: Alert, timeout: float) -> str | None:
    kind, _, name = delivery.target.partition(":")
    try:
        if kind == "webhook" and name in rules.webhooks:
            send_webhook(rules.webhooks[name], alert, delivery.id, timeout)
        elif kind == "email" and name in rules.email and rules.smtp is not None:
            send_email(rules.smtp, rules.email[name], alert, timeout)
        else:
            return f"{delivery.target} is not defined in the rule file any more"
    except (httpx.HTTPError, OSError, smtplib.SMTPException, RuntimeError) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    return None
