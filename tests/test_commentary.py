"""Commentary beside each measure: who may write where, drafts kept from readers until published,
every version in the history, and refusals (direct and forged over HTTP) that store nothing.

The session-wide app database is shared, so each test compares before and after and writes texts
of its own (a fresh token), never assuming an empty table.
"""

from __future__ import annotations

import uuid

import pytest
from access_probe import UPDATE_URL, callback_body
from dash_tree import find_by_id, text_of

from callbacks import commentary
from layouts import commentary as layout
from layouts.measure import section_id
from loaders import meetings
from loaders.audit import AuditFilter, find_events

COURT = "crown_open_cases"  # HMCTS's figures, Effectiveness & Efficiency
CPS = "cps_conviction_rate"  # CPS's figures, Effectiveness & Efficiency
POLICE_EE = "police_charged_share"  # police figures, Effectiveness & Efficiency
POLICE_DEMAND = "police_crimes"  # police figures, Police demand
VICTIM_WITNESS = "police_unable_to_prosecute_share"  # police figures, Victim & Witness
NO_FIGURES = "vcop_updates_in_time"  # a partner return no test submits to the shared app
REOFFENDING = "reoffending_rate"


def token() -> str:
    return f"note-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def factory(app):
    return app.server.extensions["lcjp"].session_factory


@pytest.fixture
def period(as_user):
    """The period a measure's commentary belongs to, as the analyst's screen shows it."""

    def find(measure_id: str):
        with as_user("analyst"):
            found = commentary.commentary_period(measure_id)
        assert found is not None, f"no figures loaded for {measure_id}"
        return found[0]

    return find


def versions(factory, measure_id, period_end) -> list[tuple]:
    with factory() as session:
        return [
            (v.version, v.status, v.text, v.saved_by)
            for v in meetings.history(session, measure_id, period_end)
        ]


def write(as_user, role, measure_id, action, text):
    with as_user(role):
        return commentary.write_commentary(measure_id, action, text)


def panel_text(as_user, role, measure_id) -> str:
    with as_user(role):
        return text_of(commentary.show_panel(measure_id))


@pytest.mark.parametrize(
    "measure_id", [COURT, CPS, POLICE_EE, POLICE_DEMAND, VICTIM_WITNESS, REOFFENDING]
)
def test_the_analyst_writes_on_any_measure(as_user, factory, period, measure_id):
    text = token()
    before = versions(factory, measure_id, period(measure_id))
    message, content = write(as_user, "analyst", measure_id, "save", text)
    assert message.startswith("Draft saved")
    after = versions(factory, measure_id, period(measure_id))
    assert after[0][1:] == ("draft", text, "test-analyst") and len(after) == len(before) + 1
    assert text in text_of(content)


def test_the_chair_writes_on_court_figures_but_not_on_cps_or_victim_witness_measures(
    as_user, factory, period
):
    text = token()
    message, _content = write(as_user, "chair", COURT, "save", text)
    assert message.startswith("Draft saved")
    assert versions(factory, COURT, period(COURT))[0][1:] == ("draft", text, "test-chair")
    for measure_id in (CPS, VICTIM_WITNESS):
        before = versions(factory, measure_id, period(measure_id))
        for action in ("save", "publish"):
            message, content = write(as_user, "chair", measure_id, action, token())
            assert message == commentary.REFUSED and content is commentary.no_update
        assert versions(factory, measure_id, period(measure_id)) == before


def test_the_chair_sees_the_editor_only_where_they_may_write(as_user):
    assert "Save draft" in panel_text(as_user, "chair", COURT)
    shown = panel_text(as_user, "chair", CPS)
    assert "Commentary" in shown and "Save draft" not in shown and "History" not in shown
    # A victim-witness measure is not theirs to see at all.
    assert panel_text(as_user, "chair", VICTIM_WITNESS) == commentary.NO_ACCESS


def test_a_police_member_writes_on_police_demand_but_not_on_effectiveness_measures(
    as_user, factory, period
):
    message, _content = write(as_user, "member", POLICE_DEMAND, "save", token())
    assert message.startswith("Draft saved")
    for measure_id in (COURT, CPS, POLICE_EE):
        before = versions(factory, measure_id, period(measure_id))
        message, _content = write(as_user, "member", measure_id, "publish", token())
        assert message == commentary.REFUSED
        assert versions(factory, measure_id, period(measure_id)) == before


@pytest.mark.parametrize("measure_id", [COURT, CPS, POLICE_DEMAND, VICTIM_WITNESS, REOFFENDING])
def test_a_viewer_may_write_nowhere(as_user, factory, period, measure_id):
    before = versions(factory, measure_id, period(measure_id))
    for action in ("save", "publish"):
        assert write(as_user, "viewer", measure_id, action, token())[0] == commentary.REFUSED
    assert versions(factory, measure_id, period(measure_id)) == before
    assert "Save draft" not in panel_text(as_user, "viewer", measure_id)


def test_a_measure_without_figures_has_no_period_to_comment_on(as_user, factory):
    assert "nothing to comment on" in panel_text(as_user, "analyst", NO_FIGURES)
    message, _content = write(as_user, "analyst", NO_FIGURES, "publish", token())
    assert message.startswith("Not saved") and "no figures" in message
    # The chair may not even see the victim and witness group's measures.
    assert write(as_user, "chair", NO_FIGURES, "save", token())[0] == commentary.REFUSED
    with factory() as session:
        assert meetings.latest_published(session, [NO_FIGURES]) == {}
        assert meetings.history(session, NO_FIGURES, "2025-01-31") == []


def test_a_refusal_is_audited_and_changes_nothing_stored(as_user, factory, period):
    write(as_user, "analyst", CPS, "publish", published := token())
    with factory() as session:
        before = meetings.commentary_for(session, CPS, period(CPS))
    assert write(as_user, "chair", CPS, "publish", token())[0] == commentary.REFUSED
    assert write(as_user, "chair", "no_such_measure", "save", token())[0] == commentary.REFUSED
    with factory() as session:
        assert meetings.commentary_for(session, CPS, period(CPS)) == before
        assert before.published_text == published
        denied = find_events(session, AuditFilter(event="access_denied", username="test-chair"))
    assert any(CPS in event.detail for event in denied)


def test_a_draft_reaches_readers_only_when_published(as_user, period):
    draft, final = token(), token()
    write(as_user, "analyst", REOFFENDING, "save", draft)
    assert draft not in panel_text(as_user, "viewer", REOFFENDING)
    writer_view = panel_text(as_user, "analyst", REOFFENDING)
    assert "Draft pending" in writer_view and draft in writer_view

    message, _content = write(as_user, "analyst", REOFFENDING, "publish", final)
    assert message.startswith("Published")
    reader_view = panel_text(as_user, "viewer", REOFFENDING)
    assert final in reader_view and "Published by test-analyst" in reader_view
    assert draft not in reader_view and "Draft pending" not in reader_view
    assert "History" not in reader_view  # the history holds drafts: writers only
    with as_user("analyst"):
        _end, label = commentary.commentary_period(REOFFENDING)
    assert label in reader_view


def test_the_history_lists_every_version(as_user, factory, period):
    first, second, published = token(), token(), token()
    before = versions(factory, POLICE_DEMAND, period(POLICE_DEMAND))
    write(as_user, "member", POLICE_DEMAND, "save", first)
    write(as_user, "analyst", POLICE_DEMAND, "save", second)
    write(as_user, "member", POLICE_DEMAND, "publish", published)
    after = versions(factory, POLICE_DEMAND, period(POLICE_DEMAND))
    assert after[:3] == [
        (len(before) + 3, "published", published, "test-member"),
        (len(before) + 2, "draft", second, "test-analyst"),
        (len(before) + 1, "draft", first, "test-member"),
    ]
    shown = panel_text(as_user, "member", POLICE_DEMAND)
    assert f"History ({len(after)} versions)" in shown
    assert all(text in shown for text in (first, second, published))
    with factory() as session:
        saved = find_events(session, AuditFilter(event="commentary_published"))
    assert any(POLICE_DEMAND in event.detail for event in saved)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n ", "empty"), (None, "empty"), ("x" * 4001, "limit is 4000")],
)
@pytest.mark.parametrize("action", ["save", "publish"])
def test_bad_input_is_refused_with_a_message_and_stores_nothing(
    as_user, factory, period, text, message, action
):
    before = versions(factory, COURT, period(COURT))
    answer, content = write(as_user, "chair", COURT, action, text)
    assert answer.startswith("Not saved") and message in answer
    assert content is commentary.no_update
    assert versions(factory, COURT, period(COURT)) == before


def test_every_measure_section_has_a_commentary_panel(app):
    from layouts.measure import measure_section
    from loaders.datasets import DATASETS
    from loaders.measures import MEASURES

    spec = MEASURES[COURT]
    section = measure_section(
        spec, spec.subgroup, {}, "t", "monthly", DATASETS[spec.dataset_id].classification
    )
    assert find_by_id(section, section_id(layout.PANEL, COURT)) is not None


# --- Over HTTP, as the browser (or someone forging its requests) would send them ------------------


def _write_key(app) -> str:
    return next(k for k in app.callback_map if f"measure-{layout.MESSAGE}" in k)


def post_write(app, client, measure_id, action, text, *, clicks=1):
    key = _write_key(app)
    values = [clicks, None, text] if action == "save" else [None, clicks, text]
    body = callback_body(
        key, app.callback_map[key], values, measure_id, trigger=0 if action == "save" else 1
    )
    return client.post(UPDATE_URL, json=body)


def test_a_legitimate_request_over_http_stores_the_draft(app, client, auth, factory, period):
    auth.login("chair")
    text = token()
    response = post_write(app, client, COURT, "save", text)
    assert response.status_code == 200 and "Draft saved" in response.get_data(as_text=True)
    assert versions(factory, COURT, period(COURT))[0][1:] == ("draft", text, "test-chair")


@pytest.mark.parametrize(
    ("role", "measure_id", "action"),
    [
        ("chair", CPS, "save"),
        ("chair", CPS, "publish"),
        ("chair", VICTIM_WITNESS, "publish"),
        ("member", COURT, "publish"),
        ("member", POLICE_EE, "save"),
        ("viewer", REOFFENDING, "publish"),
    ],
)
def test_a_forged_request_is_refused_and_stores_nothing(
    app, client, auth, factory, period, role, measure_id, action
):
    before = versions(factory, measure_id, period(measure_id))
    auth.login(role)
    response = post_write(app, client, measure_id, action, token())
    assert response.status_code == 200
    assert commentary.REFUSED in response.get_data(as_text=True)
    assert versions(factory, measure_id, period(measure_id)) == before


@pytest.mark.parametrize("forged", ["no_such_measure", {"nested": "id"}, ["list"], 7])
def test_a_forged_measure_id_is_refused_not_looked_up(app, client, auth, forged):
    auth.login("analyst")
    response = post_write(app, client, forged, "publish", token())
    if isinstance(forged, dict | list):  # not an id at all: refused at the boundary (400)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert commentary.REFUSED in response.get_data(as_text=True)


def test_no_click_means_no_write(app, client, auth, factory, period):
    auth.login("analyst")
    before = versions(factory, COURT, period(COURT))
    response = post_write(app, client, COURT, "publish", token(), clicks=0)
    assert response.status_code == 204
    assert versions(factory, COURT, period(COURT)) == before


def test_the_published_text_reaches_a_viewer_over_http(app, client, auth, as_user):
    text = token()
    write(as_user, "analyst", CPS, "publish", text)
    auth.login("viewer")
    key = next(k for k in app.callback_map if f'"type":"measure-{layout.PANEL}"' in k)
    body = callback_body(key, app.callback_map[key], [{}], CPS)
    response = client.post(UPDATE_URL, json=body)
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert text in shown and "Published by test-analyst" in shown and "Save draft" not in shown
