"""The meeting record: commentary drafts, publication and history; actions; who may write."""

from __future__ import annotations

from datetime import date

import pytest

from app import create_app
from loaders import meetings
from loaders.access import Rights, can_comment
from loaders.meetings import RecordError
from loaders.reports import REPORTS


@pytest.fixture
def factory(make_settings):
    app = create_app(make_settings())
    return app.server.extensions["lcjp"].session_factory


def test_draft_is_not_shown_until_published_and_history_keeps_every_save(factory):
    period = date(2025, 9, 30)
    meetings.save_draft(factory, "crown_open_cases", period, "First thoughts", "chair1", "hmcts")
    with factory() as session:
        assert meetings.latest_published(session, ["crown_open_cases"]) == {}
    meetings.publish(factory, "crown_open_cases", period, "chair1", "hmcts")
    meetings.save_draft(factory, "crown_open_cases", period, "Revised wording", "analyst1")
    with factory() as session:
        shown = meetings.latest_published(session, ["crown_open_cases"])["crown_open_cases"]
        assert shown.published_text == "First thoughts"
        assert shown.draft_text == "Revised wording"
        versions = meetings.history(session, "crown_open_cases", period)
    assert [(v.version, v.status, v.text, v.saved_by) for v in versions] == [
        (3, "draft", "Revised wording", "analyst1"),
        (2, "published", "First thoughts", "chair1"),
        (1, "draft", "First thoughts", "chair1"),
    ]


def test_latest_published_takes_the_newest_period_up_to_a_date(factory):
    for month_end, text in ((date(2025, 6, 30), "June"), (date(2025, 9, 30), "September")):
        meetings.publish(factory, "crown_open_cases", month_end, "a", text=text)
    with factory() as session:
        assert (
            meetings.latest_published(session, ["crown_open_cases"])[
                "crown_open_cases"
            ].published_text
            == "September"
        )
        assert (
            meetings.latest_published(session, ["crown_open_cases"], up_to=date(2025, 7, 31))[
                "crown_open_cases"
            ].published_text
            == "June"
        )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: meetings.save_draft(f, "crown_open_cases", "2025-09-30", "  ", "a"), "empty"),
        (lambda f: meetings.save_draft(f, "no_such_measure", "2025-09-30", "x", "a"), "Unknown"),
        (lambda f: meetings.save_draft(f, "crown_open_cases", "30/09/2025", "x", "a"), "date"),
        (
            lambda f: meetings.save_draft(f, "crown_open_cases", "2025-09-30", "x" * 5000, "a"),
            "limit",
        ),
        (lambda f: meetings.publish(f, "crown_open_cases", "2025-09-30", "a"), "no draft"),
        (
            lambda f: meetings.raise_action(
                f, measure_id="crown_open_cases", title="t", owner="o", due_date="soon", by="a"
            ),
            "date",
        ),
        (
            lambda f: meetings.raise_action(
                f,
                measure_id="crown_open_cases",
                title="t",
                owner="o",
                due_date="2026-01-01",
                by="a",
                meeting_id=999,
            ),
            "No meeting",
        ),
        (lambda f: meetings.create_meeting(f, "no-such-board", "2026-01-01", "", "a"), "Unknown"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(factory, call, message):
    with pytest.raises(RecordError, match=message):
        call(factory)
    with factory() as session:
        assert meetings.history(session, "crown_open_cases", "2025-09-30") == []
        assert meetings.actions(session) == []
        assert meetings.meetings(session) == []


def test_actions_by_due_date_with_overdue_and_closed(factory):
    meeting = meetings.create_meeting(factory, "lcjp-board", "2026-10-01", "", "analyst1")
    late = meetings.raise_action(
        factory,
        measure_id="crown_open_cases",
        title="Explain the listing backlog",
        owner="HMCTS delivery manager",
        due_date="2026-11-01",
        by="analyst1",
        meeting_id=meeting,
        signal="Special cause: 8 points above the mean",
    )
    meetings.raise_action(
        factory,
        measure_id="cps_conviction_rate",
        title="Review attrition",
        owner="CPS",
        due_date="2027-01-15",
        by="analyst1",
    )
    meetings.update_action(factory, late, status="in_progress", by="chair1", note="Started")
    with factory() as session:
        listed = meetings.actions(session, open_only=True)
        assert [a.title for a in listed] == ["Explain the listing backlog", "Review attrition"]
        assert meetings.is_overdue(listed[0], date(2026, 11, 26))
        assert not meetings.is_overdue(listed[1], date(2026, 11, 26))
        assert listed[0].meeting_id == meeting and listed[0].update_note == "Started"
    meetings.update_action(factory, late, status="done", by="chair1")
    with factory() as session:
        assert [a.title for a in meetings.actions(session, open_only=True)] == ["Review attrition"]
        with pytest.raises(RecordError, match="Status"):
            meetings.update_action(factory, late, status="finished", by="x")


def _partner(kind: str, role: str = "chair", subgroups=("effectiveness-efficiency",)) -> Rights:
    return Rights(
        user_id=9,
        role=role,
        organisation=kind,
        organisation_kind=kind,
        subgroups=frozenset(subgroups),
    )


def test_partners_write_only_on_their_own_sections_measures():
    assert can_comment(Rights(user_id=1, role="analyst"), "force_999_answered_10s")
    assert can_comment(_partner("hmcts"), "crown_open_cases")  # HMCTS answers for the courts
    assert not can_comment(_partner("cps"), "crown_open_cases")  # not CPS's figures
    assert can_comment(_partner("cps"), "cps_conviction_rate")
    assert not can_comment(_partner("hmcts", subgroups=("victim-witness",)), "crown_open_cases")
    assert not can_comment(_partner("hmcts", role="viewer", subgroups=()), "crown_open_cases")
    assert not can_comment(_partner("police", subgroups=("force",)), "no_such_measure")


def test_every_report_has_measures_in_agenda_order():
    for report in REPORTS.values():
        ids = report.measure_ids()
        assert ids and len(ids) == len(set(ids)), report.id
    assert len(REPORTS) == 7


def test_a_brief_shows_the_same_figure_as_the_database(app, as_user):
    from callbacks.briefs import measure_brief
    from callbacks.subgroup import default_focus, view_for

    with as_user("analyst"):
        brief = measure_brief("crown_open_cases", hide_small_numbers=False)
        view = view_for(brief.spec)
        latest = view.headlines[default_focus(view)]
    assert brief.has_figures and brief.area_code == latest.area_code
    assert brief.texts["value"] == f"{latest.value:,.0f}"
    assert brief.table.shape[0] == len(brief.figure.data[0].x)
    assert brief.summary.startswith(latest.area_name)


def test_packs_stored_before_the_list_columns_get_them_from_their_record(make_settings):
    """Migration 0010 fills a stored pack's reference and small-number flag from its record."""
    import sqlalchemy as sa
    from alembic import command

    from loaders.db import alembic_config, make_engine

    engine = make_engine(make_settings().database_url)
    with engine.connect() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
        connection.execute(
            sa.text(
                "INSERT INTO pack_snapshot (report_id, period_label, audience, measure_ids, "
                "content, pdf, pptx, xlsx, generated_by, generated_at) VALUES ('lcjp-board', "
                "'Q3', 'LCJP Board', '[]', :content, :blank, :blank, :blank, 'analyst', "
                ":when)"
            ),
            {
                "content": '{"reference": "LCJP-2026-Q3-ab12", "small_numbers_hidden": true}',
                "blank": b"",
                "when": "2026-10-01 09:00:00+00:00",
            },
        )
        command.upgrade(config, "head")
        connection.commit()
        stored = connection.execute(
            sa.text("SELECT reference, small_numbers_hidden FROM pack_snapshot")
        ).one()
    engine.dispose()
    assert stored[0] == "LCJP-2026-Q3-ab12" and bool(stored[1]) is True
