"""Keys that tell duplicates apart: canonical URLs, normalised-text hashes, MinHash fingerprints.

Exact duplicates share a canonical URL or a normalised text. Near duplicates (a wire story
re-published with small edits) are found with MinHash over word 3-shingles and LSH banding:
articles that share a band are candidates, and a candidate is confirmed by the true Jaccard
similarity of the shingle sets, so the banding only decides what to compare, never the answer.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt

SHINGLE = 3
BANDS = 20
ROWS = 3  # per band: 60 hash functions; Jaccard 0.6 is a candidate with p = 0.99
NEAR_DUPLICATE = 0.6  # Jaccard of 3-shingles at or above which two texts are near duplicates
MIN_SHINGLES = 12  # shorter texts are only ever exact duplicates

TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|yclid|mc_cid|mc_eid|igshid|_ga|ref|ref_src)$", re.I)
WORD = re.compile(r"\w+", re.UNICODE)
SPACE = re.compile(r"\s+")

_rng = np.random.default_rng(20210916)  # fixed: fingerprints must be stable across runs
_A = _rng.integers(1, 2**63, size=BANDS * ROWS, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64)


def sha256(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def canonical_url(url: str) -> str:
    """Lower-case scheme and host; no default port, fragment or tracking; sorted query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:  # an IPv6 literal: `hostname` drops its brackets, and they must come back
        host = f"[{host}]"
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    path = parts.path or "/"
    if not host:  # "http:////x": with no host, a path "//x" would be read back as host "x"
        path = "/" + path.lstrip("/")
    if len(path) > 1:
        path = path.rstrip("/") or "/"  # "//" must stay the root, or the result is not stable
    return urlunsplit((scheme, host, path, _query(parts.query), ""))


def _query(query: str) -> str:
    """The query sorted, without tracking parameters. A bare key stays bare: `?a` and `?a=` are
    two URLs to the server that reads them, so `?a` must not become `?a=`."""
    pairs = []
    for piece in query.split("&"):
        if not piece:
            continue
        key, equals, value = piece.partition("=")
        key = unquote_plus(key)
        if not TRACKING.match(key):
            pairs.append((key, equals, unquote_plus(value)))
    pairs.sort()
    return "&".join(quote_plus(k) + (f"={quote_plus(v)}" if eq else "") for k, eq, v in pairs)


def normalise_text(text: str) -> str:
    """The form two texts share when they are the same story: NFKC, case-folded, one space."""
    return SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def text_hash(text: str) -> str:
    return sha256(normalise_text(text))


def shingles(text: str) -> set[int]:
    """Word 3-shingles of the normalised text, as stable 32-bit hashes."""
    words = WORD.findall(normalise_text(text))
    grams = (" ".join(words[i : i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 0)))
    return {zlib.crc32(g.encode()) for g in grams}  # stable across runs, unlike hash()


def jaccard(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def signature(grams: set[int]) -> npt.NDArray[np.uint64]:
    """MinHash signature: for each hash function, the least (a·x + b) mod 2^64 over the shingles."""
    values = np.fromiter(grams, dtype=np.uint64, count=len(grams))
    with np.errstate(over="ignore"):  # arithmetic modulo 2^64 is the point
        hashed = _A[:, None] * values[None, :] + _B[:, None]
    result: npt.NDArray[np.uint64] = hashed.min(axis=1)
    return result


def bands(grams: set[int]) -> list[int]:
    """LSH band keys of a text (signed 64-bit, for a BIGINT column); none for short texts."""
    if len(grams) < MIN_SHINGLES:
        return []
    sig = signature(grams)
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + rows, digest_size=8).digest()
        keys.append(int.from_bytes(digest, signed=True))
    return keys


def fingerprint(keys: list[int]) -> str:
    """The band keys as one printable string (empty when the text is too short to have any)."""
    return " ".join(f"{k & 0xFFFFFFFFFFFFFFFF:016x}" for k in keys)
