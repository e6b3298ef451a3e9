"""Watch rules: what an analyst wants to be warned about, written in a YAML file.

    rules:
      - id: tj-af-border
        name: Violence on the Tajik-Afghan border
        domains: [terrorism, border_security]     # any of them
        event_types: [ATTACK, ARMED_CLASH]        # any of them
        actors: [group:isis-k, group:taliban]     # KB ids, any of them
        places:
          countries: [TJ, AF]                     # ISO 3166-1 alpha-2
          divisions: [TJ-KT]                      # ISO 3166-2 (first-level)
          near: {lat: 37.2, lon: 68.8, km: 150}   # any place within km of the point
        keywords: [граница, border]               # any language, part of a word, any case
        min_confidence: 0.5                       # of the events and threat evidence
        min_spike: 2.0                            # a series of the article spikes this much
        severity: severe                          # CAP 1.2; derived when left out
        deliver: [webhook:ops, email:duty]        # in-app always
    webhooks:
      ops: {url: "https://ops.example.org/hook", secret_env: OUTPOST_OPS_SECRET}
      kz: {url: "https://kz.example.org/hook", secret_env: OUTPOST_KZ_SECRET, org: kz-knb}
    email:
      duty: {to: [duty@example.org]}
      kz-coordinators: {to: [coord@kz.example.org], org: kz-knb}
    smtp: {host: 127.0.0.1, port: 25, sender: outpost@example.org}
    watch:                                        # spikes here alert without any rule
      countries: [AF, TJ, UZ, TM, KG, KZ]         # default: the alliance and Afghanistan
      min_spike: 2.0                              # 1 in 100 days
      deliver: [webhook:ops]

Criteria combine with AND; the values inside one criterion with OR. A file with any error is
refused as a whole, with every error and its line.

A webhook or mailbox with `org:` belongs to that organisation (its code): it receives what
that organisation may see. Alerts from open sources are CLEAR and go to any target a rule
names; an alert a plan raised is marked as the plan is, and goes only to targets of an
organisation that may see the plan and that the notice is for (the coordinators' mailbox of
the plan's owner for an overdue measure): never to a target of no organisation, unless the
plan is CLEAR, and never under RED, which names people, not organisations.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from outpost.warn.yaml_checks import Checker, RuleError, compose_file, key_errors

__all__ = ["Rule", "RuleError", "RuleSet", "load_rules"]

CAP_SEVERITY = ("extreme", "severe", "moderate", "minor", "unknown")
RULE_KEYS = {
    "id",
    "name",
    "domains",
    "event_types",
    "actors",
    "places",
    "keywords",
    "min_confidence",
    "min_spike",
    "severity",
    "deliver",
}
PLACE_KEYS = {"countries", "divisions", "near"}
ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
COUNTRY, ALPHA2 = r"[A-Z]{2}", "ISO 3166-1 alpha-2"
DIVISION = r"[A-Z]{2}-[A-Z0-9]{1,3}"


@dataclass(frozen=True)
class Near:
    lat: float
    lon: float
    km: float

    def holds(self, lat: float, lon: float) -> bool:
        return distance_km(self.lat, self.lon, lat, lon) <= self.km


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    domains: frozenset[str] = frozenset()
    event_types: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    divisions: frozenset[str] = frozenset()
    near: Near | None = None
    keywords: tuple[str, ...] = ()
    min_confidence: float = 0.0
    min_spike: float | None = None
    severity: str | None = None
    deliver: tuple[str, ...] = ()  # "webhook:NAME", "email:NAME"


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str
    secret: str
    org: str | None = None  # the code of the organisation it belongs to


@dataclass(frozen=True)
class Mailbox:
    name: str
    to: tuple[str, ...]
    org: str | None = None  # the code of the organisation it belongs to


@dataclass(frozen=True)
class Smtp:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "outpost@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None


WATCHED = ("AF", "AM", "BY", "KG", "KZ", "RU", "TJ", "TM", "UZ")  # the alliance and its south


@dataclass(frozen=True)
class Watch:
    """Where a spike alone raises an alert."""

    countries: frozenset[str] = frozenset(WATCHED)
    min_spike: float = 2.0
    deliver: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    webhooks: dict[str, Webhook] = field(default_factory=dict)
    email: dict[str, Mailbox] = field(default_factory=dict)
    smtp: Smtp | None = None
    watch: Watch = field(default_factory=Watch)

    def owner_of(self, target: str) -> str | None:
        """The code of the organisation a target ("webhook:NAME", "email:NAME") belongs to;
        None for a target of no organisation, or one not defined."""
        kind, _, name = target.partition(":")
        found = self.webhooks.get(name) if kind == "webhook" else self.email.get(name)
        return found.org if found is not None else None

    def owned_by(self, orgs: Iterable[str]) -> tuple[str, ...]:
        """Every target belonging to one of these organisations."""
        wanted = set(orgs)
        hooks = [f"webhook:{n}" for n, w in self.webhooks.items() if w.org in wanted]
        boxes = [f"email:{n}" for n, m in self.email.items() if m.org in wanted]
        return (*hooks, *boxes)


def load_rules(
    path: Path,
    known_actors: Iterable[str] | None = None,
    known_domains: Iterable[str] | None = None,
    known_types: Iterable[str] | None = None,
    env: dict[str, str] | None = None,
) -> RuleSet:
    """Read and check a rule file; RuleError lists every problem with its line."""
    root = compose_file(path)  # bounded: size, UTF-8, YAML syntax, nesting
    checker = Checker(
        frozenset(known_actors) if known_actors is not None else None,
        frozenset(known_domains) if known_domains is not None else None,
        frozenset(known_types) if known_types is not None else None,
        dict(os.environ if env is None else env),
    )
    result = _ruleset(checker, root) if root is not None else None
    if root is None:
        checker.errors.append("line 1: the file is empty; expected `rules:`")
    else:
        checker.errors.extend(key_errors(root))
    if checker.errors or result is None:
        raise RuleError(str(path), checker.errors)
    return result


def _ruleset(c: Checker, root: yaml.Node) -> RuleSet | None:
    top = c.mapping(root, "the file")
    if top is None:
        return None
    for key, node in top.items():
        if key not in ("rules", "webhooks", "email", "smtp", "watch"):
            c.error(node, f"unknown section {key!r} (expected rules, webhooks, email, smtp, watch)")
    webhooks = _webhooks(c, top["webhooks"]) if "webhooks" in top else {}
    email = _mailboxes(c, top["email"]) if "email" in top else {}
    smtp = _smtp(c, top["smtp"]) if "smtp" in top else None
    if "rules" not in top or not isinstance(top["rules"], yaml.SequenceNode):
        c.error(top.get("rules", root), "`rules:` must be a list of rules")
        return None
    rules = [_rule(c, node, webhooks, email) for node in top["rules"].value]
    seen: set[str] = set()
    for node, rule in zip(top["rules"].value, rules, strict=True):
        if rule is not None and rule.id in seen:
            c.error(node, f"rule id {rule.id!r} is used twice")
        if rule is not None:
            seen.add(rule.id)
    if email and smtp is None:
        c.error(top["email"], "e-mail targets need an `smtp:` section")
    found = tuple(r for r in rules if r is not None)
    watch = _watch(c, top["watch"], webhooks, email) if "watch" in top else Watch()
    return RuleSet(found, webhooks, email, smtp, watch)


def _watch(
    c: Checker, node: yaml.Node, webhooks: dict[str, Webhook], email: dict[str, Mailbox]
) -> Watch:
    spec = c.mapping(node, "watch") or {}
    for key, value in spec.items():
        if key not in ("countries", "min_spike", "deliver"):
            c.error(value, f"watch: unknown field {key!r} (countries, min_spike, deliver)")
    values: dict[str, Any] = {}
    if "countries" in spec:
        values["countries"] = c.codes(spec["countries"], "watch.countries", COUNTRY, ALPHA2)
    if "min_spike" in spec:
        # `x or 2.0` made an explicit 0 (every spike alerts) into 2.0: only None, an error
        # already recorded, leaves the default.
        spike = c.number(spec["min_spike"], "watch.min_spike", 0, 300)
        if spike is not None:
            values["min_spike"] = spike
    if "deliver" in spec:
        values["deliver"] = tuple(_targets(c, spec["deliver"], webhooks, email))
    return Watch(**values)


def _rule(
    c: Checker, node: yaml.Node, webhooks: dict[str, Webhook], email: dict[str, Mailbox]
) -> Rule | None:
    fields = c.mapping(node, "a rule")
    if fields is None:
        return None
    for key, value in fields.items():
        if key not in RULE_KEYS:
            c.error(value, f"unknown rule field {key!r}")
    rule_id = str(fields["id"].value) if "id" in fields else ""
    if not ID.match(rule_id):
        c.error(fields.get("id", node), f"rule id {rule_id!r}: lower-case letters, digits, - _ .")
    values: dict[str, Any] = {"id": rule_id, "name": rule_id}
    if "name" in fields:
        values["name"] = str(fields["name"].value)
    for key, allowed in (
        ("domains", c.known_domains),
        ("event_types", c.known_types),
        ("actors", c.known_actors),
    ):
        if key in fields:
            found = c.strings(fields[key], key)
            c.known(fields[key], key, found, allowed)
            values[key] = frozenset(found)
    if "keywords" in fields:
        values["keywords"] = tuple(k.casefold() for k in c.strings(fields["keywords"], "keywords"))
    if "places" in fields:
        values.update(_places(c, fields["places"]))
    if "min_confidence" in fields:
        confidence = c.number(fields["min_confidence"], "min_confidence", 0, 1)
        if confidence is not None:  # an explicit 0 is a value, not a missing one
            values["min_confidence"] = confidence
    if "min_spike" in fields:
        values["min_spike"] = c.number(fields["min_spike"], "min_spike", 0, 300)
    if "severity" in fields:
        severity = str(fields["severity"].value).lower()
        if severity not in CAP_SEVERITY:
            c.error(fields["severity"], f"severity {severity!r}: one of {', '.join(CAP_SEVERITY)}")
        values["severity"] = severity
    if "deliver" in fields:
        values["deliver"] = tuple(_targets(c, fields["deliver"], webhooks, email))
    criteria = RULE_KEYS - {"id", "name", "severity", "deliver", "min_confidence"}
    if not criteria & fields.keys():
        c.error(node, f"rule {rule_id!r} has no criterion: it would match every article")
    return Rule(**values)


def _places(c: Checker, node: yaml.Node) -> dict[str, Any]:
    fields = c.mapping(node, "places")
    if fields is None:
        return {}
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in PLACE_KEYS:
            c.error(value, f"places: unknown field {key!r} (countries, divisions, near)")
    if "countries" in fields:
        out["countries"] = c.codes(fields["countries"], "countries", COUNTRY, ALPHA2)
    if "divisions" in fields:
        out["divisions"] = c.codes(fields["divisions"], "divisions", DIVISION, "ISO 3166-2")
    if "near" in fields:
        near = c.mapping(fields["near"], "near")
        if near is not None:
            missing = {"lat", "lon", "km"} - near.keys()
            if missing:
                c.error(fields["near"], f"near: needs {', '.join(sorted(missing))}")
            else:
                lat = c.number(near["lat"], "near.lat", -90, 90)
                lon = c.number(near["lon"], "near.lon", -180, 180)
                km = c.number(near["km"], "near.km", 0.1, 20000)
                if lat is not None and lon is not None and km is not None:
                    out["near"] = Near(lat, lon, km)
    return out


def _targets(
    c: Checker, node: yaml.Node, webhooks: dict[str, Webhook], email: dict[str, Mailbox]
) -> list[str]:
    out = []
    for target in c.strings(node, "deliver"):
        kind, _, name = target.partition(":")
        known: set[str] = set(webhooks if kind == "webhook" else email if kind == "email" else ())
        if name not in known:
            c.error(node, f"deliver: {target!r} is not a defined webhook:NAME or email:NAME")
            continue
        out.append(target)
    return out


def _webhooks(c: Checker, node: yaml.Node) -> dict[str, Webhook]:
    out = {}
    for name, value in (c.mapping(node, "webhooks") or {}).items():
        spec = c.mapping(value, f"webhook {name}") or {}
        url = str(spec["url"].value) if "url" in spec else ""
        if not url.startswith(("http://", "https://")):
            c.error(spec.get("url", value), f"webhook {name}: url must be http:// or https://")
        secret = ""
        if "secret_env" not in spec:
            c.error(value, f"webhook {name}: needs secret_env (the variable holding its secret)")
        else:
            variable = str(spec["secret_env"].value)
            secret = c.env.get(variable, "")
            if not secret:
                c.error(spec["secret_env"], f"webhook {name}: ${variable} is not set")
        out[name] = Webhook(name, url, secret, _owner(c, spec, f"webhook {name}"))
    return out


def _mailboxes(c: Checker, node: yaml.Node) -> dict[str, Mailbox]:
    out = {}
    for name, value in (c.mapping(node, "email") or {}).items():
        spec = c.mapping(value, f"email {name}") or {}
        to = c.strings(spec["to"], f"email {name}: to") if "to" in spec else []
        bad = [a for a in to if not re.fullmatch(r"[^@\s]+@[^@\s]+", a)]
        if not to or bad:
            c.error(spec.get("to", value), f"email {name}: `to` needs addresses ({bad or 'none'})")
        out[name] = Mailbox(name, tuple(to), _owner(c, spec, f"email {name}"))
    return out


ORG = re.compile(r"^[a-z][a-z0-9-]{1,15}$")  # an organisation's code, as people write it


def _owner(c: Checker, spec: dict[str, yaml.Node], what: str) -> str | None:
    if "org" not in spec:
        return None
    code = str(spec["org"].value).strip().lower()
    if not ORG.fullmatch(code):
        c.error(spec["org"], f"{what}: org must be an organisation's code (e.g. kz-knb)")
    return code


def _smtp(c: Checker, node: yaml.Node) -> Smtp | None:
    spec = c.mapping(node, "smtp")
    if spec is None:
        return None
    values: dict[str, Any] = {}
    if "host" in spec:
        values["host"] = str(spec["host"].value)
    if "port" in spec:
        port = c.number(spec["port"], "smtp.port", 1, 65535)
        if port is not None:  # None: an error already recorded, the file is refused
            values["port"] = int(port)
    if "sender" in spec:
        values["sender"] = str(spec["sender"].value)
    if "starttls" in spec:
        values["starttls"] = str(spec["starttls"].value).lower() in ("true", "yes", "1")
    for key in ("username", "password"):
        if f"{key}_env" in spec:
            values[key] = c.env.get(str(spec[f"{key}_env"].value))
    return Smtp(**values)
