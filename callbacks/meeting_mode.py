"""Meeting mode and the Meetings page, with the rights checked on the server in each layout and
callback: a meeting's screens hold only the measures the signed-in user may see, in agenda order.

Dash builds a page layout inside its routing callback, which any signed-in user can call with any
path, so the screen layout refuses an unknown meeting, a meeting of a report the user sees none of
and a screen number out of range with a plain message and no data.
"""

from __future__ import annotations

import re

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html, no_update
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
AGENDA_REFUSED = (
    "Only administrators, OPCC analysts and the chair of the group concerned may change a "
    "meeting's agenda."
)
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


def _meeting_and_report(meeting_id) -> tuple[Meeting | None, ReportSpec | None]:
    if not _NUMBER.fullmatch(str(meeting_id or "")):
        return None, None
    with data.session_factory()() as session:
        meeting = session.get(Meeting, int(meeting_id))
    report = REPORTS.get(meeting.report_id) if meeting else None
    return (meeting, report) if report else (None, None)


def may_edit_agenda(user, report: ReportSpec) -> bool:
    """The chair of the group, or the OPCC (analysts and administrators): as for scheduling."""
    return can_schedule_meeting(rights_of(user), report)


def agenda_for(user, meeting: Meeting, report: ReportSpec) -> screens.Agenda | None:
    """The meeting's agenda as this user may present it: its saved (or default) order, only the
    measures they may see; those with no figures yet share one "Awaiting data" screen at the end."""
    visible = agenda_measures(user, report)
    if not visible:
        return None
    figures = briefs.agenda_figures(visible)
    exceptions = {m for m, figure in figures.items() if figure.is_exception}
    shown = [m for m in meetings.agenda_of(meeting, exceptions) if m in figures]

    def item(m: str) -> screens.AgendaItem:
        label = figures[m].reading.label if m in exceptions else ""
        return screens.AgendaItem(m, MEASURES[m].title, label, figures[m].summary)

    return screens.Agenda(
        meeting_id=meeting.id,
        title=meeting.title,
        meeting_date=meeting.meeting_date,
        body=report.meeting,
        report_title=report.title,
        audience=report.audience,
        items=tuple(item(m) for m in shown if figures[m].has_figures),
        awaiting=tuple(item(m) for m in shown if not figures[m].has_figures),
        editable=may_edit_agenda(user, report),
    )


def load_agenda(user, meeting_id) -> screens.Agenda | None:
    """The meeting as this user may present it, or None (unknown, or nothing they may see)."""
    meeting, report = _meeting_and_report(meeting_id)
    if meeting is None or report not in visible_reports(user):
        return None  # a partner never learns of a meeting outside their reports' audience
    agenda = agenda_for(user, meeting, report)
    if agenda is None:
        audit("access_denied", {"meeting": meeting.id, "reason": "no measure of its report"})
    return agenda


def _not_found(meeting_id):
    return screens.meeting_message(
        "Meeting not found",
        f"There is no meeting “{str(meeting_id)[:12]}” that you have access to. Choose one "
        "from the list of meetings.",
        [("All meetings", screens.MEETINGS_PATH)],
    )


def meeting_screen_layout(meeting_id=None, screen=None, **_query):
    """One screen of a meeting: 1 is the agenda, then one measure each, then (if any) the
    measures awaiting data. `/meeting/<id>/agenda` is the chair's agenda editor."""
    user = signed_in_user()
    if user is None:
        return html.Div()
    if screen == screens.EDIT_SCREEN:
        return agenda_editor_layout(user, meeting_id)
    agenda = load_agenda(user, meeting_id)
    if agenda is None:
        return _not_found(meeting_id)
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
        return screens.agenda_screen(agenda)
    if agenda.is_awaiting_screen(number):
        return screens.awaiting_screen(agenda, number)
    measure_id = agenda.items[number - 2].measure_id
    require_measure(measure_id)  # filtered above; checked once more before any figure is read
    brief = measure_brief(
        measure_id, hide_small_numbers=not sees_small_numbers(user), up_to=agenda.meeting_date
    )
    return screens.measure_screen(
        agenda, number, brief, today=london_today(data.timezone()), timezone=data.timezone()
    )


# --- The chair's agenda editor --------------------------------------------------------------------


def _editor_rows(user, meeting: Meeting, report: ReportSpec):
    """(agenda rows the user sees, measures they may add) for the editor."""
    visible = agenda_measures(user, report)
    figures = briefs.agenda_figures(visible)
    exceptions = {m for m, figure in figures.items() if figure.is_exception}
    order = [m for m in meetings.agenda_of(meeting, exceptions) if m in figures]
    rows = [
        screens.EditorRow(
            m,
            MEASURES[m].title,
            exception=m in exceptions,
            awaiting=not figures[m].has_figures,
        )
        for m in order
    ]
    addable = [(m, MEASURES[m].title) for m in visible if m not in order]
    return rows, addable


def agenda_editor_layout(user, meeting_id):
    meeting, report = _meeting_and_report(meeting_id)
    if meeting is None or not agenda_measures(user, report):
        return _not_found(meeting_id)
    if not may_edit_agenda(user, report):
        audit("access_denied", {"meeting": meeting.id, "reason": "agenda editor"})
        return screens.meeting_message(
            "Not your agenda to change",
            AGENDA_REFUSED,
            [("Present the meeting", screens.screen_path(meeting.id, 1))],
        )
    rows, addable = _editor_rows(user, meeting, report)
    return screens.agenda_editor(
        meeting.id, meeting.title, screens.agenda_editor_body(rows, addable, saved=meeting.agenda)
    )


def _move(order: list[str], visible: set[str], measure_id: str, step: int) -> list[str]:
    """Swap a measure with the nearest one the user sees above (-1) or below (+1) it; measures
    hidden from this user keep their places."""
    at = order.index(measure_id)
    others = [i for i, m in enumerate(order) if m in visible and (i - at) * step > 0]
    if not others:
        return order
    other = max(others) if step < 0 else min(others)
    moved = list(order)
    moved[at], moved[other] = moved[other], moved[at]
    return moved


def change_agenda(_actions, _add, _reset, add_value, meeting_id):
    """One change to a meeting's agenda, saved at once: rights checked on every change, each
    change audited. Up, Down and Remove name their measure; Add takes the chosen measure."""
    trigger = dash.ctx.triggered_id
    if trigger is None or not any(t.get("value") for t in dash.ctx.triggered):
        raise PreventUpdate
    user = current_user()
    meeting, report = _meeting_and_report(meeting_id)
    if meeting is None or not agenda_measures(user, report) or not may_edit_agenda(user, report):
        audit("access_denied", {"callback": "change_agenda", "meeting": str(meeting_id)[:12]})
        return no_update, _problem(AGENDA_REFUSED, "agenda-error")
    visible = agenda_measures(user, report)
    figures = briefs.agenda_figures(visible)
    exceptions = {m for m, figure in figures.items() if figure.is_exception}
    order = meetings.agenda_of(meeting, exceptions)
    measure_id, change = None, None
    if trigger == screens.AGENDA_RESET:
        change = "default"
    elif trigger == screens.AGENDA_ADD:
        measure_id, change = str(add_value or ""), "add"
        if measure_id not in visible or measure_id in order:
            return no_update, _problem("Choose a measure to add to the agenda.", "agenda-error")
        order = [*order, measure_id]
    elif isinstance(trigger, dict) and trigger.get("type") == screens.AGENDA_ACTION:
        change, _, measure_id = str(trigger.get("index", "")).partition(":")
        if measure_id not in visible or measure_id not in order:
            audit("access_denied", {"callback": "change_agenda", "measure": measure_id[:80]})
            return no_update, _problem("That measure is not on this agenda.", "agenda-error")
        if change in ("up", "down"):
            order = _move(order, set(visible), measure_id, -1 if change == "up" else 1)
        elif change == "remove":
            order = [m for m in order if m != measure_id]
        else:
            raise PreventUpdate
    else:
        raise PreventUpdate
    try:
        saved = meetings.save_agenda(
            data.session_factory(),
            meeting.id,
            None if change == "default" else order,
            user.username,
        )
    except meetings.RecordError as error:
        return no_update, _problem(str(error), "agenda-error")
    audit(
        "meeting_agenda_changed",
        {"meeting": meeting.id, "change": change, "measure": measure_id, "agenda": saved},
    )
    with data.session_factory()() as session:
        meeting = session.get(Meeting, meeting.id)
    rows, addable = _editor_rows(user, meeting, report)
    said = {
        "up": "moved up",
        "down": "moved down",
        "remove": "removed from the agenda",
        "add": "added at the end of the agenda",
    }
    status = (
        "The agenda is back in the default order."
        if change == "default"
        else f"{MEASURES[measure_id].title} {said[change]}. Saved."
    )
    return screens.agenda_editor_body(rows, addable, saved=meeting.agenda), status


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
    with data.session_factory()() as session:
        found = meetings.meetings(session, chosen)
    rows = []
    for meeting in found:
        agenda = agenda_for(user, meeting, reports[meeting.report_id])
        rows.append((meeting, reports[meeting.report_id], agenda.screens if agenda else 1))
    return screens.meetings_table(rows)


def _problem(text: str, element_id: str = "schedule-error"):
    return dbc.Alert(text, color="danger", id=element_id)


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
    app.callback(
        Output(screens.AGENDA_BODY, "children"),
        Output(screens.AGENDA_STATUS, "children"),
        Input({"type": screens.AGENDA_ACTION, "index": ALL}, "n_clicks"),
        Input(screens.AGENDA_ADD, "n_clicks"),
        Input(screens.AGENDA_RESET, "n_clicks"),
        State(screens.AGENDA_ADD_CHOICE, "value"),
        State(screens.AGENDA_MEETING, "data"),
        prevent_initial_call=True,
    )(change_agenda)
