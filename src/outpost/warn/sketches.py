"""Sketches: what story clustering reads of an analysed article.

Its lead's sentence vector (made by analysis, `outpost.analyze.leads`), and its keys: the
linked actors, resolved places, names the knowledge base does not know, numbers, event type,
and the months of the dates it writes out with their year.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from unidecode import unidecode

from outpost.analyze.leads import lead, lead_vectors
from outpost.records import Doc, Sketch

# Counts and measures (casualties, a magnitude, a ransom): up to three digits, with a decimal
# part or thousands after a separator; four bare digits are mostly years, which every report
# of a year shares.
NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[.,]\d+)?(?![\d.,])")
NAMED = ("PER", "ORG", "LOC")
# A date written with its year ("11 November 2011", "2011-11-11") says when; one resolved from
# "on Tuesday" only repeats the day of publication, which every report of the day shares.
WRITTEN_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")


def sketch_keys(doc: Doc) -> frozenset[str]:
    keys: set[str] = set()
    for m in doc.mentions:
        if m.kb_id:
            kind, _, rest = m.kb_id.partition(":")
            keys.add(f"country:{rest}" if kind == "country" else f"actor:{m.kb_id}")
        elif m.type in NAMED and (name := name_key(m.name or m.text, m.type)):
            keys.add(f"name:{name}")
    keys.update(f"number:{n}" for n in NUMBER.findall(doc.clean or doc.text))
    for p in doc.places:
        if p.kind == "country" and p.country:
            keys.add(f"country:{p.country}")
        elif p.geonames_id or p.name:
            keys.add(f"place:{p.geonames_id or p.name.lower()}")
    if doc.event_type:
        keys.add(f"type:{doc.event_type.label}")
    keys.update(f"date:{month}" for month in written_months(doc))
    return frozenset(keys)


def written_months(doc: Doc) -> set[str]:
    """The months (YYYY-MM) of the dates the text writes out with their year."""
    return {d.value[:7] for d in doc.dates if len(d.value) >= 7 and WRITTEN_YEAR.search(d.text)}


def name_key(name: str, kind: str) -> str | None:
    """A name the knowledge base does not know, as reports in any script write it: in Latin
    letters, lower-cased; a person by the surname, which later reports keep ("Lohan" after
    "Lindsay Lohan"). Names of two letters or fewer say too little."""
    words = unidecode(name).lower().replace("'", "").split()
    if not words:
        return None
    key = words[-1] if kind == "PER" else " ".join(words)
    return key if len(key) >= 3 else None


def sketches(
    docs: Sequence[Doc], sources: Sequence[str], when: Sequence[datetime | None]
) -> list[Sketch]:
    """Sketches of analysed docs; an article without a time is placed at the Unix epoch."""
    # Analysis stores the vector; an article analysed before it did gets one now.
    missing = [i for i, d in enumerate(docs) if d.vector is None]
    made = lead_vectors([docs[i] for i in missing])
    found = {i: d.vector for i, d in enumerate(docs) if d.vector is not None}
    found |= {missing[j]: vector for j, vector in made.items()}
    out = []
    for i, doc in enumerate(docs):
        out.append(
            Sketch(
                article=doc.id,
                when=when[i] or doc.published or datetime(1970, 1, 1, tzinfo=UTC),
                lang=doc.lang,
                source=sources[i],
                title=doc.title or lead(doc)[:120],
                vector=found.get(i),
                keys=sketch_keys(doc),
                event_type=doc.event_type.label if doc.event_type else None,
                domains=tuple(t.domain for t in doc.threats),
                places=tuple(dict.fromkeys(p.name for p in doc.places)),
                actors=tuple(dict.fromkeys(m.kb_id for m in doc.mentions if m.kb_id)),
            )
        )
    return out
