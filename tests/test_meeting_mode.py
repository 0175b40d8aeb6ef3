"""Meeting mode and the Meetings page: agenda order and rights, figures against the database and
the published file, bad screens and unknown meetings, scheduling, and the print stylesheet.

The session's database is shared, so each test creates its own meetings and finds them by id.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path

import dash
import pytest
import sqlalchemy as sa
from access_probe import UPDATE_URL, callback_body, routing_callback
from dash import dcc
from dash_tree import find_by_id as find
from dash_tree import text_of, walk

from callbacks import briefs, data, meeting_mode
from callbacks.briefs import measure_brief
from callbacks.navigation import visible_pages
from callbacks.subgroup import default_focus, view_for
from layouts import meeting as screens
from loaders import access, meetings
from loaders.datasets import DATASETS
from loaders.measures import MEASURES
from loaders.models import AuditEvent, Meeting
from loaders.refresh import london_today
from loaders.reports import REPORTS

ROOT = Path(__file__).resolve().parents[1]


def _factory(app):
    return app.server.extensions["lcjp"].session_factory


def _meeting(app, report_id: str, when: str = "2026-01-15", title: str = "") -> int:
    return meetings.create_meeting(_factory(app), report_id, when, title, "test-analyst")


def _visible(app, user, report_id: str) -> list[str]:
    with _factory(app)() as session:
        rights = access.rights_for(session, user.id)
    return [m for m in REPORTS[report_id].measure_ids() if access.can_view_measure(rights, m)]


def _default_order(app, user, report_id: str) -> tuple[list[str], list[str]]:
    """The default agenda as the rules say it, worked out here from the briefs: exceptions, then
    headline measures, then the rest, each in registry order, only measures the user may see.
    Returns (one screen each, awaiting data: one screen for all). Call signed in as `user`."""
    visible = set(_visible(app, user, report_id))
    registry = [m for m in MEASURES if m in visible]
    brief = {m: measure_brief(m) for m in registry}
    first = [m for m in registry if brief[m].signal]
    headline = [m for m in registry if m not in first and MEASURES[m].headline]
    order = first + headline + [m for m in registry if m not in first and m not in headline]
    return [m for m in order if brief[m].has_figures], [
        m for m in order if not brief[m].has_figures
    ]


def _expected(app, user, report_id: str) -> list[str]:
    """The measures with a screen of their own, in default agenda order."""
    return _default_order(app, user, report_id)[0]


def _title(item) -> str:
    """An agenda item's link text: a measure's item holds its link and maybe an exception label;
    the "Awaiting data" item holds its link alone."""
    return text_of(item.children[0] if isinstance(item.children, list) else item.children)


def _agenda_titles(page) -> list[str]:
    """Each agenda item's first part (its link), whether the item holds one part or several."""
    items = find(page, screens.MEETING_AGENDA).children
    return [
        text_of(item.children[0] if isinstance(item.children, list) else item.children)
        for item in items
    ]


@pytest.mark.parametrize(
    ("role", "report_id"),
    # A partner sees only meetings whose audience includes them (callbacks/packs.may_read).
    [
        ("analyst", "lcjp-board"),
        ("chair", "effectiveness-efficiency"),
        ("member", "police-crime-panel"),
    ],
)
def test_agenda_is_the_reports_order_filtered_by_rights(app, as_user, role, report_id):
    meeting_id = _meeting(app, report_id)
    with as_user(role) as user:
        expected = _expected(app, user, report_id)
        page = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen="1")
        last = meeting_mode.meeting_screen_layout(
            meeting_id=str(meeting_id), screen=str(len(expected) + 1)
        )
        awaiting = _default_order(app, user, report_id)[1]
    if role == "analyst":
        assert sorted(expected + awaiting) == sorted(REPORTS[report_id].measure_ids())
    else:
        assert 0 < len(expected) <= len(REPORTS[report_id].measure_ids())
    titles = [MEASURES[m].title for m in expected]
    if awaiting:
        titles.append(f"Awaiting data: {len(awaiting)} measure")
    assert [t[: len(want)] for t, want in zip(_agenda_titles(page), titles, strict=True)] == titles
    total = len(expected) + 1 + (1 if awaiting else 0)
    # One compact control: Previous, "Screen 1 of N" and a list of every screen, Next.
    pager = find(page, screens.MEETING_PAGER)
    jump = find(pager, screens.MEETING_JUMP)
    assert [o.value for o in jump.children] == [
        f"/meeting/{meeting_id}/{n}" for n in range(1, total + 1)
    ]
    assert [o.selected for o in jump.children] == [True] + [False] * (total - 1)
    assert text_of(find(pager, screens.MEETING_POSITION)) == f"Screen 1 of {total}"
    assert not any("page-link" in (getattr(c, "className", "") or "") for c in walk(pager))
    # The last measure screen is the last measure the user may see; beyond it only the one
    # "Awaiting data" screen, where some measures have no figures yet.
    assert text_of(find(last, "page-heading")) == MEASURES[expected[-1]].title
    following = find(last, screens.MEETING_NEXT)
    if awaiting:
        assert following.href == f"/meeting/{meeting_id}/{total}"
    else:
        assert following is None


def test_a_member_never_sees_measures_outside_their_rights(app, as_user, client, auth):
    """police-durham member of police-demand: the LCJP Board holds none of their measures, the
    OPCC's Executive Board is not for them, and the public Panel's police measures are."""
    board = _meeting(app, "lcjp-board")
    opcc_only = _meeting(app, "executive-board")
    executive = _meeting(app, "police-crime-panel")
    hidden_titles = [MEASURES[m].title for m in REPORTS["lcjp-board"].measure_ids()]
    with as_user("member") as user:
        refused = [
            meeting_mode.meeting_screen_layout(meeting_id=str(board), screen=str(n))
            for n in (1, 2, 3)
        ]
        listed = meeting_mode.list_meetings(screens.EVERY_REPORT, 0)
        forged = meeting_mode.list_meetings("lcjp-board", 0)
        own = _expected(app, user, "police-crime-panel")
        not_theirs = meeting_mode.meeting_screen_layout(meeting_id=str(opcc_only), screen="1")
        screens_seen = [
            meeting_mode.meeting_screen_layout(meeting_id=str(executive), screen=str(n))
            for n in range(2, len(own) + 2)
        ]
    for page in refused:
        assert text_of(find(page, "page-heading")) == "Meeting not found"
        assert not any(isinstance(c, dcc.Graph) for c in walk(page))
        assert not any(title in text_of(page) for title in hidden_titles)
    assert f"/meeting/{board}/1" not in json.dumps(listed.to_plotly_json(), default=str)
    assert f"/meeting/{opcc_only}/1" not in json.dumps(listed.to_plotly_json(), default=str)
    assert text_of(find(not_theirs, "page-heading")) == "Meeting not found"
    assert f"/meeting/{executive}/1" in json.dumps(listed.to_plotly_json(), default=str)
    assert "lcjp" not in text_of(forged).lower() and "access" in text_of(forged)
    assert [text_of(find(p, "page-heading")) for p in screens_seen] == [
        MEASURES[m].title for m in own
    ]
    assert all(MEASURES[m].subgroup == "police-demand" for m in own)
    # Over HTTP, through Dash's router, as the browser would ask.
    auth.login("member")
    key = routing_callback(app)
    for path in (f"/meeting/{board}/1", f"/meeting/{board}/2"):
        body = callback_body(key, app.callback_map[key], [path, ""], None)
        response = client.post(UPDATE_URL, json=body)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "Meeting not found" in text and '"figure"' not in text
        assert not any(title in text for title in hidden_titles)


def _screen_of(app, role: str, report_id: str, measure_id: str, when: str = "2026-01-15"):
    meeting_id = _meeting(app, report_id, when)
    position = REPORTS[report_id].measure_ids().index(measure_id) + 2  # analyst: every measure
    return meeting_id, position


def test_a_screen_shows_the_database_figure_and_the_published_file(app, as_user, public_data_dir):
    meeting_id, position = _screen_of(app, "analyst", "lcjp-board", "crown_open_cases")
    with as_user("analyst"):
        page = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen=str(position))
        view = view_for(MEASURES["crown_open_cases"])
        focus = default_focus(view)
        latest = view.headlines[focus]
        series = view.totals[view.totals["area_code"] == focus].sort_values("period_end")
    assert text_of(find(page, "page-heading")) == "Open Crown Court cases"
    figure = find(page, screens.MEETING_CHART).figure
    plotted = [y for trace in figure.data if trace.name == "Value" for y in trace.y]
    assert plotted == list(series["value"])
    assert text_of(find(page, screens.MEETING_VALUE)) == f"{latest.value:,.0f}"
    # The published file: England and Wales' open Crown Court cases, quarter by quarter.
    with open(public_data_dir / "ccsq_crown_court" / "gold_backlog_trajectory.csv") as handle:
        published = [float(row["open"]) for row in csv.DictReader(handle)]
    assert latest.area_name == "England and Wales"
    assert plotted == published and published[-1] == 80203
    assert text_of(find(page, screens.MEETING_VALUE)) == "80,203"
    table = next(c for c in walk(page) if "data-table" in str(getattr(c, "children", "")))
    assert "80,203" in text_of(table) and "2025 Q4" in text_of(table)
    summary = text_of(find(page, screens.MEETING_SUMMARY))
    assert summary.startswith("England and Wales: 80,203 in 2025 Q4.")
    assert "Special cause" in text_of(find(page, screens.MEETING_READING))


def test_a_screen_gives_its_chart_the_width_with_level_period_labels(app, as_user):
    meeting_id, position = _screen_of(app, "analyst", "lcjp-board", "crown_open_cases")
    with as_user("analyst"):
        page = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen=str(position))
    # One column: the figure above the chart, the reading and commentary below, none beside it.
    fit = next(c for c in walk(page) if "meeting-fit" in (getattr(c, "className", "") or ""))
    order = [getattr(c, "id", None) or c.className for c in fit.children]
    assert order == [
        screens.MEETING_FIGURES,
        "meeting-chart mb-1",
        "meeting-aside meeting-reading",
        screens.MEETING_COMMENTARY,
    ]
    axis = find(page, screens.MEETING_CHART).figure.layout.xaxis
    # At most eight period labels, which Plotly lays level, and no room kept for an empty title.
    assert 3 <= len(axis.tickvals) <= 8 and len(axis.ticktext) == len(axis.tickvals)
    assert axis.tickangle is None and axis.title.text is None


def test_commentary_and_overdue_actions_are_stated_in_words(app, as_user):
    factory = _factory(app)
    with as_user("analyst"):
        period = measure_brief("crown_open_1yr_share", hide_small_numbers=False).period_end
        today = london_today(data.timezone())  # the board's own time zone decides what is overdue
    text = f"Listing capacity rose in the quarter (meeting-mode test {date.today()})."
    meetings.publish(factory, "crown_open_1yr_share", period, "test-analyst", "opcc", text=text)
    late = meetings.raise_action(
        factory,
        measure_id="crown_open_1yr_share",
        title="Meeting-mode test: explain the older cases",
        owner="HMCTS delivery manager",
        due_date=today - timedelta(days=3),
        by="test-analyst",
    )
    recent = _meeting(app, "effectiveness-efficiency", (period + timedelta(days=20)).isoformat())
    early = _meeting(app, "lcjp-board", "2001-01-01")  # before any commentary's period
    screen = str(REPORTS["lcjp-board"].measure_ids().index("crown_open_1yr_share") + 2)
    try:
        with as_user("chair") as chair:
            agenda = meeting_mode.agenda_measures(chair, REPORTS["effectiveness-efficiency"])
            chair_screen = str(agenda.index("crown_open_1yr_share") + 2)
            shown = meeting_mode.meeting_screen_layout(meeting_id=str(recent), screen=chair_screen)
        with as_user("analyst"):
            older = meeting_mode.meeting_screen_layout(meeting_id=str(early), screen=screen)
    finally:
        meetings.update_action(factory, late, status="done", by="test-analyst")
    commentary = text_of(find(shown, screens.MEETING_COMMENTARY))
    assert text in commentary and "Published by test-analyst" in commentary
    actions = text_of(find(shown, screens.MEETING_ACTIONS))
    assert "Meeting-mode test: explain the older cases" in actions
    assert "Overdue : 3 days past its due date (Open)" in actions
    assert "HMCTS delivery manager" in actions
    assert "No commentary has been published for 2025 Q4" in text_of(
        find(older, screens.MEETING_COMMENTARY)
    )


@pytest.mark.parametrize(
    ("meeting", "screen", "heading"),
    [
        ("own", "0", "No such screen"),
        ("own", "99", "No such screen"),
        ("own", "-1", "No such screen"),
        ("own", "two", "No such screen"),
        ("own", "", "No such screen"),
        ("999999999", "1", "Meeting not found"),
        ("abc", "1", "Meeting not found"),
        ("1/2", "1", "Meeting not found"),
        ("99999999999999999999999", "1", "Meeting not found"),
    ],
)
def test_bad_screens_and_unknown_meetings_give_a_message_and_no_data(
    app, as_user, meeting, screen, heading
):
    meeting_id = str(_meeting(app, "victim-witness")) if meeting == "own" else meeting
    with as_user("analyst"):
        page = meeting_mode.meeting_screen_layout(meeting_id=meeting_id, screen=screen)
    assert text_of(find(page, "page-heading")) == heading
    assert find(page, screens.MEETING_MESSAGE) is not None
    assert not any(isinstance(c, dcc.Graph) for c in walk(page))
    assert find(page, screens.MEETING_ROOT) is None
    if heading == "No such screen":
        assert "numbered 1 to " in text_of(page)


def test_anonymous_requests_are_refused_and_a_shared_link_asks_to_sign_in(app):
    meeting_id = _meeting(app, "lcjp-board")
    anonymous = app.server.test_client()
    key = routing_callback(app)
    body = callback_body(key, app.callback_map[key], [f"/meeting/{meeting_id}/2", ""], None)
    assert anonymous.post(UPDATE_URL, json=body).status_code == 401
    assert anonymous.get("/_dash-layout").status_code == 401
    for path in (f"/meeting/{meeting_id}/2", "/meetings"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    assert anonymous.get("/meeting/1/2/3").status_code == 401  # not a page


def _meetings_with(app, title: str) -> list[Meeting]:
    with _factory(app)() as session:
        return list(session.scalars(sa.select(Meeting).where(Meeting.title == title)))


def test_scheduling_by_role_with_clear_errors_and_an_audit_record(app, as_user):
    title = f"Meeting-mode scheduling test {date.today()}"
    with as_user("chair"):
        refused = meeting_mode.schedule_meeting(1, "lcjp-board", "2026-03-01", title, 0)
        bad_date = meeting_mode.schedule_meeting(
            1, "effectiveness-efficiency", "31/03/2026", title, 0
        )
        no_date = meeting_mode.schedule_meeting(1, "effectiveness-efficiency", "", title, 0)
        unknown = meeting_mode.schedule_meeting(1, "no-such-board", "2026-03-01", title, 0)
    with as_user("member"):
        member = meeting_mode.schedule_meeting(1, "executive-board", "2026-03-01", title, 0)
    assert "chair of the group concerned" in text_of(refused[0])
    assert "date" in text_of(bad_date[0]) and "31/03/2026" in text_of(bad_date[0])
    assert text_of(no_date[0]) == "Choose the meeting date."
    assert "Choose the board or group" in text_of(unknown[0])
    assert "chair of the group concerned" in text_of(member[0])
    assert all(r[1] is dash.no_update for r in (refused, bad_date, no_date, unknown, member))
    assert _meetings_with(app, title) == []  # nothing stored
    with as_user("chair"):
        done, version = meeting_mode.schedule_meeting(
            1, "effectiveness-efficiency", "2026-03-01", title, 4
        )
    [stored] = _meetings_with(app, title)
    assert version == 5 and stored.report_id == "effectiveness-efficiency"
    assert stored.meeting_date == date(2026, 3, 1) and stored.created_by == "test-chair"
    assert f"/meeting/{stored.id}/1" in json.dumps(done.to_plotly_json(), default=str)
    with _factory(app)() as session:
        logged = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.event == "meeting_created")
        ).all()
    assert any(json.loads(e.detail).get("meeting") == stored.id for e in logged)
    with as_user("analyst"):
        default_title, _ = meeting_mode.schedule_meeting(1, "lcjp-board", "2026-04-02", "", 0)
    assert "Local Criminal Justice Partnership Board, 02 April 2026" in text_of(default_title)


def test_the_meetings_page_offers_only_the_boards_a_user_may_see(app, as_user):
    with as_user("member") as user:
        member_page = meeting_mode.meetings_layout()
        member_nav = [p["path"] for p in visible_pages(user)]
    with as_user("chair"):
        chair_page = meeting_mode.meetings_layout(report="effectiveness-efficiency")
    with as_user("analyst"):
        analyst_page = meeting_mode.meetings_layout(report="<script>")
    options = [o["value"] for o in find(member_page, screens.MEETINGS_REPORT).options]
    assert options == [screens.EVERY_REPORT, "police-crime-panel"]  # not the OPCC's own board
    assert find(member_page, screens.SCHEDULE_SUBMIT) is None  # members do not schedule
    assert [o["value"] for o in find(chair_page, screens.SCHEDULE_REPORT).options] == [
        "effectiveness-efficiency"
    ]
    assert find(chair_page, screens.MEETINGS_REPORT).value == "effectiveness-efficiency"
    assert len(find(analyst_page, screens.SCHEDULE_REPORT).options) == len(REPORTS)
    assert find(analyst_page, screens.MEETINGS_REPORT).value == screens.EVERY_REPORT
    # Meetings is in the navigation; the screens (one URL per screen) are not.
    assert "/meetings" in member_nav and not any(p.startswith("/meeting/") for p in member_nav)


def test_agenda_exceptions_agree_with_the_briefs(app, as_user):
    measure_ids = REPORTS["lcjp-board"].measure_ids()
    meeting_id = _meeting(app, "lcjp-board")
    with as_user("analyst"):
        labels = briefs.exception_labels(measure_ids)
        by_measure = {m: measure_brief(m, hide_small_numbers=False) for m in measure_ids}
        page = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen="1")
    assert set(labels) == {m for m, b in by_measure.items() if b.signal}
    assert all(labels[m] == by_measure[m].texts["spc"] for m in labels)
    # A special cause on a stale figure (the real CCSQ release is a year old) is no exception.
    stale_signals = [
        m
        for m, b in by_measure.items()
        if b.presented.reading and b.presented.reading.signal and b.presented.status.is_stale
    ]
    assert stale_signals and not set(stale_signals) & set(labels)
    agenda = find(page, screens.MEETING_AGENDA)
    by_title = {MEASURES[m].title: m for m in measure_ids}
    listed = [by_title[_title(item)] for item in agenda.children if _title(item) in by_title]
    for item, measure_id in zip(agenda.children, listed, strict=False):
        marked = "Exception:" in text_of(item)
        assert marked == (measure_id in labels), measure_id
    # Exceptions come first in the default order.
    assert listed[: len(labels)] == [m for m in MEASURES if m in labels]
    with_figures = [m for m in measure_ids if by_measure[m].has_figures]
    # Headlines from partner returns have no figures on the real published data: they are not
    # screens of their own but one "Awaiting data" item, last, for the chair to chase.
    awaiting = [m for m in measure_ids if not by_measure[m].has_figures]
    partner = [m for m in measure_ids if DATASETS[MEASURES[m].dataset_id].submission]
    assert partner and set(partner) <= set(awaiting)
    assert sorted(listed) == sorted(with_figures)
    assert _title(agenda.children[-1]) == (
        f"{screens.AWAITING_TITLE}: {len(awaiting)} measures with no figures yet"
    )
    if labels:
        assert f"{len(labels)} of {len(with_figures)} measures" in text_of(page)
    else:
        assert "No measure on this agenda shows a special-cause signal" in text_of(page)


def test_the_print_stylesheet_hides_controls_and_keeps_charts_whole():
    css = (ROOT / "assets" / "print.css").read_text()
    block = css[css.index("@media print") :]
    assert re.search(r"@page\s*{\s*size:\s*A4 landscape;\s*margin:", block)
    hidden = block[: block.index("display: none !important")]
    for selector in (
        ".navbar",
        ".visually-hidden-focusable",
        "button",
        ".btn",
        "select",
        "input",
        ".dash-dropdown",
        ".modebar",
        ".meeting-mode .meeting-toolbar",
        ".meeting-mode .meeting-pager",
    ):
        assert f"\n  {selector},\n" in hidden, selector
    kept_whole = block[: block.index("break-inside: avoid;")]
    assert "  .js-plotly-plot,\n" in kept_whole[kept_whole.rindex("}") :]
    assert "  .card,\n" in kept_whole[kept_whole.rindex("}") :]
    assert ".meeting-screen + .meeting-screen {\n    break-before: page;" in block
    # The wide-screen columns are kept on paper (Chrome would stack them), so a screen fits a page.
    assert ".row > .col-lg-8 { width: 66.66666667%; }" in block
