"""The `qms` command: parses, calls services, commits once, prints. Errors: one line, exit 1."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from flask_babel import gettext as _

from qms.app import create_app
from qms.extensions import db
from qms.services.errors import DomainError

CONNECTION_LIMIT = 1000  # open connections one app process accepts
KEEPALIVE_SECONDS = 60  # how long gunicorn keeps an idle connection open


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
            raise UserError(_("unexpected %(kind)s: %(error)s", kind=type(exc).__name__, error=exc)) from None

    return wrapper


cli = FlaskGroup(create_app=create_app, add_version_option=False, help=__doc__)


def read_password_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError(_("no password on standard input"))
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
        _(
            "database ready; clauses added %(added)s, updated %(updated)s; "
            "correspondences added %(mappings)s",
            added=result.clauses_added,
            updated=result.clauses_updated,
            mappings=result.mappings_added,
        )
    )


@cli.command("demo")
@with_appcontext
@domain_errors
def demo_command() -> None:
    """Initialise the database and load the demo city (idempotent); print the demo logins."""
    from qms.services import demo, setup

    setup.initialise()
    from audits.services.demo import load_audit_demo

    users = demo.load_demo()
    load_audit_demo()  # the 2018 internal audit round
    db.session.commit()
    click.echo(_("Demo city loaded: UBND thành phố Nha Trang, its departments, wards and communes."))
    click.echo(_("Demo logins (password for all: %(password)s):", password=demo.DEMO_PASSWORD))
    for user in users:
        roles = ", ".join(user.roles) or _("%(role)s of %(unit)s", role=user.unit_role, unit=user.unit)
        click.echo(f"  {user.email:<24} {roles}")


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Start N app processes with gunicorn (Linux, macOS); without it, one waitress process.",
)
@click.pass_context
def run_command(ctx: click.Context, host: str, port: int, threads: int, workers: int | None) -> None:
    """Serve the app with the waitress WSGI server, or with N gunicorn processes (--workers N)."""
    if workers is not None:
        _run_gunicorn(host, port, threads, workers)
        return
    from waitress import serve

    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        click.echo(_("QMS Tracker at %(url)s (Ctrl+C to stop)", url=f"http://{host}:{port}/"))
    # Each browser keeps a connection or two open: waitress's default limit of 100 would turn the
    # fifty-first person away while the threads are idle.
    serve(app, host=host, port=port, threads=threads, connection_limit=CONNECTION_LIMIT)


def _run_gunicorn(host: str, port: int, threads: int, workers: int) -> None:
    """N processes on one port: gunicorn's arbiter forks them and restarts any that dies. Each process
    builds its own app after the fork, so none shares a database connection with another."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        raise UserError(
            _(
                "--workers needs gunicorn (Linux or macOS): pip install gunicorn; "
                "without --workers one waitress process serves"
            )
        ) from None

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            # gunicorn closes an idle connection after 2 s; a client sending its next request just
            # then sees the connection reset. Keep idle connections as long as a proxy or browser does.
            self.cfg.set("keepalive", KEEPALIVE_SECONDS)
            self.cfg.set("worker_connections", CONNECTION_LIMIT)
            self.cfg.set("accesslog", None)

        def load(self) -> Any:
            return create_app()

    with create_app().app_context():
        click.echo(
            _(
                "QMS Tracker at %(url)s, %(count)s processes (Ctrl+C to stop)",
                url=f"http://{host}:{port}/",
                count=workers,
            )
        )
    Server().run()


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
@domain_errors
def worker_command(burst: bool) -> None:
    """Run the background jobs queued in Redis (QMS_REDIS_URL, queue QMS_JOB_QUEUE, default "qms")."""
    from flask import current_app

    from qms import jobs

    if not jobs.redis_url():
        raise UserError(_("QMS_REDIS_URL is not set: jobs run at once in the app, no worker is needed"))
    click.echo(
        _(
            "worker on queue %(queue)s at %(url)s (Ctrl+C to stop)",
            queue=current_app.config["QMS_JOB_QUEUE"],
            url=_redacted(jobs.redis_url() or ""),
        )
    )
    jobs.run_worker(burst=burst)


def _redacted(url: str) -> str:
    """A URL without its password, for printing."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


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
        raise UserError(_("give the password on standard input with --password-stdin"))
    password = read_password_stdin()
    memberships = [org.parse_membership_spec(spec) for spec in units]
    user = org.create_user(
        actor=None, email=email, full_name=full_name, password=password, roles=roles, language=language
    )
    for unit, role in memberships:
        org.add_membership(user, unit, role, actor=None)
    db.session.commit()
    click.echo(_("created %(email)s", email=user.email))


@user_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
@domain_errors
def user_set_password(email: str, password_stdin: bool) -> None:
    """Set a user's password."""
    from qms.services import org

    if not password_stdin:
        raise UserError(_("give the password on standard input with --password-stdin"))
    password = read_password_stdin()
    user = org.require_user(email)
    org.set_password(user, password, actor=None)
    db.session.commit()
    click.echo(_("password set for %(email)s", email=user.email))


@cli.group("token")
def token_group() -> None:
    """Personal API tokens (for a service account such as the one-stop-shop system)."""


def parse_cli_date(value: str | None) -> date | None:
    """DD/MM/YYYY or YYYY-MM-DD."""
    if value is None:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise UserError(_("'%(value)s' is not a date (DD/MM/YYYY or YYYY-MM-DD)", value=value))


@token_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--expires", metavar="DD/MM/YYYY", help="Last day of validity (default: in 90 days).")
@with_appcontext
@domain_errors
def token_create(email: str, name: str, expires: str | None) -> None:
    """Create a token for EMAIL and print it (it is shown only this once)."""
    from qms.services import org, tokens

    user = org.require_user(email)
    issued = tokens.create_token(user, actor=None, name=name, expires=parse_cli_date(expires))
    db.session.commit()
    click.echo(issued.secret)
    click.echo(
        _("token %(prefix)s for %(email)s, valid until %(date)s; it will not be shown again",
          prefix=issued.token.prefix, email=user.email, date=issued.token.expires_at.date().isoformat()),
        err=True,
    )  # fmt: skip


@token_group.command("revoke")
@click.argument("prefix")
@with_appcontext
@domain_errors
def token_revoke(prefix: str) -> None:
    """Revoke the token whose prefix (as listed) is PREFIX."""
    from qms.services import tokens

    token = tokens.token_by_prefix(prefix)
    tokens.revoke_token(token, actor=None)
    db.session.commit()
    click.echo(_("revoked %(prefix)s", prefix=token.prefix))


@token_group.command("list")
@click.argument("email")
@with_appcontext
@domain_errors
def token_list(email: str) -> None:
    """List EMAIL's tokens: prefix, name, expiry, last use, state."""
    from qms.services import org, tokens

    for token in tokens.tokens_of(org.require_user(email)):
        state = _("valid") if tokens.is_usable(token) else _("expired")
        if token.revoked_at:
            state = _("revoked")
        last = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "-"
        click.echo(f"{token.prefix}\t{token.name}\t{token.expires_at.date().isoformat()}\t{last}\t{state}")


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
    click.echo(
        _("units: %(created)s created, %(updated)s updated", created=result.created, updated=result.updated)
    )


@import_group.command("case-stats")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
@domain_errors
def import_case_stats(file: str) -> None:
    """Case statistics from FILE: unit_code,period,received,resolved,on_time,late,online_eligible,online."""
    from qms.services import case_stats

    result = case_stats.import_case_statistics(file, actor=None)
    db.session.commit()
    click.echo(
        _(
            "case statistics: %(created)s added, %(replaced)s replaced",
            created=result.created,
            replaced=result.replaced,
        )
    )


@import_group.command("satisfaction")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
@domain_errors
def import_satisfaction(file: str) -> None:
    """Satisfaction indices from FILE: unit_code,period,index_percent,respondents."""
    from qms.services import case_stats

    result = case_stats.import_satisfaction(file, actor=None)
    db.session.commit()
    click.echo(
        _(
            "satisfaction indices: %(created)s added, %(replaced)s replaced",
            created=result.created,
            replaced=result.replaced,
        )
    )


@import_group.command("objectives")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
@domain_errors
def import_objectives(file: str) -> None:
    """Quality objectives from FILE: unit_code,year,statement,indicator,direction,target,
    unit_of_measure,source."""
    from qms.services import objectives

    result = objectives.import_objectives(file, actor=None)
    db.session.commit()
    click.echo(
        _(
            "quality objectives: %(created)s created, %(updated)s updated",
            created=result.created,
            updated=result.updated,
        )
    )


@import_group.command("reorganisation")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
@domain_errors
def import_reorganisation(file: str) -> None:
    """Reorganisations from FILE, applied in date order (see `qms reorganise`)."""
    _reorganise(file, dry_run=False)


@cli.command("reorganise")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print what would move; write nothing.")
@with_appcontext
@domain_errors
def reorganise(file: str, dry_run: bool) -> None:
    """Record and apply the reorganisations of FILE (CSV or XLSX, all or nothing), one row a move:
    old_code,old_valid_until,new_code,new_name,new_kind,new_parent_code,move,effective_on,legal_basis
    (and record_kinds for a split)."""
    _reorganise(file, dry_run=dry_run)


def _reorganise(file: str, *, dry_run: bool) -> None:
    from qms.formatting import fmt_date
    from qms.services.reorganisation import importing

    outcome = importing.dry_run(file) if dry_run else importing.run(file, actor=None)
    for shown in outcome.previews:
        click.echo(f"{shown.legal_basis} · {fmt_date(shown.effective_on)}")
        for unit in shown.units:
            ends = _(" (last day %(date)s)", date=fmt_date(unit.last_day)) if unit.last_day else ""
            click.echo(f"  {unit.unit}{ends}")
            for flow in unit.flows:
                if not flow.total:
                    continue
                where = _("%(n)s to %(unit)s", n=flow.moving, unit=flow.to) if flow.moving else ""
                stays = _("%(n)s stay", n=flow.staying) if flow.staying else ""
                click.echo(f"    {flow.label}: {', '.join(x for x in (where, stays) if x)}")
        for new in shown.new_units:
            click.echo("  + " + _("new unit %(unit)s", unit=new))
    if dry_run:
        click.echo(_("dry run: nothing was written"))
        return
    db.session.commit()
    for message in outcome.messages:
        click.echo(message)


def on_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress(label: str, length: int) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal's stderr; quiet when stderr is a file or a pipe. Yields `tick()`."""
    if not on_terminal():
        yield lambda: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda: bar.update(1)


@cli.group("export")
def export_group() -> None:
    """Export documents (.docx, .xlsx, .ics); every export takes -o/--output and --lang vi|en."""


def export_options(default_suffix: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options every `qms export …` command shares: -o/--output PATH and --lang vi|en (default vi);
    documents (.docx) also take --format docx|pdf."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        if default_suffix == ".docx":
            command = click.option(
                "--format",
                "fmt",
                type=click.Choice(["docx", "pdf"]),
                default="docx",
                show_default=True,
                help="Word, or PDF converted from it by LibreOffice.",
            )(command)
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


@export_group.command("objectives")
@click.option("--unit", "unit_code", required=True, metavar="CODE", help="The unit's code.")
@click.option("--year", required=True, type=click.IntRange(1990, 2100), help="The year of the objectives.")
@export_options(".docx")
@with_appcontext
@domain_errors
def export_objectives(unit_code: str, year: int, output: str | None, lang: str, fmt: str) -> None:
    """The unit's quality plan: policy and objectives register for YEAR (.docx or .pdf)."""
    from qms.exports.objectives import objectives_document
    from qms.services import org

    unit = org.unit_by_code(unit_code)
    _write_document(
        lambda: objectives_document(unit, year, lang=lang),
        output,
        f"objectives-{unit.code}-{year}.docx",
        lang,
        fmt,
    )


@export_group.command("risks")
@click.option("--unit", "unit_code", required=True, metavar="CODE", help="The unit's code.")
@export_options(".docx")
@with_appcontext
@domain_errors
def export_risks(unit_code: str, output: str | None, lang: str, fmt: str) -> None:
    """The unit's context, interested parties and risk register (.docx or .pdf)."""
    from qms.exports.risks import risk_register
    from qms.services import org

    unit = org.unit_by_code(unit_code)
    _write_document(lambda: risk_register(unit, lang), output, f"risks-{unit.code}.docx", lang, fmt)


@export_group.command("procedure")
@click.argument("code")
@click.option(
    "--edition",
    type=click.Choice(["2008", "2015"]),
    default=None,
    help="2015: clause references in ISO 9001:2015 numbering; 2008 or none: as stored.",
)
@export_options(".docx")
@with_appcontext
@domain_errors
def export_procedure(code: str, edition: str | None, output: str | None, lang: str, fmt: str) -> None:
    """The procedure CODE as the usual procedure document with its process map (.docx).

    The approved version is exported, or the latest draft when none is approved yet. With
    --edition 2015 its clause references are in 2015 numbering (the 2008 number in brackets where a
    person remapped it; a reference not yet decided shows its one-to-one proposal, marked so).
    """
    from qms.exports.procedure import build
    from qms.services import processes

    process = processes.process_for_export(code)
    default = f"{process.code}-v{process.version}.docx"
    _write_document(lambda: build(process, lang, edition), output, default, lang, fmt)


@export_group.command("correspondence")
@click.option(
    "--from",
    "from_edition",
    default=None,
    metavar="2008|2015",
    help="Only one direction: from the clauses of this edition (default: 2015 → 2008, then 2008 → 2015).",
)
@export_options(".docx")
@with_appcontext
@domain_errors
def export_correspondence(from_edition: str | None, output: str | None, lang: str, fmt: str) -> None:
    """The 2008 ↔ 2015 correspondence table with status, relation and notes (.docx or .pdf)."""
    from qms.exports.correspondence import correspondence_document

    suffix = f"-{from_edition}" if from_edition else ""
    _write_document(
        lambda: correspondence_document(lang, from_edition=from_edition),
        output,
        f"correspondence-2008-2015{suffix}.docx",
        lang,
        fmt,
    )


# --- internal audits: documents, registers, reminders, imports ------------------------------------


@import_group.command("findings")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--background",
    is_flag=True,
    help="Run as a background job (on the worker when QMS_REDIS_URL is set); print its number.",
)
@with_appcontext
@domain_errors
def import_findings(file: str, background: bool) -> None:
    """Audit findings from FILE: audit_ref,unit_code,audit_start,audit_end,kind,edition,clause,
    statement,evidence,raised_on,due_on,closed_on."""
    from audits.services import importing

    if background:
        _import_findings_job(file)
        return
    result = importing.import_findings(file, actor=None)
    db.session.commit()
    click.echo(
        _(
            "findings: %(findings)s imported (%(ncs)s nonconformities), %(skipped)s already present; "
            "audits created: %(audits)s",
            findings=result.findings,
            ncs=len(result.nonconformities),
            skipped=result.skipped,
            audits=", ".join(result.audits_created) or "0",
        )
    )


def _import_findings_job(file: str) -> None:
    import shutil

    from audits.jobs import IMPORT_FINDINGS
    from qms.services import jobs as job_service

    source = Path(file)
    if not source.is_file():
        raise UserError(_("file not found: %(path)s", path=file))
    job = job_service.submit(IMPORT_FINDINGS, {"file": source.name}, actor=None)
    folder = job_service.result_folder(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder / source.name)  # the worker reads the copy, wherever FILE was
    db.session.commit()
    _run_job(job.id)


def _run_job(job_id: int, *, inline: bool = False) -> None:
    """Dispatch a committed job (or run it here with `inline`): when it has run, print its outcome (a
    failure as the one error line); when it is queued, say so."""
    from qms import jobs
    from qms.models.jobs import JobStatus
    from qms.services import jobs as job_service

    if inline:
        jobs.perform(job_id)
    else:
        jobs.dispatch(job_id)
    job = job_service.get_job(job_id)
    db.session.refresh(job)
    if job.status == JobStatus.FAILED:
        raise UserError(job.error or "")
    if job.status == JobStatus.DONE:
        click.echo(job.message)
    else:
        click.echo(_("job %(id)s queued; a worker (qms worker) runs it", id=job.id))


def _write_document(
    build: Callable[[], Any], output: str | None, default: str, lang: str, fmt: str = "docx"
) -> Path:
    """Build a document in `lang` (a python-docx Document, or the bytes of one) and write it as .docx or
    PDF, atomically; `default` is the .docx file name used without -o."""
    from qms.exports import pdf
    from qms.exports.document import to_bytes, write_atomic

    with export_language(lang):
        document = build()
    data = document if isinstance(document, bytes) else to_bytes(document)
    if fmt == "pdf":
        data = pdf.to_pdf(data)
        default = default.removesuffix(".docx") + ".pdf"
    path = write_atomic(data, output or default)
    click.echo(_("written %(path)s", path=str(path)))
    return path


@export_group.command("management-review")
@click.argument("review_id", required=False, type=int)
@click.option("--year", type=click.IntRange(1990, 2100), help="The year's latest review of the scope.")
@click.option(
    "--unit", "unit_code", default=None, metavar="CODE", help="A unit's review (default: the organisation's)."
)
@export_options(".docx")
@with_appcontext
@domain_errors
def export_management_review(
    review_id: int | None, year: int | None, unit_code: str | None, output: str | None, lang: str, fmt: str
) -> None:
    """The management review pack (.docx or .pdf): every input's figures, the notes and the decisions;
    of review REVIEW_ID, or of the latest review of --year (of the organisation, or of --unit CODE)."""
    from audits.exports import review as documents
    from audits.services.review import core
    from qms.services import org

    if (review_id is None) == (year is None):
        raise UserError(_("give a review number, or --year YEAR (with --unit CODE for a unit's review)"))
    if review_id is not None:
        review = core.get_review(review_id)
    else:
        unit = org.unit_by_code(unit_code) if unit_code else None
        review = core.latest_of_year(year, unit.id if unit else None)  # type: ignore[arg-type]
    _write_document(
        lambda: documents.review_pack(review, lang),
        output,
        documents.file_name("management-review", review),
        lang,
        fmt,
    )


@export_group.command("review-notice")
@click.argument("review_id", type=int)
@click.option("--issue", is_flag=True, help="Issue it first: number it and enter it in the register.")
@click.option(
    "--date",
    "issued_on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date of issue (default today).",
)
@export_options(".docx")
@with_appcontext
@domain_errors
def export_review_notice(
    review_id: int, issue: bool, issued_on: Any, output: str | None, lang: str, fmt: str
) -> None:
    """The notice of the conclusions of held review REVIEW_ID (.docx or .pdf): as issued once issued, a
    draft with the number left blank before; --issue numbers it first."""
    from datetime import date

    from audits.exports import review as documents
    from audits.services.review import core
    from audits.services.review.notice import issue_notice

    review = core.get_review(review_id)
    if issue:
        issued = issue_notice(review, actor=None, issued_on=issued_on.date() if issued_on else date.today())
        db.session.commit()
        click.echo(_("issued %(number)s", number=issued.number))
    _write_document(
        lambda: documents.notice_bytes(review, lang),
        output,
        documents.file_name("review-notice", review),
        lang,
        fmt,
    )


@export_group.command("audit-plan")
@click.argument("ref")
@export_options(".docx")
@with_appcontext
@domain_errors
def export_audit_plan(ref: str, output: str | None, lang: str, fmt: str) -> None:
    """The audit plan of audit REF (.docx or .pdf): objectives, scope, criteria, team, agenda; as sent to
    the units once it was sent."""
    from audits.exports import documents
    from audits.services import reporting

    audit = reporting.audit_by_ref(ref)
    _write_document(
        lambda: documents.audit_plan_bytes(audit, lang),
        output,
        documents.file_name("audit-plan", audit.ref),
        lang,
        fmt,
    )


@export_group.command("audit-report")
@click.argument("ref", required=False)
@click.option("--year", type=click.IntRange(2000, 2100), help="With --all: the year of the audits.")
@click.option(
    "--all", "every", is_flag=True, help="Every audit of --year, one file each, into the -o folder."
)
@export_options(".docx")
@with_appcontext
@domain_errors
def export_audit_report(
    ref: str | None, year: int | None, every: bool, output: str | None, lang: str, fmt: str
) -> None:
    """The audit report of audit REF (.docx), or with --year YEAR --all -o DIR every report of the year."""
    from pathlib import Path

    from audits.exports import documents
    from audits.services import reporting
    from qms.exports import pdf
    from qms.exports.document import write_atomic

    if not every:
        if ref is None or year is not None:
            raise UserError(_("give an audit reference, or --year YEAR --all -o DIR"))
        audit = reporting.audit_by_ref(ref)
        _write_document(
            lambda: documents.audit_report_bytes(audit, lang),
            output,
            documents.file_name("audit-report", audit.ref),
            lang,
            fmt,
        )
        return
    if ref is not None or year is None:
        raise UserError(_("--all takes --year YEAR and no audit reference"))
    folder = Path(output or f"audit-reports-{year}")
    if folder.exists() and not folder.is_dir():
        raise UserError(_("%(path)s is not a folder", path=str(folder)))
    audits = reporting.audits_of_year(year)
    if not audits:
        raise UserError(_("no audits in %(year)s", year=year))
    with export_language(lang), progress(_("Audit reports"), len(audits)) as tick:
        for audit in audits:
            tick()
            data = documents.audit_report_bytes(audit, lang)
            name = documents.file_name("audit-report", audit.ref)
            if fmt == "pdf":
                data, name = pdf.to_pdf(data), name.removesuffix(".docx") + ".pdf"
            write_atomic(data, folder / name)
    click.echo(_("written %(count)s reports to %(path)s", count=len(audits), path=str(folder)))


@export_group.command("nc-report")
@click.argument("nc_ref")
@export_options(".docx")
@with_appcontext
@domain_errors
def export_nc_report(nc_ref: str, output: str | None, lang: str, fmt: str) -> None:
    """The nonconformity and corrective-action form of NC_REF (.docx)."""
    from audits.exports import documents
    from audits.services import reporting

    finding = reporting.finding_by_ref(nc_ref)
    _write_document(
        lambda: documents.nc_report(finding, lang),
        output,
        documents.file_name("nc-report", finding.label),
        lang,
        fmt,
    )


@export_group.command("programme")
@click.argument("year", type=click.IntRange(2000, 2100))
@export_options(".docx")
@with_appcontext
@domain_errors
def export_programme(year: int, output: str | None, lang: str, fmt: str) -> None:
    """The internal audit programme of YEAR with every audit and its status (.docx)."""
    from audits.exports import documents
    from audits.services import reporting

    programme = reporting.programme_of_year(year)
    _write_document(
        lambda: documents.programme_bytes(programme, lang),
        output,
        documents.file_name("programme", year),
        lang,
        fmt,
    )


@export_group.command("findings")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="The year of the audits.")
@export_options(".xlsx")
@with_appcontext
@domain_errors
def export_findings(year: int, output: str | None, lang: str) -> None:
    """The findings and corrective-actions register of YEAR (.xlsx)."""
    from audits.exports.register import findings_workbook
    from qms.exports.workbook import save

    with export_language(lang):
        workbook = findings_workbook(year)
    path = save(workbook, output or f"findings-{year}.xlsx")
    click.echo(_("written %(path)s", path=str(path)))


@export_group.command("calendar")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="The year of the audits.")
@export_options(".ics")
@with_appcontext
@domain_errors
def export_calendar(year: int, output: str | None, lang: str) -> None:
    """The audits of YEAR as iCalendar events (.ics), for any calendar application."""
    from audits.exports.register import audit_calendar
    from qms.exports.document import write_atomic

    with export_language(lang):
        calendar = audit_calendar(year)
    path = write_atomic(calendar.to_ical(), output or f"audits-{year}.ics")
    click.echo(_("written %(path)s", path=str(path)))


# --- the transition to ISO 9001:2015 -------------------------------------------------------------


@cli.group("transition")
def transition_group() -> None:
    """The transition from ISO 9001:2008 to ISO 9001:2015."""


@transition_group.command("open")
@click.option("--target", "target", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Target date.")
@click.option("--title", default=None, help="Title (default: the usual title of the transition).")
@click.option("--unit", "unit_codes", multiple=True, metavar="CODE", help="A unit in scope (default: all).")
@with_appcontext
@domain_errors
def transition_open(target: Any, title: str | None, unit_codes: tuple[str, ...]) -> None:
    """Open the organisation's transition with one gap checklist per unit (every active unit when no
    --unit is named). Opening it again changes nothing; a named unit not yet in scope is added."""
    from qms.formatting import fmt_date
    from qms.services import org
    from qms.services import transition as service

    units = [org.unit_by_code(code) for code in unit_codes]
    result = service.open_transition(actor=None, target_date=target.date(), title=title, units=units)
    db.session.commit()
    transition = result.transition
    if result.created:
        click.echo(
            _(
                "transition opened: %(title)s, target %(target)s; %(units)s units, %(items)s gap items",
                title=transition.title,
                target=fmt_date(transition.target_date),
                units=len(result.units_added),
                items=result.items_created,
            )
        )
    elif result.units_added:
        click.echo(
            _(
                "transition already open; units added: %(codes)s (%(items)s gap items)",
                codes=", ".join(u.code for u in result.units_added),
                items=result.items_created,
            )
        )
    else:
        click.echo(
            _(
                "transition already open (target %(target)s); nothing changed",
                target=fmt_date(transition.target_date),
            )
        )


@export_group.command("annual-report")
@click.option("--year", "year_text", required=True, metavar="YEAR", help="The year reported on.")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and its sub-units.")
@export_options(".docx")
@with_appcontext
@domain_errors
def export_annual_report(
    year_text: str, unit_code: str | None, output: str | None, lang: str, fmt: str
) -> None:
    """The yearly report's section on the quality system for YEAR (.docx): issued documents, internal
    audits, management review, transition, dossier figures and satisfaction."""
    from audits.exports import annual_report as exports
    from audits.services.annual_report import parse_report_year
    from qms.services import org

    year = parse_report_year(year_text)
    unit = org.unit_by_code(unit_code) if unit_code else None
    _write_document(
        lambda: exports.annual_report_bytes(year, unit, lang),
        output,
        exports.file_name(year, unit),
        lang,
        fmt,
    )


@export_group.command("transition")
@click.option("--unit", "unit_code", metavar="CODE", help="The unit's gap assessment report.")
@click.option("--all", "every", is_flag=True, help="The city-wide status report for the steering committee.")
@export_options(".docx")
@with_appcontext
@domain_errors
def export_transition(unit_code: str | None, every: bool, output: str | None, lang: str, fmt: str) -> None:
    """A unit's gap assessment report (--unit CODE) or the city-wide status report (--all) (.docx)."""
    from qms.exports import transition as exports
    from qms.services import org
    from qms.services import transition as service

    if bool(unit_code) == every:
        raise UserError(_("give either --unit CODE or --all"))
    transition = service.require_current()
    if unit_code:
        unit = org.unit_by_code(unit_code)
        service.scope_entry(transition, unit)
        _write_document(
            lambda: exports.unit_report(transition, unit, lang),
            output,
            exports.unit_file_name(unit, lang),
            lang,
            fmt,
        )
        return
    count = len(transition.scope)

    def build() -> Any:
        with progress(_("Units"), count) as tick:
            return exports.city_report(transition, lang, tick=tick)

    _write_document(build, output, exports.city_file_name(lang), lang, fmt)


@export_group.command("transition-plan")
@export_options(".docx")
@with_appcontext
@domain_errors
def export_transition_plan(output: str | None, lang: str, fmt: str) -> None:
    """The transition plan: purpose, scope, steps with who and when, the deadline (.docx)."""
    from qms.exports import transition as exports
    from qms.services import transition as service

    transition = service.require_current()
    _write_document(lambda: exports.plan(transition, lang), output, exports.plan_file_name(lang), lang, fmt)


# --- moving and backing up data --------------------------------------------------------------------


@cli.command("dump")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
@domain_errors
def dump_command(path: Path) -> None:
    """Write every table and every stored file to one portable archive PATH (.zip) with a manifest."""
    from qms.portable.dump import dump

    if path.is_dir():
        raise UserError(_("%(path)s is a folder; give the archive's file name", path=str(path)))
    result = dump(path)
    click.echo(
        _(
            "written %(path)s: %(tables)s tables, %(rows)s rows, %(files)s files",
            path=str(result.path),
            tables=result.tables,
            rows=result.rows,
            files=result.files,
        )
    )


@cli.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
@domain_errors
def load_command(path: Path) -> None:
    """Load the archive PATH (made by `qms dump`) into this empty database, all or nothing.

    Run `qms init` on the new database first; a database holding more than its reference data is
    refused, and so is an archive of another schema revision."""
    from qms.portable.archive import open_archive
    from qms.portable.load import restore

    archive = open_archive(path)
    try:
        with restore(archive) as result:
            db.session.commit()
    finally:
        archive.close()
    click.echo(
        _(
            "loaded %(path)s: %(tables)s tables, %(rows)s rows, %(files)s files",
            path=str(path),
            tables=result.tables,
            rows=result.rows,
            files=result.files,
        )
    )


@cli.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
@domain_errors
def backup_command(folder: Path) -> None:
    """Copy the live SQLite database and the stored files into a new timestamped folder in FOLDER.

    A PostgreSQL database is backed up with pg_dump instead (see README)."""
    from qms.portable.backup import backup

    result = backup(folder)
    click.echo(_("backup written to %(path)s (%(files)s files)", path=str(result.folder), files=result.files))


@cli.command("notify")
@click.option("--days", default=7, show_default=True, type=click.IntRange(0, 90), help="Look this far ahead.")
@click.option("--today", "today", type=click.DateTime(["%Y-%m-%d"]), help="Judge as of this date.")
@click.option(
    "--escalate-after",
    type=click.IntRange(0, 365),
    help="Escalate work overdue by more than N days (default QMS_ESCALATE_DAYS, 7).",
)
@click.option("--dry-run", is_flag=True, help="Print who would receive what; send nothing.")
@click.option("--inline", is_flag=True, help="Send now in this command even when a job queue is configured.")
@with_appcontext
@domain_errors
def notify_command(days: int, today: Any, escalate_after: int | None, dry_run: bool, inline: bool) -> None:
    """E-mail each person one digest of overdue and soon-due work (run daily by cron).

    Work overdue by more than QMS_ESCALATE_DAYS days goes also to the unit's managers and the steering
    committee. The server is QMS_SMTP_URL (smtp://user:pass@host:port or smtps://…), the sender
    QMS_MAIL_FROM. Without a server nothing is sent and the exit status is 1. With QMS_REDIS_URL the
    sending is queued for the worker (qms worker) unless --inline; each successful run is recorded and
    the administration shows the last one."""
    import os
    from datetime import date

    from audits.services import reminders
    from qms.services import mail

    day = today.date() if today is not None else date.today()
    settings = mail.smtp_settings()
    if settings is None and not dry_run:
        raise UserError(_("QMS_SMTP_URL is not set: no reminder sent"))
    if escalate_after is None:
        escalate_after = reminders.escalate_after_days()
    base_url = os.environ.get("QMS_BASE_URL", "")
    if dry_run:
        found = reminders.digests(day, days=days, escalate_after=escalate_after)
        settings = settings or mail.SmtpSettings(False, "localhost", 25, None, None, "qms-tracker@localhost")
        out = reminders.messages(
            settings, found, day, days=days, base_url=base_url, escalate_after=escalate_after
        )
        click.echo(_("Dry run: nothing is sent; %(count)s message(s) would be sent.", count=len(out)))
        for msg in out:
            click.echo(f"\nTo: {msg['To']}\nSubject: {msg['Subject']}\n\n{msg.get_content()}")
        return
    from audits.jobs import NOTIFY
    from qms.services import jobs as job_service

    params = {"today": day.isoformat(), "days": days, "escalate_after": escalate_after, "base_url": base_url}
    job = job_service.submit(NOTIFY, params, actor=None)
    db.session.commit()
    _run_job(job.id, inline=inline)


def main() -> None:
    cli.main(prog_name="qms")


if __name__ == "__main__":
    main()
