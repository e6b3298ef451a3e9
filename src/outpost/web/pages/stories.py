"""Stories: the list (the shared filters, a page at a time), one story's timeline with its
articles across languages and sources, and the analysts' merge and split (POST forms), with
how often they had to correct clustering."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from outpost.records import StoryTimeline
from outpost.respond.people import Action, NotAllowedError, require_of_people
from outpost.services.imported import sent_of_story
from outpost.services.stories import (
    find_stories,
    merge_stories,
    split_article,
    story_stats,
    story_timeline,
)
from outpost.web.filters import FilterQuery, listed
from outpost.web.i18n import N_
from outpost.web.page import NotFoundError, Page, SignedIn

router = APIRouter()

MAX_ID = 200  # characters of a story's or an article's id


@router.get("/stories")
def read_stories(page: SignedIn, asked: FilterQuery) -> Response:
    shown = listed(asked, lambda: find_stories(page.ctx, asked.filters, asked.window()))
    return page.render(
        "stories.html",
        status=shown.status,
        current="stories",
        asked=shown.asked,
        found=shown.page,
        stats=story_stats(page.ctx),
    )


@router.get("/stories/{story_id}")
def read_story(page: SignedIn, story_id: str) -> Response:
    timeline = _timeline(page, story_id)
    if timeline.story.merged_into:  # its articles are in the story it was merged into
        return page.redirect(f"/stories/{timeline.story.merged_into}")
    return _story_page(page, timeline)


@router.post("/stories/{story_id}/merge")
def merge_story(
    page: SignedIn, story_id: str, other: Annotated[str, Form(max_length=MAX_ID)] = ""
) -> Response:
    """Move every article of the story `other` into this one."""
    require_of_people(page.ctx.who, Action.CORRECT_STORIES)  # refused before anything is read
    timeline = _timeline(page, story_id)
    other = other.strip()
    if not other:
        return _story_page(page, timeline, N_("Give the id of the story to merge into this one."))
    try:
        merge_stories(page.ctx, timeline.story.id, other)
    except NotAllowedError:
        raise  # the 403 page
    except LookupError:
        return _story_page(page, timeline, N_("There is no story with this id."), other=other)
    except ValueError as exc:
        return _story_page(
            page,
            timeline,
            N_("These stories cannot be merged: %(reason)s"),
            reason=str(exc),
            other=other,
        )
    return page.redirect(f"/stories/{timeline.story.id}")


@router.post("/stories/{story_id}/split")
def split_story(
    page: SignedIn, story_id: str, article: Annotated[str, Form(max_length=MAX_ID)] = ""
) -> Response:
    """Take one of this story's articles out into a story of its own, and show that one."""
    require_of_people(page.ctx.who, Action.CORRECT_STORIES)  # refused before anything is read
    timeline = _timeline(page, story_id)
    members = {a.uid for day in timeline.days for a in day.articles}
    if article not in members:
        return _story_page(page, timeline, N_("This article is not in this story."))
    try:
        state = split_article(page.ctx, article)
    except NotAllowedError:
        raise  # the 403 page
    except (LookupError, ValueError) as exc:
        return _story_page(
            page, timeline, N_("The article cannot be taken out: %(reason)s"), reason=str(exc)
        )
    return page.redirect(f"/stories/{state.id}")


def _timeline(page: Page, story_id: str) -> StoryTimeline:
    found = story_timeline(page.ctx, story_id[:MAX_ID])
    if found is None:
        raise NotFoundError
    return found


def _story_page(
    page: Page,
    timeline: StoryTimeline,
    problem: str | None = None,
    reason: str = "",
    other: str = "",
) -> Response:
    """The story's page; with the problem (a msgid, its reason) of a form that was refused,
    status 400, and the story id the merge form was given."""
    story = timeline.story
    chart = {
        "x": [d.day.isoformat() for d in timeline.days],
        "count": [d.count for d in timeline.days],
        "total": [d.total for d in timeline.days],
    }
    return page.render(
        "story.html",
        status=400 if problem else 200,
        current="stories",
        story=story,
        days=timeline.days,
        chart=chart,
        problem=problem,
        reason=reason,
        other=other,
        sent=sent_of_story(page.ctx, story.id),
    )
