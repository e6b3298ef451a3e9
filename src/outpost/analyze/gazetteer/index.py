"""The gazetteer as the pipeline uses it: lookups by name, over an index read from the cache
folder or built into it."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from outpost.analyze.gazetteer.build import Builder
from outpost.analyze.gazetteer.entries import ALIAS_WEIGHT, WEAK, Candidate, Entry
from outpost.analyze.gazetteer.keys import CYRILLIC, TURKIC, lemma_keys, norm, strip_suffix
from outpost.analyze.gazetteer.tables import tables

# Bump when the build changes, so stale caches are rebuilt; a change of kb/gazetteer.yaml
# needs no bump, since its digest is in the cache's name too.
VERSION = "2"


class Gazetteer:
    """Lookups by name across languages; loads from (or builds into) `cache_dir` on first use."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._rows: list[tuple[Any, ...]] = []  # Entry fields: tuples unpickle much faster
        self._index: dict[str, tuple[int, ...]] = {}
        self._lemma: dict[str, tuple[int, ...]] = {}
        self._scan: dict[str, int] = {}  # key -> its number of words, for scan()
        self._scan_starts: frozenset[str] = frozenset()  # their first word, first two...
        self._loaded = False

    @property
    def cache_path(self) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"gazetteer-{VERSION}-{tables().digest[:16]}.pickle"

    def load(self) -> Gazetteer:
        """Read the cache, or build the gazetteer (and write the cache when there is a folder)."""
        if self._loaded:
            return self
        path = self.cache_path
        state = _read_cache(path) if path is not None and path.exists() else None
        if state is None:
            state = Builder().build()
            if path is not None:
                _write_cache(path, state)
        self._rows, self._index, self._lemma, self._scan = state
        keys = [key.split() for key in self._scan]
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

    def scan_start(self, key: str) -> bool:
        """Whether some scannable key begins with the words of `key` (or is `key`)."""
        self.load()
        return key in self._scan_starts or key in self._scan

    def scan_lemma(self, text: str) -> bool:
        self.load()
        return any(k in self._scan for k in lemma_keys(text))

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


_LOADED: dict[Path | None, Gazetteer] = {}


def load_gazetteer(cache_dir: Path | None) -> Gazetteer:
    """A loaded gazetteer; the first call in a fresh cache folder builds it. One per cache file
    in a process: the stages that read it (linking, places) share its few hundred megabytes."""
    path = Gazetteer(cache_dir).cache_path
    if path not in _LOADED:
        _LOADED[path] = Gazetteer(cache_dir).load()
    return _LOADED[path]
