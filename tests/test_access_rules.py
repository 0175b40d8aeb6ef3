"""The rights model as pure rules (loaders/access.py), then as stored: organisations, grants and the
`can_*` helpers other modules call (callbacks/permissions.py)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from callbacks import permissions
from loaders import access, users
from loaders.access import EVERY_AREA, NOTHING, OWN_FORCE, Rights
from loaders.areas import CLEVELAND, DURHAM, ENGLAND_AND_WALES
from loaders.datasets import DATASETS

EE, POLICE = "effectiveness-efficiency", "police-demand"
COURTS, STREET = "moj_ccsq_crown", "police_uk_street"

ANALYST = Rights(user_id=1, role="analyst", organisation="opcc", organisation_kind="opcc")
ADMIN = Rights(user_id=2, role="admin", organisation="opcc", organisation_kind="opcc")
VIEWER = Rights(user_id=3, role="viewer")
OPCC_VIEWER = Rights(user_id=4, role="viewer", organisation="opcc", organisation_kind="opcc")
EE_CHAIR = Rights(
    user_id=5,
    role="chair",
    organisation="hmcts",
    organisation_kind="hmcts",
    subgroups=frozenset({EE}),
)
DURHAM_MEMBER = Rights(
    user_id=6,
    role="member",
    organisation="police-durham",
    organisation_kind="police",
    force_area=DURHAM,
    subgroups=frozenset({POLICE}),
)
DURHAM_CHAIR = dataclasses.replace(DURHAM_MEMBER, role="chair")
DISABLED = access.NO_RIGHTS


@pytest.fixture
def restricted(monkeypatch):
    """Treat a dataset as force-restricted, as a force's own submissions will be."""

    def make(dataset_id: str, classification: str = "force_restricted"):
        spec = dataclasses.replace(DATASETS[dataset_id], classification=classification)
        monkeypatch.setitem(DATASETS, dataset_id, spec)

    return make


def test_subgroups_reach_chairs_and_members_only_where_granted():
    assert access.can_view_subgroup(EE_CHAIR, EE)
    assert not access.can_view_subgroup(EE_CHAIR, POLICE)
    assert access.can_view_subgroup(DURHAM_MEMBER, POLICE)
    assert not access.can_view_subgroup(DURHAM_MEMBER, EE)
    for everyone in (ANALYST, ADMIN, VIEWER):
        assert access.can_view_subgroup(everyone, EE) and access.can_view_subgroup(everyone, POLICE)
    assert not access.can_view_subgroup(DISABLED, EE)
    assert not access.can_view_subgroup(ANALYST, "not-a-subgroup")


@pytest.mark.parametrize(
    ("rights", "public", "partnership", "force_restricted"),
    [
        (ADMIN, EVERY_AREA, EVERY_AREA, EVERY_AREA),
        (ANALYST, EVERY_AREA, EVERY_AREA, EVERY_AREA),
        (OPCC_VIEWER, EVERY_AREA, EVERY_AREA, EVERY_AREA),
        (VIEWER, EVERY_AREA, EVERY_AREA, NOTHING),
        (EE_CHAIR, EVERY_AREA, EVERY_AREA, NOTHING),
        (DURHAM_MEMBER, EVERY_AREA, EVERY_AREA, OWN_FORCE),
        (DISABLED, NOTHING, NOTHING, NOTHING),
    ],
)
def test_force_restricted_figures_reach_only_the_opcc_and_their_force(
    rights, public, partnership, force_restricted
):
    assert access.reach(rights, "public") == public
    assert access.reach(rights, "partnership") == partnership
    assert access.reach(rights, "force_restricted") == force_restricted
    # An unknown classification is closed to everyone but the OPCC's staff roles.
    assert access.reach(rights, "secret") == (EVERY_AREA if rights.sees_all_data else NOTHING)


def test_rows_are_cut_to_the_users_own_force(restricted):
    restricted(STREET)
    frame = pd.DataFrame(
        {"area_code": [DURHAM, CLEVELAND, "CC-DURHAM", ENGLAND_AND_WALES], "value": [1, 2, 3, 4]}
    )
    forces = {DURHAM: DURHAM, CLEVELAND: CLEVELAND, "CC-DURHAM": DURHAM, ENGLAND_AND_WALES: None}
    measure = "police_street_records"
    durham_rows = access.permitted_rows(DURHAM_MEMBER, measure, frame, forces)
    assert list(durham_rows["area_code"]) == [DURHAM, "CC-DURHAM"]
    cleveland = dataclasses.replace(
        DURHAM_MEMBER, organisation="police-cleveland", force_area=CLEVELAND
    )
    assert list(access.permitted_rows(cleveland, measure, frame, forces)["value"]) == [2]
    assert len(access.permitted_rows(ANALYST, measure, frame, forces)) == 4
    assert len(access.permitted_rows(OPCC_VIEWER, measure, frame, forces)) == 4
    # No force, no force-restricted rows; another subgroup's measure, no rows at all.
    assert access.permitted_rows(VIEWER, measure, frame, forces).empty
    assert access.permitted_rows(EE_CHAIR, measure, frame, forces).empty
    assert access.permitted_rows(DURHAM_MEMBER, "crown_open_cases", frame, forces).empty


def test_datasets_by_area(restricted):
    restricted(STREET)
    forces = {DURHAM: DURHAM, CLEVELAND: CLEVELAND}
    assert access.can_view_dataset(DURHAM_MEMBER, STREET)
    assert access.can_view_dataset(DURHAM_MEMBER, STREET, DURHAM, forces)
    assert not access.can_view_dataset(DURHAM_MEMBER, STREET, CLEVELAND, forces)
    assert access.permitted_areas(DURHAM_MEMBER, STREET, [DURHAM, CLEVELAND], forces) == [DURHAM]
    assert access.permitted_areas(ANALYST, STREET, [CLEVELAND, DURHAM], forces) == [
        CLEVELAND,
        DURHAM,
    ]
    assert not access.can_view_dataset(VIEWER, STREET)
    assert not access.can_view_dataset(ANALYST, "no_such_dataset")
    # The courts dataset feeds E&E only: a police-demand member cannot see it at all.
    assert not access.can_view_dataset(DURHAM_MEMBER, COURTS)
    assert access.can_view_dataset(EE_CHAIR, COURTS)


def test_who_may_submit():
    """Only partner returns are submitted: by the OPCC, or a chair of a subgroup they feed
    (force-restricted returns only for the chair's own force)."""
    extract, crown_mi = "police_force_extract", "hmcts_crown_mi"  # force / E&E returns
    force_chair = dataclasses.replace(DURHAM_CHAIR, subgroups=frozenset({"force"}))
    forces = {DURHAM: DURHAM, CLEVELAND: CLEVELAND}
    assert access.can_submit(ANALYST, extract) and access.can_submit(ADMIN, crown_mi)
    assert not access.can_submit(ANALYST, COURTS)  # published statistics come from MoJ
    assert access.can_submit(force_chair, extract)
    assert access.can_submit(force_chair, extract, DURHAM, forces)
    assert not access.can_submit(force_chair, extract, CLEVELAND, forces)
    assert not access.can_submit(force_chair, crown_mi)  # not their subgroup
    assert not access.can_submit(dataclasses.replace(force_chair, role="member"), extract)
    assert not access.can_submit(VIEWER, extract)
    assert access.can_submit(EE_CHAIR, crown_mi)
    assert not access.can_submit(ANALYST, "no_such_dataset")


def test_permission_helpers_read_the_signed_in_users_rights(as_user):
    with as_user("chair"):
        user = permissions.current_user()
        assert permissions.can_view_subgroup(user, EE)
        assert not permissions.can_view_subgroup(user, POLICE)
        assert permissions.can_view_dataset(user, COURTS)
        assert not permissions.can_view_dataset(user, STREET)
        assert permissions.can_submit(user, "hmcts_crown_mi")
        assert not permissions.can_submit(user, COURTS)
        with pytest.raises(permissions.NotAuthorised):
            permissions.require_measure("police_street_records")
        with pytest.raises(permissions.NotAuthorised):
            permissions.require_role("admin")
    with as_user("member"):
        user = permissions.current_user()
        assert permissions.can_view_dataset(user, STREET, DURHAM)
        assert not permissions.can_submit(user, "police_force_extract")
        assert permissions.rights_of(user).force_area == DURHAM


def test_a_callback_that_forgets_to_refuse_still_returns_nothing(make_settings):
    """The safety net (Dash's on_error): NotAuthorised that escapes a callback becomes an empty
    204 answer, and is audited, instead of an error page or any data."""
    import re

    from dash import Input, Output

    from app import create_app
    from callbacks import data
    from loaders.audit import AuditFilter, find_events

    app = create_app(make_settings())
    factory = app.server.extensions["lcjp"].session_factory
    users.create_user(
        factory, "careless.chair", "kettle-orbit-meadow", role="chair", subgroups=[EE]
    )

    def careless(_value):
        return str(len(data.observations("police_street_records")))

    app.callback(Output("careless-out", "children"), Input("careless-in", "value"))(careless)
    client = app.server.test_client()
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post(
        "/login",
        data={"username": "careless.chair", "password": "kettle-orbit-meadow", "csrf": token[1]},
    )
    response = client.post(
        "/_dash-update-component",
        json={
            "output": "careless-out.children",
            "outputs": {"id": "careless-out", "property": "children"},
            "inputs": [{"id": "careless-in", "property": "value", "value": "x"}],
            "state": [],
            "changedPropIds": ["careless-in.value"],
        },
    )
    assert response.status_code == 204 and response.get_data() == b""
    with factory() as session:
        denied = find_events(session, AuditFilter(event="access_denied"))
    assert denied and denied[0].username == "careless.chair"
    assert "police_street_records" in denied[0].detail


NORTHUMBRIA, LCJP = "E23000007", "LCJP-DURHAM-CLEVELAND"
# A CPS viewer whose organisation the register shares the street records with.
SHARED_PARTNER = Rights(
    user_id=7,
    role="viewer",
    organisation="cps",
    organisation_kind="cps",
    shared_datasets=frozenset({STREET}),
    partnership=frozenset({LCJP, DURHAM, CLEVELAND}),
)


def test_a_shared_dataset_reaches_a_partner_for_the_partnerships_forces_only(restricted):
    restricted(STREET)
    frame = pd.DataFrame(
        {
            "area_code": [DURHAM, CLEVELAND, "CC-DURHAM", LCJP, NORTHUMBRIA, ENGLAND_AND_WALES],
            "value": [1, 2, 3, 4, 5, 6],
        }
    )
    forces = {
        DURHAM: DURHAM,
        CLEVELAND: CLEVELAND,
        "CC-DURHAM": DURHAM,
        LCJP: None,
        NORTHUMBRIA: NORTHUMBRIA,
        ENGLAND_AND_WALES: None,
    }
    measure = "police_street_records"
    assert access.measure_reach(SHARED_PARTNER, measure) == access.SHARED
    rows = access.permitted_rows(SHARED_PARTNER, measure, frame, forces)
    assert list(rows["area_code"]) == [DURHAM, CLEVELAND, "CC-DURHAM", LCJP]
    assert access.can_view_dataset(SHARED_PARTNER, STREET, CLEVELAND, forces)
    assert not access.can_view_dataset(SHARED_PARTNER, STREET, NORTHUMBRIA, forces)
    assert not access.can_view_dataset(SHARED_PARTNER, STREET, ENGLAND_AND_WALES, forces)
    assert access.permitted_areas(SHARED_PARTNER, STREET, [NORTHUMBRIA, DURHAM], forces) == [DURHAM]
    # Not shared: nothing. A force outside the partnership keeps its own force as well.
    unshared = dataclasses.replace(SHARED_PARTNER, shared_datasets=frozenset())
    assert access.permitted_rows(unshared, measure, frame, forces).empty
    northumbria = dataclasses.replace(
        SHARED_PARTNER, organisation="police-northumbria", force_area=NORTHUMBRIA
    )
    assert set(access.permitted_rows(northumbria, measure, frame, forces)["area_code"]) == {
        DURHAM,
        CLEVELAND,
        "CC-DURHAM",
        LCJP,
        NORTHUMBRIA,
    }
    # Without the partnership's areas a share opens no rows at all (closed, not open).
    alone = dataclasses.replace(SHARED_PARTNER, partnership=frozenset())
    assert access.permitted_rows(alone, measure, frame, forces).empty


def test_a_share_lets_a_partner_see_but_never_submit(restricted):
    restricted("police_force_extract")
    forces = {DURHAM: DURHAM, CLEVELAND: CLEVELAND}
    chair = dataclasses.replace(
        SHARED_PARTNER,
        role="chair",
        subgroups=frozenset({"force"}),
        shared_datasets=frozenset({"police_force_extract"}),
    )
    assert access.can_view_dataset(chair, "police_force_extract", DURHAM, forces)
    assert not access.can_submit(chair, "police_force_extract")
    assert not access.can_submit(chair, "police_force_extract", DURHAM, forces)
    force_chair = dataclasses.replace(
        chair, organisation="police-durham", organisation_kind="police", force_area=DURHAM
    )
    assert access.can_submit(force_chair, "police_force_extract", DURHAM, forces)
    assert not access.can_submit(force_chair, "police_force_extract", CLEVELAND, forces)


def test_the_register_may_make_a_classification_stricter_never_laxer():
    stricter = dataclasses.replace(VIEWER, classifications={STREET: "force_restricted"})
    assert access.can_view_dataset(VIEWER, STREET)
    assert not access.can_view_dataset(stricter, STREET)
    laxer = dataclasses.replace(VIEWER, classifications={"police_force_extract": "public"})
    assert not access.can_view_measure(laxer, "force_victim_satisfaction")
    unknown = dataclasses.replace(VIEWER, classifications={STREET: "secret"})
    assert not access.can_view_dataset(unknown, STREET)
    assert access.can_view_dataset(
        dataclasses.replace(ANALYST, classifications={STREET: "secret"}), STREET
    )
