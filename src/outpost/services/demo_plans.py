"""The demo's seed plan: "Joint response measures to the threats coming from Afghanistan",
due 16 September 2021, made from the shipped template by the centre's coordinator, marked
TLP:AMBER, its measures assigned to the two member states (and the centre's own to it), each
carrying as evidence the decisions of the seed articles due that day. Made once: a later run
finds it.
"""

from __future__ import annotations

from datetime import date

from outpost.records import StoredPlan
from outpost.respond.people import NotFoundError, principal_for
from outpost.services import plans
from outpost.services.context import Context
from outpost.store import people as people_store

PLAN_ID = "afghanistan-2021"
TEMPLATE = "afghanistan-joint-response"
START = date(2021, 8, 23)  # the CSTO's extraordinary session that gave the instruction
COORDINATOR = "crc.coordinator"
ORGS = ("crc", "kz-knb", "tj-gkn")


def seed_demo_plan(ctx: Context) -> StoredPlan:
    """The seed plan, made now if it is not there yet (after the demo's people exist)."""
    with ctx.engine.connect() as conn:
        user = people_store.user_by_name(conn, COORDINATOR)
    if user is None:
        raise NotFoundError(f"no user {COORDINATOR!r}: make the demo's people first")
    coordinator = ctx.acting(principal_for(user))
    try:
        return plans.get_plan(coordinator, PLAN_ID)
    except NotFoundError:
        pass
    return plans.create_from_template(
        coordinator,
        TEMPLATE,
        PLAN_ID,
        START,
        ORGS,
        marking="TLP:AMBER",
        decisions=True,
        fixed_id=True,  # made by the demo, asked for by no one: its id can be fixed
    )
