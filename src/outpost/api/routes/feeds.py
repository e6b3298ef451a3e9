"""/feeds: the feeds the watch loop polls, with what fetching each has found; added and
removed here, or in the settings file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from outpost.addresses import AddressError
from outpost.api.deps import ContextDep
from outpost.api.problems import ProblemError, documented, not_found
from outpost.api.schemas.feeds import FeedCreate, FeedPublic, feed_public
from outpost.respond.people import NotAllowedError
from outpost.services import sources as service

router = APIRouter(prefix="/feeds", tags=["feeds"], responses=documented("unauthorized"))
FeedId = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="The feed's id as listed.")]


@router.get("", response_model=list[FeedPublic])
def read_feeds(ctx: ContextDep) -> list[FeedPublic]:
    """The settings' feeds, then those added here, with their last fetch and error."""
    return [feed_public(f) for f in service.list_feeds(ctx)]


@router.post(
    "",
    response_model=FeedPublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented("conflict", "bad-request", "forbidden"),
)
def create_feed(ctx: ContextDep, body: FeedCreate, response: Response) -> FeedPublic:
    """Watch a feed from now on. Its address must be public, or in a network the settings
    allow (fetch_allow_networks); 409 when it is watched already."""
    try:
        added = service.add_feed(ctx, body.url, body.interval)
    except service.FeedConflictError as exc:
        raise ProblemError("conflict", str(exc)) from None
    except NotAllowedError:
        raise  # a 403 problem (problems.install), not a bad URL
    except (AddressError, ValueError) as exc:
        raise ProblemError(
            "validation", str(exc), errors=[{"location": "body.url", "message": str(exc)}]
        ) from None
    response.headers["Location"] = f"/api/v1/feeds/{added.row.key}"
    return feed_public(added)


@router.get("/{feed_id}", response_model=FeedPublic, responses=documented("not-found"))
def read_feed(ctx: ContextDep, feed_id: FeedId) -> FeedPublic:
    found = [f for f in service.list_feeds(ctx) if f.row.key == feed_id]
    if not found:
        raise not_found("watched feed")
    return feed_public(found[0])


@router.delete(
    "/{feed_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=documented("not-found", "conflict", "forbidden"),
)
def delete_feed(ctx: ContextDep, feed_id: FeedId) -> Response:
    """Stop watching a feed added here (409 for one of the settings file)."""
    try:
        removed = service.remove_feed(ctx, feed_id)
    except service.FeedConflictError as exc:
        raise ProblemError("conflict", str(exc)) from None
    if not removed:
        raise not_found("watched feed")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
