"""A MISP feed folder, for air-gapped transfer: one `<uuid>.json` per event (a story), the
`manifest.json` that indexes them and the `hashes.csv` of their attribute values, in the
layout MISP's feed import reads (as pymisp's own feed tool writes it, tools/feed.py:
manifest entries from `MISPEvent.manifest`, hashes as 'md5,event uuid' lines)."""

from __future__ import annotations

import json
from pathlib import Path

from outpost.export.bundle import Selection
from outpost.export.misp import story_events


def write(selection: Selection, out: Path) -> None:
    """Write the feed into the folder `out` (made if missing; files of earlier exports of the
    same events are replaced, any others are left alone)."""
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {}
    hashes: list[str] = []
    for event in story_events(selection):
        # distribution kept: the receiving MISP must not share a RED event more widely
        feed = event.to_feed(with_meta=False, with_distribution=True)
        (out / f"{event.uuid}.json").write_text(json.dumps(feed, indent=1), encoding="utf-8")
        manifest.update(event.manifest)
        hashes += [f"{h},{event.uuid}" for h in event.attributes_hashes("md5")]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    (out / "hashes.csv").write_text("".join(f"{h}\n" for h in hashes), encoding="utf-8")
