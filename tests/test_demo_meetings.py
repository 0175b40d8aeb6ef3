"""Demo mode seeds one meeting per board or group, with a saved agenda, published commentary and
a few actions (some overdue), so meeting mode works on first start; and only once."""

from __future__ import annotations

import sqlalchemy as sa

from loaders import meetings
from loaders.demo_meetings import DEMO_BY, _latest_period
from loaders.models import Commentary, CommentaryVersion, Meeting, MeetingAction
from loaders.refresh import london_today
from loaders.reports import REPORTS


def _rows(factory, model):
    with factory() as session:
        return list(session.scalars(sa.select(model)))


def test_demo_mode_seeds_a_meeting_per_report_once(make_settings):
    from app import create_app

    settings = make_settings(demo_mode=True, refresh_on_start=True)
    factory = create_app(settings).server.extensions["lcjp"].session_factory
    today = london_today(settings.timezone)
    seeded = [m for m in _rows(factory, Meeting) if m.created_by == DEMO_BY]
    assert sorted(m.report_id for m in seeded) == sorted(REPORTS)
    for meeting in seeded:
        assert meeting.meeting_date > today
        assert meeting.agenda == meetings.default_agenda(meeting.report_id)
    actions = _rows(factory, MeetingAction)
    assert any(meetings.is_overdue(a, today) for a in actions)
    assert any(not meetings.is_overdue(a, today) for a in actions)
    for report in REPORTS.values():
        assert {a.measure_id for a in actions} & set(report.measure_ids()), report.id
    # Published commentary for the latest period of measures on each agenda that have figures.
    published = [c for c in _rows(factory, Commentary) if c.published_text]
    assert published and all("Demo commentary" in c.published_text for c in published)
    with factory() as session:
        for commentary in published:
            assert commentary.period_end == _latest_period(session, commentary.measure_id)
        for meeting in seeded:
            shown = meetings.latest_published(
                session, meetings.agenda_of(meeting), up_to=meeting.meeting_date
            )
            assert shown, meeting.report_id
    counts = (len(seeded), len(actions), len(_rows(factory, CommentaryVersion)))

    create_app(settings)  # a restart (or a second worker) seeds nothing more
    again = (
        len([m for m in _rows(factory, Meeting) if m.created_by == DEMO_BY]),
        len(_rows(factory, MeetingAction)),
        len(_rows(factory, CommentaryVersion)),
    )
    assert again == counts


def test_outside_demo_mode_nothing_is_seeded(app):
    factory = app.server.extensions["lcjp"].session_factory
    assert not [m for m in _rows(factory, Meeting) if m.created_by == DEMO_BY]
