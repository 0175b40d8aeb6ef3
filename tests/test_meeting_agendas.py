"""A meeting's agenda, chosen and ordered by its chair: the default order, moves, additions and
removals saved per meeting, rights checked on every change and audited, and the measures with no
figures on one "Awaiting data" screen.

Each test makes its own meetings in the session's shared database and finds them by id.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from dash import dcc
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate
from dash_tree import find_by_id as find
from dash_tree import text_of, walk

from callbacks import meeting_mode
from callbacks.briefs import measure_brief
from layouts import meeting as screens
from loaders import meetings
from loaders.measures import MEASURES
from loaders.models import AuditEvent, Meeting
from loaders.reports import REPORTS

EE = "effectiveness-efficiency"


def _factory(app):
    return app.server.extensions["lcjp"].session_factory


def _meeting(app, report_id: str = EE) -> int:
    return meetings.create_meeting(_factory(app), report_id, "2026-02-10", "", "test-analyst")


@contextmanager
def _pressed(component_id):
    """The Dash callback context of one button press (as the browser would send it)."""
    if isinstance(component_id, dict):
        key = "{" + ",".join(f'"{k}":"{component_id[k]}"' for k in sorted(component_id)) + "}"
    else:
        key = component_id
    token = context_value.set(
        AttributeDict(triggered_inputs=[{"prop_id": f"{key}.n_clicks", "value": 1}])
    )
    try:
        yield
    finally:
        context_value.reset(token)


def _press(meeting_id, action: str, measure_id: str = "", add_value=None):
    if action in ("add", "reset"):
        button = screens.AGENDA_ADD if action == "add" else screens.AGENDA_RESET
    else:
        button = {"type": screens.AGENDA_ACTION, "index": f"{action}:{measure_id}"}
    with _pressed(button):
        return meeting_mode.change_agenda([1], 1, 1, add_value, meeting_id)


def _screens(meeting_id) -> list[str]:
    """The measures with a screen of their own, in the order the meeting presents them."""
    agenda = meeting_mode.load_agenda(meeting_mode.current_user(), meeting_id)
    return [item.measure_id for item in agenda.items]


def _saved(app, meeting_id):
    with _factory(app)() as session:
        return session.get(Meeting, meeting_id).agenda


def _audits(app, event: str) -> list[dict]:
    with _factory(app)() as session:
        rows = session.scalars(sa.select(AuditEvent).where(AuditEvent.event == event))
        return [json.loads(row.detail) for row in rows if row.detail.startswith("{")]


def test_the_default_order_is_exceptions_then_headline_then_the_rest_in_registry_order():
    report = REPORTS["lcjp-board"]
    measure_ids = report.measure_ids()
    flagged = measure_ids[-1]
    order = meetings.default_agenda(report.id, [flagged])
    assert sorted(order) == sorted(measure_ids) and order[0] == flagged
    registry = [m for m in MEASURES if m in measure_ids and m != flagged]
    headline = [m for m in registry if MEASURES[m].headline]
    assert order[1:] == headline + [m for m in registry if m not in headline]
    ee = meetings.default_agenda(EE)
    headline_ee = [m for m in ee if MEASURES[m].headline]
    assert ee[: len(headline_ee)] == headline_ee  # headline measures lead, not alphabetical order


def test_a_chair_orders_adds_and_removes_and_each_change_is_saved_and_audited(app, as_user):
    meeting_id = _meeting(app)
    other = _meeting(app)
    with as_user("chair"):
        before = _screens(meeting_id)
        assert len(before) >= 3
        first, second = before[0], before[1]
        body, status = _press(meeting_id, "down", first)
        assert "moved down. Saved." in status
        assert _screens(meeting_id)[:2] == [second, first]
        _press(meeting_id, "up", first)
        assert _screens(meeting_id)[:2] == [first, second]
        _press(meeting_id, "remove", second)
        assert second not in _screens(meeting_id)
        # The editor offers the removed measure back; adding puts it at the end.
        page = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen="agenda")
        choice = find(page, screens.AGENDA_ADD_CHOICE)
        assert second in [o["value"] for o in choice.options]
        _press(meeting_id, "add", add_value=second)
        assert _screens(meeting_id)[-1] == second
        # Screen 2 now presents the first measure of the saved order.
        screen_two = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen="2")
        assert text_of(find(screen_two, "page-heading")) == MEASURES[_screens(meeting_id)[0]].title
        # Saved for this meeting only.
        assert _screens(other) == before
    saved = _saved(app, meeting_id)
    assert saved is not None and saved.index(second) == len(saved) - 1
    changes = [d for d in _audits(app, "meeting_agenda_changed") if d["meeting"] == meeting_id]
    assert [d["change"] for d in changes] == ["down", "up", "remove", "add"]
    assert changes[-1]["agenda"] == saved
    with as_user("chair"):
        _press(meeting_id, "reset")
        assert _screens(meeting_id) == before
    assert _saved(app, meeting_id) is None


@pytest.mark.parametrize(
    ("role", "report_id"), [("member", EE), ("viewer", EE), ("chair", "lcjp-board")]
)
def test_only_the_chair_or_the_opcc_may_change_an_agenda(app, as_user, role, report_id):
    meeting_id = _meeting(app, report_id)
    with as_user("analyst"):
        first = _screens(meeting_id)[0]
    with as_user(role):
        editor = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen="agenda")
        screen_one = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen="1")
        result = _press(meeting_id, "down", first)
    assert find(editor, screens.AGENDA_BODY) is None
    assert text_of(find(editor, "page-heading")) in {
        "Not your agenda to change",
        "Meeting not found",
    }
    assert find(screen_one, "meeting-edit-agenda") is None
    assert result[0] is dash_no_update() and "may change" in text_of(result[1])
    assert _saved(app, meeting_id) is None
    denied = [d for d in _audits(app, "access_denied") if d.get("callback") == "change_agenda"]
    assert any(d.get("meeting") == str(meeting_id) for d in denied)


def dash_no_update():
    from dash import no_update

    return no_update


def test_forged_changes_are_refused_and_nothing_is_stored(app, as_user):
    meeting_id = _meeting(app)
    outside = REPORTS["police-crime-panel"].measure_ids()[0]
    with as_user("analyst"):
        for action, measure in (("up", outside), ("remove", "no-such-measure"), ("sideways", "")):
            result = _press(meeting_id, action, measure)
            assert result[0] is dash_no_update()
        refused = _press(meeting_id, "add", add_value=outside)
        assert "Choose a measure" in text_of(refused[1])
        with pytest.raises(PreventUpdate):
            _press(meeting_id, "sideways", REPORTS[EE].measure_ids()[0])
    assert _saved(app, meeting_id) is None
    with pytest.raises(meetings.RecordError):
        meetings.save_agenda(_factory(app), meeting_id, [outside], "test-analyst")
    twice = REPORTS[EE].measure_ids()[:1] * 2
    with pytest.raises(meetings.RecordError, match="only once"):
        meetings.save_agenda(_factory(app), meeting_id, twice, "test-analyst")


def test_measures_with_no_figures_share_one_awaiting_data_screen(app, as_user):
    meeting_id = _meeting(app)
    with as_user("analyst"):
        briefs = {m: measure_brief(m) for m in REPORTS[EE].measure_ids()}
        agenda = meeting_mode.load_agenda(meeting_mode.current_user(), meeting_id)
        last = meeting_mode.meeting_screen_layout(
            meeting_id=str(meeting_id), screen=str(agenda.screens)
        )
        screen_one = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen="1")
    empty = [m for m, b in briefs.items() if not b.has_figures]
    assert empty, "the real files leave some E&E measures without figures"
    assert sorted(i.measure_id for i in agenda.awaiting) == sorted(empty)
    assert agenda.screens == len(briefs) - len(empty) + 2
    assert text_of(find(last, "page-heading")) == "Awaiting data"
    listed = text_of(find(last, screens.MEETING_AWAITING))
    assert all(MEASURES[m].title in listed for m in empty)
    assert not any(isinstance(c, dcc.Graph) for c in walk(last))
    assert "No figures are loaded" not in text_of(screen_one)
    assert f"Awaiting data: {len(empty)} measures" in text_of(
        find(screen_one, screens.MEETING_AGENDA)
    )
