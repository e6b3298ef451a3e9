"""The gazetteer as the pipeline uses it: lookups by name, over an index read from the cache
folder or built into it."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from outpost.analyze.gazetteer.build import Builder
from outpost.analyze.gazetteer.entries import ALIAS_WEIGHT, WEAK, Candidate, Entry
from outpost.analyze.gazetteer.keys import CYRILLIC, TURKIC, lemma_keys, norm, strip_suffix
from outpost.analyze.gazetteer.tables import tables
from outpost.config import WATCHED_REGION

# Bump when the build changes, so stale caches are rebuilt; a change of kb/gazetteer.yaml
# needs no bump, since its digest is in the cache's name too.
VERSION = "4"


class Gazetteer:
    """Lookups by name across languages; loads from (or builds into) `cache_dir` on first use."""

    def __init__(
        self, cache_dir: Path | None = None, region: Iterable[str] = WATCHED_REGION
    ) -> None:
        self.cache_dir = cache_dir
        self.region = tuple(sorted(set(region)))
        self._rows: list[tuple[Any, ...]] = []  # Entry fields: tuples unpickle much faster
        self._index: dict[str, tuple[int, ...]] = {}
        self._lemma: dict[str, tuple[int, ...]] = {}
        self._scan: dict[str, int] = {}  # key -> its number of words, for scan()
        self._scan_starts: frozenset[str] = frozenset()  # their first word, first two...
        self._regional: dict[str, int] = {}  # the same, of towns scanned for in the region only
        self._short: frozenset[str] = frozenset()  # short keys of the region's towns: "osh"
        self._loaded = False

    @property
    def cache_path(self) -> Path | None:
        if self.cache_dir is None:
            return None
        region = hashlib.sha256(",".join(self.region).encode()).hexdigest()[:8]
        return self.cache_dir / f"gazetteer-{VERSION}-{tables().digest[:16]}-{region}.pickle"

    def load(self) -> Gazetteer:
        """Read the cache, or build the gazetteer (and write the cache when there is a folder)."""
        if self._loaded:
            return self
        path = self.cache_path
        state = _read_cache(path) if path is not None and path.exists() else None
        if state is None:
            state = Builder(self.region).build()
            if path is not None:
                _write_cache(path, state)
        self._rows, self._index, self._lemma, self._scan, self._regional, self._short = state
        keys = [key.split() for key in (*self._scan, *self._regional)]
        self._scan_starts = frozenset(" ".join(w[:n]) for w in keys for n in range(1, len(w)))
        self._loaded = True
        return self

    def __len__(self) -> int:
        return len(self.load()._rows)

    def lookup(self, name: str, lang: str | None = None) -> list[Candidate]:
        """Entries the name may refer to; Russian inflections are lemmatised when needed."""
        self.load()
        key = norm(name)
        coded = self._index.get(key, ())
        if not coded and CYRILLIC.search(name):
            keys = lemma_keys(name)
            coded = tuple(c for k in keys for c in self._lemma.get(k, ()) + self._index.get(k, ()))
        if not coded and lang in TURKIC:
            coded = self._index.get(strip_suffix(key, self._index), ())
        return self._candidates(coded)

    def scannable(self, key: str) -> bool:
        self.load()
        return key in self._scan

    def scans(self, key: str) -> bool:
        """Whether the dictionary scan looks for the key: anywhere, or in the watched region."""
        self.load()
        return key in self._scan or key in self._regional

    def regional(self, key: str) -> bool:
        """Whether the key is scanned for only as a town of the watched region."""
        self.load()
        return key in self._regional and key not in self._scan

    def short(self, key: str) -> bool:
        """Whether a key of three letters or fewer names a town of the watched region."""
        self.load()
        return key in self._short

    def scan_start(self, key: str) -> bool:
        """Whether some scannable key begins with the words of `key` (or is `key`)."""
        self.load()
        return key in self._scan_starts or key in self._scan or key in self._regional

    def scan_lemma(self, text: str) -> bool:
        self.load()
        return any(k in self._scan or k in self._regional for k in lemma_keys(text))

    def only_regional(self, text: str) -> bool:
        """Whether a name the scan found is known to it only as a town of the watched region,
        in every form: such a name needs more than a capital letter (places.scan)."""
        keys = [norm(text), *lemma_keys(text)]
        return not any(self.scannable(k) for k in keys)

    def _candidates(self, coded: Iterable[int]) -> list[Candidate]:
        best: dict[int, int] = {}
        for code in coded:
            row, alias = divmod(code, 4)
            best[row] = min(alias, best.get(row, WEAK))
        return [Candidate(Entry(*self._rows[r]), ALIAS_WEIGHT[a]) for r, a in best.items()]


def _read_cache(path: Path) -> Any:
    """The cached state, or None when the file cannot be read (it is then rebuilt)."""
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
        return None


def _write_cache(path: Path, state: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")  # one per writer
    with tmp.open("wb") as f:
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)  # atomic: a reader never sees half a file


_LOADED: dict[tuple[Path | None, tuple[str, ...]], Gazetteer] = {}


def load_gazetteer(cache_dir: Path | None, region: Iterable[str] = WATCHED_REGION) -> Gazetteer:
    """A loaded gazetteer; the first call in a fresh cache folder builds it. One per cache file
    in a process: the stages that read it (linking, places) share its few hundred megabytes."""
    key = (cache_dir, tuple(sorted(set(region))))
    if key not in _LOADED:
        _LOADED[key] = Gazetteer(cache_dir, region).load()
    return _LOADED[key]
