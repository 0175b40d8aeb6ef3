"""Pages draw their first screen only; the rest are collapsed parts built by one callback when
opened, for what the user may see (layouts/lazy_parts.py, callbacks/lazy_parts.py)."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from access_probe import UPDATE_URL
from dash import no_update
from dash_tree import find_by_id, walk

from callbacks import force_page, lazy_parts, pages
from layouts import lazy_parts as layout
from loaders.audit import AuditFilter, find_events

FORCE = force_page.LAZY_PAGE


def _sections(tree) -> list[str]:
    """The measures whose sections a tree holds, in document order."""
    return [
        c.id["measure"]
        for c in walk(tree)
        if isinstance(getattr(c, "id", None), dict) and c.id.get("type") == "measure-state"
    ]


def _accordion(page, key: str):
    return find_by_id(page, layout.accordion_id(key))


def test_the_force_page_arrives_with_one_section_and_each_part_counts_its_measures(as_user):
    plan = force_page.current_plan()
    with as_user("analyst"):
        page = force_page.force_layout()
        first = plan.questions[0]
        safe = force_page.build_part(first.id, {})
        victims = force_page.build_part(plan.questions[1].id, {})
    assert _sections(page) == [first.measure_ids[0]]  # 1 of the Plan's 17: 3 charts, not 51
    titles = [item.title for item in _accordion(page, FORCE).children]
    assert titles[0] == f"Every measure of the Plan ({len(plan.measure_ids())} measures)"
    assert titles[1] == f"{first.question} ({len(first.measure_ids) - 1} more measures)"
    assert (
        titles[2] == f"{plan.questions[1].question} ({len(plan.questions[1].measure_ids)} measures)"
    )
    assert _sections(safe) == list(first.measure_ids[1:])
    assert _sections(victims) == list(plan.questions[1].measure_ids)
    assert _accordion(page, FORCE).active_item is None  # nothing opened, nothing built


def test_a_part_is_built_once_when_first_opened(as_user):
    parts = ["measures", "victims-supported"]
    with as_user("analyst"):
        bodies, built = lazy_parts.open_parts(
            force_page.build_part, parts, ["victims-supported"], [], ""
        )
        again, built_again = lazy_parts.open_parts(
            force_page.build_part, parts, parts, built, "?view=quarterly"
        )
    assert bodies[0] is no_update and "force_repeat_victims" in _sections(bodies[1])
    assert built == ["victims-supported"]
    assert again[1] is no_update and built_again == ["victims-supported", "measures"]
    # The measure table's part carries the board period of the URL it was opened from.
    store = find_by_id(again[0], force_page.FORCE_STATE)
    assert store.data == {"view": "quarterly"}


def test_a_measure_link_arrives_with_its_part_open_and_built(as_user):
    with as_user("analyst"):
        force = force_page.force_layout(measure="force_repeat_victims", view="quarterly")
        reoffending = pages.subgroup_layout("reducing-reoffending")(measure="reoffending_rate")
        plain = pages.subgroup_layout("reducing-reoffending")()
    assert _accordion(force, FORCE).active_item == ["victims-supported"]
    assert "force_repeat_victims" in _sections(force)
    assert _accordion(reoffending, "reducing-reoffending").active_item == ["sections"]
    # The public headline is charted first; the IOM cohort's headline and the one the link
    # names are built in the part the link opens.
    assert _sections(reoffending) == [
        "police_out_of_court_share",
        "iom_members_convicted_rate",
        "reoffending_rate",
    ]
    assert _sections(plain) == ["police_out_of_court_share"]  # the other headlines are collapsed


def _part_request(app, page: str, part: str) -> dict:
    """The request the browser sends when a part is opened (as the renderer builds it)."""
    key = next(k for k in app.callback_map if f'"type":"{layout.BODY}"' in k)
    accordion, built = layout.accordion_id(page), layout.built_id(page)
    return {
        "output": key,
        "outputs": [
            [{"id": layout.body_id(page, part), "property": "children"}],
            {"id": built, "property": "data"},
        ],
        "inputs": [{"id": accordion, "property": "active_item", "value": [part]}],
        "state": [
            {"id": built, "property": "data", "value": []},
            {"id": "url", "property": "search", "value": ""},
        ],
        "changedPropIds": [
            json.dumps(accordion, sort_keys=True, separators=(",", ":")) + ".active_item"
        ],
    }


@pytest.mark.parametrize(
    "page, part, marker, refused_role",
    [
        # HMCTS's chair sees no Force performance page (though police.uk measures elsewhere).
        (FORCE, "safe-communities", '"measure":"police_crimes"', "chair"),
        # A Durham police member sees Police demand only.
        ("victim-witness", "measures", '"subgroup-measures"', "member"),
        ("police-demand", "outcomes", '"police-outcomes-graph"', "chair"),
        # A court's page is for those who may open E&E.
        ("court", "comparisons", '"court-similar-graph"', "member"),
    ],
)
def test_a_forged_request_for_a_part_the_user_may_not_open_is_refused(
    app, client, auth, page, part, marker, refused_role
):
    body = _part_request(app, page, part)
    auth.login("analyst")
    allowed = client.post(UPDATE_URL, json=body)
    assert allowed.status_code == 200
    assert marker in allowed.get_data(as_text=True).replace(" ", "")
    auth.logout()
    auth.login(refused_role)
    refused = client.post(UPDATE_URL, json=body)
    assert refused.status_code == 204 or marker not in refused.get_data(as_text=True).replace(
        " ", ""
    )
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        denied = find_events(
            session, AuditFilter(event="access_denied", username=f"test-{refused_role}")
        )
    assert any("may not open" in str(e.detail) for e in denied)


def test_the_police_outcome_mix_is_built_when_opened_or_named_in_the_url(as_user):
    from callbacks import police
    from layouts import ids
    from layouts.pages import POLICE_PARTS_PAGE, police_layout

    plain = police_layout()
    named = police_layout(outcome="Charged or court outcome")
    assert find_by_id(plain, ids.graph(ids.POLICE_CRIME)) is not None
    assert find_by_id(plain, ids.graph(ids.POLICE_OUTCOMES)) is None
    assert _accordion(plain, POLICE_PARTS_PAGE).active_item is None
    assert find_by_id(named, ids.graph(ids.POLICE_OUTCOMES)) is not None
    assert _accordion(named, POLICE_PARTS_PAGE).active_item == ["outcomes"]
    with as_user("analyst"):
        body = police.build_part("outcomes", {"outcome": "Charged or court outcome"})
        state = find_by_id(body, ids.POLICE_OUTCOMES_STATE).data
        options, value = police.update_outcome_picker(state)
    assert value == "Charged or court outcome" and len(options) > 3


@contextmanager
def restricted_to_forces(app, *dataset_ids: str):
    """The register classes these datasets force-restricted (stricter than the registry), and
    puts every entry back as it was afterwards."""
    from loaders import sharing
    from loaders.models import DataSharingEntry

    factory = app.server.extensions["lcjp"].session_factory
    columns = [c.key for c in sa.inspect(DataSharingEntry).column_attrs]
    with factory() as session:
        saved = {
            d: {c: getattr(session.get(DataSharingEntry, d), c) for c in columns}
            for d in dataset_ids
        }
    try:
        for dataset_id in dataset_ids:
            edit = sharing.SharingEdit(
                dataset_id, "DSA", "", None, (), False, classification="force_restricted"
            )
            sharing.update_entry(factory, edit, {"opcc"})
        yield
    finally:
        with factory.begin() as session:
            for dataset_id, values in saved.items():
                entry = session.get(DataSharingEntry, dataset_id)
                for name, value in values.items():
                    setattr(entry, name, value)


def test_a_part_the_page_does_not_offer_is_refused(app, as_user):
    from callbacks.permissions import NotAuthorised

    with as_user("analyst"), pytest.raises(NotAuthorised):
        force_page.build_part("no-such-question", {})
    # Victim & Witness has three headlines: the Victims' Code and witness care returns, which a
    # viewer with no force may not see once the register restricts them to forces, and the
    # police.uk share. To that viewer the page has one headline, so no second chart to open.
    partner = ("victims_code_compliance", "wcu_witness_care")
    with as_user("viewer"):
        shown = pages.part_builder("victim-witness")("sections", {})
    assert {"vcop_updates_in_time", "wcu_witness_attendance_rate"} <= set(_sections(shown))
    with restricted_to_forces(app, *partner):
        with as_user("analyst"):  # the OPCC still sees every headline
            assert _sections(pages.part_builder("victim-witness")("sections", {}))
        with as_user("viewer"), pytest.raises(NotAuthorised):
            pages.part_builder("victim-witness")("sections", {})  # one headline: no second chart


def test_a_court_page_arrives_with_its_own_figures_and_builds_its_comparisons_when_opened(as_user):
    from callbacks import courts
    from layouts import court as court_layout
    from layouts import ids

    with as_user("viewer"):
        page = courts.court_layout(court="CC-TEESSIDE")
        body = courts.build_court_part("comparisons", {})
        age, similar, _region = (
            courts.update_court_comparisons({}, {"court": "CC-TEESSIDE"})[i : i + 4]
            for i in range(0, 12, 4)
        )
        forecast = courts.build_court_part("forecast", {})
    for drawn in (court_layout.COURT_OPEN, court_layout.COURT_FLOWS):
        assert find_by_id(page, ids.graph(drawn)) is not None
    for later in (court_layout.COURT_AGE, court_layout.COURT_SIMILAR, court_layout.COURT_FORECAST):
        assert find_by_id(page, ids.graph(later)) is None
    titles = [i.title for i in _accordion(page, court_layout.COURT_PARTS_PAGE).children]
    assert titles[0].endswith("(3 charts)") and "North East" in titles[0]
    assert find_by_id(body, ids.graph(court_layout.COURT_SIMILAR)) is not None
    assert find_by_id(forecast, ids.graph(court_layout.COURT_FORECAST)) is not None
    assert "◆ Teesside" in similar[0].layout.yaxis.ticktext
    assert "published by region" in age[1]
