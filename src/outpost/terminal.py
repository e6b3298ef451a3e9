"""What reaches the terminal: stored text made harmless to show, whoever stored it.

Titles, sources, texts, file names and reasons come from hostile sources. A terminal obeys
the control sequences hidden in them (clear the screen, write the clipboard with OSC 52, hide
a link with OSC 8; U+009B is a one-character CSI) and shows right-to-left overrides that make
a line read differently from what it holds. Ingest strips them today, but a database written
before, or by someone else, still holds them, so output neutralises them again:

- `plain(value)`: the text with every such character replaced by a visible escape (`\\x1b`,
  `\\u202e`), so nothing is lost and nothing is obeyed;
- `shown(value)`: the same, with Rich markup escaped, for text put into a markup string;
- `console()`: a Rich console that neutralises whatever it prints, a net under both;
- `dumps(data)`: JSON whose strings carry those characters as `\\uXXXX` (still the same data).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderHook, RenderResult
from rich.markup import escape
from rich.segment import Segment

# Bidirectional embeddings, overrides and isolates reorder what follows them on the line.
# The marks (U+200E, U+200F, U+061C) are left: they only nudge neutral characters, and
# Persian and Pashto news uses them.
BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
C0 = range(0x00, 0x20)
C1 = range(0x80, 0xA0)
DEL = 0x7F
SURROGATES = range(0xD800, 0xE000)  # cannot be encoded for output at all


def _escape_of(code: int) -> str:
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _table(keep: Iterable[int]) -> dict[int, str]:
    codes = [*C0, DEL, *C1, *BIDI, *SURROGATES]
    table = {code: _escape_of(code) for code in codes}
    for code in keep:
        table[code] = chr(code)
    return table


# One line (a title, a source, a file name): a line break or tab there would fake a new line
# or column, so it becomes a space; a carriage return would let the rest overwrite the start.
ONE_LINE = {**_table(()), ord("\n"): " ", ord("\t"): " ", ord("\r"): " "}
# Text shown as several lines (an article's body): its line breaks and tabs are its layout.
LINES = {**_table((ord("\n"), ord("\t"))), ord("\r"): ""}
# JSON already escapes C0 (ESC among them); these it would write as they are.
JSON_UNSAFE = {code: f"\\u{code:04x}" for code in (DEL, *C1, *BIDI, *SURROGATES)}


def plain(value: object, *, lines: bool = False) -> str:
    """`value` as text that a terminal shows and does not obey; `lines` keeps line breaks."""
    return str(value).translate(LINES if lines else ONE_LINE)


def shown(value: object, *, lines: bool = False) -> str:
    """`plain(value)` with Rich markup escaped: for stored or typed text put into markup."""
    return escape(plain(value, lines=lines))


def dumps(data: Any, *, indent: int | None = 2) -> str:
    """JSON as the CLI prints it: readable UTF-8, but no character a terminal would obey.
    Those characters only ever occur inside strings, so escaping them keeps the same data."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, default=str)
    return text.translate(JSON_UNSAFE)


class _Neutralised:
    """Another renderable, rendered with the text of its segments neutralised (Rich's own
    control segments, such as cursor moves of a progress bar, pass as they are)."""

    def __init__(self, inner: ConsoleRenderable) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.inner, options):
            if segment.control:
                yield segment
            else:
                yield Segment(segment.text.translate(LINES), segment.style)


class _Neutralise(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Neutralised(r) for r in renderables]


def console(*, stderr: bool = False) -> Console:
    """A Rich console whose every print is neutralised: text that `shown` missed still
    cannot reach the terminal as a control sequence (the layout may then be off by a few
    cells, which is why tables use `shown`)."""
    made = Console(stderr=stderr)
    made.push_render_hook(_Neutralise())
    return made
