"""Run the evaluations on the dev sets and compare with the pinned floors.

The floors (`floors.toml`, package data beside this module) sit just under what was measured;
CI fails when a metric drops below its floor, so quality can only go up.

The public dev sets (CASE 2021, factRuEval-2016, PEYMA, KazNERD, LGL) are not distributed
with Outpost: they are read from a folder, `--data`, else $OUTPOST_EVAL_DATA, else
`../shared/data` relative to the current directory. The sets we labelled ourselves (events,
stories) ship in the wheel.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import cast

DATA_ENV = "OUTPOST_EVAL_DATA"
DEFAULT_DATA = Path("../shared/data")  # a workspace that keeps the data beside the repository
PACKAGE = "outpost.evaluate"
# Our own labelled sets are kept in the repository's benchmarks/ beside their READMEs; the
# wheel carries copies in outpost/evaluate/sets/ (pyproject.toml, force-include). A checkout
# (an editable install) has no copies and reads them where they are kept.
CHECKOUT = Path(__file__).resolve().parents[3]


class MissingDataError(FileNotFoundError):
    """A dev set is not where it was looked for; the message is one line saying how to point
    at it."""


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    path: str  # relative to the data folder; for `ours`, the name of our own labelled set
    shown: tuple[str, ...]  # the metrics the table shows, in order
    ours: bool = False
    made: bool = False  # the cases are made from the installed packages' data: no set to read


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
        "peyma",
        "Persian NER (PEYMA dev)",
        "fa/peyma_dev.txt",
        (
            *(f"{t} {m}" for t in ("PER", "LOC", "ORG") for m in ("precision", "recall", "F1")),
            "overall F1",
        ),
    ),
    Task(
        "kaznerd",
        "Kazakh NER (KazNERD, last 20% block)",
        "kk/kaznerd_valid.txt",
        (
            *(f"{t} {m}" for t in ("PER", "LOC", "ORG") for m in ("precision", "recall", "F1")),
            "overall F1",
        ),
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
        "events",
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
        "stories",
        ("b3_precision", "b3_recall", "b3_f1", "cross_lingual_recall"),
        ours=True,
    ),
    Task(
        "ecbplus",
        "Stories of independent reports (ECB+ dev, one day)",
        "stories/ecbplus_dev.jsonl",
        (
            "b3_precision",
            "b3_recall",
            "b3_f1",
            "stories",
            "made",
            "merged kinds",
            "b3_f1 worst order",
            "b3_f1 mean order",
            "merged kinds worst order",
            "merged kinds mean order",
        ),
    ),
    Task(
        "semeval",
        "Same story or not (SemEval-2022 task 8 dev pairs)",
        "stories/semeval8_dev.jsonl",
        ("precision", "recall", "f1", "precision cross", "recall cross", "f1 cross", "f1 mono"),
    ),
    Task(
        "semeval_mt",
        "Same story or not (SemEval-2022 task 8 dev pairs, machine-translated)",
        "stories/semeval8_mt_dev.jsonl",
        ("precision", "recall", "f1", "precision cross", "recall cross", "f1 cross", "f1 mono"),
    ),
    Task(
        "coverage",
        "Regional places (towns >= 10,000)",
        "",
        (
            "cases",
            "found",
            "resolved",
            "resolved en",
            "resolved ru",
            "resolved cyrillic",
            "resolved latin",
            "resolved arabic",
        ),
        made=True,
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


def data_folder(given: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The folder of the public dev sets: `given` (--data), else $OUTPOST_EVAL_DATA, else
    ../shared/data relative to the current directory."""
    if given is not None:
        return given
    env = os.environ if env is None else env
    return Path(env[DATA_ENV]).expanduser() if env.get(DATA_ENV) else DEFAULT_DATA


def run(
    data: Path | None = None, only: tuple[str, ...] = (), limit: int | None = None
) -> list[Result]:
    """Score each task (or those in `only`); MissingDataError when a dev set is not found."""
    folder = data_folder(data)
    chosen = [task for task in TASKS if not only or task.name in only]
    # Every public set is found before any is scored: a missing one fails in a second, not
    # after minutes of the others.
    public = {t.name: _public_set(folder, t) for t in chosen if not (t.ours or t.made)}
    results = []
    for task in chosen:
        given = nullcontext(public.get(task.name, Path()))
        with own_set(task.path) if task.ours else given as path:
            score = evaluator(task.name)
            metrics = score(path, limit) if limit else score(path)
        results.append(Result(task, metrics))
    return results


@contextmanager
def own_set(name: str) -> Iterator[Path]:
    """A labelled set of ours as a file: the wheel's copy, else the checkout's."""
    packaged = resources.files(PACKAGE) / "sets" / f"{name}.jsonl"
    if packaged.is_file():
        with resources.as_file(packaged) as path:
            yield path
        return
    kept = CHECKOUT / "benchmarks" / name / "labelled.jsonl"
    if not kept.is_file():
        raise MissingDataError(f"{name}: the labelled set is neither packaged nor at {kept}")
    yield kept


def _public_set(folder: Path, task: Task) -> Path:
    hint = f"give --data or set {DATA_ENV}; the dev sets are not distributed with Outpost"
    if not folder.is_dir():
        raise MissingDataError(f"no folder of dev sets at {folder} ({hint})")
    path = folder / task.path
    if not path.exists():
        raise MissingDataError(f"{task.title}: no dev set at {path} ({hint})")
    return path


def floors() -> dict[str, dict[str, float]]:
    """The pinned floors, read from the package (an installed wheel or the source tree)."""
    text = (resources.files(PACKAGE) / "floors.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
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
