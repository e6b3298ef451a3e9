"""The linking stage: NER mentions and the KB's dictionary scan merged, each linked to the
knowledge base, surnames resolved from the full names before them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from outpost.analyze.entities import mention
from outpost.analyze.linking import Linker
from outpost.kb.actors import KnowledgeBase
from outpost.records import Doc, Mention


class LinkStage:
    name = "linking"

    def __init__(self, kb: KnowledgeBase, linker: Linker) -> None:
        self.kb = kb
        self.linker = linker

    def __call__(self, doc: Doc) -> Doc:
        found = list(doc.mentions) + self._scanned(doc)
        linked = [self._link(doc, m) for m in sorted(found, key=lambda m: (m.start, -m.end))]
        return replace(doc, mentions=tuple(self.linker.resolve_surnames(linked)))

    def _scanned(self, doc: Doc) -> list[Mention]:
        """KB names that NER missed (acronyms, «талибов», a country beside a person's name)."""
        taken = [(m.start, m.end) for m in doc.mentions]
        out = []
        for start, end, kb_id in self.linker.find(doc.clean, doc.lang):
            entity = self.kb.get(kb_id)
            if entity is None:
                continue
            found = mention(doc, start, end, entity.type, "kb")
            if any(s < found.end and found.start < e for s, e in taken):
                continue
            out.append(replace(found, kb_id=kb_id, name=entity.name, confidence=0.95))
        return out

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
        return replace(m, kb_id=entity.id, name=entity.name, confidence=confidence)


def known_names(kb: KnowledgeBase) -> Sequence[str]:
    """Every name of the KB, for the clean stage to tell a shouted name from a shouted word."""
    return [alias for _lang, alias, _entity in kb.aliases()]
