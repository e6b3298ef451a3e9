"""/me: who the API token acts for (a person: its username, organisation and role)."""

from __future__ import annotations

from fastapi import APIRouter

from outpost.api.deps import CurrentPrincipal
from outpost.api.problems import documented
from outpost.api.schemas.me import MePublic, me_public

router = APIRouter(prefix="/me", tags=["me"], responses=documented("unauthorized"))


@router.get("", response_model=MePublic)
def read_me(who: CurrentPrincipal) -> MePublic:
    """The principal this token acts for, as the store has it now."""
    return me_public(who)
