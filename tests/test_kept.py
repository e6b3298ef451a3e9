"""Answers kept a few seconds (services.kept): computed once while fresh, per store and
question, once for many callers at a time, and again after FRESH or a change."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from outpost.services import kept as kept_module
from outpost.services.kept import changed, kept


@pytest.fixture
def engines(tmp_path: Path) -> list[Engine]:
    return [create_engine(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db")]


def counting() -> tuple[list[int], Callable[[], tuple[int, ...]]]:
    calls: list[int] = []

    def compute() -> tuple[int, ...]:
        calls.append(1)
        return (len(calls),)

    return calls, compute


def test_an_answer_is_computed_once_while_fresh_per_store_and_question(
    engines: list[Engine],
) -> None:
    calls, compute = counting()
    first = kept(engines[0], ("q", 1), compute)
    again = kept(engines[0], ("q", 1), compute)
    other_question = kept(engines[0], ("q", 2), compute)
    other_store = kept(engines[1], ("q", 1), compute)
    assert first == again == (1,)
    assert other_question == (2,) and other_store == (3,) and len(calls) == 3


def test_a_change_or_time_makes_it_computed_again(
    engines: list[Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, compute = counting()
    kept(engines[0], ("q",), compute)
    changed()
    assert kept(engines[0], ("q",), compute) == (2,)
    monkeypatch.setattr(kept_module, "FRESH", 0.0)
    assert kept(engines[0], ("q",), compute) == (3,)


def test_an_answer_goes_with_its_store(tmp_path: Path) -> None:
    """A store's answers do not keep its engine alive, and a later engine finds none."""
    engine = create_engine(f"sqlite:///{tmp_path / 'gone.db'}")
    kept(engine, ("q",), lambda: (1,))
    gone = weakref.ref(engine)
    del engine
    gc.collect()
    assert gone() is None
    assert kept(create_engine(f"sqlite:///{tmp_path / 'gone.db'}"), ("q",), lambda: (2,)) == (2,)


def test_many_asking_at_once_wait_for_one_computation(engines: list[Engine]) -> None:
    calls: list[int] = []

    def slow() -> tuple[int, ...]:
        calls.append(1)
        time.sleep(0.3)
        return (42,)

    answers: list[tuple[int, ...]] = []
    threads = [
        threading.Thread(target=lambda: answers.append(kept(engines[0], ("slow",), slow)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [(42,)] * 8 and len(calls) == 1
