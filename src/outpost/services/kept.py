"""Answers kept for a few seconds: what dashboards and API clients ask for again and again
and costs much at a million events (indicator readings, the overview's map).

An answer is kept FRESH seconds per store and question, and forgotten at once when this
process changes the counts (an analysis stored facts: `changed`); what another process
(`outpost watch`) stores shows within FRESH seconds. While one caller computes an answer,
the others asking the same wait for it rather than compute it too. Nothing that decides an
alert reads from here.

An answer that depends on who asks (what the visibility rule lets them see) is kept per
access key (outpost.respond.visibility.access_key): two viewers share an answer only when
they see the same items. Answers about everything the machine derived (CLEAR to all) are
kept for EVERYONE.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import Engine

T = TypeVar("T")

FRESH = 30.0  # seconds an answer is reused
KEPT = 256  # answers kept per store at most; then all of its are dropped

Question = tuple[Hashable, ...]
EVERYONE = "everyone"  # the access key of an answer that is the same for every viewer

# Per store (its engine: the answers go with it, and a later engine never finds them), per
# question: when it was answered, and the answer.
_answers: weakref.WeakKeyDictionary[Engine, dict[Question, tuple[float, object]]]
_answers = weakref.WeakKeyDictionary()
_computing: dict[tuple[int, Question], threading.Lock] = {}  # one per question being asked
_guard = threading.Lock()  # over both, and the generation
_generation = 0


def kept(engine: Engine, question: Question, compute: Callable[[], T], access: str = EVERYONE) -> T:
    """The answer to `question` about the store of `engine` for viewers of `access` (their
    access key), computed at most every FRESH seconds. Answers must be immutable (tuples,
    frozen records)."""
    with _guard:
        asked = (_generation, access, *question)
        computing = _computing.setdefault((id(engine), asked), threading.Lock())
    with computing:  # those asking the same wait for the one computing it
        with _guard:
            found = _answers.get(engine, {}).get(asked)
        if found is not None and time.monotonic() - found[0] < FRESH:
            return found[1]  # type: ignore[return-value]
        answer = compute()
        with _guard:
            answers = _answers.setdefault(engine, {})
            if len(answers) >= KEPT:
                answers.clear()
            answers[asked] = (time.monotonic(), answer)
            if len(_computing) >= KEPT:
                _computing.clear()
        return answer


def changed() -> None:
    """This process changed the counts: every answer kept is stale now."""
    global _generation
    with _guard:
        _generation += 1
        _answers.clear()
        _computing.clear()


def forget(topic: Hashable) -> None:
    """This process changed what questions starting with `topic` ask about (a case was
    written): their answers kept, for every viewer, are stale now; the others stay."""
    with _guard:
        for answers in _answers.values():
            for asked in [a for a in answers if len(a) > 2 and a[2] == topic]:
                del answers[asked]
