"""Vintages, revisions and provenance, on a real MoJ release that is then revised and reloaded.

The revision is made the way MoJ makes one: a later release restates a quarter, consistently
across files. Here the England & Wales open caseload at 2025 Q4 rises by 25 cases and Teesside's
by the same 25 (the court file adds up to the national figure), every file that states either is
changed, and the folder is reloaded. Expected values come from the CSV text via the csv module.
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import flask_login
import pytest
import sqlalchemy as sa
from browser_waits import PAGE_WAIT
from dash_tree import find_by_id, tables_in, text_of

from callbacks import courts, effectiveness
from config import Settings
from layouts.components import About, about_figure
from layouts.revisions import PREVIOUSLY_PUBLISHED, REVISED_LEGEND, REVISED_SYMBOL
from loaders import queries, refresh, users
from loaders.areas import ENGLAND_AND_WALES, crown_court_code
from loaders.datasets import DATASETS
from loaders.models import Observation, Vintage
from loaders.revisions import latest_revisions, revisions
from presented.words import local_time

SPEC = DATASETS["moj_ccsq_crown"]
TODAY = date(2026, 11, 26)
Q4_2025 = date(2025, 12, 31)
TEESSIDE = crown_court_code("Teesside")
VIEWER = ("revisions-viewer", "revisions-viewer-password-1")


# --- revising a real release ------------------------------------------------------------------


def _rewrite(path: Path, change) -> None:
    """Apply `change(row)` to each row of a CSV, keeping its header order and number format."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    for row in rows:
        change(row)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _plus(row: dict, column: str, delta: float) -> None:
    row[column] = repr(float(row[column]) + delta)


def revise_q4_open_cases(folder: Path, delta: float) -> None:
    """Restate 2025 Q4 open cases: England & Wales and Teesside up by `delta`, consistently."""

    def trajectory(row):
        if row["quarter_end"] == "2025-12-31":
            _plus(row, "open", delta)

    def by_court(row):
        if row["court"] == "Teesside":
            _plus(row, "open_latest", delta)
            _plus(row, "change", delta)
            row["pct_change"] = repr(float(row["change"]) / float(row["open_year_ago"]))

    def backlog_ratio(row):
        if row["court"] == "Teesside":
            _plus(row, "open_latest", delta)
            row["years_of_backlog"] = repr(
                float(row["open_latest"]) / float(row["annual_disposals"])
            )

    def age_summary(row):
        if row["quarter_end"] == "2025-12-31":
            _plus(row, "total_cases", delta)

    _rewrite(folder / "gold_backlog_trajectory.csv", trajectory)
    _rewrite(folder / "gold_backlog_by_court.csv", by_court)
    _rewrite(folder / "gold_court_backlog_ratio.csv", backlog_ratio)
    _rewrite(folder / "gold_caseload_age_summary.csv", age_summary)


def published(folder: Path, name: str, key: str, key_value: str, column: str) -> float:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return float(next(r for r in csv.DictReader(handle) if r[key] == key_value)[column])


def _load(factory, folder: Path, *, is_demo: bool = False) -> None:
    outcome = refresh.refresh_dataset(factory, SPEC, folder, is_demo=is_demo, today=TODAY)
    assert outcome.status == "success", outcome.error


def _vintages(factory) -> list[Vintage]:
    with factory() as session:
        return list(
            session.scalars(
                sa.select(Vintage).where(Vintage.dataset_id == SPEC.id).order_by(Vintage.id)
            )
        )


@pytest.fixture(scope="module")
def release(public_data_dir, tmp_path_factory) -> Path:
    """A private copy of the real CCSQ release folder that tests may revise."""
    folder = tmp_path_factory.mktemp("public") / SPEC.folder
    shutil.copytree(public_data_dir / SPEC.folder, folder)
    return folder


@pytest.fixture(scope="module")
def revised_app(databases, tmp_path_factory, release, public_data_dir):
    """An app whose CCSQ data was loaded from the real release, then from a revised one."""
    from app import create_app

    original = {
        "national": published(
            release, "gold_backlog_trajectory.csv", "quarter_end", "2025-12-31", "open"
        ),
        "teesside": published(
            release, "gold_backlog_by_court.csv", "court", "Teesside", "open_latest"
        ),
    }
    settings = Settings(
        database_url=databases.new(),
        secret_key="test-secret-key",
        public_data_dir=release.parent,
        instance_dir=tmp_path_factory.mktemp("instance"),
        refresh_on_start=False,
        testing=True,
    ).resolved()
    dash_app = create_app(settings)
    factory = dash_app.server.extensions["lcjp"].session_factory
    users.create_user(factory, *VIEWER, role="viewer")
    _load(factory, release)
    revise_q4_open_cases(release, 25)
    _load(factory, release)
    dash_app.original = original
    return dash_app


@contextmanager
def signed_in(dash_app, username: str = VIEWER[0]):
    """A callback request signed in as `username`, on this module's own app."""
    factory = dash_app.server.extensions["lcjp"].session_factory
    with factory() as session:
        user = users.find_user(session, username)
    with dash_app.server.test_request_context("/_dash-update-component", method="POST"):
        flask_login.login_user(user)
        yield user


def _of_type(component, name: str) -> list:
    """Every component of a Dash type name (e.g. 'Details') inside a tree."""
    found = []
    if isinstance(component, list | tuple):
        for child in component:
            found += _of_type(child, name)
        return found
    if component is None or isinstance(component, str | int | float):
        return found
    if type(component).__name__ == name:
        found.append(component)
    return found + _of_type(getattr(component, "children", None), name)


# --- vintages are kept ------------------------------------------------------------------------


def test_three_loads_keep_three_vintages_with_their_rows(cache, public_data_dir, tmp_path):
    folder = tmp_path / SPEC.folder
    shutil.copytree(public_data_dir / SPEC.folder, folder)
    _load(cache, folder)
    revise_q4_open_cases(folder, 25)
    _load(cache, folder)
    revise_q4_open_cases(folder, 25)  # a second revision of the same quarter
    _load(cache, folder)

    kept = _vintages(cache)
    assert len(kept) == 3
    assert len({v.content_hash for v in kept}) == 3
    with cache() as session:
        for vintage in kept:
            rows = session.scalar(
                sa.select(sa.func.count()).where(Observation.vintage_id == vintage.id)
            )
            assert rows == vintage.row_count > 0
        national = session.execute(
            sa.select(Observation.vintage_id, Observation.value)
            .where(
                Observation.measure_id == "crown_open_cases",
                Observation.area_code == ENGLAND_AND_WALES,
                Observation.period_end == Q4_2025,
            )
            .order_by(Observation.vintage_id)
        ).all()
        current = queries.provenance(session, SPEC.id)
    original = published(
        public_data_dir / SPEC.folder,
        "gold_backlog_trajectory.csv",
        "quarter_end",
        "2025-12-31",
        "open",
    )
    assert [value for _, value in national] == [original, original + 25, original + 50]
    assert current.vintage_id == kept[-1].id and current.vintages_kept == 3

    with cache() as session:
        history = revisions(session, "crown_open_cases", area_codes=[ENGLAND_AND_WALES])
        newest_only = revisions(
            session, "crown_open_cases", area_codes=[ENGLAND_AND_WALES], vintages=1
        )
    assert list(history["previous_value"]) == [original + 25, original]
    assert list(history["previous_vintage_id"]) == [kept[1].id, kept[0].id]
    assert list(newest_only["previous_value"]) == [original + 25]
    summary = latest_revisions(history).iloc[0]
    assert summary["value"] == original + 50 and summary["previous_value"] == original + 25
    assert [value for value, _id, _at in summary["earlier"]] == [original + 25, original]


def test_the_database_refuses_to_delete_or_rewrite_a_vintage(cache, public_data_dir):
    _load(cache, public_data_dir / SPEC.folder)
    vintage = _vintages(cache)[0]
    statements = [
        sa.delete(Observation).where(Observation.vintage_id == vintage.id),
        sa.update(Observation).where(Observation.vintage_id == vintage.id).values(value=0),
        sa.delete(Vintage).where(Vintage.id == vintage.id),
        sa.update(Vintage).where(Vintage.id == vintage.id).values(content_hash="forged"),
    ]
    for statement in statements:
        with pytest.raises(sa.exc.DBAPIError, match="loaded vintages are kept"), cache() as session:
            session.execute(statement)
            session.commit()
    with cache() as session:
        rows = session.scalar(
            sa.select(sa.func.count()).where(Observation.vintage_id == vintage.id)
        )
        stored = session.get(Vintage, vintage.id)
    assert rows == vintage.row_count and stored.content_hash == vintage.content_hash


def test_a_switch_from_demo_to_published_data_is_not_a_revision(cache, public_data_dir, tmp_path):
    folder = tmp_path / SPEC.folder
    shutil.copytree(public_data_dir / SPEC.folder, folder)
    _load(cache, folder, is_demo=True)
    revise_q4_open_cases(folder, 25)
    _load(cache, folder)
    with cache() as session:
        assert revisions(session, "crown_open_cases", area_codes=[ENGLAND_AND_WALES]).empty


# --- the revision query -----------------------------------------------------------------------


def test_revisions_give_the_earlier_value_its_vintage_and_load_time(revised_app):
    first, second = _vintages(revised_app.server.extensions["lcjp"].session_factory)
    factory = revised_app.server.extensions["lcjp"].session_factory
    with factory() as session:
        national = revisions(session, "crown_open_cases", area_codes=[ENGLAND_AND_WALES])
        courts = revisions(session, "crown_open_cases", area_type="crown_court")
        receipts = revisions(session, "crown_receipts", area_codes=[ENGLAND_AND_WALES])
        shown = queries.observations(session, "crown_open_cases", area_codes=[ENGLAND_AND_WALES])
    assert len(national) == 1
    row = national.iloc[0]
    assert row["period_end"] == Q4_2025
    assert row["value"] == revised_app.original["national"] + 25
    assert row["previous_value"] == revised_app.original["national"]
    assert row["previous_vintage_id"] == first.id
    assert row["previous_loaded_at"] == first.loaded_at
    assert row["previous_content_hash"] == first.content_hash
    # The screen shows the new value; only the one court that changed is revised.
    assert shown[shown["period_end"] == Q4_2025]["value"].item() == row["value"]
    assert list(courts["area_code"]) == [TEESSIDE]
    assert courts.iloc[0]["previous_value"] == revised_app.original["teesside"]
    assert receipts.empty
    assert second.id > first.id


# --- what the board sees ----------------------------------------------------------------------


def test_tiles_mark_the_revised_figure_and_only_it(revised_app):
    first, second = _vintages(revised_app.server.extensions["lcjp"].session_factory)
    with signed_in(revised_app):
        tiles = courts.update_court_block({})
    national, teesside = revised_app.original["national"], revised_app.original["teesside"]
    loaded = local_time(first.loaded_at)
    assert text_of(find_by_id(tiles, "tile-crown_open_cases-k04000001-value")).startswith(
        f"{national + 25:,.0f}"
    )
    assert text_of(find_by_id(tiles, "tile-crown_open_cases-k04000001-revision")) == (
        f"Revised: was {national:,.0f} in the vintage loaded {loaded}"
    )
    assert text_of(find_by_id(tiles, "tile-crown_open_cases-cc-teesside-value")).startswith(
        f"{teesside + 25:,.0f}"
    )
    assert text_of(find_by_id(tiles, "tile-crown_open_cases-cc-teesside-revision")) == (
        f"Revised: was {teesside:,.0f} in the vintage loaded {loaded}"
    )
    # Durham's figure and the national share were not revised: no marker at all.
    assert find_by_id(tiles, "tile-crown_open_cases-cc-durham-value") is not None
    assert find_by_id(tiles, "tile-crown_open_cases-cc-durham-revision") is None
    assert find_by_id(tiles, "tile-crown_open_1yr_share-k04000001-revision") is None


def test_tiles_say_where_each_figure_came_from(revised_app, release):
    first, second = _vintages(revised_app.server.extensions["lcjp"].session_factory)
    with signed_in(revised_app):
        tiles = courts.update_court_block({})
    about = find_by_id(tiles, "tile-crown_open_cases-k04000001-about")
    assert type(about).__name__ == "Details"
    assert type(about.children[0]).__name__ == "Summary"  # the keyboard-operable toggle
    text = text_of(about)
    assert "About this figure" in text
    assert "Ministry of Justice" in text and SPEC.title in text
    assert "2025 Q4" in text
    assert f"no. {second.id} (content hash {second.content_hash[:12]})" in text
    assert f"{local_time(second.loaded_at)} (UK time)" in text
    assert str(release) in text
    assert "1 kept" in text  # the earlier vintage
    assert "Demo data" not in text
    # Every tile carries it, the unrevised ones too.
    assert find_by_id(tiles, "tile-crown_open_cases-cc-durham-about") is not None


def test_the_trend_chart_marks_the_revised_point_with_both_values(revised_app):
    first, _second = _vintages(revised_app.server.extensions["lcjp"].session_factory)
    with signed_in(revised_app):
        figure, summary, table, source = effectiveness.update_trend({})
    national = revised_app.original["national"]
    traces = {t.name: t for t in figure.data}
    assert list(traces)[:3] == ["Receipts", "Disposals", "Open cases"]
    assert traces["Open cases"].y[-1] == national + 25
    marked = traces[REVISED_LEGEND]
    assert list(marked.y) == [national + 25]
    assert str(marked.x[0])[:10] == "2025-12-31"
    assert marked.marker.symbol == REVISED_SYMBOL
    assert all(t.marker.symbol != REVISED_SYMBOL for t in figure.data if t is not marked)
    assert f"was {national:,.0f}" in marked.customdata[0]

    assert f"Open cases, 2025 Q4, is now {national + 25:,.0f}; it was {national:,.0f}" in summary
    (shown,) = tables_in(table)
    assert shown["rows"][0][-1] == PREVIOUSLY_PUBLISHED
    by_quarter = {row[0]: row[-1] for row in shown["rows"][1:]}
    assert by_quarter["2025 Q4"] == (
        f"Open cases: {national:,.0f} (vintage {first.id}, loaded {local_time(first.loaded_at)})"
    )
    assert by_quarter["2025 Q3"] == "–"
    about = text_of(_of_type(source, "Details"))
    assert "2016 Q1 to 2025 Q4" in about and "Ministry of Justice" in about


def test_the_court_page_tile_marks_the_revised_court(revised_app):
    with signed_in(revised_app):
        _region, tiles, *_ = courts.update_court_page({"court": TEESSIDE})
    assert "Revised: was" in text_of(
        find_by_id(tiles, "tile-crown_open_cases-cc-teesside-revision")
    )
    assert find_by_id(tiles, "tile-crown_backlog_years-cc-teesside-revision") is None
    assert "2025 Q4" in text_of(find_by_id(tiles, "tile-crown_backlog_years-cc-teesside-about"))


def test_a_single_load_shows_no_revision_marks(as_user):
    with as_user("viewer"):
        figure, summary, table, _source = effectiveness.update_trend({})
        tiles = courts.update_court_block({})
    assert REVISED_LEGEND not in {t.name for t in figure.data}
    assert PREVIOUSLY_PUBLISHED not in text_of(table) and "Revised" not in summary
    assert find_by_id(tiles, "tile-crown_open_cases-k04000001-revision") is None


def test_about_this_figure_labels_demo_data():
    demo = queries.Provenance(
        dataset_id="demo",
        title="A demo source",
        publisher="Demo publisher",
        publication_url="",
        loaded_at=None,
        period_latest=Q4_2025,
        is_demo=True,
        vintage_id=7,
        content_hash="abcdef0123456789",
        source_location="/srv/demo",
    )
    text = text_of(about_figure(About(demo)))
    assert "Demo data" in text and "no. 7 (content hash abcdef012345)" in text
    assert "up to 31 Dec 2025" in text and "/srv/demo" in text


@pytest.mark.browser
def test_br_keyboard_user_opens_about_this_figure_on_a_revised_tile(
    dash_thread_server, dash_br, revised_app
):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    dash_thread_server(revised_app)
    dash_br.driver.get(f"{dash_thread_server.url}/login?next=/effectiveness-efficiency")
    dash_br.find_element("#username").send_keys(VIEWER[0])
    dash_br.find_element("#password").send_keys(VIEWER[1])
    dash_br.find_element("#login-submit").click()
    national = revised_app.original["national"]
    dash_br.wait_for_contains_text(
        "#tile-crown_open_cases-k04000001-revision", f"was {national:,.0f}", timeout=PAGE_WAIT
    )

    summary = dash_br.find_element("#tile-crown_open_cases-k04000001-about summary")
    details = dash_br.find_element("#tile-crown_open_cases-k04000001-about")
    assert details.get_attribute("open") is None
    # Tab through the page until the disclosure has focus, as a keyboard user would.
    keyboard = ActionChains(dash_br.driver)
    for _ in range(400):  # the headline tiles and the measure table's links come first
        keyboard.send_keys(Keys.TAB).perform()
        if dash_br.driver.switch_to.active_element == summary:
            break
    assert dash_br.driver.switch_to.active_element == summary
    summary.send_keys(Keys.ENTER)
    assert details.get_attribute("open") is not None
    assert "Ministry of Justice" in details.text and "(UK time)" in details.text
    assert dash_br.get_logs() == []


def test_many_revisions_are_summarised_and_every_earlier_value_is_tabled():
    import pandas as pd

    from layouts.revisions import add_previously_published, revision_sentence

    quarters = ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "2024 Q4"]
    frame = pd.DataFrame(
        {
            "quarter": quarters,
            "series": ["Open cases"] * 5,
            "value": [100.0, 200.0, 300.0, 400.0, 500.0],
            "revision_note": [f"Revised: was {n} in the vintage loaded x" for n in (1, 2, 3, 4)]
            + [""],
            "previously_published": ["1 (vintage 2); 0 (vintage 1)", "2", "3", "4", ""],
        }
    )
    sentence = revision_sentence(frame, lambda row: f"{row['series']}, {row['quarter']},")
    assert "Open cases, 2025 Q1, is now 100; it was 1 in the vintage loaded x" in sentence
    assert "and 1 more (see 'Previously published' in the table)" in sentence
    assert "2025 Q4" not in sentence  # beyond the first three, counted not listed
    table = pd.DataFrame({"Quarter": quarters})
    tabled = add_previously_published(
        table, frame, table_key="Quarter", frame_key="quarter", series="series"
    )
    assert list(tabled[PREVIOUSLY_PUBLISHED]) == [
        "Open cases: 1 (vintage 2); 0 (vintage 1)",
        "Open cases: 2",
        "Open cases: 3",
        "Open cases: 4",
        "–",
    ]
    unrevised = frame.assign(revision_note="")
    assert revision_sentence(unrevised, str) == ""
    assert (
        add_previously_published(table, unrevised, table_key="Quarter", frame_key="quarter")
        is table
    )


# --- the page grammar, meeting screens and packs mark revisions too ---------------------------


def test_a_measure_section_stars_the_revised_point_and_says_what_it_was(revised_app):
    from callbacks import subgroup

    first, _second = _vintages(revised_app.server.extensions["lcjp"].session_factory)
    national = revised_app.original["national"]
    with signed_in(revised_app):
        parts = subgroup.section_content("crown_open_cases", {})
    _badges, summary, _crumbs, trend, _compare, tables, *_ = parts
    marked = next(t for t in trend.data if t.name == REVISED_LEGEND)
    assert list(marked.y) == [national + 25] and marked.marker.symbol == REVISED_SYMBOL
    assert str(marked.x[0])[:10] == "2025-12-31"
    assert f"England and Wales, 2025 Q4, is now {national + 25:,.0f}; it was {national:,.0f}" in (
        summary
    )
    spc_table = tables[0]
    (shown,) = tables_in(spc_table)
    assert shown["rows"][0][-1] == PREVIOUSLY_PUBLISHED
    rows = {row[0]: row[-1] for row in shown["rows"][1:]}
    assert (
        rows["2025 Q4"]
        == f"{national:,.0f} (vintage {first.id}, loaded {local_time(first.loaded_at)})"
    )
    assert rows["2025 Q3"] == "–"


def test_grammar_tiles_and_the_meeting_brief_state_the_earlier_figure(revised_app):
    from callbacks import briefs, subgroup
    from loaders import events

    first, _second = _vintages(revised_app.server.extensions["lcjp"].session_factory)
    loaded = local_time(first.loaded_at)
    teesside, national = revised_app.original["teesside"], revised_app.original["national"]
    with signed_in(revised_app) as user:
        spec = subgroup.MEASURES["crown_open_cases"]
        tiles = [t for t, _signal in subgroup.headline_tiles(spec, events.builtin_events(), user)]
        brief = briefs.measure_brief("crown_open_cases", hide_small_numbers=True)
    revised_tile = text_of(find_by_id(tiles, "tile-crown_open_cases-cc-teesside-revision"))
    assert revised_tile == f"Revised: was {teesside:,.0f} in the vintage loaded {loaded}"
    assert find_by_id(tiles, "tile-crown_open_cases-cc-durham-revision") is None  # not revised
    assert brief.texts["revision"] == f"Revised: was {national:,.0f} in the vintage loaded {loaded}"
    assert "Revised since an earlier release" in brief.summary
    assert any(t.name == REVISED_LEGEND for t in brief.figure.data)


def test_a_summed_count_was_revised_by_the_change_in_its_parts(app, as_user, monkeypatch):
    """The partnership's figure is its forces' sum: its earlier value is today's total less the
    forces' changes; a rate summed from parts is not marked (no earlier figure can be stated)."""
    import pandas as pd

    from callbacks import data, revisions, subgroup
    from loaders import board
    from loaders.areas import CLEVELAND, DURHAM

    with as_user("analyst"):
        spec = subgroup.MEASURES["police_street_records"]
        view = subgroup.view_for(spec)
        plan = subgroup.plan()
        lcjp = view.totals[view.totals["area_code"] == plan.lcjp_code].iloc[-1]
        period = lcjp["period_end"]
        parts = view.totals[
            (view.totals["period_end"] == period)
            & view.totals["area_code"].isin([DURHAM, CLEVELAND])
        ]
        loaded = pd.Timestamp("2026-01-05 09:30", tz="UTC").to_pydatetime()

        def changed(code, by):
            now = float(parts.loc[parts["area_code"] == code, "value"].iloc[0])
            return {
                "area_code": code,
                "period_end": period,
                "breakdown_key": "crime_type=Burglary",
                "value": now,
                "previous_value": now + by,
                "previous_vintage_id": 1,
                "previous_loaded_at": loaded,
                "earlier": [(now + by, 1, loaded)],
            }

        fake = pd.DataFrame([changed(DURHAM, 7), changed(CLEVELAND, -2)])
        monkeypatch.setattr(data, "revisions", lambda measure_id, **_f: fake)
        revised = revisions.series_revisions(view, plan.lcjp_code, plan.forces)
        durham = revisions.series_revisions(view, DURHAM)
        rate_view = board.MeasureView(
            spec=subgroup.MEASURES["police_charged_share"], totals=view.totals
        )
        rate = revisions.series_revisions(rate_view, plan.lcjp_code, plan.forces)
        # Where totals are published, a breakdown's revision does not restate the total.
        published = dataclasses.replace(view, totals_published=True)
        breakdown_only = revisions.series_revisions(published, DURHAM)
    assert not view.totals_published and breakdown_only.empty
    assert len(revised) == 1
    assert revised.iloc[0]["value"] == lcjp["value"]
    assert revised.iloc[0]["previous_value"] == lcjp["value"] + 5
    assert durham.iloc[0]["previous_value"] == durham.iloc[0]["value"] + 7
    assert rate.empty
