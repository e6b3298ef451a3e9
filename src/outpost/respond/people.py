"""People and organisations as rules: the roles in order and what each may do, what a
username, an organisation code and a password must be, and the errors that name a refusal.

Pure: no store, no clock. The services apply these rules inside their transactions.
"""

from __future__ import annotations

import enum
import re
import secrets
from functools import cache

import pycountry

from outpost.records import Principal, User


class Role(enum.StrEnum):
    """The roles, weakest first: each may do what the ones before it may, and more."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    COORDINATOR = "coordinator"
    ADMINISTRATOR = "administrator"


ROLES: tuple[Role, ...] = tuple(Role)


class Action(enum.StrEnum):
    READ = "read"  # what the visibility rule lets the principal see
    WRITE_ASSESSMENT = "write-assessment"
    COMMENT = "comment"
    MANAGE_CASES = "manage-cases"
    MANAGE_PLANS = "manage-plans"
    LOOSEN_MARKING = "loosen-marking"  # of items its own organisation owns
    MANAGE_USERS = "manage-users"
    MANAGE_ORGS = "manage-orgs"
    READ_AUDIT = "read-audit"  # the whole log, and checking its chain
    # The log's entries about one's own organisation and its people (who signed in, whose
    # role or password changed): a coordinator answers for its organisation's accounts.
    READ_ORG_AUDIT = "read-org-audit"
    # What the routes before organisations and users did, now by role:
    OWN_TOKENS = "own-tokens"  # make and revoke one's own API tokens (they act as oneself)
    HANDLE_ALERTS = "handle-alerts"  # acknowledge, close
    CORRECT_STORIES = "correct-stories"  # merge, split
    INGEST = "ingest"  # upload files, fetch pages and feeds now
    IMPORT = "import"  # STIX bundles and MISP events from partners, owned by its organisation
    EDIT_RULES = "edit-rules"  # replace the watch-rule file
    MANAGE_FEEDS = "manage-feeds"  # watch a feed, stop watching one


# Who may do what: written out, role by role, rather than derived, so a reader (or an
# auditor) sees the whole rule at once. Tightening a marking needs only READ: anyone who may
# see an item may make it more restrictive.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.READ, Action.OWN_TOKENS}),
    Role.ANALYST: frozenset(
        {
            Action.READ,
            Action.OWN_TOKENS,
            Action.WRITE_ASSESSMENT,
            Action.COMMENT,
            Action.MANAGE_CASES,
            Action.HANDLE_ALERTS,
            Action.CORRECT_STORIES,
            Action.INGEST,
            Action.IMPORT,
        }
    ),
    Role.COORDINATOR: frozenset(
        {
            Action.READ,
            Action.OWN_TOKENS,
            Action.WRITE_ASSESSMENT,
            Action.COMMENT,
            Action.MANAGE_CASES,
            Action.HANDLE_ALERTS,
            Action.CORRECT_STORIES,
            Action.INGEST,
            Action.IMPORT,
            Action.MANAGE_PLANS,
            Action.LOOSEN_MARKING,
            Action.EDIT_RULES,
            Action.MANAGE_FEEDS,
            Action.READ_ORG_AUDIT,
        }
    ),
    Role.ADMINISTRATOR: frozenset(Action),
}


class PeopleError(ValueError):
    """A request about people or organisations that cannot be done; the message says why."""


class NotAllowedError(PeopleError, PermissionError):
    """The acting principal's role does not allow this; the message names the action."""


class AlreadyExistsError(PeopleError):
    """A username or organisation code that is taken (usernames regardless of case)."""


class NotFoundError(PeopleError, LookupError):
    """No such user or organisation."""


class SignInRefusedError(PeopleError):
    """A sign-in that does not go through. Wrong password, unknown name, locked or disabled
    account: all answer with this same message, so the answer tells an attacker nothing; the
    audit log records the real reason."""

    def __init__(self, message: str = "wrong username or password") -> None:
        super().__init__(message)


class SecondFactorRequiredError(SignInRefusedError):
    """The password was right, and a TOTP code is needed as well (`enrolled` False: the
    account has none yet and must enrol one first, as administrators must when required)."""

    def __init__(self, enrolled: bool = True, user: int | None = None) -> None:
        self.enrolled = enrolled
        self.user = user  # whose password was right: the pages ask for the code next
        super().__init__(
            "a code from the authenticator app is needed as well"
            if enrolled
            else "a second factor is required for this account: enrol one first "
            "(an administrator runs `outpost user totp NAME`)"
        )


def principal_for(user: User) -> Principal:
    """The principal a signed-in user acts as."""
    return Principal(f"user:{user.username}", user.display_name, user.id, user.org, user.role)


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(ROLES)
        raise PeopleError(f"role: expected one of {names}, got {value!r}") from None


def role_of(who: Principal) -> Role | None:
    """The principal's role; None for one that is no person's account (a watch loop, an
    anonymous request) and so may do nothing here. The CLI's local operator carries the
    administrator role (services.context.operator): it owns the machine and the store."""
    if who.role is None:
        return None
    try:
        return Role(who.role)
    except ValueError:
        return None  # a role this version does not know grants nothing


def may(who: Principal, action: Action) -> bool:
    role = role_of(who)
    return role is not None and action in PERMISSIONS[role]


def require(who: Principal, action: Action) -> None:
    """Raise NotAllowedError naming the action unless the principal may do it."""
    if not may(who, action):
        raise refusal(who, action.value.replace("-", " "))


def require_of_people(who: Principal, action: Action) -> None:
    """`require`, for what could be done before there were users and roles (alerts, stories,
    ingest, rules, feeds, tokens): a person's account is held to its role, while a principal
    that is no person's account and has no role (a legacy API token made without a user, the
    watch loop) keeps the rights it had then, so nothing that worked stops working. The
    CLI's local operator is an administrator (services.context.operator)."""
    if who.user is None and who.role is None:
        return
    require(who, action)


def refusal(who: Principal, what: str) -> NotAllowedError:
    """The error that says who may not do what (and with which role)."""
    return NotAllowedError(f"{who.id} ({who.role or 'no role'}) may not {what}")


# Usernames and organisation codes go into URLs, audit targets and principal ids
# ("user:alice"), so they are plain ASCII slugs; usernames are compared lower-cased.
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
ORG_CODE = re.compile(r"[a-z][a-z0-9-]{1,15}")
COUNTRY = re.compile(r"[A-Z]{2}")
ORG_KINDS = ("centre", "member", "partner")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # far beyond a passphrase; a longer one is refused, never cut
MAX_NAME = 200


def username(value: str) -> str:
    """The username as stored (lower case), or PeopleError naming what is wrong with it."""
    name = value.strip().lower()
    if not USERNAME.fullmatch(name):
        raise PeopleError(
            f"username: 2 to 40 letters a-z, digits, '.', '_' or '-', starting with a letter "
            f"or digit; got {value!r}"
        )
    return name


def org_code(value: str) -> str:
    code = value.strip().lower()
    if not ORG_CODE.fullmatch(code):
        raise PeopleError(
            f"organisation code: 2 to 16 letters a-z, digits or '-', starting with a letter "
            f"(e.g. 'crc', 'kz-knb'); got {value!r}"
        )
    return code


def org_kind(value: str) -> str:
    kind = value.strip().lower()
    if kind not in ORG_KINDS:
        raise PeopleError(f"organisation kind: expected one of {', '.join(ORG_KINDS)}: {value!r}")
    return kind


def country(value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code in upper case (a known one), or None."""
    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    if not COUNTRY.fullmatch(code) or code not in _alpha2():
        raise PeopleError(f"country: expected an ISO 3166-1 alpha-2 code such as KZ: {value!r}")
    return code


def display_name(value: str, field: str = "name") -> str:
    text = " ".join(value.split())
    if not text or len(text) > MAX_NAME or not text.isprintable():
        raise PeopleError(f"{field}: expected 1 to {MAX_NAME} printable characters: {value!r}")
    return text


def check_password(password: str) -> str:
    """The password if the policy allows it; PeopleError saying why not (never echoing it)."""
    if len(password) < MIN_PASSWORD:
        raise PeopleError(
            f"password: at least {MIN_PASSWORD} characters (this one has {len(password)})"
        )
    if len(password) > MAX_PASSWORD:
        raise PeopleError(f"password: at most {MAX_PASSWORD} characters")
    if not password.strip():
        raise PeopleError("password: must not be only spaces")
    return password


def generate_password() -> str:
    """20 URL-safe characters from the system's CSPRNG (120 bits): shown once, never stored."""
    return secrets.token_urlsafe(15)


@cache
def _alpha2() -> frozenset[str]:
    """The assigned alpha-2 codes (read when first needed: pycountry loads its data then)."""
    return frozenset(c.alpha_2 for c in pycountry.countries)
