"""/tokens: the acting principal's own API tokens; a new one's secret is shown once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from outpost.api.deps import ContextDep
from outpost.api.problems import ProblemError, documented, not_found
from outpost.api.schemas.common import MAX_ID
from outpost.api.schemas.tokens import (
    TokenCreate,
    TokenCreated,
    TokenPublic,
    token_created,
    token_public,
)
from outpost.respond.people import NotAllowedError
from outpost.services import tokens as service

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=documented("unauthorized"))
TokenId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", response_model=list[TokenPublic])
def read_tokens(ctx: ContextDep) -> list[TokenPublic]:
    """The valid tokens acting for the same principal as this one."""
    return [token_public(t) for t in service.list_own_tokens(ctx)]


@router.post(
    "",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses=documented("bad-request", "forbidden"),
)
def create_token(ctx: ContextDep, body: TokenCreate) -> TokenCreated:
    """A new token acting for the same principal (a person's token acts as the person, with
    its organisation and role); its secret is in this answer only."""
    try:
        token, secret = service.create_api_token(ctx, body.name)
    except NotAllowedError:
        raise  # a 403 problem (problems.install)
    except ValueError as exc:  # a name of spaces only, or with NUL
        raise ProblemError(
            "validation", str(exc), errors=[{"location": "body.name", "message": str(exc)}]
        ) from None
    return token_created(token, secret)


@router.delete(
    "/{token_id}", status_code=status.HTTP_204_NO_CONTENT, responses=documented("not-found")
)
def delete_token(ctx: ContextDep, token_id: TokenId) -> Response:
    """Revoke one of the principal's tokens (this one too, if asked)."""
    if not service.revoke_own_token(ctx, token_id):
        raise not_found("token")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
