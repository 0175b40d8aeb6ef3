"""The action log: raising and updating actions with the right to write on their measure, overdue
actions marked in words, partners reading only actions on measures they may see, and forged
requests refused without changing anything.

The session-wide app database is shared: each test raises actions with titles of its own.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from access_probe import UPDATE_URL, callback_body, hrefs
from dash import html
from dash_tree import find_by_id, text_of

from callbacks import action_log
from layouts import actions as layout
from loaders import meetings
from loaders.audit import AuditFilter, find_events
from loaders.models import MeetingAction

COURT = "crown_open_cases"  # HMCTS's figures, Effectiveness & Efficiency
CPS = "cps_conviction_rate"  # CPS's figures, Effectiveness & Efficiency
POLICE_DEMAND = "police_crimes"  # police figures, Police demand
PAST = (date.today() - timedelta(days=30)).isoformat()
FUTURE = (date.today() + timedelta(days=30)).isoformat()


def title() -> str:
    return f"Action {uuid.uuid4().hex[:10]}"


@pytest.fixture
def factory(app):
    return app.server.extensions["lcjp"].session_factory


def raise_as(as_user, role, measure_id, action_title, due=FUTURE, meeting=None, owner="A Owner"):
    with as_user(role):
        return action_log.raise_new_action(
            1, measure_id, meeting, "signal text", action_title, owner, due, 0
        )


def stored(factory, action_title) -> MeetingAction | None:
    with factory() as session:
        return next((a for a in meetings.actions(session) if a.title == action_title), None)


def shown(as_user, role, view="all") -> str:
    with as_user(role):
        summary, table = action_log.show_actions(view, 0, 0)
    return f"{summary} {text_of(table)}"


def test_an_analyst_raises_an_overdue_action_and_it_stands_out(as_user, factory):
    name = title()
    meeting_id = meetings.create_meeting(factory, "effectiveness-efficiency", PAST, "", "test")
    message, bumped = raise_as(as_user, "analyst", COURT, name, due=PAST, meeting=str(meeting_id))
    assert message.startswith("Action") and "raised" in message and bumped == 1
    action = stored(factory, name)
    assert action.measure_id == COURT and action.meeting_id == meeting_id
    assert action.status == "open" and action.raised_by == "test-analyst"

    with as_user("viewer"):
        summary, table = action_log.show_actions("overdue", 0, 0)
    row = next(r for r in table._traverse() if isinstance(r, html.Tr) and name in text_of(r))
    assert row.className == "action-overdue"  # bold, with the sign and the word
    assert "⚠  Overdue" in text_of(row) and "(30 days overdue)" in text_of(row)
    assert "overdue action" in summary
    assert "Effectiveness & Efficiency subgroup" in shown(as_user, "viewer")  # the meeting
    with factory() as session:
        raised = find_events(session, AuditFilter(event="action_raised"))
    assert any(f'"action": {action.id}' in e.detail for e in raised)


def test_an_action_due_later_is_open_but_not_overdue(as_user, factory):
    name = title()
    raise_as(as_user, "analyst", COURT, name, due=FUTURE)
    assert name in shown(as_user, "analyst", "open")
    assert name not in shown(as_user, "analyst", "overdue")


def test_the_chair_raises_on_court_figures_but_not_on_cps_figures(as_user, factory):
    allowed, refused = title(), title()
    assert "raised" in raise_as(as_user, "chair", COURT, allowed)[0]
    assert stored(factory, allowed).raised_by == "test-chair"
    message, bumped = raise_as(as_user, "chair", CPS, refused)
    assert message == action_log.RAISE_REFUSED and bumped is action_log.no_update
    assert stored(factory, refused) is None


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_those_who_may_not_write_on_a_measure_may_not_raise_on_it(as_user, factory, role):
    name = title()
    assert raise_as(as_user, role, COURT, name)[0] == action_log.RAISE_REFUSED
    assert stored(factory, name) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"action_title": ""}, "The action is empty"),
        ({"owner": "  "}, "The owner is empty"),
        ({"due": ""}, "choose a due date"),
        ({"due": "next week"}, "must be a date"),
        ({"meeting": "not-a-meeting"}, "Choose the meeting"),
        ({"meeting": "987654321"}, "No meeting"),
    ],
)
def test_bad_input_gets_a_message_and_stores_nothing(as_user, factory, changes, message):
    name = title()
    arguments = {"action_title": name, **changes}
    answer, bumped = raise_as(as_user, "analyst", COURT, **arguments)
    assert answer.startswith("Not raised") and message in answer
    assert bumped is action_log.no_update
    assert stored(factory, name) is None


def test_a_partner_sees_only_actions_on_measures_they_may_see(as_user, factory):
    court, police = title(), title()
    raise_as(as_user, "analyst", COURT, court)
    raise_as(as_user, "analyst", POLICE_DEMAND, police)
    member = shown(as_user, "member")
    assert police in member and court not in member
    chair = shown(as_user, "chair")
    assert court in chair and police not in chair
    with as_user("member"):
        csv = action_log.download_actions(1, "all")["content"]
        choices = {o["label"] for o in action_log.action_choices(0, 0)}
    assert police in csv and court not in csv
    assert any(police in label for label in choices)
    assert not any(court in label for label in choices)


def test_an_update_with_the_right_changes_the_status_and_note(as_user, factory):
    name = title()
    raise_as(as_user, "analyst", COURT, name)
    action = stored(factory, name)
    with as_user("chair"):
        message, bumped = action_log.update_existing_action(
            1, str(action.id), "done", "Listed extra sittings", 4
        )
    assert message == f"Action {action.id} is now done." and bumped == 5
    after = stored(factory, name)
    assert (after.status, after.update_note, after.updated_by) == (
        "done",
        "Listed extra sittings",
        "test-chair",
    )
    assert name not in shown(as_user, "analyst", "open")
    everything = shown(as_user, "analyst", "all")
    assert name in everything and "Listed extra sittings" in everything
    with factory() as session:
        updated = find_events(session, AuditFilter(event="action_updated"))
    assert any(f'"action": {action.id}' in e.detail for e in updated)


def test_a_bad_status_is_refused_with_a_message(as_user, factory):
    name = title()
    raise_as(as_user, "analyst", COURT, name)
    action = stored(factory, name)
    with as_user("analyst"):
        message, _bumped = action_log.update_existing_action(1, str(action.id), "closed", "", 0)
    assert message.startswith("Not updated") and "Status must be one of" in message
    assert stored(factory, name).status == "open"


@pytest.mark.parametrize(("role", "measure_id"), [("member", COURT), ("chair", CPS)])
def test_a_forged_update_is_refused_and_changes_nothing(as_user, factory, role, measure_id):
    name = title()
    raise_as(as_user, "analyst", measure_id, name)
    action = stored(factory, name)
    with as_user(role):
        message, bumped = action_log.update_existing_action(1, str(action.id), "dropped", "x", 0)
        assert message == action_log.UPDATE_REFUSED and bumped is action_log.no_update
        # An action that does not exist gets the same answer: ids cannot be probed.
        assert action_log.update_existing_action(1, "987654321", "done", "", 0)[0] == (
            action_log.UPDATE_REFUSED
        )
    after = stored(factory, name)
    assert (after.status, after.update_note) == ("open", "")


def _update_body(app, action_id, status):
    key = next(k for k in app.callback_map if layout.UPDATE_MESSAGE in k)
    return callback_body(key, app.callback_map[key], [1, action_id, status, "forged", 0], None)


def test_a_forged_update_over_http_is_refused(app, client, auth, as_user, factory):
    name = title()
    raise_as(as_user, "analyst", COURT, name)
    action = stored(factory, name)
    auth.login("member")
    response = client.post(UPDATE_URL, json=_update_body(app, str(action.id), "done"))
    assert response.status_code == 200
    assert action_log.UPDATE_REFUSED in response.get_data(as_text=True)
    assert stored(factory, name).status == "open"
    # The same request from someone who may write on the measure goes through.
    auth.logout()
    auth.login("chair")
    response = client.post(UPDATE_URL, json=_update_body(app, str(action.id), "in_progress"))
    assert "is now in progress" in response.get_data(as_text=True)
    assert stored(factory, name).status == "in_progress"


def test_a_forged_raise_over_http_is_refused(app, client, auth, factory):
    name = title()
    auth.login("chair")
    key = next(k for k in app.callback_map if layout.RAISE_MESSAGE in k)
    values = [1, CPS, layout.NO_MEETING, "", name, "owner", FUTURE, 0, ""]
    response = client.post(UPDATE_URL, json=callback_body(key, app.callback_map[key], values, None))
    assert action_log.RAISE_REFUSED in response.get_data(as_text=True)
    assert stored(factory, name) is None


def test_the_signal_is_filled_in_from_the_measures_spc_reading(as_user):
    with as_user("chair"):
        signal = action_log.prefill_signal(COURT)
        assert action_log.prefill_signal(CPS) == ""  # not theirs to write on
        assert action_log.prefill_signal("no_such_measure") == ""
    assert "2025 Q4" in signal and len(signal) <= 300
    with as_user("analyst"):
        from callbacks.briefs import measure_brief

        reading = measure_brief(COURT, hide_small_numbers=False).reading
    assert signal.split(": ", 1)[1][:40] == reading[:40]


def test_the_url_fills_in_the_form_for_a_measure_and_meeting(as_user, factory):
    meeting_id = meetings.create_meeting(factory, "effectiveness-efficiency", FUTURE, "", "test")
    with as_user("chair"):
        page = action_log.actions_layout(measure=COURT, meeting=str(meeting_id))
        assert find_by_id(page, layout.MEASURE).value == COURT
        assert find_by_id(page, layout.MEETING).value == str(meeting_id)
        options = {o["value"] for o in find_by_id(page, layout.MEASURE).options}
        assert COURT in options and CPS not in options
        # A measure they may not write on is not filled in.
        page = action_log.actions_layout(measure=CPS, meeting="nonsense")
        assert find_by_id(page, layout.MEASURE).value is None
        assert find_by_id(page, layout.MEETING).value == layout.NO_MEETING
    with as_user("viewer"):
        page = action_log.actions_layout(measure=COURT)
        assert find_by_id(page, layout.TABLE) is not None
        assert find_by_id(page, layout.MEASURE) is None and find_by_id(page, layout.UPDATE) is None


def test_the_action_log_page_opens_for_every_signed_in_user(client, auth):
    auth.login("viewer")
    response = client.get("/actions")
    assert response.status_code == 200
    assert "/actions" in set(hrefs(client.get("/_dash-layout").get_json()))
