"""Meeting mode and the Meetings page, with the rights checked on the server in each layout and
callback: a meeting's screens hold only the measures the signed-in user may see, in agenda order.

Dash builds a page layout inside its routing callback, which any signed-in user can call with any
path, so the screen layout refuses an unknown meeting, a meeting of a report the user sees none of
and a screen number out of range with a plain message and no data.
"""

from __future__ import annotations

import re
from dataclasses import replace

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks import briefs, data
from callbacks.briefs import measure_brief
from callbacks.packs import may_read
from callbacks.permissions import (
    can_view_measure,
    current_user,
    require_measure,
    rights_of,
    sees_small_numbers,
    signed_in_user,
)
from layouts import meeting as screens
from layouts.components import not_authorised
from loaders import meetings
from loaders.access import can_schedule_meeting
from loaders.audit import audit
from loaders.measures import MEASURES
from loaders.models import Meeting
from loaders.refresh import london_today
from loaders.reports import REPORTS, ReportSpec

_NUMBER = re.compile(r"\d{1,9}")
SCHEDULE_REFUSED = (
    "Only administrators, OPCC analysts and the chair of the group concerned may schedule meetings."
)


def agenda_measures(user, report: ReportSpec) -> list[str]:
    """The report's measures in agenda order, only those this user may see."""
    return [m for m in report.measure_ids() if can_view_measure(user, m)]


def visible_reports(user) -> list[ReportSpec]:
    """Boards and groups whose audience includes this user (packs.may_read: a partner never learns
    of an OPCC-only meeting) and whose agenda holds at least one measure they may see."""
    rights = rights_of(user)
    return [r for r in REPORTS.values() if may_read(rights, r) and agenda_measures(user, r)]


def schedulable_reports(user) -> list[ReportSpec]:
    rights = rights_of(user)
    return [r for r in visible_reports(user) if can_schedule_meeting(rights, r)]


def load_agenda(user, meeting_id) -> screens.Agenda | None:
    """The meeting as this user may present it, or None (unknown, or nothing they may see)."""
    if not _NUMBER.fullmatch(str(meeting_id or "")):
        return None
    with data.session_factory()() as session:
        meeting = session.get(Meeting, int(meeting_id))
    report = REPORTS.get(meeting.report_id) if meeting else None
    if meeting is None or report is None or report not in visible_reports(user):
        return None
    measure_ids = agenda_measures(user, report)
    if not measure_ids:
        audit("access_denied", {"meeting": meeting.id, "reason": "no measure of its report"})
        return None
    return screens.Agenda(
        meeting_id=meeting.id,
        title=meeting.title,
        meeting_date=meeting.meeting_date,
        body=report.meeting,
        report_title=report.title,
        audience=report.audience,
        items=tuple(screens.AgendaItem(m, MEASURES[m].title) for m in measure_ids),
    )


def meeting_screen_layout(meeting_id=None, screen=None, **_query):
    """One screen of a meeting: 1 is the agenda, 2…N one measure each."""
    user = signed_in_user()
    if user is None:
        return html.Div()
    agenda = load_agenda(user, meeting_id)
    if agenda is None:
        return screens.meeting_message(
            "Meeting not found",
            f"There is no meeting “{str(meeting_id)[:12]}” that you have access to. Choose one "
            "from the list of meetings.",
            [("All meetings", screens.MEETINGS_PATH)],
        )
    number = int(screen) if _NUMBER.fullmatch(str(screen or "")) else 0
    if not 1 <= number <= agenda.screens:
        return screens.meeting_message(
            "No such screen",
            f"Screen “{str(screen)[:12]}” is not part of “{agenda.title}”: its screens are "
            f"numbered 1 to {agenda.screens}.",
            [
                ("Screen 1: the agenda", screens.screen_path(agenda.meeting_id, 1)),
                ("All meetings", screens.MEETINGS_PATH),
            ],
        )
    if number == 1:
        labels = briefs.exception_labels([item.measure_id for item in agenda.items])
        items = tuple(replace(i, exception=labels.get(i.measure_id, "")) for i in agenda.items)
        return screens.agenda_screen(replace(agenda, items=items))
    measure_id = agenda.items[number - 2].measure_id
    require_measure(measure_id)  # filtered above; checked once more before any figure is read
    brief = measure_brief(
        measure_id, hide_small_numbers=not sees_small_numbers(user), up_to=agenda.meeting_date
    )
    return screens.measure_screen(
        agenda, number, brief, today=london_today(data.timezone()), timezone=data.timezone()
    )


def screen_title(meeting_id=None, screen=None) -> str:
    """The browser tab's title names the screen (digits only: it reaches the page's <title>)."""
    shown = str(screen) if _NUMBER.fullmatch(str(screen or "")) else ""
    return f"Meeting screen {shown} – LCJP Performance Board".replace("  ", " ")


def meetings_layout(report=None, **_query):
    """The Meetings page: `?report=<id>` opens one board's list (a shareable link)."""
    user = signed_in_user()
    if user is None:
        return html.Div()
    reports = visible_reports(user)
    if not reports:
        return not_authorised("No board or group report holds measures you have access to.")
    selected = report if report in {r.id for r in reports} else screens.EVERY_REPORT
    return screens.meetings_page(
        [_option(r) for r in reports],
        selected,
        [_option(r) for r in schedulable_reports(user)],
        london_today(data.timezone()),
    )


def _option(report: ReportSpec) -> dict:
    return {"label": f"{report.meeting} ({report.title})", "value": report.id}


def list_meetings(report_id, _version):
    """Meetings of the chosen board (or of every board this user sees), newest first."""
    user = current_user()
    reports = {r.id: r for r in visible_reports(user)}
    every = report_id in (None, "", screens.EVERY_REPORT)
    if not every and report_id not in reports:
        return not_authorised("There is no such board or group that you have access to.")
    chosen = list(reports) if every else [report_id]
    screens_of = {r: 1 + len(agenda_measures(user, reports[r])) for r in chosen}
    with data.session_factory()() as session:
        found = meetings.meetings(session, chosen)
    return screens.meetings_table(
        [(m, reports[m.report_id], screens_of[m.report_id]) for m in found]
    )


def _problem(text: str):
    return dbc.Alert(text, color="danger", id="schedule-error")


def schedule_meeting(clicks, report_id, meeting_date, title, version):
    """Schedule a meeting: the OPCC for any board, a chair for their own group; bad input is
    refused with a message and nothing is stored."""
    if not clicks:
        raise PreventUpdate
    user = current_user()
    report = REPORTS.get(str(report_id or ""))
    if report is None:
        return _problem("Choose the board or group the meeting is for."), no_update
    if report not in schedulable_reports(user):
        audit("access_denied", {"callback": "schedule_meeting", "report": report.id})
        return _problem(SCHEDULE_REFUSED), no_update
    if not meeting_date:
        return _problem("Choose the meeting date."), no_update
    try:
        meeting_id = meetings.create_meeting(
            data.session_factory(), report.id, meeting_date, title or "", user.username
        )
    except meetings.RecordError as error:
        return _problem(str(error)), no_update
    with data.session_factory()() as session:
        meeting = session.get(Meeting, meeting_id)
    audit(
        "meeting_created",
        {"meeting": meeting_id, "report": report.id, "date": meeting.meeting_date.isoformat()},
    )
    done = dbc.Alert(
        [
            f"Scheduled “{meeting.title}” on {screens.long_date(meeting.meeting_date)}. ",
            dcc.Link("Present it", href=screens.screen_path(meeting_id, 1)),
        ],
        color="success",
        id="schedule-done",
    )
    return done, (version or 0) + 1


def register_meeting_pages() -> None:
    """The Meetings page (in the navigation) and the screens of meeting mode (reached from it)."""
    dash.register_page(
        "meetings",
        path=screens.MEETINGS_PATH,
        name="Meetings",
        title="Meetings – LCJP Performance Board",
        order=60,
        layout=meetings_layout,
        roles=("*",),  # every signed-in user; the layout shows only the boards they may see
    )
    dash.register_page(
        "meeting_screen",
        path_template=screens.SCREEN_TEMPLATE,
        name="Meeting screen",
        title=screen_title,
        order=61,
        layout=meeting_screen_layout,
        roles=("*",),
        in_navigation=False,  # one link per screen of every meeting: reached from /meetings
    )


def register(app: dash.Dash) -> None:
    app.callback(
        Output(screens.MEETINGS_LIST, "children"),
        Input(screens.MEETINGS_REPORT, "value"),
        Input(screens.MEETINGS_VERSION, "data"),
    )(list_meetings)
    app.callback(
        Output(screens.SCHEDULE_STATUS, "children"),
        Output(screens.MEETINGS_VERSION, "data"),
        Input(screens.SCHEDULE_SUBMIT, "n_clicks"),
        State(screens.SCHEDULE_REPORT, "value"),
        State(screens.SCHEDULE_DATE, "value"),
        State(screens.SCHEDULE_TITLE, "value"),
        State(screens.MEETINGS_VERSION, "data"),
        prevent_initial_call=True,
    )(schedule_meeting)
