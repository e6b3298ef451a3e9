"""Text from the bytes of a file: which encoding, and whether it is text at all.

Files come from anywhere: exports in UTF-8 with or without BOM, PowerShell's UTF-16 without
one, cp1251 from older Russian tools, and binary data under a text name. A text cut inside its
last character (a truncated download) keeps its encoding rather than being refused whole or
read as another one.
"""

from __future__ import annotations

import re
from collections import Counter

import charset_normalizer

from outpost.values import ItemError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")  # controls but tabs, newlines, \f
CUT = {"unexpected end of data", "truncated data"}  # how codecs say the data stopped mid-character


def decode(raw: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 (with BOM, or without one when its
    NUL bytes say so), else the best-fitting legacy encoding (cp1251 is common in Russian
    sources). A text cut inside its last character keeps its encoding, the broken character
    replaced by U+FFFD. Binary data is refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _cut_tail(raw[2:], "utf-16-le" if raw[0] == 0xFF else "utf-16-be")
        except UnicodeDecodeError:
            raise ItemError("undecodable text: bad UTF-16") from None
    text = _utf16_without_bom(raw)
    if text is None:
        text = _utf8_or_legacy(raw.removeprefix(b"\xef\xbb\xbf"))
    if len(CONTROL.findall(text)) > max(3, len(text) // 100):
        raise ItemError("binary content, not text (too many control characters)")
    return text


def _utf8_or_legacy(raw: bytes) -> str:
    if b"\x00" in raw[:65536]:
        raise ItemError("binary file, not text (contains NUL bytes)")
    try:
        return _cut_tail(raw, "utf-8")
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(raw).best()
        if best is None or best.chaos > 0.2:
            raise ItemError("undecodable text: not UTF-8, and no other encoding fits") from None
        return str(best)


def _cut_tail(raw: bytes, encoding: str) -> str:
    """`raw` decoded strictly, except that a character cut off by the end of the data (a file
    truncated mid-character) becomes U+FFFD rather than making the whole text undecodable."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.end != len(raw) or exc.reason not in CUT:
            raise
        return raw[: exc.start].decode(encoding) + "\ufffd"


def _utf16_without_bom(raw: bytes) -> str | None:
    encoding = utf16_order(raw[:65536])
    if encoding is None:
        return None
    try:
        return _cut_tail(raw, encoding)
    except UnicodeDecodeError:
        return None


def utf16_order(sample: bytes) -> str | None:
    """The UTF-16 a text without a BOM is in, told by its NUL bytes: the high bytes of ASCII
    characters (and of spaces and punctuation between Cyrillic words) fall all on odd offsets
    (little-endian) or all on even ones (big-endian), and the high bytes of a text in one script
    take one or two values (0x00 and 0x04 for Russian), which neither binary data nor 8-bit text
    does. None when the bytes do not look like UTF-16."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    many, few = max(even, odd), min(even, odd)
    # a character like U+0100 or U+4E00 puts a NUL on the other side now and then
    if not many or many * 20 < len(sample) // 2 or few * 8 > many:
        return None
    high = sample[0::2] if even > odd else sample[1::2]
    if sum(n for _, n in Counter(high).most_common(2)) * 10 < len(high) * 9:
        return None
    return "utf-16-be" if even > odd else "utf-16-le"
