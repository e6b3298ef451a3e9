"""The same-story score on judged pairs (SemEval-2022 task 8): the balanced draw, the dates
that isolate each pair, and the figures on a known case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outpost.evaluate.semeval import Pair, balanced, docs_of, read_pairs, scores


def pair(n: int, langs: tuple[str, str], same: bool) -> Pair:
    return Pair(f"{n}_{n + 1}", langs, ("text one", "text two"), same)


def test_the_draw_balances_each_language_pair_and_is_fixed() -> None:
    pairs = [pair(i, ("en", "en"), i < 6) for i in range(10)]  # 6 same, 4 different
    pairs += [pair(100 + i, ("de", "en"), i < 1) for i in range(3)]  # 1 same, 2 different
    chosen = balanced(pairs)
    counts = {(p.langs, p.same): 0 for p in chosen}
    for p in chosen:
        counts[(p.langs, p.same)] += 1
    assert counts == {
        (("de", "en"), True): 1,
        (("de", "en"), False): 1,
        (("en", "en"), True): 4,
        (("en", "en"), False): 4,
    }
    assert balanced(list(reversed(pairs))) == chosen  # the input's order changes nothing


def test_each_pair_gets_its_own_fortnight() -> None:
    docs = docs_of([pair(1, ("en", "de"), True), pair(3, ("en", "en"), False)])
    assert [d.id for d in docs] == ["1_2/1", "1_2/2", "3_4/1", "3_4/2"]
    assert [d.lang for d in docs] == ["en", "de", "en", "en"]
    assert docs[0].published and docs[1].published and docs[2].published
    assert (docs[1].published - docs[0].published).total_seconds() == 3600
    assert (docs[2].published - docs[0].published).days == 14


def test_precision_and_recall_of_same_on_a_known_case() -> None:
    mono_same, mono_diff = pair(1, ("en", "en"), True), pair(3, ("en", "en"), False)
    cross_same, cross_diff = pair(5, ("de", "en"), True), pair(7, ("de", "en"), False)
    decided = [(mono_same, True), (mono_diff, True), (cross_same, False), (cross_diff, False)]
    got = scores(decided)
    assert got["precision"] == 0.5 and got["recall"] == 0.5 and got["pairs"] == 4
    assert got["precision mono"] == 0.5 and got["recall mono"] == 1.0
    assert got["recall cross"] == 0.0 and got["f1 cross"] == 0.0 and got["pairs cross"] == 2


def test_unjudged_pairs_are_left_out_and_a_bad_line_names_itself(tmp_path: Path) -> None:
    rows = [
        {"pair_id": "1_2", "lang1": "en", "lang2": "en", "text1": "a", "text2": "b", "same": True},
        {"pair_id": "3_4", "lang1": "en", "lang2": "en", "text1": "a", "text2": "b", "same": None},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert [p.id for p in read_pairs(path)] == ["1_2"]
    path.write_text(json.dumps(rows[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"pairs\.jsonl:2"):
        read_pairs(path)
