"""The four subgroup boards and the overview: registry integrity, figures, drill-down, rights."""

from __future__ import annotations

import csv
import json
import re
from contextlib import contextmanager

import dash
import pandas as pd
import pytest
from dash_tree import text_of, walk, with_parts_opened

from callbacks import courts, subgroup
from callbacks import pages as board_pages
from loaders.datasets import DATASETS
from loaders.measures import MEASURES, SUBGROUPS
from loaders.spc import POLARITIES

UNITS = {"count", "percent", "days", "weeks", "hours", "minutes", "years", "ratio", "per_100k"}
PAGE_SUBGROUPS = {*board_pages.BOARD_SUBGROUPS, "police-demand", "force"}
PAGE_PENDING: set[str] = set()


def test_registry_every_measure_has_a_loader_a_page_and_a_definition(app):
    registered = {page.get("subgroup") for page in dash.page_registry.values()} | {
        s for page in dash.page_registry.values() for s in page.get("subgroups") or ()
    }
    for spec in MEASURES.values():
        assert spec.dataset_id in DATASETS, spec.id
        assert callable(DATASETS[spec.dataset_id].loader), spec.id
        assert spec.subgroup in SUBGROUPS, spec.id
        if spec.subgroup not in PAGE_PENDING:
            assert spec.subgroup in PAGE_SUBGROUPS and spec.subgroup in registered, spec.id
        assert len(spec.definition) > 30, spec.id
        assert spec.polarity in POLARITIES, spec.id
        assert spec.unit in UNITS, spec.id
        if spec.unit == "percent" and spec.headline:
            assert spec.numerator and spec.denominator, spec.id
        if spec.headline and DATASETS[spec.dataset_id].submission:
            # A partner's headline says how often its return comes and when it is due.
            assert spec.cadence == DATASETS[spec.dataset_id].cadence and spec.lag, spec.id
    for subgroup_id in board_pages.BOARD_SUBGROUPS:
        measures = [m for m in MEASURES.values() if m.subgroup == subgroup_id]
        assert any(m.headline for m in measures), subgroup_id


@pytest.fixture
def chair_of(app):
    """Sign in, inside a request, as a partner chair of one subgroup (created on first use)."""
    import flask_login

    from loaders import users

    factory = app.server.extensions["lcjp"].session_factory

    @contextmanager
    def signed_in(subgroup_id: str):
        name = f"chair-{subgroup_id}"
        with factory() as session:
            user = users.find_user(session, name)
        if user is None:
            users.create_user(
                factory,
                name,
                "a-chair-password-42",
                role="chair",
                organisation="hmcts",
                subgroups=(subgroup_id,),
            )
            with factory() as session:
                user = users.find_user(session, name)
        with app.server.test_request_context("/_dash-update-component", method="POST"):
            flask_login.login_user(user)
            yield user

    return signed_in


@pytest.mark.parametrize("subgroup_id", board_pages.BOARD_SUBGROUPS)
def test_each_subgroup_page_renders_for_a_chair_of_that_subgroup(app, chair_of, subgroup_id):
    with chair_of(subgroup_id):
        page = board_pages.subgroup_layout(subgroup_id)()
        tiles = subgroup.update_tiles({"subgroup": subgroup_id})
        table = subgroup.update_measure_table({"subgroup": subgroup_id})
        others = [s for s in board_pages.BOARD_SUBGROUPS if s != subgroup_id]
        refused = board_pages.subgroup_layout(others[0])()
        if subgroup_id == courts.SUBGROUP:  # E&E builds its measure charts when opened
            page = [page, courts.open_parts(["sections"], [], "")[:-1]]
        else:  # the other charts and the table are collapsed parts, built when opened
            page = with_parts_opened(page, board_pages.part_builder(subgroup_id))
    text = text_of(page)
    assert SUBGROUPS[subgroup_id].name in text
    covered = board_pages.EXTRAS.get(subgroup_id, (None, ()))[1]
    headline = [
        m
        for m in MEASURES.values()
        if m.subgroup == subgroup_id and m.headline and m.id not in covered
    ]
    for spec in headline:
        assert spec.title in text  # a section for every headline measure
    assert "tile-value" in str(tiles)
    for spec in MEASURES.values():
        if (
            spec.subgroup == subgroup_id
            and DATASETS[spec.dataset_id].classification != "force_restricted"
        ):
            assert spec.title in text_of(table)
    # The chair of one subgroup cannot open another's page.
    assert SUBGROUPS[others[0]].name not in text_of(refused)


def test_women_imprisonment_section_equals_the_prt_table(app, as_user, public_data_dir):
    with as_user("viewer"):
        parts = subgroup.section_content("women_imprisonment_rate", {"area": "E23000013"})
    _badges, summary, _crumbs, trend, compare, _tables, _source, _map, _map_style, _height = parts
    with open(
        public_data_dir / "female_offenders" / "prt_women_imprisonment_rates_2014-2022.csv"
    ) as h:
        cleveland = next(r for r in csv.DictReader(h) if r["Police Force Area"] == "Cleveland")
    values = [y for t in trend.data if t.name == "Value" for y in t.y]
    assert values == [float(cleveland[str(year)]) for year in range(2014, 2023)]
    assert values[-1] == 46.5
    assert summary.startswith("Cleveland: 46.5 per 100,000")
    ranked = dict(zip(compare.data[0].customdata, compare.data[0].x, strict=True))
    assert ranked["E23000013"] == 46.5 and max(ranked.values()) == 46.5  # highest in 2022


def test_the_force_map_shades_every_force_and_outlines_the_partnership(
    app, as_user, public_data_dir
):
    with as_user("viewer"):
        parts = subgroup.section_content("women_imprisonment_rate", {})
    compare, map_figure, map_style = parts[4], parts[7], parts[8]
    assert map_style == {}  # shown
    ranked = dict(zip(compare.data[0].customdata, compare.data[0].x, strict=True))
    areas = {t["customdata"][0]: t for t in map_figure["data"] if t.get("customdata")}
    assert set(areas) == set(ranked)  # every ranked force, nothing else
    assert areas["E23000013"]["hovertemplate"].startswith("Cleveland: 46.5")
    widths = {code: t["line"]["width"] for code, t in areas.items()}
    assert widths["E23000013"] == widths["E23000008"] > widths["E23000007"]  # LCJP outlined
    # Outlines stay within about a kilometre of the published boundary.
    with open(public_data_dir / "reference" / "pfa_dec2023_boundaries.geojson") as handle:
        feature = next(
            f for f in json.load(handle)["features"] if f["properties"]["PFA23CD"] == "E23000013"
        )
    rings = feature["geometry"]["coordinates"]
    points = [
        p
        for ring in (
            rings
            if feature["geometry"]["type"] == "Polygon"
            else [r for poly in rings for r in poly]
        )
        for p in ring
    ]
    drawn = [x for x in areas["E23000013"]["x"] if x is not None]
    assert min(p[0] for p in points) - 0.01 <= min(drawn)
    assert max(drawn) <= max(p[0] for p in points) + 0.01
    assert len(drawn) < len(points)  # simplified for the screen


def test_cps_conviction_rate_drills_from_area_to_offence(app, as_user, public_data_dir):
    state = {"area": "E23000013", "period": "2015-10-31", "filters": {}}
    with as_user("analyst"):
        parts = subgroup.section_content("cps_conviction_rate", state)
    compare = parts[4]
    bars = dict(zip(compare.data[0].y, compare.data[0].x, strict=True))
    # Oct 2015 Cleveland offences against the person: 149 convictions, 49 unsuccessful.
    assert bars["Offences Against The Person"] == pytest.approx(100 * 149 / 198)
    assert "Cleveland" in text_of(parts[2]) and "2015-10-31" in text_of(parts[2])


def test_forged_drill_state_is_dropped(app, as_user):
    with as_user("viewer"):
        parts = subgroup.section_content(
            "police_unable_to_prosecute_share",
            {"area": "E23000001' OR '1'='1", "period": "2999-01-31", "filters": {"x": "y"}},
        )
    assert "All areas" in text_of(parts[2])
    assert "Durham & Cleveland LCJP" in parts[1]


def test_an_unknown_measure_id_returns_no_data(app, as_user):
    with as_user("analyst"):
        parts = subgroup.section_content("no_such_measure", {})
    assert parts[1] == "You do not have access to this information."
    assert parts[3] == {} and parts[4] == {}


def test_navigation_from_clicks_builds_shareable_urls():
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def clicked(kind, click, state):
        prop = f'{{"measure":"police_charged_share","type":"measure-{kind}"}}.clickData'
        token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop}]))
        try:
            return subgroup.navigate(
                click if kind == "trend" else None,
                click if kind == "compare" else None,
                click if kind == "map" else None,
                state,
            )
        finally:
            context_value.reset(token)

    area = clicked("compare", {"points": [{"customdata": "E23000008", "y": "Durham"}]}, {})
    assert area == "?measure=police_charged_share&area=E23000008"
    on_map = clicked("map", {"points": [{"customdata": "E23000008", "x": -1.6, "y": 54.7}]}, {})
    assert on_map == "?measure=police_charged_share&area=E23000008"
    elsewhere = {"area": "E23000008", "period": "2025-03-31", "filters": {"crime_type": "Burglary"}}
    moved = clicked("map", {"points": [{"customdata": "E23000013", "y": 54.6}]}, elsewhere)
    assert moved == "?measure=police_charged_share&area=E23000013"
    period = clicked("trend", {"points": [{"x": "2025-03-31"}]}, {"area": "E23000008"})
    assert period == "?measure=police_charged_share&area=E23000008&period=2025-03-31"
    deeper = clicked(
        "compare",
        {"points": [{"y": "Burglary"}]},
        {"area": "E23000008", "period": "2025-03-31", "filters": {}},
    )
    assert deeper.endswith("&f_crime_type=Burglary")


# The measures each group's chair runs the group on: partner returns, not only public figures.
GROUP_OWN_HEADLINES = {
    "victim-witness": ("vcop_updates_in_time", "wcu_witness_attendance_rate"),
    "reducing-reoffending": ("iom_members_convicted_rate",),
    "female-offender": ("women_community_sentence_share",),
}


def test_partner_returns_give_headlines_with_a_tile_each_on_demo_data(make_settings):
    """The Victim & Witness group is run on Victims' Code compliance and witness care, Reducing
    Reoffending on its IOM cohort, Female Offender on women's services: each is a headline with a
    tile (its value, period and demo label) on its page and the overview; a partner who may not
    open the group gets none of them."""
    import flask_login

    from app import create_app
    from loaders import sharing, users

    headlines = {m.id for m in MEASURES.values() if m.headline}
    own = [m for ids in GROUP_OWN_HEADLINES.values() for m in ids]
    assert set(own) <= headlines
    victim_witness = {MEASURES[m].dataset_id for m in GROUP_OWN_HEADLINES["victim-witness"]}
    assert victim_witness == {"victims_code_compliance", "wcu_witness_care"}
    assert all(DATASETS[MEASURES[m].dataset_id].submission for m in own)

    settings = make_settings(demo_mode=True, refresh_on_start=True, public_data_dir=None)
    dash_app = create_app(settings)
    factory = dash_app.server.extensions["lcjp"].session_factory

    def signed_in(username: str):
        with factory() as session:
            user = users.find_user(session, username)
        context = dash_app.server.test_request_context("/_dash-update-component", method="POST")
        context.push()
        flask_login.login_user(user)
        return context

    context = signed_in("demo-analyst")
    try:
        pages = {s: subgroup.update_tiles({"subgroup": s}) for s in GROUP_OWN_HEADLINES}
        overview = text_of(subgroup.update_overview({}))
    finally:
        context.pop()
    for subgroup_id, measure_ids in GROUP_OWN_HEADLINES.items():
        for measure_id in measure_ids:
            spec = MEASURES[measure_id]
            mine = [
                tile
                for tile in pages[subgroup_id]
                if any(
                    str(getattr(c, "id", "")).startswith(f"tile-{measure_id}-") for c in walk(tile)
                )
            ]
            assert mine, measure_id
            text = text_of(mine)
            period = r"\d{4} Q[1-4]" if spec.cadence == "quarterly" else r"[A-Z][a-z]{2} \d{4}"
            assert spec.title in text and "%" in text and "Demo data" in text, text
            assert re.search(period, text) and re.search(r"\((better|worse)\)", text), text
            assert spec.title in overview, measure_id

    def tile_measures(username: str) -> set[str]:
        context = signed_in(username)
        try:
            tiles = subgroup.update_tiles({"subgroup": "victim-witness"})
        finally:
            context.pop()
        ids = [str(getattr(c, "id", "")) for c in walk(tiles)]
        return {m for m in MEASURES if any(i.startswith(f"tile-{m}-") for i in ids)}

    # A viewer sees partnership returns; once the register restricts the Victims' Code return to
    # forces, a viewer with no force loses its tile and keeps the others.
    assert set(GROUP_OWN_HEADLINES["victim-witness"]) <= tile_measures("demo-viewer")
    organisations = {"opcc"}
    sharing.update_entry(
        factory,
        sharing.SharingEdit(
            "victims_code_compliance", "DSA", "", None, (), False, classification="force_restricted"
        ),
        organisations,
    )
    restricted = tile_measures("demo-viewer")
    assert "vcop_updates_in_time" not in restricted
    assert {"wcu_witness_attendance_rate", "police_unable_to_prosecute_share"} <= restricted
    # A Durham police member may not open the Victim & Witness group at all.
    assert tile_measures("demo-force") == set()


def test_overview_lists_every_subgroup_and_puts_exceptions_first(app, as_user):
    with as_user("analyst"):
        content = subgroup.update_overview({})
    text = text_of(content)
    assert text.index("Exceptions") < text.index("Effectiveness & Efficiency")
    for subgroup_id in board_pages.BOARD_SUBGROUPS:
        assert SUBGROUPS[subgroup_id].name in text


def test_the_scheduler_builds_the_views_that_users_who_see_every_row_then_share(app, as_user):
    from callbacks import data
    from loaders import users
    from scheduler.figures import build_figures

    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        analyst = users.find_user(session, "test-analyst")
    built = build_figures(app.server, users=[analyst])
    assert built["cuts"] == 1 and built["figures"] > len(MEASURES)
    data._CACHE.clear()  # a worker that has served nothing yet: only the shared store has them
    store = app.server.extensions["lcjp"].figure_store
    before = store.builds(built["vintage"])
    with as_user("analyst"):
        view = data.measure_view(MEASURES["crown_open_cases"], subgroup.plan())
        again = data.measure_view(MEASURES["crown_open_cases"], subgroup.plan())
    assert view is again and store.builds(built["vintage"]) == before  # read, nothing built
    # (Users who see fewer rows get views of their own: tests/test_access_enumeration.py.)


@pytest.mark.parametrize(
    "measure_id, area_type",
    [("police_street_records", "police_force_area"), ("crown_open_cases", "crown_court")],
)
def test_one_area_types_rows_are_cut_from_the_whole_frame_and_equal_a_read(
    app, as_user, monkeypatch, measure_id, area_type
):
    from callbacks import data
    from loaders import queries

    data._CACHE.clear()
    with as_user("analyst"):
        data.observations(measure_id)  # the whole frame, as the scheduler's figure build leaves it
    reads = []
    real_read = queries.observations
    monkeypatch.setattr(
        queries, "observations", lambda *a, **k: reads.append(k) or real_read(*a, **k)
    )
    with as_user("analyst"):
        cut = data.observations(measure_id, area_type=area_type)
    assert reads == []  # the whole frame was warm: nothing read again
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        read = real_read(session, measure_id, area_type=area_type)
    assert len(cut) > 0 and set(cut["area_type"]) == {area_type}
    pd.testing.assert_frame_equal(cut, read)


def test_one_thread_builds_a_cache_entry_while_others_wait_for_it(app):
    import threading
    import time

    from callbacks import data

    calls = []

    def slow_build(_session):
        calls.append(1)
        time.sleep(0.3)
        return "figures"

    def ask(results):
        with app.server.app_context():
            results.append(data.cached(("test-slow-entry",), slow_build))

    results: list = []
    threads = [threading.Thread(target=ask, args=(results,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["figures"] * 4 and len(calls) == 1


def test_data_tables_are_one_block_of_escaped_accessible_html():
    import pandas as pd
    from dash_tree import tables_in

    from layouts.components import data_table

    frame = pd.DataFrame({"Area": ["Durham", "<script>alert(1)</script>"], "Value": [1548.0, None]})
    table = data_table(frame, "Open cases & more", links={"Durham": "/x?court=CC-DURHAM&a=1"})
    markup = table.children.children
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    (read,) = tables_in(table)
    assert read["caption"] == "Open cases & more"
    assert read["rows"] == [
        ["Area", "Value"],
        ["Durham", "1,548"],
        ["<script>alert(1)</script>", "–"],
    ]
    assert read["scopes"] == ["col", "col", "row", "row"]
    assert read["links"] == {"Durham": "/x?court=CC-DURHAM&a=1"}
