"""What the pages' forms of marked items share: a refusal to show beside the form it answers,
lists of names typed with commas, and days typed as YYYY-MM-DD."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from fastapi.responses import Response

from outpost.respond.checks import InvalidError
from outpost.respond.people import NotAllowedError
from outpost.respond.people import NotFoundError as HiddenError
from outpost.web.page import NotFoundError, Page


@dataclass(frozen=True)
class Refusal:
    """Why a form was refused: `form` names the form it is shown beside, `reason` is the
    services' message (it names the field or the rule), `status` 400 or 403."""

    form: str
    reason: str
    status: int


def refusal_of(form: str, exc: Exception) -> Refusal:
    """A role or a marking rule refuses with 403; a field that cannot be used with 400."""
    return Refusal(form, str(exc), 403 if isinstance(exc, NotAllowedError) else 400)


def listed_names(text: str) -> list[str]:
    """Codes or usernames typed with commas or spaces between them."""
    return [name for name in text.replace(",", " ").split() if name]


def day(text: str, field: str) -> date | None:
    """A day typed as YYYY-MM-DD (the date input's value), None when left empty."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidError(f"{field}: a day as YYYY-MM-DD, not {text!r}") from None


def marked_change(
    page: Page,
    form: str,
    change: Callable[[], object | None],
    back: tuple[str, str],
    again: Callable[[Refusal], Response],
) -> Response:
    """A marking or sharing change of an item: back to the item (`back`: its page and the
    list), or to the list when the change took it out of the principal's sight (`change`
    gave None); the item's page with the refusal beside `form`; a hidden item's 404."""
    try:
        after = change()
    except HiddenError:
        raise NotFoundError from None
    except (InvalidError, NotAllowedError) as exc:
        return again(refusal_of(form, exc))
    item, listed = back
    return page.redirect(f"{item}#{form}" if after is not None else listed)
