"""A deterministic test corpus built from the real VOA stories: distinct articles, exact
duplicates, near duplicates (small edits) and broken lines, as JSONL."""

from __future__ import annotations

import json
import random
from pathlib import Path

VOA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "voa" / "voa_stories.jsonl"


def voa_stories() -> list[dict[str, str]]:
    return [json.loads(line) for line in VOA.read_text(encoding="utf-8").splitlines()]


def passages(words_per_passage: int = 60) -> list[str]:
    """Distinct passages: consecutive windows of the VOA stories' words."""
    out = []
    for story in voa_stories():
        words = story["text"].split()
        for start in range(0, len(words) - words_per_passage + 1, words_per_passage):
            out.append(" ".join(words[start : start + words_per_passage]))
    return out


def edited(text: str, rng: random.Random, edits: int = 3) -> str:
    """The same story with a few words changed, as a re-publisher would."""
    words = text.split()
    for _ in range(edits):
        words[rng.randrange(len(words))] = rng.choice(["reportedly", "officials", "on Monday"])
    return " ".join(words)


def corpus_lines(articles: int, seed: int = 7) -> list[str]:
    """JSONL lines: `articles` originals, then interleaved exact and near duplicates and a few
    broken lines (about 10% each)."""
    rng = random.Random(seed)
    texts = passages()[:articles]
    lines = []
    for i, text in enumerate(texts):
        record = {"id": f"a{i}", "title": f"Passage {i}", "text": text, "source": "voa-test"}
        record["published"] = f"2025-03-{1 + i % 28:02d}T12:00:00Z"
        lines.append(json.dumps(record))
        if i % 10 == 3:  # exact duplicate under another id: same text
            lines.append(json.dumps({**record, "id": f"a{i}-copy"}))
        if i % 10 == 6:  # near duplicate: re-published with small edits
            near = {**record, "id": f"a{i}-near", "text": edited(text, rng)}
            lines.append(json.dumps(near))
        if i % 50 == 25:
            lines.append('{"id": "broken", "text": ')
    return lines


def write_corpus(path: Path, articles: int) -> Path:
    path.write_text("\n".join(corpus_lines(articles)) + "\n", encoding="utf-8")
    return path
