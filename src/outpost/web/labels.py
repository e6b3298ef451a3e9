"""Names the pages show for the analysis' codes: threat domains, event types, CAP words and
alert states, marked for translation (their msgids are the English names)."""

from __future__ import annotations

from collections.abc import Callable

from outpost.kb.actors import load_kb
from outpost.web.i18n import N_

DOMAINS: dict[str, str] = {
    "terrorism": N_("Terrorism"),
    "extremism": N_("Violent extremism"),
    "online_recruitment": N_("Online recruitment"),
    "drug_trafficking": N_("Drug trafficking"),
    "illegal_migration": N_("Illegal migration"),
    "refugees": N_("Refugees and displacement"),
    "border_security": N_("Border security"),
    "armed_conflict": N_("Armed conflict"),
    "humanitarian_crisis": N_("Humanitarian crisis"),
    "arms_trafficking": N_("Arms trafficking"),
    "political_instability": N_("Political instability"),
}

EVENT_TYPES: dict[str, str] = {
    "ARMED_CLASH": N_("Armed clash"),
    "GOV_REGAINS_TERIT": N_("Government regains territory"),
    "NON_STATE_ACTOR_OVERTAKES_TER": N_("Non-state actor takes territory"),
    "CHEM_WEAP": N_("Chemical weapon"),
    "AIR_STRIKE": N_("Air or drone strike"),
    "SUIC_BOMB": N_("Suicide bombing"),
    "ART_MISS_ATTACK": N_("Shelling or missile attack"),
    "GRENADE": N_("Grenade"),
    "REM_EXPLOS": N_("Remote explosive or mine"),
    "SEX_VIOL": N_("Sexual violence"),
    "ATTACK": N_("Attack"),
    "ABDUCT_DISSAP": N_("Abduction or disappearance"),
    "PEACE_PROTEST": N_("Peaceful protest"),
    "PROTEST_WITH_INTER": N_("Protest with intervention"),
    "FORCE_AGAINST_PROTEST": N_("Excessive force against protesters"),
    "VIOL_DEMONSTR": N_("Violent demonstration"),
    "MOB_VIOL": N_("Mob violence"),
    "AGREEMENT": N_("Agreement"),
    "ARREST": N_("Arrest"),
    "CHANGE_TO_GROUP_ACT": N_("Change to group or activity"),
    "DISR_WEAP": N_("Weapons seized or disrupted"),
    "HQ_ESTABLISHED": N_("Headquarters or base established"),
    "NON_VIOL_TERRIT_TRANSFER": N_("Non-violent transfer of territory"),
    "PROPERTY_DISTRUCT": N_("Destruction of property"),
    "OTHER": N_("Other"),
    "ORG_CRIME": N_("Organised crime"),
    "NATURAL_DISASTER": N_("Natural disaster"),
    "MAN_MADE_DISASTER": N_("Man-made disaster"),
    "DIPLO": N_("Diplomatic statement"),
    "ATTRIB": N_("Attribution of responsibility"),
    "MILITARY_EXERCISE": N_("Military exercise"),
    "MEETING": N_("Meeting"),
    "DISPLACEMENT": N_("Displacement"),
}

ACTOR_KINDS: dict[str, str] = {
    "state": N_("State"),
    "head_of_state": N_("Head of state"),
    "head_of_government": N_("Head of government"),
    "foreign_minister": N_("Foreign minister"),
    "official": N_("Official"),
    "secretary_general": N_("Secretary-general"),
    "militant_leader": N_("Militant leader"),
    "terrorist_group": N_("Terrorist group"),
    "extremist_group": N_("Extremist group"),
    "armed_group": N_("Armed group"),
    "international_org": N_("International organisation"),
    "intergovernmental_body": N_("Intergovernmental body"),
    "media": N_("Media"),
}

ALERT_STATES: dict[str, str] = {
    "new": N_("New"),
    "acknowledged": N_("Acknowledged"),
    "closed": N_("Closed"),
}

STORY_STATES: dict[str, str] = {"open": N_("Open"), "closed": N_("Closed")}

JOB_STATES: dict[str, str] = {
    "queued": N_("Queued"),
    "running": N_("Running"),
    "done": N_("Done"),
    "failed": N_("Failed"),
    "interrupted": N_("Interrupted"),
}

JOB_STEPS: dict[str, str] = {
    "ingesting": N_("Reading the sources"),
    "analysing": N_("Analysing the new articles"),
    "clustering": N_("Placing them in stories"),
}

# CAP 1.2 words (severity, urgency, certainty): one table, the words do not collide.
CAP: dict[str, str] = {
    "extreme": N_("Extreme"),
    "severe": N_("Severe"),
    "moderate": N_("Moderate"),
    "minor": N_("Minor"),
    "unknown": N_("Unknown"),
    "immediate": N_("Immediate"),
    "expected": N_("Expected"),
    "future": N_("Future"),
    "past": N_("Past"),
    "observed": N_("Observed"),
    "likely": N_("Likely"),
    "possible": N_("Possible"),
    "unlikely": N_("Unlikely"),
}

ROLES: dict[str, str] = {  # the roles of respond.people
    "viewer": N_("Viewer"),
    "analyst": N_("Analyst"),
    "coordinator": N_("Coordinator"),
    "administrator": N_("Administrator"),
}

ORG_KINDS: dict[str, str] = {  # respond.people.ORG_KINDS
    "centre": N_("Crisis response centre"),
    "member": N_("Member state"),
    "partner": N_("Partner"),
}

CASE_STATUSES: dict[str, str] = {  # of respond.cases
    "open": N_("Open"),
    "in-progress": N_("In progress"),
    "closed": N_("Closed"),
}

CASE_CHANGES: dict[str, str] = {  # what a case's timeline entry says happened
    "opened": N_("Opened"),
    "renamed": N_("Renamed"),
    "linked": N_("Linked"),
    "unlinked": N_("Unlinked"),
    "commented": N_("Commented"),
    "status": N_("Status changed"),
    "assigned": N_("Assigned"),
    "marking": N_("Marking changed"),
    "shared": N_("Shared"),
    "unshared": N_("Sharing removed"),
    "task": N_("Task"),
}

MEASURE_STATES: dict[str, str] = {  # of records.MeasureState
    "assigned": N_("Assigned"),
    "acknowledged": N_("Acknowledged"),
    "in progress": N_("In progress"),
    "done": N_("Done"),
    "blocked": N_("Blocked"),
}

PLAN_STATES: dict[str, str] = {  # of respond.rollup.PlanState
    "not started": N_("Not started"),
    "in progress": N_("In progress"),
    "done": N_("Done"),
    "at risk": N_("At risk (overdue)"),
    "critical": N_("Critical (past a critical date)"),
}

MEASURE_STEPS: dict[str, str] = {  # of respond.measures.STEPS
    "acknowledge": N_("Acknowledge"),
    "start": N_("Start"),
    "report": N_("Report done"),
    "block": N_("Blocked"),
    "unblock": N_("Unblock"),
    "reopen": N_("Reopen"),
}

ITEM_KINDS: dict[str, str] = {  # what a case links to, comes from; what is assessed
    "story": N_("Story"),
    "event": N_("Event"),
    "alert": N_("Alert"),
    "assessment": N_("Assessment"),
    "indicator": N_("Indicator"),
    "manual": N_("By hand"),
}

LIKELIHOODS: dict[str, str] = {  # the estimative scale of respond.assessments
    "almost no chance": N_("Almost no chance"),
    "very unlikely": N_("Very unlikely"),
    "unlikely": N_("Unlikely"),
    "roughly even chance": N_("Roughly even chance"),
    "likely": N_("Likely"),
    "very likely": N_("Very likely"),
    "almost certain": N_("Almost certain"),
}

CONFIDENCES: dict[str, str] = {"low": N_("Low"), "moderate": N_("Moderate"), "high": N_("High")}

TABLES = {
    "domain": DOMAINS,
    "event_type": EVENT_TYPES,
    "actor_kind": ACTOR_KINDS,
    "alert_state": ALERT_STATES,
    "story_state": STORY_STATES,
    "job_state": JOB_STATES,
    "job_step": JOB_STEPS,
    "cap": CAP,
    "role": ROLES,
    "org_kind": ORG_KINDS,
    "case_status": CASE_STATUSES,
    "case_change": CASE_CHANGES,
    "kind": ITEM_KINDS,
    "measure_state": MEASURE_STATES,
    "plan_state": PLAN_STATES,
    "measure_step": MEASURE_STEPS,
    "likelihood": LIKELIHOODS,
    "confidence": CONFIDENCES,
}


def labeller(gettext: Callable[[str], str]) -> Callable[[str, str | None], str]:
    """`label(table, code)`: the translated name of a code, the code itself when unknown."""

    def label(table: str, code: str | None) -> str:
        if code is None:
            return "—"
        name = TABLES[table].get(code)
        return gettext(name) if name else code

    return label


def actor_namer(lang: str, country: Callable[[str | None], str]) -> Callable[[str], str]:
    """`actor(key)`: a knowledge-base actor's name in `lang` (else English), a country by
    its name in `lang`, and anything else (a name the analysis did not link) as it is."""

    def actor(key: str) -> str:
        entity = load_kb().get(key)
        if entity is not None:
            names = entity.names.get(lang) or (entity.name,)
            return names[0]
        if key.startswith("country:"):
            return country(key.removeprefix("country:"))
        return key

    return actor


def is_actor(key: str) -> bool:
    """Whether the knowledge base has this actor (so its page exists)."""
    return load_kb().get(key) is not None
