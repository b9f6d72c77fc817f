"""The `qms` command: parses, calls services, commits once, prints. Errors: one line, exit 1."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from qms.app import create_app
from qms.extensions import db
from qms.services.errors import DomainError


class UserError(click.ClickException):
    """One line on stderr, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def domain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into one stderr line, and roll back whatever was flushed."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            raise UserError(str(exc.message)) from None
        except click.ClickException:
            db.session.rollback()
            raise
        except Exception as exc:  # never a traceback to the user
            db.session.rollback()
            raise UserError(f"unexpected {type(exc).__name__}: {exc}") from None

    return wrapper


cli = FlaskGroup(create_app=create_app, add_version_option=False, help=__doc__)


def read_password_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("no password on standard input")
    return password


@cli.command("init")
@with_appcontext
@domain_errors
def init_command() -> None:
    """Create or upgrade the database schema and load the ISO reference data (idempotent)."""
    from qms.services import setup

    result = setup.initialise()
    db.session.commit()
    click.echo(
        f"database ready; clauses added {result.clauses_added}, updated {result.clauses_updated}; "
        f"correspondences added {result.mappings_added}"
    )


@cli.command("demo")
@with_appcontext
@domain_errors
def demo_command() -> None:
    """Initialise the database and load the demo city (idempotent); print the demo logins."""
    from qms.services import demo, setup

    setup.initialise()
    users = demo.load_demo()
    db.session.commit()
    click.echo("Demo city loaded: UBND thành phố Nha Trang, its departments, wards and communes.")
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for user in users:
        roles = ", ".join(user.roles) or f"{user.unit_role} of {user.unit}"
        click.echo(f"  {user.email:<24} {roles}")


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.pass_context
def run_command(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the app with the waitress WSGI server."""
    from waitress import serve

    app = ctx.ensure_object(ScriptInfo).load_app()
    click.echo(f"QMS Tracker at http://{host}:{port}/ (Ctrl+C to stop)")
    serve(app, host=host, port=port, threads=threads)


@cli.group("user")
def user_group() -> None:
    """Manage user accounts."""


@user_group.command("create")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--role", "roles", multiple=True, type=click.Choice(["admin", "steering", "auditor", "leader"]))
@click.option("--unit", "units", multiple=True, metavar="CODE:manager|member", help="Unit membership.")
@click.option("--language", default="vi", type=click.Choice(["vi", "en"]), show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
@domain_errors
def user_create(
    email: str,
    full_name: str,
    roles: tuple[str, ...],
    units: tuple[str, ...],
    language: str,
    password_stdin: bool,
) -> None:
    """Create a user account."""
    from qms.services import org

    if not password_stdin:
        raise UserError("give the password on standard input with --password-stdin")
    password = read_password_stdin()
    memberships = [org.parse_membership_spec(spec) for spec in units]
    user = org.create_user(
        actor=None, email=email, full_name=full_name, password=password, roles=roles, language=language
    )
    for unit, role in memberships:
        org.add_membership(user, unit, role, actor=None)
    db.session.commit()
    click.echo(f"created {user.email}")


@user_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
@domain_errors
def user_set_password(email: str, password_stdin: bool) -> None:
    """Set a user's password."""
    from qms.services import org

    if not password_stdin:
        raise UserError("give the password on standard input with --password-stdin")
    password = read_password_stdin()
    user = org.require_user(email)
    org.set_password(user, password, actor=None)
    db.session.commit()
    click.echo(f"password set for {user.email}")


@cli.group("import")
def import_group() -> None:
    """Import records from CSV or XLSX files (all or nothing)."""


@import_group.command("units")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
@domain_errors
def import_units(file: str) -> None:
    """Units from FILE with the columns code,name,kind,parent_code."""
    from qms.services import org

    result = org.import_units(file, actor=None)
    db.session.commit()
    click.echo(f"units: {result.created} created, {result.updated} updated")


@cli.group("export")
def export_group() -> None:
    """Export documents (.docx, .xlsx, .ics); every export takes -o/--output and --lang vi|en."""


def export_options(default_suffix: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options every `qms export …` command shares: -o/--output PATH and --lang vi|en (default vi)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "-o",
            "--output",
            "output",
            type=click.Path(),
            default=None,
            help=f"File to write (default: in the current folder, *{default_suffix}).",
        )(command)
        return click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)(
            command
        )

    return decorate


def export_language(lang: str) -> Any:
    """Render the export in `lang` whatever the environment says."""
    from flask_babel import force_locale

    return force_locale(lang)


def main() -> None:
    cli.main(prog_name="qms")


if __name__ == "__main__":
    main()
