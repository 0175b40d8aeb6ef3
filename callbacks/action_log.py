"""The action log (/actions): actions raised against measures, who owns them, when they are due.

Everyone signed in reads the actions on measures they may see; raising or updating an action
needs the right to write commentary on its measure (loaders/access.can_comment). Every callback
checks again on the server, so a forged measure or action id stores nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import dash
import flask_login
import pandas as pd
import sqlalchemy as sa
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks import data
from callbacks.briefs import measure_brief
from callbacks.packs import may_read
from callbacks.permissions import (
    NotAuthorised,
    can_comment,
    can_view_measure,
    current_user,
    refuse_unauthorised,
    require_comment,
    rights_of,
    sees_small_numbers,
)
from layouts import actions as layout
from loaders import access, meetings
from loaders.audit import audit
from loaders.measures import MEASURES, SUBGROUPS
from loaders.models import MeetingAction, Organisation
from loaders.reports import REPORTS
from loaders.spreadsheet_safety import safe_frame
from presented.words import local_time

RAISE_REFUSED = "You may not raise actions on this measure. Nothing was saved."
UPDATE_REFUSED = "You may not update this action. Nothing was changed."


def today() -> date:
    return datetime.now(ZoneInfo(data.timezone())).date()


def writable_measures(user) -> list[str]:
    """Measures this user may raise actions on, in registry order."""
    return [m for m in MEASURES if can_comment(user, m)]


def _meeting_label(meeting) -> str:
    return f"{meeting.meeting_date:%d %b %Y} – {meeting.title}"


def readable_reports(user) -> list[str]:
    """Reports whose meetings this user may know of: those whose audience includes them
    (callbacks/packs.may_read), so a partner never sees an OPCC-only meeting's title or date."""
    rights = rights_of(user)
    return [r.id for r in REPORTS.values() if may_read(rights, r)]


def meeting_options(user) -> list[dict]:
    """Meetings of the boards whose agendas hold a measure this user may write on, and whose
    audience includes them."""
    writable = set(writable_measures(user))
    readable = set(readable_reports(user))
    reports = [
        r.id for r in REPORTS.values() if writable & set(r.measure_ids()) and r.id in readable
    ]
    with data.session_factory()() as session:
        found = meetings.meetings(session, reports)
    return [{"label": _meeting_label(m), "value": str(m.id)} for m in found]


def _measure_label(measure_id: str) -> str:
    spec = MEASURES[measure_id]
    subgroup = SUBGROUPS.get(spec.subgroup)
    return f"{spec.title} ({subgroup.name})" if subgroup else spec.title


def actions_layout(**query):
    """The page for the signed-in user; `?measure=…&meeting=…` fills in the raise form."""
    user = flask_login.current_user
    if not getattr(user, "is_authenticated", False):
        return html.Div()
    writable = writable_measures(user)
    statuses = [{"label": label, "value": key} for key, label in meetings.ACTION_STATUSES.items()]
    forms = []
    if writable:
        meeting_choices = meeting_options(user)
        measure = query.get("measure") if query.get("measure") in writable else None
        wanted = str(query.get("meeting") or "")
        meeting = (
            wanted if any(o["value"] == wanted for o in meeting_choices) else layout.NO_MEETING
        )
        forms = [
            layout.raise_form(
                [{"label": _measure_label(m), "value": m} for m in writable],
                meeting_choices,
                measure,
                meeting,
                organisation_options(),
            ),
            layout.update_form(statuses),
        ]
    elif updatable_actions(user):  # an organisation asked to act reports progress
        forms = [layout.update_form(statuses)]
    else:
        forms = [
            html.P(
                "Raising and updating actions is for the OPCC and the partners who answer for a "
                "measure's figures.",
                className="small text-body-secondary",
            )
        ]
    return layout.action_page(forms)


def _last_update(action: MeetingAction, timezone: str) -> str:
    text = f"{local_time(action.updated_at, timezone)} by {action.updated_by or action.raised_by}"
    return f"{text}: {action.update_note}" if action.update_note else text


def visible_actions(user, view: str, on: date) -> list[layout.ActionRow]:
    """The actions this user may see, filtered to open, overdue or all, in words."""
    visible = [m for m in MEASURES if can_view_measure(user, m)]
    timezone = data.timezone()
    with data.session_factory()() as session:
        found = meetings.actions(session, visible)
        titles = {
            m.id: _meeting_label(m) for m in meetings.meetings(session, readable_reports(user))
        }
    rows = []
    for action in found:
        overdue = meetings.is_overdue(action, on)
        if view == "overdue" and not overdue:
            continue
        if view != "all" and action.status in meetings.CLOSED_STATUSES:
            continue
        late = f" ({(on - action.due_date).days} days overdue)" if overdue else ""
        rows.append(
            layout.ActionRow(
                action_id=action.id,
                title=action.title,
                measure=MEASURES[action.measure_id].title,
                signal=action.signal,
                meeting=titles.get(action.meeting_id, "") if action.meeting_id else "",
                owner=action.owner,
                due=f"{action.due_date:%d %b %Y}{late}",
                status=meetings.ACTION_STATUSES.get(action.status, action.status),
                last_update=_last_update(action, timezone),
                overdue=overdue,
            )
        )
    return rows


def _chosen(value) -> str:
    return value if value in layout.FILTERS else "open"


def show_actions(view, _raised=None, _updated=None):
    """The one-line summary and the table for the chosen view."""
    user = current_user()
    view = _chosen(view)
    rows = visible_actions(user, view, today())
    overdue = sum(r.overdue for r in rows)
    shown = {"open": "open", "overdue": "overdue", "all": ""}[view]
    summary = (
        f"{len(rows)} {shown + ' ' if shown else ''}action{'s' if len(rows) != 1 else ''}"
        f" on measures you may see; {overdue} overdue."
    )
    caption = f"Actions: {layout.FILTERS[view].lower()}, by due date (earliest first)"
    return summary, layout.action_table(rows, caption)


def download_actions(n_clicks, view):
    """The rows on screen as CSV, read again with the user's rights."""
    if not n_clicks:
        raise PreventUpdate
    rows = visible_actions(current_user(), _chosen(view), today())
    frame = pd.DataFrame(
        [
            [
                f"{r.action_id}. {r.title}",
                r.measure,
                r.signal,
                r.meeting,
                r.owner,
                r.due,
                f"Overdue · {r.status}" if r.overdue else r.status,
                r.last_update,
            ]
            for r in rows
        ],
        columns=list(layout.COLUMNS),
    )
    # Owners, titles and notes are typed by people: defuse anything a spreadsheet would run.
    return dcc.send_data_frame(
        safe_frame(frame).to_csv, f"actions-{_chosen(view)}.csv", index=False
    )


@refuse_unauthorised(lambda: "")
def prefill_signal(measure_id):
    """The measure's current SPC reading, shown in the form (the server works it out again when
    the action is raised: what the browser sends back is never stored)."""
    if not measure_id:
        return ""
    if not isinstance(measure_id, str) or measure_id not in MEASURES:
        raise NotAuthorised("unknown measure")
    return signal_text(measure_id, require_comment(measure_id))


def signal_text(measure_id: str, user) -> str:
    """What prompted an action: the measure's current SPC reading, as the user may see it."""
    brief = measure_brief(measure_id, hide_small_numbers=not sees_small_numbers(user))
    if brief.period_end is None:
        return "No figures are loaded for this measure yet."
    text = f"{brief.area_name}, {brief.presented.period.label}: {brief.reading}"
    return text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + "…"


def _bump(counter) -> int:
    """The next value of a store that tells the table to reload."""
    return counter + 1 if isinstance(counter, int) else 1


def _organisation(value) -> str:
    """An organisation code from the form: one that exists, or none."""
    if not isinstance(value, str) or not value:
        return ""
    with data.session_factory()() as session:
        if session.get(Organisation, value) is None:
            raise meetings.RecordError("Choose the owner's organisation from the list.")
    return value


def organisation_options() -> list[dict]:
    with data.session_factory()() as session:
        found = session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
        return [{"label": o.name, "value": o.code} for o in found]


def _meeting_id(value) -> int | None:
    if value in (None, "", layout.NO_MEETING):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise meetings.RecordError("Choose the meeting from the list.") from None


@refuse_unauthorised(lambda: (RAISE_REFUSED, no_update))
def raise_new_action(
    n_clicks, measure_id, meeting, _signal, title, owner, due, raised, owner_organisation=""
):
    """Raise an action on a measure the user may write on; bad input stores nothing. The signal
    is worked out here from the measure, whatever text the browser sent."""
    if not n_clicks:
        raise PreventUpdate
    user = current_user()
    if not measure_id:
        return "Not raised: choose a measure.", no_update
    if not isinstance(measure_id, str) or measure_id not in MEASURES:
        raise NotAuthorised("unknown measure")
    require_comment(measure_id)
    if not isinstance(due, str) or not due.strip():
        return "Not raised: choose a due date.", no_update
    try:
        action_id = meetings.raise_action(
            data.session_factory(),
            measure_id=measure_id,
            title=title if isinstance(title, str) else "",
            owner=owner if isinstance(owner, str) else "",
            due_date=due,
            by=user.username,
            meeting_id=_meeting_id(meeting),
            signal=signal_text(measure_id, user),
            owner_organisation=_organisation(owner_organisation),
        )
    except meetings.RecordError as error:
        return f"Not raised: {error}", no_update
    audit("action_raised", {"action": action_id, "measure": measure_id, "due": str(due)})
    return f"Action {action_id} raised: {title.strip()}.", _bump(raised)


def updatable_actions(user) -> list[MeetingAction]:
    """The actions this user may update (loaders/access.can_update_action)."""
    rights = rights_of(user)
    visible = [m for m in MEASURES if can_view_measure(user, m)]
    with data.session_factory()() as session:
        found = meetings.actions(session, visible)
    return [
        a for a in found if access.can_update_action(rights, a.measure_id, a.owner_organisation)
    ]


def action_choices(_raised=None, _updated=None):
    """The open and closed actions this user may update, newest due date last."""
    user = current_user()
    return [
        {
            "label": f"{a.id}. {a.title} ({meetings.ACTION_STATUSES.get(a.status, a.status)}, "
            f"due {a.due_date:%d %b %Y})",
            "value": str(a.id),
        }
        for a in updatable_actions(user)
    ]


@refuse_unauthorised(lambda: (UPDATE_REFUSED, no_update))
def update_existing_action(n_clicks, action_id, status, note, updated):
    """Change an action's status; only someone who may write on its measure may."""
    if not n_clicks:
        raise PreventUpdate
    user = current_user()
    if action_id in (None, ""):
        return "Not updated: choose an action.", no_update
    try:
        number = int(action_id)
    except (TypeError, ValueError):
        raise NotAuthorised("not an action id") from None
    if not 0 < number < 2**31:
        raise NotAuthorised("not an action id")
    with data.session_factory()() as session:
        action = session.get(MeetingAction, number)
        measure_id = action.measure_id if action is not None else None
        owner_organisation = action.owner_organisation if action is not None else ""
    if measure_id is None:  # the same answer as for someone else's action: nothing to probe
        raise NotAuthorised(f"no action {number}")
    if not access.can_update_action(rights_of(user), measure_id, owner_organisation):
        raise NotAuthorised(f"may not update action {number}")
    try:
        meetings.update_action(
            data.session_factory(),
            number,
            status=status if isinstance(status, str) else "",
            by=user.username,
            note=note if isinstance(note, str) else "",
        )
    except meetings.RecordError as error:
        return f"Not updated: {error}", no_update
    audit("action_updated", {"action": number, "measure": measure_id, "status": status})
    words = meetings.ACTION_STATUSES[status]
    return f"Action {number} is now {words.lower()}.", _bump(updated)


def register_action_log_page() -> None:
    dash.register_page(
        "action_log",
        path=layout.ACTIONS_PATH,
        name="Action log",
        title="Action log – LCJP Performance Board",
        order=60,
        layout=actions_layout,
    )


def register(app: dash.Dash) -> None:
    app.callback(
        Output(layout.SUMMARY, "children"),
        Output(layout.TABLE, "children"),
        Input(layout.FILTER, "value"),
        Input(layout.RAISED, "data"),
        Input(layout.UPDATED, "data"),
    )(show_actions)
    app.callback(
        Output(layout.DOWNLOAD, "data"),
        Input(layout.DOWNLOAD_BUTTON, "n_clicks"),
        State(layout.FILTER, "value"),
        prevent_initial_call=True,
    )(download_actions)
    app.callback(Output(layout.SIGNAL, "value"), Input(layout.MEASURE, "value"))(prefill_signal)
    app.callback(
        Output(layout.RAISE_MESSAGE, "children"),
        Output(layout.RAISED, "data"),
        Input(layout.RAISE, "n_clicks"),
        State(layout.MEASURE, "value"),
        State(layout.MEETING, "value"),
        State(layout.SIGNAL, "value"),
        State(layout.TITLE, "value"),
        State(layout.OWNER, "value"),
        State(layout.DUE, "value"),
        State(layout.RAISED, "data"),
        State(layout.OWNER_ORGANISATION, "value"),
        prevent_initial_call=True,
    )(raise_new_action)
    app.callback(
        Output(layout.CHOICE, "options"),
        Input(layout.RAISED, "data"),
        Input(layout.UPDATED, "data"),
    )(action_choices)
    app.callback(
        Output(layout.UPDATE_MESSAGE, "children"),
        Output(layout.UPDATED, "data"),
        Input(layout.UPDATE, "n_clicks"),
        State(layout.CHOICE, "value"),
        State(layout.STATUS, "value"),
        State(layout.NOTE, "value"),
        State(layout.UPDATED, "data"),
        prevent_initial_call=True,
    )(update_existing_action)
