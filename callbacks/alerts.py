"""Alerts that speak about figures, scheduled board packs and pre-reads, and the one entry point
(`run_alerts`) that the scheduler, `flask --app app alerts run` and the tests call.

There is no request in the scheduler process, so each recipient's words are written inside a
request of their own, signed in as them (as background pack jobs are built): their figures come
from the same rights checks, presented-figure model and suppression as their pages, and nothing
they may not see reaches their notification or email.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
import flask
import flask_login
import sqlalchemy as sa

from callbacks import packs, permissions, presenting
from callbacks.context import services
from callbacks.pages import subgroup_path
from callbacks.permissions import NotAuthorised
from layouts.board_packs import PACKS_PATH
from loaders import alert_rules, meetings, notifications, sharing
from loaders.ledger import as_utc
from loaders.measures import MEASURES
from loaders.models import AlertEvent, Meeting, PackSnapshot, User, utcnow
from loaders.notifications import Message
from loaders.refresh import london_today
from loaders.reports import REPORTS
from loaders.schedules import ScheduleError, cron_trigger, latest_due

log = logging.getLogger(__name__)
FORCE_SUBGROUPS = {"force", "police-demand"}


@contextmanager
def signed_in_as(server: flask.Flask, user: User):
    """A request of its own, signed in as `user`: every right is read as on their own pages."""
    with server.test_request_context("/_dash-update-component", method="POST"):
        flask_login.login_user(user)
        yield user


def measure_link(measure_id: str, area_code: str | None) -> str:
    """The exact view: the measure's section on its page, at the area the alert is about."""
    spec = MEASURES[measure_id]
    path = "/force-performance" if spec.subgroup == "force" else subgroup_path(spec.subgroup)
    area = f"&area={area_code}" if area_code else ""
    return f"{path}?measure={measure_id}{area}"


def _users():
    return list(alert_rules.active_users(services().session_factory, services().settings))


def signal_alerts(server: flask.Flask) -> int:
    """A new special-cause signal on a current figure, or an assurance icon that changes, on each
    measure each user may see, read from the figure as that user's audience sees it."""
    settings, factory = services().settings, services().session_factory
    told = 0
    for user, _rights in _users():
        with factory() as session:
            if notifications.preferences(session, user.id)["signal"] == "never":
                continue
        with signed_in_as(server, user):
            for measure_id in MEASURES:
                if not permissions.can_view_measure(user, measure_id):
                    continue
                told += _measure_alerts(factory, settings, user, measure_id)
    return told


def _measure_alerts(factory, settings, user, measure_id: str) -> int:
    try:
        figure = presenting.presented_figure(measure_id)
    except NotAuthorised:
        return 0
    if not figure.has_figures or figure.reading is None:
        return 0
    reading, area = figure.reading, figure.area_code
    link = measure_link(measure_id, area)
    told = 0
    where = f"{figure.title}, {figure.area_name}"
    if figure.is_exception and reading.new_signal:
        key = f"signal:{measure_id}:{area}:{figure.period.end}:{reading.variation}"
        message = Message(
            title=f"New special-cause signal: {where}",
            body=(
                f"{figure.period.label}: {figure.value_text}. {reading.label}. {reading.sentence}"
            ),
            link=link,
        )
        told += _tell(factory, settings, user, key, measure_id, area, message)
    if reading.assurance:
        state_key = f"assurance:{user.id}:{measure_id}:{area}"
        before = notifications.swap_state(factory, state_key, reading.assurance)
        if before is not None and before != reading.assurance:
            key = f"assurance:{measure_id}:{area}:{figure.period.end}:{reading.assurance}"
            message = Message(
                title=f"Assurance changed: {where}",
                body=(
                    f"{figure.period.label}: {reading.assurance_label or reading.assurance}. "
                    f"{reading.label}."
                ),
                link=link,
            )
            told += _tell(factory, settings, user, key, measure_id, area, message)
    return told


def _tell(factory, settings, user, key, measure_id, area, message) -> int:
    with factory() as session:
        if notifications.notified(session, user.id, key):
            return 0
    event_id, _new = notifications.raise_event(
        factory, key, "signal", f"{measure_id}:{area}", {"measure_id": measure_id}
    )
    return int(
        notifications.notify(factory, settings, event_id, user.id, "signal", message) is not None
    )


# --- Scheduled board packs ------------------------------------------------------------------------


def _author(users) -> User | None:
    """Scheduled packs are generated by the OPCC: the first active analyst, else administrator.
    The report's audience still decides what goes in (packs.pack_measure_ids)."""
    ranked = sorted(
        (u for u, r in users if r.sees_all_data), key=lambda u: (u.role != "analyst", u.id)
    )
    return ranked[0] if ranked else None


def scheduled_reports(server: flask.Flask, now: datetime | None = None) -> list[int]:
    """Each report whose REPORT_SCHEDULE_<ID> time has come: built once (the event's key is the
    claim), stored as presented, and a link sent to each user in its audience who may open it."""
    settings, factory = services().settings, services().session_factory
    now = as_utc(now) or utcnow()
    built = []
    for report_id, expression in sorted(settings.report_schedules.items()):
        report = REPORTS.get(report_id)
        if report is None:
            log.warning("REPORT_SCHEDULE_%s names no report", report_id.upper())
            continue
        try:
            due = latest_due(cron_trigger(expression, settings.timezone, report_id), now)
        except ScheduleError:
            log.exception("report schedule for %s cannot be read", report_id)
            continue
        if due is None or now - due > timedelta(seconds=settings.misfire_grace_seconds):
            continue
        key = f"report:{report_id}:{due.isoformat()}"
        event_id, new = notifications.raise_event(factory, key, "report", report_id, {})
        if not new:
            continue  # another process has built (or is building) this one
        snapshot_id = _build_scheduled(server, report_id, event_id)
        if snapshot_id is not None:
            built.append(snapshot_id)
            _announce_pack(server, event_id, snapshot_id)
    return built


def _build_scheduled(server, report_id: str, event_id: int) -> int | None:
    factory = services().session_factory
    users = _users()
    author = _author(users)
    error = None
    snapshot_id = None
    if author is None:
        error = "no active OPCC analyst or administrator to generate it as"
    else:
        try:
            with signed_in_as(server, author):
                snapshot_id = packs.build_pack(report_id, author)
        except Exception as problem:  # recorded on the event and told to administrators
            log.exception("scheduled pack %s failed", report_id)
            error = str(problem)[:500]
    with factory() as session, session.begin():
        event = session.get(AlertEvent, event_id)
        event.detail = {"snapshot_id": snapshot_id} if error is None else {"error": error}
    if error is not None:
        admins = [u for u, r in users if r.is_admin]
        message = Message(
            title=f"Scheduled {REPORTS[report_id].title} pack failed",
            body=f"The scheduled pack could not be generated: {error}.",
            link=PACKS_PATH,
        )
        for admin in admins:
            notifications.notify(
                factory, services().settings, event_id, admin.id, "refresh_problem", message
            )
    return snapshot_id


def _announce_pack(server, event_id: int, snapshot_id: int) -> int:
    """A link, never the file, to each user of the report's audience who may open this pack."""
    settings, factory = services().settings, services().session_factory
    with factory() as session:
        snapshot = session.get(PackSnapshot, snapshot_id)
    report = REPORTS[snapshot.report_id]
    told = 0
    for user, _rights in _users():
        with signed_in_as(server, user):
            if not packs.may_open_snapshot(user, snapshot):
                continue
        message = Message(
            title=f"{report.title}: board pack for {snapshot.period_label} is ready",
            body=(
                f"The scheduled {report.title} pack ({snapshot.period_label}, reference "
                f"{snapshot.reference}) was generated and stored as presented. Open the PDF, "
                "slides or Excel appendix on the Board packs page."
            ),
            link=f"{PACKS_PATH}/{snapshot_id}.pdf",
        )
        if notifications.notify(factory, settings, event_id, user.id, "report", message):
            told += 1
    return told


# --- Pre-reads ------------------------------------------------------------------------------------


def prereads(server: flask.Flask, now: datetime | None = None) -> int:
    """PREREAD_DAYS before a meeting, each of its audience gets the exceptions and open actions
    they may see, as their own pages show them."""
    settings, factory = services().settings, services().session_factory
    today = (
        as_utc(now).astimezone(ZoneInfo(settings.timezone)).date()
        if now is not None
        else london_today(settings.timezone)
    )
    window_end = today + timedelta(days=settings.preread_days)
    with factory() as session:
        upcoming = list(
            session.scalars(
                sa.select(Meeting).where(
                    Meeting.meeting_date >= today, Meeting.meeting_date <= window_end
                )
            )
        )
        register = {e.dataset_id: e for e in sharing.entries(session)}
    told = 0
    users = _users()
    for meeting in upcoming:
        report = REPORTS.get(meeting.report_id)
        if report is None:
            continue
        key = f"preread:{meeting.id}:{meeting.meeting_date.isoformat()}"
        event_id = None
        for user, rights in users:
            if not packs.may_read(rights, report):
                continue
            with factory() as session:
                if notifications.notified(session, user.id, key):
                    continue
            with signed_in_as(server, user):
                message = _preread_message(report, meeting, user, register, today)
            if event_id is None:
                event_id, _new = notifications.raise_event(
                    factory, key, "preread", str(meeting.id), {"meeting_id": meeting.id}
                )
            if notifications.notify(factory, settings, event_id, user.id, "preread", message):
                told += 1
    return told


def _preread_message(report, meeting: Meeting, user, register, today) -> Message:
    measure_ids = [
        m
        for m in report.measure_ids()
        if packs.audience_may_see(report, MEASURES[m].dataset_id, register)
        and permissions.can_view_measure(user, m)
    ]
    hide_small = not packs.opcc_only(report)
    exceptions = []
    for measure_id in measure_ids:
        figure = presenting.presented_figure(measure_id, hide_small_numbers=hide_small)
        if figure.has_figures and figure.is_exception:
            exceptions.append(
                f"- {figure.title}, {figure.area_name}, {figure.period.label}: "
                f"{figure.value_text}. {figure.reading.label}."
            )
    with services().session_factory() as session:
        open_actions = meetings.actions(session, measure_ids, open_only=True)
    action_lines = [
        f"- {a.title} (owner {a.owner}, due {a.due_date:%d %B %Y}"
        f"{', OVERDUE' if meetings.is_overdue(a, today) else ''}) on {MEASURES[a.measure_id].title}"
        for a in open_actions
    ]
    days = (meeting.meeting_date - today).days
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    body = "\n".join(
        [
            f"{meeting.title} meets {when}, on {meeting.meeting_date:%A %d %B %Y}.",
            "",
            "Exceptions (a special-cause signal on a current figure):",
            *(exceptions or ["- None."]),
            "",
            "Open actions:",
            *(action_lines or ["- None."]),
        ]
    )
    return Message(title=f"Pre-read: {meeting.title}", body=body, link=f"/meeting/{meeting.id}/1")


# --- The one entry point --------------------------------------------------------------------------


def run_alerts(server: flask.Flask, *, send: bool = True, now: datetime | None = None) -> dict:
    """Look for every kind of event, tell each user once, and send what is due. Safe to run in
    several processes at once. A failing rule or send is logged and never stops the others."""
    results = {}
    with server.app_context():
        settings, factory = services().settings, services().session_factory
        today = (
            as_utc(now).astimezone(ZoneInfo(settings.timezone)).date()
            if now is not None
            else london_today(settings.timezone)
        )
        steps = (
            ("rules", lambda: alert_rules.detect_all(factory, settings, today, now)),
            ("signals", lambda: signal_alerts(server)),
            ("reports", lambda: len(scheduled_reports(server, now))),
            ("prereads", lambda: prereads(server, now)),
        )
        for name, step in steps:
            try:
                results[name] = step()
            except Exception:
                log.exception("alerts: %s failed", name)
                results[name] = None
        if send:
            try:
                results["emails"] = notifications.send_due(factory, settings, now=now)
            except Exception:
                log.exception("alerts: sending failed")
                results["emails"] = None
    return results


def alerts_command_group() -> flask.cli.AppGroup:
    """`flask --app app alerts run | send | email USERNAME ADDRESS` (each in an app context)."""
    group = flask.cli.AppGroup("alerts", help="Alerts: find events, notify users, send emails.")

    @group.command("run")
    def run_command():
        """Look for events now and send every email that is due."""
        results = run_alerts(flask.current_app._get_current_object())
        for name, count in results.items():
            click.echo(f"{name}: {'failed (see log)' if count is None else count}")

    @group.command("send")
    def send_command():
        """Send the emails that are due (retries included) without looking for events."""
        count = notifications.send_due(services().session_factory, services().settings)
        click.echo(f"emails sent: {count}")

    @group.command("email")
    @click.argument("username")
    @click.argument("address")
    def email_command(username, address):
        """Set the address a user's alerts are emailed to ('-' removes it)."""
        from loaders.audit import audit
        from loaders.db import transaction
        from loaders.users import find_user

        address = "" if address == "-" else address.strip()
        if address and ("@" not in address or any(c.isspace() for c in address)):
            raise click.ClickException(f"{address!r} is not an email address")
        with transaction(services().session_factory) as session:
            user = find_user(session, username)
            if user is None:
                raise click.ClickException(f"no user {username!r}")
            user.email = address or None
        with flask.current_app.test_request_context("/"):
            audit("user_email_set", {"user": username, "email": address or None})
        click.echo(f"{username}: alerts go to {address or 'the app only'}")

    return group
