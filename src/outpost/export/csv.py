"""A selection's events as CSV with ACLED-like columns (see `rows`), one row per event.

Article text is hostile: a cell that a spreadsheet would read as a formula (starting with =,
+, -, @, a tab or a carriage return) is written with a leading apostrophe, as OWASP advises
against CSV injection, so it shows as text and never runs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from outpost.export.bundle import Selection, effective
from outpost.export.rows import COLUMNS, event_row

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(value: object) -> str:
    """The cell's text, made inert if a spreadsheet would take it for a formula. Numbers are
    kept as they are (a negative longitude is a number, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render(selection: Selection) -> str:
    sel = effective(selection)
    actors = {m.item.id: m.item for m in sel.actors}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(COLUMNS)
    for m in sel.events:
        row = event_row(m, actors)
        writer.writerow([defused(row[c]) for c in COLUMNS])
    return out.getvalue()


def write(selection: Selection, out: Path) -> None:
    out.write_text(render(selection), encoding="utf-8", newline="")
