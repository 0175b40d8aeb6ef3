"""`flask --app app users …`: create, list, update, disable, enable, reset-password, grant, revoke,
token (personal API tokens).

Every change goes through loaders/users.py, so the command line follows the same rules as the admin
page (password policy, last administrator kept) and is audited as made from the command line.
"""

from __future__ import annotations

import getpass

import click
import flask

from callbacks.context import services
from loaders import tokens, users
from loaders.access import ROLE_NAMES, ROLES
from loaders.audit import COMMAND_LINE, utc_timestamp
from loaders.measures import SUBGROUPS
from loaders.organisations import partnership_organisations


def command_line_actor() -> str:
    """'(command line) alice': who ran the command, as far as the machine knows."""
    try:
        return f"{COMMAND_LINE} {getpass.getuser()}"[:80]
    except (KeyError, OSError):
        return COMMAND_LINE


def _factory():
    return services().session_factory


def _run(action):
    try:
        return action()
    except (users.UserError, tokens.TokenError) as error:
        raise click.ClickException(str(error)) from error


def users_command_group(lcjp: dict) -> flask.cli.AppGroup:
    """The `users` command group; organisation choices come from this partnership's configuration."""
    organisation_codes = [o.code for o in partnership_organisations(lcjp)]
    organisation_choice = click.Choice(organisation_codes, case_sensitive=False)
    subgroup_choice = click.Choice(list(SUBGROUPS))
    group = flask.cli.AppGroup(
        "users",
        help="Manage users, their organisation, role and subgroup rights. Roles: "
        + "; ".join(f"{r} ({ROLE_NAMES[r]})" for r in ROLES),
    )

    @group.command("create")
    @click.argument("username")
    @click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
    @click.option(
        "--name", "display_name", default="", help="The person's name, as shown on screen."
    )
    @click.option("--organisation", type=organisation_choice, default=None)
    @click.option(
        "--subgroup",
        "subgroups",
        type=subgroup_choice,
        multiple=True,
        help="A subgroup a chair or member may open (repeat for several).",
    )
    @click.password_option()
    def create_command(username, role, display_name, organisation, subgroups, password):
        """Create a user; the password is asked for twice and stored only as a hash."""
        _run(
            lambda: users.create_user(
                _factory(),
                username,
                password,
                role=role,
                display_name=display_name,
                organisation=organisation or "",
                subgroups=subgroups,
                actor=command_line_actor(),
            )
        )
        click.echo(f"created {role} '{username.strip().lower()}'")

    @group.command("list")
    def list_command():
        """Every user with organisation, role, subgroups and whether they may sign in."""
        with _factory()() as session:
            rows = users.list_users(session)
        for row in rows:
            status = "active" if row.active else "DISABLED"
            subgroups = ",".join(row.subgroups) or "-"
            click.echo(
                f"{row.username:<24} {row.role:<8} {row.organisation_code or '-':<20} "
                f"{subgroups:<40} {status}"
            )

    @group.command("update")
    @click.argument("username")
    @click.option("--role", type=click.Choice(ROLES), default=None)
    @click.option("--organisation", type=organisation_choice, default=None)
    @click.option("--no-organisation", is_flag=True, help="Take the user out of any organisation.")
    @click.option("--name", "display_name", default=None)
    def update_command(username, role, organisation, no_organisation, display_name):
        """Change a user's role, organisation or name."""
        org = "" if no_organisation else organisation
        _run(
            lambda: users.update_user(
                _factory(),
                username,
                role=role,
                organisation=org,
                display_name=display_name,
                actor=command_line_actor(),
            )
        )
        click.echo(f"updated '{username.strip().lower()}'")

    @group.command("disable")
    @click.argument("username")
    def disable_command(username):
        """Stop a user signing in and end their open sessions at once."""
        _run(lambda: users.set_active(_factory(), username, False, actor=command_line_actor()))
        click.echo(f"disabled '{username.strip().lower()}' and ended their sessions")

    @group.command("enable")
    @click.argument("username")
    def enable_command(username):
        """Let a disabled user sign in again."""
        _run(lambda: users.set_active(_factory(), username, True, actor=command_line_actor()))
        click.echo(f"enabled '{username.strip().lower()}'")

    @group.command("reset-password")
    @click.argument("username")
    @click.password_option(prompt="New password")
    def reset_password_command(username, password):
        """Set a new password (asked for twice) and end the user's sessions."""
        _run(
            lambda: users.reset_password(_factory(), username, password, actor=command_line_actor())
        )
        click.echo(f"reset the password of '{username.strip().lower()}' and ended their sessions")

    @group.command("grant")
    @click.argument("username")
    @click.argument("subgroups", nargs=-1, required=True, type=subgroup_choice)
    def grant_command(username, subgroups):
        """Let a chair or member open these subgroups."""
        added = _run(
            lambda: users.grant_subgroups(
                _factory(), username, subgroups, actor=command_line_actor()
            )
        )
        click.echo(f"granted {', '.join(added) or 'nothing new'} to '{username.strip().lower()}'")

    @group.command("revoke")
    @click.argument("username")
    @click.argument("subgroups", nargs=-1, required=True, type=subgroup_choice)
    def revoke_command(username, subgroups):
        """Take subgroups away from a chair or member."""
        removed = _run(
            lambda: users.revoke_subgroups(
                _factory(), username, subgroups, actor=command_line_actor()
            )
        )
        click.echo(f"revoked {', '.join(removed) or 'nothing'} from '{username.strip().lower()}'")

    @group.command("token")
    @click.argument("username")
    @click.option("--name", default="", help="What the token is for, e.g. 'Power Query, laptop'.")
    @click.option(
        "--list", "list_only", is_flag=True, help="List the user's tokens (never the token)."
    )
    @click.option(
        "--revoke", "revoke_id", type=int, default=None, help="Revoke the token with this id."
    )
    def token_command(username, name, list_only, revoke_id):
        """Make a personal token for the figures API (printed once), list or revoke tokens.

        The token acts as the user, with exactly their rights, on /api/ only; it is stored
        only as a hash and stops working when revoked or when the user is disabled."""
        if list_only and revoke_id is not None:
            raise click.UsageError("use --list or --revoke, not both")
        if list_only:
            with _factory()() as session:
                rows = _run(lambda: tokens.list_tokens(session, username))
            if not rows:
                click.echo(f"'{username.strip().lower()}' has no API tokens")
            for row in rows:
                state = "active" if row.active else f"revoked {_when(row.revoked_at)}"
                click.echo(
                    f"{row.id:>5}  {row.name or '-':<32} created {_when(row.created_at)}  "
                    f"last used {_when(row.last_used_at)}  {state}"
                )
            return
        if revoke_id is not None:
            revoked = _run(
                lambda: tokens.revoke_token(
                    _factory(), username, revoke_id, actor=command_line_actor()
                )
            )
            click.echo(
                f"revoked token {revoke_id}{f' ({revoked})' if revoked else ''} "
                f"of '{username.strip().lower()}'"
            )
            return
        token_id, token = _run(
            lambda: tokens.create_token(_factory(), username, name, actor=command_line_actor())
        )
        click.echo(f"token {token_id} for '{username.strip().lower()}' (shown once; keep it safe):")
        click.echo(token)

    return group


def _when(moment) -> str:
    return "never" if moment is None else utc_timestamp(moment)
