"""`outpost init`, `outpost org add|list`, `outpost user add|disable|list|totp`: the people
of the store, managed by the local operator (an administrator: it owns the machine).

A password or a TOTP secret is printed once, alone on standard output (so a script can take
it), and stored nowhere in the clear: the notes around it go to standard error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from outpost.cli.app import command, paragraphs
from outpost.cli.context import context
from outpost.cli.output import JsonOpt, err, out, print_json
from outpost.records import Organisation, User
from outpost.respond.people import ORG_KINDS, ROLES, PeopleError
from outpost.services import people
from outpost.terminal import shown

org_group = typer.Typer(name="org", help="Organisations: add one, list them.", no_args_is_help=True)
user_group = typer.Typer(
    name="user",
    help="Users: add (the password is shown once), disable, list, enrol a second factor.",
    no_args_is_help=True,
)
groups = (org_group, user_group)


@contextmanager
def refused() -> Iterator[None]:
    """A refusal of the rules (taken, unknown, not allowed, a weak password) is one red line
    and exit status 1."""
    try:
        yield
    except PeopleError as exc:
        err.print(f"[red]{shown(exc)}[/]", soft_wrap=True)
        raise typer.Exit(1) from None


def _print_password(password: str, user: User) -> None:
    typer.echo(password)  # alone on standard output: `$(outpost user add ...)` takes it
    err.print(
        f"Password of {shown(user.username)} ({shown(user.role)}, {shown(user.org)}) above: "
        "shown once, stored only as an argon2id hash. Hand it over privately.",
        soft_wrap=True,
    )


@command("init")
def init_cli(
    admin: Annotated[str, typer.Option("--admin", help="The first administrator's username.")],
    org_code: Annotated[str, typer.Option(help="Its organisation's code.")] = "crc",
    org_name: Annotated[str, typer.Option(help="Its organisation's name.")] = (
        "Crisis Response Centre"
    ),
    name: Annotated[str | None, typer.Option(help="The administrator's display name.")] = None,
) -> None:
    """Make the first administrator and its organisation (the crisis-response centre by
    default). Its generated password is printed once. Refused when an administrator exists."""
    with refused():
        user, password = people.init_admin(context(), admin, org_code, org_name, name)
    _print_password(password, user)


@org_group.command("add")
def org_add_cli(
    code: Annotated[str, typer.Argument(help="Short code, e.g. 'kz-knb'.")],
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    kind: Annotated[str, typer.Option(help=f"One of {', '.join(ORG_KINDS)}.")] = "member",
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2, e.g. KZ.")] = None,
) -> None:
    """Add an organisation: a member state's agency, a partner, or the centre."""
    with refused():
        org = people.add_org(context(), code, name, kind, country)
    err.print(f"Organisation {shown(org.code)} added ({shown(org.kind)}).")


@org_group.command("list")
def org_list_cli(as_json: JsonOpt = False) -> None:
    """The organisations, by code."""
    with refused():
        found = people.list_orgs(context())
    if as_json:
        print_json([_org_json(o) for o in found])
        return
    table = Table(title=f"{len(found)} organisations")
    for column in ("code", "name", "kind", "country", "created"):
        table.add_column(column)
    for o in found:
        table.add_row(
            shown(o.code), shown(o.name), o.kind, o.country or "", f"{o.created:%Y-%m-%d}"
        )
    out.print(table)


@user_group.command("add")
def user_add_cli(
    username: Annotated[str, typer.Argument(help="Letters a-z, digits, '.', '_', '-'.")],
    org: Annotated[str, typer.Option("--org", help="The organisation's code.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "viewer",
    name: Annotated[str | None, typer.Option(help="The display name.")] = None,
) -> None:
    """Add a user. A password is generated and printed once."""
    with refused():
        user, password = people.add_user(context(), username, org, role, name)
    _print_password(password, user)


@user_group.command("disable")
def user_disable_cli(username: Annotated[str, typer.Argument()]) -> None:
    """Disable a user: it can no longer sign in, nor its tokens act."""
    with refused():
        user = people.disable_user(context(), username)
    err.print(f"{shown(user.username)} is disabled.")


@user_group.command("list")
def user_list_cli(
    org: Annotated[str | None, typer.Option(help="Only this organisation's users.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The users (never their password hashes or secrets), by username."""
    with refused():
        found = people.list_users(context(), org)
    if as_json:
        print_json([_user_json(u) for u in found])
        return
    out.print(users_table(found))


@user_group.command("totp")
def user_totp_cli(username: Annotated[str, typer.Argument()]) -> None:
    """Enrol (or replace) a user's second factor: prints the otpauth:// URI once, for an
    authenticator app. From then on the user signs in with a code as well."""
    with refused():
        uri, secret = people.enroll_totp(context(), username)
    typer.echo(uri)
    err.print(
        f"Second factor of {shown(username)}: add the URI above to an authenticator app "
        f"(or type the key {secret}). Shown once.",
        soft_wrap=True,
    )


def users_table(found: list[User]) -> Table:
    table = Table(title=f"{len(found)} users")
    for column in ("username", "name", "org", "role", "state", "2fa", "last sign-in"):
        table.add_column(column)
    for u in found:
        table.add_row(
            shown(u.username),
            shown(u.display_name),
            shown(u.org),
            u.role,
            _state(u),
            "yes" if u.totp else "",
            f"{u.last_sign_in:%Y-%m-%d %H:%M}" if u.last_sign_in else "",
        )
    return table


def _state(user: User) -> str:
    if user.disabled is not None:
        return f"disabled {user.disabled:%Y-%m-%d}"
    if user.locked_until is not None:
        return f"locked until {user.locked_until:%Y-%m-%d %H:%M}"  # (perhaps over by now)
    return "active"


def _org_json(o: Organisation) -> dict[str, object]:
    return {
        "code": o.code,
        "name": o.name,
        "kind": o.kind,
        "country": o.country,
        "created": o.created.isoformat(),
    }


def _user_json(u: User) -> dict[str, object]:
    return {
        "username": u.username,
        "display_name": u.display_name,
        "org": u.org,
        "role": u.role,
        "created": u.created.isoformat(),
        "disabled": u.disabled.isoformat() if u.disabled else None,
        "locked_until": u.locked_until.isoformat() if u.locked_until else None,
        "totp": u.totp,
        "last_sign_in": u.last_sign_in.isoformat() if u.last_sign_in else None,
    }


for _group in groups:  # help texts as paragraphs, as `register` does
    for _command in _group.registered_commands:
        _command.help = paragraphs(_command.callback.__doc__ or "") if _command.callback else None
