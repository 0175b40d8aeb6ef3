"""Commentary beside each measure on the subgroup and force pages: read, draft, publish, history.

The period a commentary belongs to is the latest period of the measure's focus series, worked out
on the server (never taken from the browser), so screens, meeting mode and packs agree on it.
Every callback takes the measure from its own pattern-matching id and checks the user's rights
for it again: a forged request for a measure the user may not write on stores nothing.
"""

from __future__ import annotations

from datetime import date

import dash
from dash import MATCH, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from callbacks import data
from callbacks.permissions import (
    NotAuthorised,
    can_comment,
    refuse_unauthorised,
    require_comment,
    require_measure,
    rights_of,
)
from callbacks.subgroup import default_focus, view_for
from layouts import commentary as layout
from layouts.measure import section_id
from loaders import meetings
from loaders.audit import audit
from loaders.measures import MEASURES
from presented.words import period_label

REFUSED = "You may not write commentary on this measure. Nothing was saved."
NO_ACCESS = "You do not have access to this information."


def commentary_period(measure_id: str) -> tuple[date, str] | None:
    """(period end, its label) of the newest figure in the measure's focus series, or None."""
    view = view_for(MEASURES[measure_id])
    focus = default_focus(view)
    if focus is None:
        return None
    headline = view.headlines[focus]
    end = headline.period_end
    return end, period_label(headline.period_type, end.replace(day=1), end)


def _known(measure_id) -> str:
    """A measure id from the browser: anything not in the registry is refused, never looked up."""
    if not isinstance(measure_id, str) or measure_id not in MEASURES:
        raise NotAuthorised(f"unknown measure {str(measure_id)[:80]!r}")
    return measure_id


def _view_content(measure_id: str, period_end: date, period_text: str, writer: bool):
    """The published text (or the newest earlier one); for writers the draft note and history."""
    with data.session_factory()() as session:
        view = meetings.commentary_for(session, measure_id, period_end)
        earlier = None
        if view is None or not view.published_text:
            earlier = meetings.latest_published(session, [measure_id], up_to=period_end).get(
                measure_id
            )
        versions = meetings.history(session, measure_id, period_end) if writer else None
    content = layout.view_block(
        view,
        period_text,
        data.timezone(),
        versions=versions,
        earlier=earlier,
        earlier_text=f"the period ending {earlier.period_end:%d %b %Y}" if earlier else "",
    )
    return content, view


@refuse_unauthorised(lambda: html.P(NO_ACCESS))
def show_panel(measure_id: str):
    """The panel for the signed-in user: readers see published text, writers also the editor."""
    user = require_measure(_known(measure_id))
    period = commentary_period(measure_id)
    if period is None:
        return [
            layout.heading(),
            html.P(
                "No figures are loaded for this measure yet, so there is nothing to comment on."
            ),
        ]
    period_end, period_text = period
    writer = can_comment(user, measure_id)
    content, view = _view_content(measure_id, period_end, period_text, writer)
    editor_text = ((view.draft_text or view.published_text) if view else None) or ""
    return layout.panel(
        measure_id,
        MEASURES[measure_id].title,
        period_text,
        content,
        editor_text=editor_text if writer else None,
    )


@refuse_unauthorised(lambda: (REFUSED, no_update))
def write_commentary(measure_id: str, action: str, text: str | None):
    """Save a draft or publish, for the period shown; bad input gets a message and stores nothing."""
    user = require_comment(_known(measure_id))
    period = commentary_period(measure_id)
    if period is None:
        return (
            "Not saved: no figures are loaded for this measure, so there is no period.",
            no_update,
        )
    period_end, period_text = period
    organisation = rights_of(user).organisation or ""
    factory = data.session_factory()
    try:
        if action == "publish":
            saved = meetings.publish(
                factory, measure_id, period_end, user.username, organisation, text=text or ""
            )
        else:
            saved = meetings.save_draft(
                factory, measure_id, period_end, text or "", user.username, organisation
            )
    except meetings.RecordError as error:
        return f"Not saved: {error}", no_update
    event = "commentary_published" if action == "publish" else "commentary_saved"
    audit(
        event, {"measure": measure_id, "period": period_end.isoformat(), "version": saved.version}
    )
    done = "Published" if action == "publish" else "Draft saved (not yet shown to readers)"
    content = _view_content(measure_id, period_end, period_text, writer=True)[0]
    return f"{done}: version {saved.version}, for {period_text}.", content


def on_show(_state):
    return show_panel(ctx.outputs_list["id"].get("measure"))


def on_write(save_clicks, publish_clicks, text):
    """Which button was pressed, for which measure: both read from the triggering id."""
    trigger = ctx.triggered_id if isinstance(ctx.triggered_id, dict) else {}
    pressed = {
        section_id(layout.SAVE, "")["type"]: ("save", save_clicks),
        section_id(layout.PUBLISH, "")["type"]: ("publish", publish_clicks),
    }.get(trigger.get("type"))
    if pressed is None or not pressed[1]:
        raise PreventUpdate
    return write_commentary(trigger.get("measure"), pressed[0], text)


def register(app: dash.Dash) -> None:
    app.callback(
        Output(section_id(layout.PANEL, MATCH), "children"),
        Input(section_id("state", MATCH), "data"),
    )(on_show)
    app.callback(
        Output(section_id(layout.MESSAGE, MATCH), "children"),
        Output(section_id(layout.VIEW, MATCH), "children"),
        Input(section_id(layout.SAVE, MATCH), "n_clicks"),
        Input(section_id(layout.PUBLISH, MATCH), "n_clicks"),
        State(section_id(layout.TEXT, MATCH), "value"),
        prevent_initial_call=True,
    )(on_write)
