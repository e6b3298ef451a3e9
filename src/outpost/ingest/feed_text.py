"""A feed document decoded once, as an XML parser would decode it, then checked and handed on.

Checking the raw bytes for entity declarations and letting the parser decode them on its own
is a check and a parse that can disagree: a document in EBCDIC (or UTF-16, or UTF-32) has no
ASCII `<!ENTITY` in its bytes, yet the parser reads one. So the encoding is decided here, once
(byte order mark, else the byte pattern of the first characters, else the XML declaration, else
UTF-8, as XML 1.0 appendix F does), the decoded text is checked, and the parser is given exactly
that text, re-encoded as UTF-8 with its declaration saying so: it cannot read anything else.
"""

from __future__ import annotations

import codecs
import re

from outpost.values import ItemError

BOMS = (  # UTF-32 LE first: its mark begins with UTF-16 LE's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
EBCDIC_DECLARATION = bytes.fromhex("4c6fa794")  # "<?xm" in every EBCDIC code page
DECLARATION = re.compile(r"<\?xml\b[^>]{0,400}?\?>")
ENCODING = re.compile(r"""\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._:-]{0,39})["']""")
ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
HEAD = 1024  # characters in which a declaration is looked for
UTF8_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
# Codecs Python has but no XML parser should obey: they turn escapes into markup.
REFUSED_CODECS = {"unicode_escape", "raw_unicode_escape", "utf_7", "idna", "punycode"}


def feed_document(body: bytes) -> bytes:
    """The document as the parser must see it: decoded, checked, re-encoded as UTF-8.
    Raises ItemError for a document that declares entities or names an unknown encoding."""
    text = decode_feed(body)
    if ENTITY_DECLARATION.search(text):
        raise ItemError("refused: the XML declares entities (<!ENTITY in the decoded document)")
    return _as_utf8(text).encode("utf-8", errors="replace")


def decode_feed(body: bytes) -> str:
    """The document's text, in the encoding an XML parser would choose."""
    encoding, start, fixed = _byte_encoding(body)
    if not fixed:
        provisional = body[: HEAD * 4].decode(encoding, errors="replace")
        encoding = _declared(provisional, encoding) or encoding
    try:
        return body[start:].decode(encoding, errors="replace")
    except (LookupError, UnicodeError) as exc:  # a codec that cannot replace errors
        raise ItemError(f"not a feed: cannot decode it as {encoding}: {exc}") from None


def _byte_encoding(body: bytes) -> tuple[str, int, bool]:
    """(encoding, bytes to skip, whether the bytes settle it) from the first bytes alone."""
    for bom, name in BOMS:
        if body.startswith(bom):
            return name, len(bom), True
    first = body[:4].ljust(4, b"\x01")
    zeros = tuple(b == 0 for b in first)
    if zeros == (True, True, True, False):
        return "utf-32-be", 0, True
    if zeros == (False, True, True, True):
        return "utf-32-le", 0, True
    if zeros[0] and not zeros[1]:
        return "utf-16-be", 0, True
    if not zeros[0] and zeros[1]:
        return "utf-16-le", 0, True
    if first == EBCDIC_DECLARATION:
        return "cp037", 0, False  # the declaration names the code page
    return "utf-8", 0, False


def _declared(head: str, provisional: str) -> str | None:
    """The encoding the XML declaration names, if it is one to obey; None to keep the
    `provisional` one the bytes suggest."""
    declaration = DECLARATION.search(head[:HEAD])
    found = ENCODING.search(declaration.group(0)) if declaration else None
    if not found:
        return None
    name = found.group(1)
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise ItemError(f"not a feed: unknown encoding {name!r} in the XML declaration") from None
    if codec.name.replace("-", "_") in REFUSED_CODECS or not _is_text_codec(codec):
        raise ItemError(f"not a feed: refused encoding {name!r} in the XML declaration")
    if _markup(codec.name) != _markup(provisional):
        return None  # the bytes contradict it (UTF-16 declared in ASCII bytes...): bytes win
    return codec.name


def _markup(encoding: str) -> bytes:
    return "<?xml".encode(encoding, errors="replace")


def _is_text_codec(codec: codecs.CodecInfo) -> bool:
    return bool(getattr(codec, "_is_text_encoding", True))


def _as_utf8(text: str) -> str:
    """The text with its XML declaration (if any) saying UTF-8, which it will be."""
    text = text.removeprefix("\ufeff")
    declaration = DECLARATION.search(text[:HEAD])
    if not declaration:
        return text
    return text[: declaration.start()] + UTF8_DECLARATION + text[declaration.end() :]


ENTRY_END = re.compile(rb"</(?:item|entry)\s*>", re.IGNORECASE)
ROOT = re.compile(rb"<(rss|feed|rdf:RDF)\b")
CLOSING = {b"rss": b"</channel></rss>", b"feed": b"</feed>", b"rdf:RDF": b"</rdf:RDF>"}


def first_entries(document: bytes, cap: int) -> tuple[bytes, bool]:
    """The document cut after its `cap`-th entry and closed again as its root element needs,
    and whether it was cut: parsing grows with the entries (250,000 took 32 s and 300 MB),
    and no run reads more than a few hundred of them."""
    last = None
    for count, end in enumerate(ENTRY_END.finditer(document), 1):
        if count > cap:
            break
        last = end
    else:
        return document, False
    assert last is not None  # cap >= 1: the loop saw `cap` ends before this one
    root = ROOT.search(document)
    closing = CLOSING.get(root.group(1), b"") if root else b""
    return document[: last.end()] + closing, True
