"""Who sees and does what around meetings, actions, drafts and returns (issue 14 item 9), and what
the demo force user sees (item 10). Each rule is written in the README's access table.

- Meetings: a partner learns of a meeting (its title and date, in lists, the action form and the
  action log) only when the meeting's report is for them (callbacks/packs.may_read).
- Force-wide measures (a force-restricted dataset: one measure, each force's own figures): the OPCC
  writes commentary and raises actions; forces read what is published. Drafts are read only by
  those who may write them.
- Actions: updated by whoever may write on the measure, and by the organisation named as the owner.
- Returns: a chair submits only the returns their own organisation answers for.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from contextlib import contextmanager
from datetime import date, timedelta

import flask_login
import pytest
from access_probe import UPDATE_URL, callback_body, routing_callback
from dash_tree import text_of

from callbacks import action_log, meeting_mode
from callbacks.page_guard import NOT_AUTHORISED_PAGE_ID
from layouts import meeting as screens
from loaders import access, meetings, users
from loaders.access import Rights
from loaders.areas import DURHAM

FORCE_MEASURE = "force_victim_satisfaction"
POLICE_MEASURE = "police_crimes"
FUTURE = (date.today() + timedelta(days=30)).isoformat()

ANALYST = Rights(user_id=1, role="analyst", organisation="opcc", organisation_kind="opcc")
DURHAM_FORCE_MEMBER = Rights(
    user_id=2,
    role="member",
    organisation="police-durham",
    organisation_kind="police",
    force_area=DURHAM,
    subgroups=frozenset({"force", "police-demand"}),
)
HMCTS_CHAIR = Rights(
    user_id=3,
    role="chair",
    organisation="hmcts",
    organisation_kind="hmcts",
    subgroups=frozenset({"effectiveness-efficiency"}),
)


@pytest.fixture
def factory(app):
    return app.server.extensions["lcjp"].session_factory


@contextmanager
def signed_in(app, username: str):
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        user = users.find_user(session, username)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        flask_login.login_user(user)
        yield user


def test_a_partner_never_learns_of_an_opcc_only_meeting(app, as_user, factory):
    title = f"Exec {uuid.uuid4().hex[:8]}"
    meeting_id = meetings.create_meeting(
        factory, "executive-board", "2026-12-10", title, by="test-analyst"
    )
    action = f"Action {uuid.uuid4().hex[:8]}"
    with as_user("analyst"):
        action_log.raise_new_action(
            1, POLICE_MEASURE, str(meeting_id), "", action, "Owner", FUTURE, 0
        )
        analyst_table = text_of(action_log.show_actions("all", 0, 0)[1])
        analyst_options = action_log.meeting_options(flask_login.current_user)
    assert title in analyst_table
    assert any(o["value"] == str(meeting_id) for o in analyst_options)
    with as_user("member"):  # Durham Constabulary, police demand: sees the action, not the meeting
        table = text_of(action_log.show_actions("all", 0, 0)[1])
        options = action_log.meeting_options(flask_login.current_user)
        listed = text_of(meeting_mode.list_meetings(screens.EVERY_REPORT, 0))
        screen = meeting_mode.meeting_screen_layout(meeting_id=str(meeting_id), screen="1")
    assert action in table and title not in table
    assert not any(o["value"] == str(meeting_id) for o in options)
    assert title not in listed
    assert title not in text_of(screen) and "Meeting not found" in text_of(screen)


def test_force_wide_measures_are_written_on_by_the_opcc_only():
    assert access.is_force_wide(ANALYST, FORCE_MEASURE)
    assert not access.is_force_wide(ANALYST, POLICE_MEASURE)
    assert access.can_view_measure(DURHAM_FORCE_MEMBER, FORCE_MEASURE)
    # The force reads (published text only: drafts are for writers) and never writes ...
    assert not access.can_comment(DURHAM_FORCE_MEMBER, FORCE_MEASURE)
    assert access.can_comment(ANALYST, FORCE_MEASURE)
    # ... while on its own subgroup's public police measures it still writes.
    assert access.can_comment(DURHAM_FORCE_MEMBER, POLICE_MEASURE)


def test_an_action_is_updated_by_writers_and_by_its_owner_organisation():
    update = access.can_update_action
    assert update(ANALYST, FORCE_MEASURE, "")
    assert update(DURHAM_FORCE_MEMBER, FORCE_MEASURE, "police-durham")
    assert not update(DURHAM_FORCE_MEMBER, FORCE_MEASURE, "police-cleveland")
    assert not update(DURHAM_FORCE_MEMBER, FORCE_MEASURE, "")
    assert update(DURHAM_FORCE_MEMBER, POLICE_MEASURE, "")  # a measure they may write on
    # Naming an organisation never opens a measure its user may not see.
    assert not update(DURHAM_FORCE_MEMBER, "crown_open_cases", "police-durham")
    viewer = dataclasses.replace(DURHAM_FORCE_MEMBER, role="viewer", subgroups=frozenset())
    assert not update(viewer, FORCE_MEASURE, "police-durham")


def test_the_owner_organisation_updates_an_opcc_action_on_a_force_wide_measure(app, factory):
    users.create_user(
        factory,
        f"force-{uuid.uuid4().hex[:6]}",
        "durham-force-pass-phrase",
        role="member",
        organisation="police-durham",
        subgroups=("force",),
    )
    with factory() as session:
        durham = max(
            (u for u in users.list_users(session) if u.username.startswith("force-")),
            key=lambda u: u.username,
        ).username
    action_id = meetings.raise_action(
        factory,
        measure_id=FORCE_MEASURE,
        title="Explain the satisfaction dip",
        owner="Durham performance lead",
        due_date=FUTURE,
        by="test-analyst",
        owner_organisation="police-durham",
    )
    other = meetings.raise_action(
        factory,
        measure_id=FORCE_MEASURE,
        title="Cleveland to explain",
        owner="Cleveland lead",
        due_date=FUTURE,
        by="test-analyst",
        owner_organisation="police-cleveland",
    )
    with signed_in(app, durham):
        choices = {o["value"] for o in action_log.action_choices(0, 0)}
        done, _ = action_log.update_existing_action(1, str(action_id), "in_progress", "On it", 0)
        refused, _ = action_log.update_existing_action(1, str(other), "done", "", 0)
    assert str(action_id) in choices and str(other) not in choices
    assert "is now in progress" in done
    assert refused == action_log.UPDATE_REFUSED


def test_a_chair_submits_only_returns_their_organisation_answers_for():
    assert access.can_submit(HMCTS_CHAIR, "hmcts_crown_mi")
    assert access.can_submit(HMCTS_CHAIR, "hmcts_magistrates_mi")
    # The CPS's weekly dashboard feeds the same subgroup, but HMCTS does not answer for it.
    assert not access.can_submit(HMCTS_CHAIR, "cps_weekly_dashboard")
    cps_chair = dataclasses.replace(HMCTS_CHAIR, organisation="cps", organisation_kind="cps")
    assert access.can_submit(cps_chair, "cps_weekly_dashboard")
    assert not access.can_submit(cps_chair, "hmcts_crown_mi")
    assert access.can_submit(ANALYST, "cps_weekly_dashboard")


def test_the_demo_force_user_sees_what_the_readme_promises(make_settings):
    from app import create_app

    app = create_app(make_settings(demo_mode=True, refresh_on_start=False))
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    signed = client.post(
        "/login",
        data={
            "username": "demo-force",
            "password": users.demo_password("demo-force"),
            "csrf": token,
        },
    )
    assert signed.status_code == 302
    key = routing_callback(app)
    for path in ("/force-performance", "/police-demand"):
        body = callback_body(key, app.callback_map[key], [path, ""], None)
        text = client.post(UPDATE_URL, json=body).get_data(as_text=True)
        assert NOT_AUTHORISED_PAGE_ID not in text, path
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        user = users.find_user(session, "demo-force")
        rights = access.rights_for(session, user.id)
    forces = {DURHAM: DURHAM, "E23000013": "E23000013"}
    assert access.can_view_dataset(rights, "police_force_extract", DURHAM, forces)
    assert not access.can_view_dataset(rights, "police_force_extract", "E23000013", forces)
