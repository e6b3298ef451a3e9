"""Who may see an item people wrote: TLP 2.0 as the access rule itself.

Pure: the rule on records. `outpost.store.visibility` writes the very same rule as query
conditions, which every query of marked items uses; this module is the rule a reader (and
the tests) can hold in one hand.

The rule, for a viewer (user u of organisation o) and an item with a marking, an owner
organisation, the organisations named on it and the people named on it:

- CLEAR: anyone signed in.
- GREEN: users of an organisation of the alliance (kind "centre" or "member"); a partner
  organisation's users do not see GREEN.
- AMBER: users of the owner organisation, of every organisation named on the item, and of
  the organisations its container gives it (`Item.container_orgs`):
  - a comment is written inside its case: the case's owner organisation and the
    organisations named on the case see its AMBER comments;
  - an assessment linked to a case: the organisations named on that case see it, but only
    when the case belongs to the assessment's own organisation. Linking is something any
    analyst who sees both may do, and including an item in another never widens it: another
    organisation's case cannot carry an assessment to organisations its owner did not choose.
- AMBER+STRICT: users of the owner organisation only.
- RED: only the people named on the item (its maker is named when it is made RED). A RED
  case does not carry its people to its comments: each comment names its own (those named on
  the case when it was written, and its writer).

And for viewers that are not a person of an organisation:

- A principal with no organisation or no user (the local CLI operator, a token made before
  people existed, the watch loop) sees CLEAR only.
- A disabled user sees nothing (it cannot sign in; a principal made before it was disabled
  still sees nothing).
- Roles give no sight: an administrator sees what its organisation and its name let it see.
  Roles say what one may DO, markings what one may SEE.

Markings change by these rules (`check_change`): anyone who may see an item may tighten its
marking; only a coordinator or administrator of the owner organisation may loosen it. A view
of items together (a case with its comments and linked assessments) is marked with the
strictest marking among what it shows (`combined`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from outpost.markings import ALLIANCE, TLP, WRITTEN, strictest
from outpost.records import Principal, Viewer
from outpost.respond.people import Action, may, refusal

DEFAULT = WRITTEN  # what people write is marked so until they choose


@dataclass(frozen=True)
class Item:
    """A marked item, as the rule needs it."""

    marking: TLP
    owner_org: int
    orgs: frozenset[int] = frozenset()  # named on the item (AMBER)
    people: frozenset[int] = frozenset()  # user ids named on the item (RED)
    container_orgs: frozenset[int] = frozenset()  # what its container gives it (AMBER)


def sees(viewer: Viewer, item: Item) -> bool:
    """Whether the viewer may see the item (the module's rule, case by case)."""
    if viewer.user is not None and not viewer.active:
        return False
    if item.marking is TLP.CLEAR:
        return True
    if viewer.user is None or viewer.org is None:
        return False
    if item.marking is TLP.GREEN:
        return viewer.org_kind in ALLIANCE
    if item.marking is TLP.AMBER:
        return viewer.org in {item.owner_org, *item.orgs, *item.container_orgs}
    if item.marking is TLP.AMBER_STRICT:
        return viewer.org == item.owner_org
    return viewer.user in item.people


def access_key(who: Principal) -> str:
    """A key for caching what `who` sees: two principals with the same key see the same items.

    What the rule reads of a principal is its user (RED names people; a disabled one sees
    nothing) and its organisation (AMBER, AMBER+STRICT; GREEN by the organisation's kind,
    which an organisation's code fixes: kinds never change). Everyone who is not a person of
    an organisation sees CLEAR alone, and shares one key.
    """
    if who.user is None:
        return "clear"
    return f"user:{who.user}@{who.org or '-'}"


def check_change(who: Principal, owner_org: str, old: TLP, new: TLP) -> None:
    """Refuse (NotAllowedError) a loosening by anyone but a coordinator or administrator of
    the owner organisation (`owner_org` is its code). Tightening needs only that the
    principal sees the item, which the caller has found it by."""
    if new < old and not (may(who, Action.LOOSEN_MARKING) and who.org == owner_org):
        raise refusal(
            who,
            f"loosen a marking from {old.value} to {new.value}: only a coordinator of the "
            f"owner organisation ({owner_org}) may",
        )


def combined(markings: Iterable[TLP]) -> TLP:
    """The marking of items shown together: the most restrictive of them."""
    return strictest(markings)


def at_least(marking: TLP, floor: TLP) -> TLP:
    """`marking`, raised to `floor` when looser (a comment is never looser than its case)."""
    return marking if marking >= floor else floor
