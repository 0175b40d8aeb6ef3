"""Events and series breaks: the built-in registry, SPC options, stored events and the admin page."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from callbacks import events_admin
from layouts import ids
from loaders import events
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.events import EventError, builtin_events, events_for, spc_options_for
from loaders.measures import MEASURES
from loaders.models import TimelineEvent
from loaders.spc import spc

LOCKDOWNS = {"covid-lockdown-1", "covid-lockdown-2", "covid-lockdown-3"}


def monthly_periods(first: str, last: str) -> pd.DataFrame:
    ends = pd.date_range(first, last, freq="ME")
    return pd.DataFrame(
        {"period_start": [e.replace(day=1).date() for e in ends], "period_end": ends.date}
    )


def quarterly_periods(first: str, last: str) -> pd.DataFrame:
    ends = pd.date_range(first, last, freq="QE")
    starts = [(e - pd.offsets.QuarterBegin(startingMonth=1)).date() for e in ends]
    return pd.DataFrame({"period_start": starts, "period_end": ends.date})


def test_builtin_registry_dates_and_kinds():
    by_id = {e.id: e for e in builtin_events()}
    assert set(by_id) == LOCKDOWNS | {"oocd-two-tier", "common-platform"}
    assert (by_id["covid-lockdown-1"].start, by_id["covid-lockdown-1"].end) == (
        date(2020, 3, 23),
        date(2020, 7, 3),
    )
    assert (by_id["covid-lockdown-2"].start, by_id["covid-lockdown-2"].end) == (
        date(2020, 11, 5),
        date(2020, 12, 1),
    )
    assert (by_id["covid-lockdown-3"].start, by_id["covid-lockdown-3"].end) == (
        date(2021, 1, 6),
        date(2021, 4, 11),
    )
    for lockdown in LOCKDOWNS:
        assert by_id[lockdown].kind == "event" and by_id[lockdown].exclude_from_baseline
    for series_break in ("oocd-two-tier", "common-platform"):
        assert by_id[series_break].kind == "series_break" and by_id[series_break].rebases
        assert by_id[series_break].end is None
    assert by_id["common-platform"].start == date(2020, 9, 1)
    assert by_id["oocd-two-tier"].start == date(2022, 4, 28)
    assert all(e.description and e.source.startswith("https://") for e in by_id.values())


def test_each_builtin_event_affects_the_right_measures():
    for measure_id in MEASURES:
        affecting = {e.id for e in events_for(measure_id)}
        assert affecting >= LOCKDOWNS, measure_id  # lockdowns touch every measure
        is_court = MEASURES[measure_id].dataset_id == "moj_ccsq_crown"
        assert ("common-platform" in affecting) == is_court, measure_id
        is_oocd = "out_of_court" in measure_id or "oocd" in measure_id
        assert ("oocd-two-tier" in affecting) == is_oocd, measure_id
    # Measures other sessions add later are matched by their ids.
    for later in ("oocd_rate", "adult_out_of_court_disposals", "community_resolutions_count"):
        assert "oocd-two-tier" in {e.id for e in events_for(later)}
    assert "common-platform" in {e.id for e in events_for("magistrates_open_cases")}
    assert "common-platform" in {e.id for e in events_for("ineffective_trial_rate")}
    assert "common-platform" not in {e.id for e in events_for("victim_satisfaction")}


def test_lockdown_periods_are_excluded_from_a_monthly_baseline():
    periods = monthly_periods("2019-01-31", "2022-12-31")
    rebase_at, exclude = spc_options_for("police_street_records", periods)
    assert rebase_at == ()
    months = [f"{d:%Y-%m}" for d in exclude]
    assert months == [
        "2020-03", "2020-04", "2020-05", "2020-06", "2020-07",  # 23 Mar – 3 Jul 2020
        "2020-11", "2020-12",  # 5 Nov – 1 Dec 2020
        "2021-01", "2021-02", "2021-03", "2021-04",  # 6 Jan – 11 Apr 2021
    ]  # fmt: skip


def test_court_measure_rebases_at_common_platform_and_drops_lockdown_quarters():
    periods = quarterly_periods("2016-03-31", "2025-12-31")
    rebase_at, exclude = spc_options_for("crown_open_cases", periods)
    assert rebase_at == (pd.Timestamp("2020-09-30"),)  # the quarter containing 1 Sep 2020
    assert [f"{d:%Y-%m}" for d in exclude] == [
        "2020-03", "2020-06", "2020-09", "2020-12", "2021-03", "2021-06"
    ]  # fmt: skip

    # Through the engine: two segments, and the lockdown quarters out of each baseline.
    values = pd.Series(
        range(len(periods)), index=pd.to_datetime(periods["period_end"]), dtype=float
    )
    result = spc(values, "down_good", rebase_at=rebase_at, exclude=exclude)
    assert [s.start for s in result.segments] == [pd.Timestamp("2016-03-31"), rebase_at[0]]
    out = result.points[~result.points["in_baseline"]]
    assert list(out.index) == list(exclude)


def test_oocd_series_break_rebases_at_the_configured_date():
    periods = monthly_periods("2021-01-31", "2024-12-31")
    rebase_at, _ = spc_options_for("oocd_rate", periods)
    assert rebase_at == (pd.Timestamp("2022-04-30"),)  # the month containing 28 Apr 2022
    configured = builtin_events({"oocd-two-tier": "2023-06-01"})
    rebase_at, _ = spc_options_for("oocd_rate", periods, configured)
    assert rebase_at == (pd.Timestamp("2023-06-30"),)


def test_a_break_before_the_first_period_does_not_rebase():
    periods = quarterly_periods("2021-03-31", "2023-12-31")
    rebase_at, _ = spc_options_for("crown_open_cases", periods)
    assert rebase_at == ()
    assert spc_options_for("crown_open_cases", []) == ((), ())


def test_bad_configuration_is_refused_clearly():
    with pytest.raises(EventError, match="unknown events: no-such-event"):
        builtin_events({"no-such-event": "2020-01-01"})
    with pytest.raises(EventError, match="must be a date"):
        builtin_events({"common-platform": "September 2020"})


@pytest.fixture
def store(make_settings):
    engine = make_engine(make_settings().database_url)
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_administrators_events_are_stored_listed_and_deleted(store):
    added = events.add_event(
        store,
        title="Barristers' strike",
        kind="event",
        start="2022-04-11",
        end="2022-10-10",
        datasets=["moj_ccsq_crown"],
        exclude_from_baseline=True,
        created_by="test-admin",
    )
    assert added.id.startswith("custom-") and not added.built_in
    listed = events.list_events(store)
    assert [e.id for e in listed].count(added.id) == 1
    assert len(listed) == len(builtin_events()) + 1
    assert added.id in {e.id for e in events_for("crown_open_cases", listed)}
    assert added.id not in {e.id for e in events_for("police_street_records", listed)}
    assert added.scope == "Criminal court statistics quarterly: Crown Court (dataset)"

    periods = quarterly_periods("2021-03-31", "2023-12-31")
    _, exclude = spc_options_for("crown_open_cases", periods, listed)
    assert pd.Timestamp("2022-06-30") in exclude and pd.Timestamp("2022-12-31") in exclude

    events.delete_event(store, added.id)
    assert len(events.list_events(store)) == len(builtin_events())
    with pytest.raises(EventError, match="already have been deleted"):
        events.delete_event(store, added.id)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": " "}, "title"),
        ({"kind": "holiday"}, "event \\(a period\\) or a series break"),
        ({"start": "31/12/2022"}, "start date must be a date"),
        ({"end": "2021-01-01"}, "end date is before the start date"),
        ({"kind": "series_break", "end": "2022-02-01"}, "single date"),
        ({"all_measures": False}, "which measures"),
        ({"all_measures": False, "measures": ["no_such_measure"]}, "Unknown measure"),
        ({"all_measures": False, "subgroups": ["no-such-group"]}, "Unknown subgroup"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_stored(store, fields, message):
    values = {"title": "Strike", "kind": "event", "start": "2022-01-01", "all_measures": True}
    values.update(fields)
    with pytest.raises(EventError, match=message):
        events.add_event(store, **values)
    with store() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(TimelineEvent)) == 0


def test_builtin_events_cannot_be_deleted(store):
    with pytest.raises(EventError, match="Built-in"):
        events.delete_event(store, "covid-lockdown-1")
    with pytest.raises(EventError, match="No such event"):
        events.delete_event(store, "custom-abc")


# --- The administrators' page -------------------------------------------------------------------


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _stored_titles(app) -> list[str]:
    with app.server.extensions["lcjp"].session_factory() as session:
        return list(session.scalars(sa.select(TimelineEvent.title)))


def _form(**overrides):
    values = dict(
        title="Test strike",
        kind="event",
        start="2022-04-11",
        end="2022-10-10",
        scope="dataset:moj_ccsq_crown",
        exclude=True,
        description="Criminal Bar Association action",
        source="",
    )
    values.update(overrides)
    return [values[k] for k in ("title", "kind", "start", "end", "scope", "exclude")] + [
        values["description"],
        values["source"],
    ]


@pytest.fixture
def pressed():
    """Pretend a callback was fired by a given component (ctx.triggered_id)."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    tokens = []

    def press(prop_id: str):
        tokens.append(context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id}])))

    yield press
    for token in reversed(tokens):
        context_value.reset(token)


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_event_callbacks_refuse_non_admins(app, as_user, pressed, role):
    before = _stored_titles(app)
    with as_user(role):
        body = events_admin.render_admin({})
        assert getattr(body, "id", None) == "not-authorised"
        status, table = events_admin.save_event(1, *_form())
        assert "Only administrators" in _text(status)
        assert table is events_admin.no_update
        pressed('{"index":"custom-1","type":"event-delete"}.n_clicks')
        status, table = events_admin.remove_event([1])
        assert "Only administrators" in _text(status)
    assert _stored_titles(app) == before


def test_admin_adds_and_deletes_an_event(app, as_user, pressed):
    with as_user("admin"):
        body = events_admin.render_admin({})
        text = _text(body)
        assert "Add an event or series break" in text
        assert "First COVID-19 lockdown" in text and "Common Platform go-live" in text

        status, table = events_admin.save_event(1, *_form())
        assert "Added “Test strike” (11 Apr 2022 to 10 Oct 2022)" in _text(status)
        assert "Test strike" in _text(table)
        [stored] = [e for e in events.list_events(app.server.extensions["lcjp"].session_factory)
                    if e.title == "Test strike"]  # fmt: skip
        assert stored.exclude_from_baseline and stored.datasets == ("moj_ccsq_crown",)

        pressed(f'{{"index":"{stored.id}","type":"{ids.EVENT_DELETE}"}}.n_clicks')
        status, table = events_admin.remove_event([1])
        assert "Event deleted" in _text(status)
        assert "Test strike" not in _text(table)
    assert "Test strike" not in _stored_titles(app)


def test_admin_form_errors_are_reported_and_store_nothing(app, as_user):
    before = _stored_titles(app)
    with as_user("admin"):
        status, table = events_admin.save_event(1, *_form(start="", title="Undated"))
        assert "start date must be a date" in _text(status)
        assert table is events_admin.no_update
        status, _ = events_admin.save_event(1, *_form(scope="measure:forged_measure"))
        assert "Unknown measure: forged_measure" in _text(status)
        status, _ = events_admin.save_event(1, *_form(scope="nonsense"))
        assert "Choose which measures" in _text(status)
    assert _stored_titles(app) == before


def test_admin_page_is_listed_for_admins_only(client, auth):
    def shell() -> str:  # the layout JSON escapes "/" as \u002f; load it to compare plainly
        return json.dumps(client.get("/_dash-layout").get_json())

    auth.login("viewer")
    assert '"/police-demand"' in shell() and '"/admin/events"' not in shell()
    auth.logout()
    auth.login("admin")
    assert '"/admin/events"' in shell()
