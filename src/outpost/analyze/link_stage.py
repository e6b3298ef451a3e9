"""The linking stage: NER mentions and the KB's dictionary scan merged, each linked to the
knowledge base, surnames resolved from the full names before them, and names that bodies of
several states share («ГКНБ», «МВД») settled by the states the article is about."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from outpost.analyze.context import settle
from outpost.analyze.entities import mention
from outpost.analyze.linking import Candidates, Linker
from outpost.analyze.toponyms import CUES as PLACE_CUES
from outpost.analyze.toponyms import retype_places
from outpost.kb.actors import KnowledgeBase
from outpost.records import Doc, Mention

ORG_LOC = frozenset({"ORG", "LOC"})
RETYPE = 0.8  # the least confidence at which the KB's type replaces the mention's


class LinkStage:
    name = "linking"

    def __init__(self, kb: KnowledgeBase, linker: Linker, gazetteer: Any = None) -> None:
        self.kb = kb
        self.linker = linker
        # Loaded on the first Russian article, or the first with a shared name, when not given.
        self._gazetteer = gazetteer

    @property
    def gazetteer(self) -> Any:
        if self._gazetteer is None:
            from outpost.analyze.gazetteer import load_gazetteer
            from outpost.config import load_settings

            settings = load_settings()
            self._gazetteer = load_gazetteer(settings.cache_dir, settings.watched_region)
        return self._gazetteer

    def __call__(self, doc: Doc) -> Doc:
        scanned, shared_scan = self._scanned(doc)
        found = [m for m in doc.mentions if not _inside_longer(m, scanned)] + scanned
        linked = [self._link(doc, m) for m in sorted(found, key=lambda m: (m.start, -m.end))]
        linked = self.linker.resolve_surnames(linked)
        linked = self._settle(doc, linked, shared_scan)
        if doc.lang == "ru":
            from outpost.analyze.retype import retype

            linked = retype(doc, linked, self.gazetteer, self.linker.surname_keys)
        if doc.lang in PLACE_CUES:
            linked = retype_places(doc, linked, self.gazetteer)
        roles = list(role_holders(doc, linked, self.kb))
        return replace(doc, mentions=tuple(sorted(linked + roles, key=lambda m: (m.start, -m.end))))

    def _scanned(self, doc: Doc) -> tuple[list[Mention], set[tuple[int, int]]]:
        """KB names that NER missed (acronyms, «талибов», a country beside a person's name),
        and KB names longer than the NER mentions inside them: natasha reads «Голос
        Америки» as the place «Америки». Also the spans of names that bodies of several
        states share («ГКНБ»), unlinked until the context settles them."""
        taken = [(m.start, m.end) for m in doc.mentions]
        out, shared = [], set()
        for start, end, ids in self.linker.find_all(doc.clean, doc.lang):
            entity = self.kb.get(ids[0])
            if entity is None:
                continue
            found = mention(doc, start, end, entity.type, "kb")
            inside = [(s, e) for s, e in taken if s < found.end and found.start < e]
            if any(
                s < found.start or found.end < e or (s, e) == (found.start, found.end)
                for s, e in inside
            ):
                continue
            if len(ids) > 1:
                out.append(replace(found, name=found.text))
                shared.add((found.start, found.end))
            else:
                out.append(replace(found, kb_id=ids[0], name=entity.name, confidence=0.95))
        return out, shared

    def _settle(
        self, doc: Doc, mentions: list[Mention], scanned: set[tuple[int, int]]
    ) -> list[Mention]:
        """Shared names linked by the context; one the scan found and the context does not
        settle is dropped (the scan knows it only as a name of the KB)."""
        shared: dict[int, Candidates] = {}
        for i, m in enumerate(mentions):
            if m.kb_id is None:
                candidates = self.linker.shared(m.text, m.type, doc.lang, normal=m.name)
                if candidates:
                    shared[i] = candidates
        if not shared:
            return mentions
        # Places are clues only where a shared name waits: most articles never look them up.
        settled = settle(doc, mentions, shared, self.kb, self.gazetteer)
        return [m for m in settled if m.kb_id or (m.start, m.end) not in scanned]

    def _link(self, doc: Doc, m: Mention) -> Mention:
        if m.kb_id:
            entity = self.kb.get(m.kb_id)
            if entity is not None:
                return replace(
                    m, name=entity.name, type=entity.type, confidence=max(m.confidence, 0.95)
                )
        result = self.linker.link(m.text, m.type, doc.lang, normal=m.name)
        if result is None:
            return replace(m, confidence=m.confidence or 0.5)
        entity, confidence = result
        # The KB knows whether a name is an organisation or a place better than NER does
        # («ЕС», «Евросоюз» read as places); a loose (fuzzy) match does not get to say.
        kind = entity.type if confidence >= RETYPE and {m.type, entity.type} == ORG_LOC else m.type
        return replace(m, kb_id=entity.id, name=entity.name, confidence=confidence, type=kind)


def _inside_longer(m: Mention, scanned: Sequence[Mention]) -> bool:
    return any(k.start <= m.start and m.end <= k.end for k in scanned)


def known_names(kb: KnowledgeBase) -> Sequence[str]:
    """Every name of the KB, for the clean stage to tell a shouted name from a shouted word."""
    return [alias for _lang, alias, _entity in kb.aliases()]


# "the President of Russia", «президента России»: a person named by the post they hold. The
# knowledge base knows who held it on the day of publication.
TITLES = {
    "president": "President",
    "prime minister": "Prime Minister",
    "premier": "Prime Minister",
    "chancellor": "Chancellor",
    "foreign minister": "Foreign Minister",
    "minister of foreign affairs": "Foreign Minister",
    "президент": "President",
    "премьер-министр": "Prime Minister",
    "премьер": "Prime Minister",
    "канцлер": "Chancellor",
    "министр иностранных дел": "Foreign Minister",
    "глава мид": "Foreign Minister",
}
ROLE_BEFORE = re.compile(
    r"\b(president|prime minister|premier|chancellor|foreign minister|"
    r"minister of foreign affairs)\s+of\s+(?:the\s+)?$|"
    r"(президент|премьер-министр|премьер|канцлер|министр иностранных дел|глава мид)"
    r"[а-я]{0,3}\s+$",
    re.IGNORECASE,
)


def role_holders(doc: Doc, mentions: Sequence[Mention], kb: KnowledgeBase) -> Iterator[Mention]:
    """A person mention for each post followed by a country and not by the holder's name."""
    on = (doc.published or datetime.now(UTC)).date()
    starts = {m.start for m in mentions if m.type == "PER"}
    for m in mentions:
        if not (m.kb_id or "").startswith("country:"):
            continue
        before = ROLE_BEFORE.search(doc.text[max(0, m.start - 40) : m.start])
        gap = doc.text[m.end : m.end + 3]
        if before is None or any(m.end + i in starts for i in range(len(gap) + 1)):
            continue  # "President of Tajikistan Emomali Rahmon" names him already
        title = TITLES[(before.group(1) or before.group(2)).lower()]
        holder = kb.holder(title, (m.kb_id or "").split(":")[1], on)
        if holder is None:
            continue
        start = max(0, m.start - 40) + before.start()
        yield Mention(
            doc.text[start : m.end], "PER", start, m.end, holder.name, holder.id, 0.8, "role"
        )
