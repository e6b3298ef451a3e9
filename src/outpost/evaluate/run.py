"""Run the evaluations on the dev sets and compare with the pinned floors.

The floors (`floors.toml` beside this file) sit just under what was measured; CI fails when
a metric drops below its floor, so quality can only go up.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

FLOORS = Path(__file__).with_name("floors.toml")
REPOSITORY = Path(__file__).resolve().parents[3]  # sets we built ourselves live in the repo


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    path: str  # relative to the data folder, or to the repository when `ours`
    shown: tuple[str, ...]  # the metrics the table shows, in order
    ours: bool = False


TASKS = (
    Task(
        "case",
        "Event type (CASE 2021 dev)",
        "case2021/dev.tsv",
        ("weighted_f1", "macro_f1", "accuracy"),
    ),
    Task(
        "factru",
        "Russian NER (factRuEval-2016 dev)",
        "factru/dev",
        tuple(f"{t} {m}" for t in ("PER", "LOC", "ORG") for m in ("precision", "recall", "F1")),
    ),
    Task(
        "lgl",
        "English places (LGL)",
        "geo/lgl.xml",
        ("recall", "precision", "acc161", "mean_km"),
    ),
    Task(
        "events",
        "Events (benchmarks/events)",
        "benchmarks/events/labelled.jsonl",
        (
            "precision",
            "recall",
            "f1",
            "typed_f1",
            "type_accuracy",
            "party_f1",
            "place_accuracy",
            "date_accuracy",
        ),
        ours=True,
    ),
    Task(
        "stories",
        "Story clustering (benchmarks/stories)",
        "benchmarks/stories/labelled.jsonl",
        ("b3_precision", "b3_recall", "b3_f1", "cross_lingual_recall"),
        ours=True,
    ),
)


@dataclass(frozen=True)
class Result:
    task: Task
    metrics: dict[str, float]


def evaluator(name: str) -> Callable[..., dict[str, float]]:
    """The `evaluate` function of the task's module (imported late: they load models)."""
    module = importlib.import_module(f"outpost.evaluate.{name}")
    return cast(Callable[..., dict[str, float]], module.evaluate)


def run(data: Path, only: tuple[str, ...] = (), limit: int | None = None) -> list[Result]:
    results = []
    for task in TASKS:
        if only and task.name not in only:
            continue
        path = (REPOSITORY if task.ours else data) / task.path
        if not path.exists():
            raise FileNotFoundError(f"{task.title}: no dev set at {path}")
        metrics = evaluator(task.name)(path, limit) if limit else evaluator(task.name)(path)
        results.append(Result(task, metrics))
    return results


def floors() -> dict[str, dict[str, float]]:
    data = tomllib.loads(FLOORS.read_text(encoding="utf-8"))
    return {task: {k: float(v) for k, v in values.items()} for task, values in data.items()}


def below_floor(results: list[Result]) -> list[str]:
    """The metrics under their floor, as readable lines."""
    pinned = floors()
    failures = []
    for result in results:
        for metric, floor in pinned.get(result.task.name, {}).items():
            value = result.metrics.get(metric)
            if value is None or value < floor:
                failures.append(f"{result.task.title}: {metric} {value} < floor {floor}")
    return failures
