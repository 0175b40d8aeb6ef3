"""Alerts against a real SMTP server (aiosmtpd on 127.0.0.1, a free port): what each recipient
receives, digests, once-only delivery with two scheduler runs at once, retries when the server
refuses, scheduled packs and pre-reads, and nothing sent when SMTP_URL is unset."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import replace
from datetime import date, timedelta
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from callbacks import permissions, presenting
from loaders import meetings, notifications
from loaders.models import (
    AlertEvent,
    AlertPreference,
    AlertState,
    Delivery,
    MeetingAction,
    Notification,
    RefreshRun,
    User,
    utcnow,
)
from tests.conftest import TEST_USERS

SIGNAL_MEASURE = "reoffences_per_reoffender"  # a current figure whose latest point is a new signal
SIGNAL_TITLE = "New special-cause signal: Reoffences per reoffender"


class Inbox:
    """An aiosmtpd handler that keeps every message, and refuses the first `refuse` DATA commands."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 Try again later"
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def subjects(self, address: str) -> list[str]:
        return sorted(str(m["Subject"]) for m in self.to(address))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}"
    yield inbox
    controller.stop()


def address(role: str) -> str:
    return f"{TEST_USERS[role][0]}@example.org"


@pytest.fixture
def alerts_app(app, smtp, monkeypatch):
    """The shared real-data app with SMTP pointed at the test server, every test user given an
    email address, and the alert tables (and anything a test adds) emptied before and after."""
    from app import Services

    server = app.server
    old = server.extensions["lcjp"]
    settings = replace(old.settings, smtp_url=smtp.url, smtp_backoff=0.0, smtp_retries=3)
    monkeypatch.setitem(
        server.extensions, "lcjp", Services(settings, old.engine, old.session_factory)
    )
    factory = old.session_factory

    def clean():
        with factory() as session, session.begin():
            for table in (Delivery, Notification, AlertEvent, AlertState, AlertPreference):
                session.execute(sa.delete(table))
            session.execute(
                sa.delete(MeetingAction).where(MeetingAction.raised_by == "alerts-test")
            )
            session.execute(sa.delete(RefreshRun).where(RefreshRun.trigger == "alerts-test"))
            for role, (username, _password) in TEST_USERS.items():
                user = session.scalar(sa.select(User).where(User.username == username))
                user.email = address(role)

    clean()
    yield app
    clean()
    with factory() as session, session.begin():
        session.execute(sa.update(User).values(email=None))


def run(app, **kwargs):
    from callbacks.alerts import run_alerts

    return run_alerts(app.server, **kwargs)


def factory_of(app):
    return app.server.extensions["lcjp"].session_factory


def settings_of(app):
    return app.server.extensions["lcjp"].settings


def user_id(app, role: str) -> int:
    with factory_of(app)() as session:
        return session.scalar(sa.select(User.id).where(User.username == TEST_USERS[role][0]))


def everyone_immediate(app):
    for role in TEST_USERS:
        notifications.set_preferences(
            factory_of(app), user_id(app, role), dict.fromkeys(notifications.KINDS, "immediate")
        )


def test_signal_emails_follow_each_recipients_rights(alerts_app, smtp, as_user):
    everyone_immediate(alerts_app)
    results = run(alerts_app)
    assert results["signals"] >= 3 and results["emails"] > 0
    for role in TEST_USERS:
        with as_user(role) as user:
            sees = permissions.can_view_measure(user, SIGNAL_MEASURE)
            figure = presenting.presented_figure(SIGNAL_MEASURE) if sees else None
            visible = {m for m in presenting.MEASURES if permissions.can_view_measure(user, m)}
        signal_mail = [m for m in smtp.to(address(role)) if SIGNAL_TITLE in str(m["Subject"])]
        if not sees:  # the chair (E&E only) and the Durham member never hear of it
            assert signal_mail == [], role
            continue
        assert len(signal_mail) == 1, role
        message = signal_mail[0]
        text = message.get_body(("plain",)).get_content()
        page = message.get_body(("html",)).get_content()
        # The figure in the email is the figure the recipient's page shows, and the exact view.
        assert figure.value_text in text and figure.period.label in text
        assert f"/reducing-reoffending?measure={SIGNAL_MEASURE}&area={figure.area_code}" in text
        assert "Why you received this" in text and "/notifications" in text
        assert "Open this view" in page and "Why you received this" in page
        assert visible  # sanity: the recipient may see measures at all
    # No email to anyone names a measure that recipient may not see.
    from loaders.measures import MEASURES

    for role in TEST_USERS:
        with as_user(role) as user:
            hidden = [
                s.title for s in MEASURES.values() if not permissions.can_view_measure(user, s.id)
            ]
        for message in smtp.to(address(role)):
            body = message.get_body(("plain",)).get_content()
            assert not [t for t in hidden if f": {t}," in body or f"signal: {t}" in body], role


def test_stale_dataset_alerts_reach_only_those_who_see_the_dataset(alerts_app, smtp):
    everyone_immediate(alerts_app)
    run(alerts_app)
    member = smtp.subjects(address("member"))  # Durham force member: police-demand only
    analyst = smtp.subjects(address("analyst"))
    assert any("Street-level" in s or "police" in s.lower() for s in member if "stale" in s)
    cps_stale = [s for s in analyst if "stale" in s and "CPS" in s]
    assert cps_stale, analyst
    assert not [s for s in member if "CPS" in s or "Crown Court" in s]


def test_nothing_is_emailed_without_smtp_url_but_the_app_lists_it(alerts_app, smtp, monkeypatch):
    from app import Services

    server = alerts_app.server
    current = server.extensions["lcjp"]
    monkeypatch.setitem(
        server.extensions,
        "lcjp",
        Services(replace(current.settings, smtp_url=""), current.engine, current.session_factory),
    )
    everyone_immediate(alerts_app)
    results = run(alerts_app)
    assert results["emails"] == 0
    assert smtp.messages == []
    with factory_of(alerts_app)() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
        analyst_unread = notifications.unread_count(session, user_id(alerts_app, "analyst"))
    assert analyst_unread > 0


def test_daily_digest_collects_alerts_and_waits_for_its_time(alerts_app, smtp):
    factory = factory_of(alerts_app)
    viewer = user_id(alerts_app, "viewer")
    notifications.set_preferences(factory, viewer, {"signal": "daily", "stale": "daily"})
    now = utcnow()
    run(alerts_app, now=now)
    assert smtp.to(address("viewer")) == []  # nothing until the digest's time
    with factory() as session:
        waiting = session.scalar(
            sa.select(sa.func.count())
            .select_from(Delivery)
            .where(Delivery.user_id == viewer, Delivery.status == "pending")
        )
    assert waiting >= 2
    sent = notifications.send_due(factory, settings_of(alerts_app), now=now + timedelta(days=1))
    assert sent >= 1
    mail = smtp.to(address("viewer"))
    assert len(mail) == 1
    assert "Daily digest" in str(mail[0]["Subject"])
    text = mail[0].get_body(("plain",)).get_content()
    assert SIGNAL_TITLE in text and "is stale" in text
    assert "daily digest" in text.lower()
    # Sent once: the next day's digest has nothing of these.
    assert (
        notifications.send_due(factory, settings_of(alerts_app), now=now + timedelta(days=2)) == 0
    )


def test_two_scheduler_runs_at_once_send_each_event_once(alerts_app, smtp):
    everyone_immediate(alerts_app)
    factory = factory_of(alerts_app)
    meetings.raise_action(
        factory,
        measure_id="police_crimes",
        title="Review burglary hotspots",
        owner=TEST_USERS["member"][0],
        due_date=date.today() - timedelta(days=3),
        by="alerts-test",
    )
    barrier = threading.Barrier(2)
    errors = []

    def scheduler_process():
        try:
            barrier.wait()
            run(alerts_app)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    run(alerts_app)  # and a third, later run sends nothing more
    for role in TEST_USERS:
        subjects = smtp.subjects(address(role))
        assert len(subjects) == len(set(subjects)), (role, subjects)
    overdue = [s for s in smtp.subjects(address("member")) if "Action overdue" in s]
    assert overdue == ["LCJP Performance Board: Action overdue: Review burglary hotspots"]
    with factory() as session:
        statuses = set(session.scalars(sa.select(Delivery.status)))
    assert statuses == {"sent"}


def test_a_refused_send_is_retried_then_recorded_as_failed(alerts_app, smtp):
    factory, settings = factory_of(alerts_app), settings_of(alerts_app)
    with factory() as session, session.begin():
        session.add(
            RefreshRun(
                dataset_id="cps_case_outcomes",
                status="failed",
                trigger="alerts-test",
                error="HTTP 503 from the source",
                finished_at=utcnow(),
            )
        )
    notifications.set_preferences(
        factory,
        user_id(alerts_app, "admin"),
        dict.fromkeys(notifications.KINDS, "never") | {"refresh_problem": "immediate"},
    )
    for role in ("analyst", "viewer", "chair", "member"):
        notifications.set_preferences(
            factory, user_id(alerts_app, role), dict.fromkeys(notifications.KINDS, "never")
        )
    smtp.refuse = 1
    run(alerts_app)  # the first attempt is refused
    assert smtp.messages == []
    with factory() as session:
        row = session.scalars(sa.select(Delivery)).one()
    assert (row.status, row.attempts) == ("pending", 1) and "451" in row.last_error
    assert notifications.send_due(factory, settings) == 1  # retried, accepted
    mail = smtp.to(address("admin"))
    assert len(mail) == 1 and "Refresh of" in str(mail[0]["Subject"])
    assert "HTTP 503 from the source" in mail[0].get_body(("plain",)).get_content()
    with factory() as session:
        row = session.scalars(sa.select(Delivery)).one()
    assert (row.status, row.attempts) == ("sent", 2)
    # A server that keeps refusing: retried with back-off, then recorded as failed.
    with factory() as session, session.begin():
        session.execute(sa.update(Delivery).values(status="pending", attempts=0, sent_at=None))
    smtp.refuse = 10
    for _ in range(5):
        notifications.send_due(factory, settings)
    with factory() as session:
        row = session.scalars(sa.select(Delivery)).one()
    assert (row.status, row.attempts) == ("failed", settings.smtp_retries)
    assert len(smtp.to(address("admin"))) == 1


def test_backoff_doubles_between_attempts(alerts_app, smtp, monkeypatch):
    from app import Services

    server = alerts_app.server
    current = server.extensions["lcjp"]
    settings = replace(current.settings, smtp_backoff=60.0)
    monkeypatch.setitem(
        server.extensions, "lcjp", Services(settings, current.engine, current.session_factory)
    )
    factory = factory_of(alerts_app)
    event_id, _ = notifications.raise_event(factory, "test:backoff", "refresh_problem")
    admin = user_id(alerts_app, "admin")
    notifications.notify(
        factory, settings, event_id, admin, "refresh_problem", notifications.Message("T", "B")
    )
    smtp.refuse = 10
    now = utcnow()
    notifications.send_due(factory, settings, now=now)
    with factory() as session:
        first = session.scalars(sa.select(Delivery)).one()
    assert (first.next_try_at.replace(tzinfo=None) - now.replace(tzinfo=None)).total_seconds() == 60
    assert notifications.send_due(factory, settings, now=now + timedelta(seconds=30)) == 0
    notifications.send_due(factory, settings, now=now + timedelta(seconds=61))
    with factory() as session:
        second = session.scalars(sa.select(Delivery)).one()
    wait = second.next_try_at.replace(tzinfo=None) - (now + timedelta(seconds=61)).replace(
        tzinfo=None
    )
    assert second.attempts == 2 and wait.total_seconds() == 120


def test_preferences_never_and_bad_values(alerts_app, smtp):
    factory = factory_of(alerts_app)
    analyst = user_id(alerts_app, "analyst")
    notifications.set_preferences(factory, analyst, dict.fromkeys(notifications.KINDS, "never"))
    run(alerts_app)
    assert smtp.to(address("analyst")) == []
    with factory() as session:
        assert notifications.unread_count(session, analyst) == 0
    with pytest.raises(ValueError):
        notifications.set_preferences(factory, analyst, {"signal": "hourly"})
    with pytest.raises(ValueError):
        notifications.set_preferences(factory, analyst, {"everything": "daily"})


def test_preread_lists_exceptions_and_open_actions_for_its_audience(alerts_app, smtp):
    everyone_immediate(alerts_app)
    factory = factory_of(alerts_app)
    meeting_id = meetings.create_meeting(
        factory,
        "reducing-reoffending",
        date.today() + timedelta(days=3),
        "Reducing Reoffending group",
        by="alerts-test",
    )
    meetings.raise_action(
        factory,
        measure_id=SIGNAL_MEASURE,
        title="Ask probation about the rise",
        owner="someone else",
        due_date=date.today() + timedelta(days=10),
        by="alerts-test",
        meeting_id=meeting_id,
    )
    try:
        run(alerts_app)

        def prereads(role: str) -> list:
            """Pre-reads of this meeting (others in the shared database have their own)."""
            return [
                m
                for m in smtp.to(address(role))
                if "Pre-read" in str(m["Subject"])
                and f"/meeting/{meeting_id}/1" in m.get_body(("plain",)).get_content()
            ]

        for role in ("analyst", "viewer"):
            preread = prereads(role)
            assert len(preread) == 1, role
            text = preread[0].get_body(("plain",)).get_content()
            assert "Reoffences per reoffender" in text and "Ask probation about the rise" in text
        for role in ("chair", "member"):  # not in the group's audience
            assert not prereads(role)
    finally:
        with factory() as session, session.begin():
            from loaders.models import Meeting

            session.execute(sa.delete(MeetingAction).where(MeetingAction.meeting_id == meeting_id))
            session.execute(sa.delete(Meeting).where(Meeting.id == meeting_id))


def test_scheduled_pack_is_built_once_and_linked_only_to_its_audience(
    alerts_app, smtp, monkeypatch
):
    from app import Services
    from loaders.models import PackSnapshot

    everyone_immediate(alerts_app)
    server = alerts_app.server
    current = server.extensions["lcjp"]
    settings = replace(current.settings, report_schedules={"reducing-reoffending": "* * * * *"})
    monkeypatch.setitem(
        server.extensions, "lcjp", Services(settings, current.engine, current.session_factory)
    )
    factory = factory_of(alerts_app)
    with factory() as session:
        before = session.scalar(sa.select(sa.func.max(PackSnapshot.id))) or 0
    now = utcnow()
    run(alerts_app, now=now)
    run(alerts_app, now=now)  # the same due time again: nothing more is built or sent
    with factory() as session:
        built = list(session.scalars(sa.select(PackSnapshot).where(PackSnapshot.id > before)))
    assert len(built) == 1 and built[0].report_id == "reducing-reoffending"
    snapshot_id = built[0].id
    for role in ("analyst", "admin", "viewer"):
        ready = [m for m in smtp.to(address(role)) if "board pack" in str(m["Subject"])]
        assert len(ready) == 1, role
        assert f"/packs/{snapshot_id}.pdf" in ready[0].get_body(("plain",)).get_content()
        assert not [p for p in ready[0].walk() if p.get_content_disposition() == "attachment"]
    for role in ("chair", "member"):
        assert not [m for m in smtp.to(address(role)) if "board pack" in str(m["Subject"])]


def test_notifications_page_shows_only_my_own_and_marks_them_read(alerts_app, smtp, client, auth):
    everyone_immediate(alerts_app)
    run(alerts_app, send=False)
    auth.login("member")
    page = client.get("/notifications")
    assert page.status_code == 200
    from callbacks import notifications_page

    factory = factory_of(alerts_app)
    member, analyst = user_id(alerts_app, "member"), user_id(alerts_app, "analyst")
    with factory() as session:
        mine = notifications.unread_count(session, member)
        theirs = notifications.unread_count(session, analyst)
    assert mine > 0 and theirs > 0
    with alerts_app.server.test_request_context("/_dash-update-component", method="POST"):
        import flask_login

        with factory() as session:
            flask_login.login_user(session.get(User, member))
        listed = str(notifications_page.refresh_list(1))
        assert "Reoffences per reoffender" not in listed  # the analyst's signal, not the member's
        message, _changed, _nav = notifications_page.mark_all_read(1, 0)
        assert message == f"{mine} marked as read."
        saved = notifications_page.save_preferences(
            1, ["weekly", "bogus"], [{"kind": "stale"}, {"kind": "signal"}]
        )
        assert saved.startswith("Not saved")
    with factory() as session:
        assert notifications.unread_count(session, member) == 0
        assert notifications.unread_count(session, analyst) == theirs
        assert notifications.preferences(session, member)["stale"] == "immediate"


def test_commands_set_an_address_and_run_alerts(alerts_app, smtp):
    runner = alerts_app.server.test_cli_runner()
    refused = runner.invoke(args=["alerts", "email", TEST_USERS["viewer"][0], "not an address"])
    assert refused.exit_code != 0
    result = runner.invoke(args=["alerts", "email", TEST_USERS["viewer"][0], "v@example.net"])
    assert result.exit_code == 0, result.output
    notifications.set_preferences(
        factory_of(alerts_app),
        user_id(alerts_app, "viewer"),
        dict.fromkeys(notifications.KINDS, "immediate"),
    )
    result = runner.invoke(args=["alerts", "run"])
    assert result.exit_code == 0, result.output
    assert "emails:" in result.output
    assert any(SIGNAL_TITLE in s for s in smtp.subjects("v@example.net"))


def test_scheduler_registers_alert_and_report_jobs(loaded_settings):
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.alerts import ALERTS_JOB, add_alert_jobs

    scheduler = BackgroundScheduler()
    settings = replace(loaded_settings, report_schedules={"executive-board": "0 7 1 * *"})
    add_alert_jobs(scheduler, settings)
    assert {job.id for job in scheduler.get_jobs()} == {ALERTS_JOB, "report-executive-board"}


def test_settings_read_alert_variables(monkeypatch):
    from config import Settings

    monkeypatch.setenv("SMTP_URL", "smtp://u:p@mail.example.org:587")
    monkeypatch.setenv("REPORT_SCHEDULE_EXECUTIVE_BOARD", "0 7 1 * *")
    monkeypatch.setenv("PREREAD_DAYS", "3")
    monkeypatch.setenv("PUBLIC_URL", "https://board.example.org")
    settings = Settings.from_env(testing=True)
    assert settings.smtp_url == "smtp://u:p@mail.example.org:587"
    assert settings.report_schedules == {"executive-board": "0 7 1 * *"}
    assert settings.preread_days == 3 and settings.public_url == "https://board.example.org"


def test_a_server_that_refuses_the_login_is_one_mail_error(smtp):
    from loaders import mailer

    class WithPassword:
        smtp_url = smtp.url.replace("smtp://", "smtp://someone:secret@")
        smtp_from = "board@example.org"

    # The test server offers no AUTH, so the login is refused and nothing is sent.
    with pytest.raises(mailer.MailError):
        mailer.send(WithPassword, mailer.Email("a@example.org", "s", "t", "<p>t</p>"))
    assert smtp.messages == []
    with pytest.raises(mailer.MailError):
        mailer.SmtpServer.from_url("http://mail.example.org")


def test_overdue_return_goes_to_its_submitters_then_to_the_chair(make_settings):
    """Request-free rules on a database of their own: a partner return whose newest period is long
    past goes to the submitting organisation's users, and RETURN_ESCALATE_DAYS later to the chair."""
    from loaders import alert_rules, users
    from loaders.db import make_engine, make_sessionmaker, migrate
    from loaders.models import Dataset, Vintage
    from loaders.organisations import sync_organisations
    from loaders.refresh import sync_registry

    settings = make_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    sync_registry(factory, settings.lcjp)
    sync_organisations(factory, settings.lcjp)
    password = "a long enough password 1"
    users.create_user(
        factory,
        "court-clerk",
        password,
        role="member",
        organisation="hmcts",
        subgroups=["effectiveness-efficiency"],
    )
    users.create_user(
        factory,
        "ee-chair",
        password,
        role="chair",
        organisation="cps",
        subgroups=["effectiveness-efficiency"],
    )
    users.create_user(
        factory, "police-member", password, role="member", organisation="police-durham"
    )
    with factory() as session, session.begin():
        vintage = Vintage(
            dataset_id="hmcts_crown_mi",
            source_location="test",
            content_hash="0" * 64,
            period_latest=date(2024, 1, 31),
        )
        session.add(vintage)
        session.flush()
        session.get(Dataset, "hmcts_crown_mi").current_vintage_id = vintage.id

    def told(username):
        with factory() as session:
            user = users.find_user(session, username)
            return [n.title for n in notifications.notifications_of(session, user.id)]

    now = utcnow()
    today = date(2026, 12, 5)
    alert_rules.overdue_returns(factory, settings, today, now)
    assert told("court-clerk") == [
        "The HMCTS management information: Crown Court return is overdue"
    ]
    assert told("ee-chair") == [] and told("police-member") == []
    alert_rules.overdue_returns(factory, settings, today, now + timedelta(days=1))
    assert len(told("court-clerk")) == 1 and told("ee-chair") == []  # once; not yet escalated
    later = now + timedelta(days=settings.return_escalate_days, hours=1)
    alert_rules.overdue_returns(factory, settings, today, later)
    assert told("ee-chair") == [
        "The HMCTS management information: Crown Court return is still overdue"
    ]
    assert len(told("court-clerk")) == 1 and told("police-member") == []
    engine.dispose()


def test_an_assurance_icon_that_flips_is_told_once(alerts_app, smtp, monkeypatch):
    """Assurance needs a target: one set below the process (every figure misses it) and then one
    above it (every figure meets it, lower being better) flips the icon, and that is told."""
    from dataclasses import replace as replaced

    from loaders import measures as registry

    everyone_immediate(alerts_app)
    spec = registry.MEASURES[SIGNAL_MEASURE]
    monkeypatch.setitem(registry.MEASURES, SIGNAL_MEASURE, replaced(spec, target=0.5))
    run(alerts_app)  # the first reading is remembered, not told
    assert not [m for m in smtp.to(address("analyst")) if "Assurance" in str(m["Subject"])]
    monkeypatch.setitem(registry.MEASURES, SIGNAL_MEASURE, replaced(spec, target=50.0))
    run(alerts_app)
    run(alerts_app)  # told once, however often the job runs
    told = [m for m in smtp.to(address("analyst")) if "Assurance changed" in str(m["Subject"])]
    assert len(told) == 1
    assert "Consistently passes the target" in told[0].get_body(("plain",)).get_content()
    # A partner who may not see the measure hears nothing of it.
    assert not [m for m in smtp.to(address("member")) if "Assurance" in str(m["Subject"])]
