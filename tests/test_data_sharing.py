"""The data-sharing register: seeded for every dataset, kept by administrators only, and the rule
that decides which partners see a force-restricted dataset."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date

import dash
import dash_bootstrap_components as dbc
import flask_login
import pytest
import sqlalchemy as sa
from dash_tree import find_by_id, text_of, walk, with_parts_opened

from callbacks import admin_sharing, data_sources, force_page, packs, subgroup
from callbacks.permissions import can_view_measure
from loaders import sharing, users
from loaders.datasets import DATASETS
from loaders.models import AuditEvent, DataSharingEntry
from loaders.reports import REPORTS

CPS_VIEWER = ("cps-viewer", "a-cps-password-42")
# The force extract's provider and classification as seeded, in the form's order.
FORCE_EXTRACT = (
    "police_force_extract",
    DATASETS["police_force_extract"].publisher,
    "force_restricted",
)


@pytest.fixture
def cps_viewer(app):
    """A viewer from the CPS: a partner the force's extract is not shared with by default."""
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        if users.find_user(session, CPS_VIEWER[0]) is None:
            users.create_user(factory, *CPS_VIEWER, role="viewer", organisation="cps")

    @contextmanager
    def signed_in():
        with factory() as session:
            user = users.find_user(session, CPS_VIEWER[0])
        with app.server.test_request_context("/_dash-update-component", method="POST"):
            flask_login.login_user(user)
            yield user

    return signed_in


@contextmanager
def shared_extract(app, organisations: tuple[str, ...]):
    factory = app.server.extensions["lcjp"].session_factory
    edit = sharing.SharingEdit("police_force_extract", "DSA", "DSA-1", None, organisations, False)
    sharing.update_entry(factory, edit, {"cps", "opcc"})
    try:
        yield
    finally:
        restore = sharing.SharingEdit("police_force_extract", "DSA", "", None, (), False)
        sharing.update_entry(factory, restore, {"cps", "opcc"})


def test_register_is_seeded_for_every_dataset_restricted_by_default(app):
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        entries = {e.dataset_id: e for e in sharing.entries(session)}
    assert set(entries) == set(DATASETS)
    for dataset in DATASETS.values():
        entry = entries[dataset.id]
        assert entry.may_publish == (dataset.classification == "public"), dataset.id
        if dataset.classification == "force_restricted":
            assert sharing.shared_with(entry) == [], dataset.id


def test_the_register_decides_whether_a_partner_sees_the_force_extract(app, cps_viewer):
    with cps_viewer() as user:
        assert not can_view_measure(user, "force_victim_satisfaction")
        assert "do not have access" in text_of(
            subgroup.section_content("force_victim_satisfaction", {})
        )
        assert "force_victim_satisfaction" not in repr(_whole_force_page())
    with shared_extract(app, ("cps",)), cps_viewer() as user:
        assert can_view_measure(user, "force_victim_satisfaction")
        assert "force_victim_satisfaction" in repr(_whole_force_page())
    with cps_viewer() as user:  # unshared again: hidden again
        assert not can_view_measure(user, "force_victim_satisfaction")


def test_template_download_follows_the_register(app, cps_viewer):
    from callbacks.submissions import download_template

    with cps_viewer():
        assert download_template("police_force_extract", "csv").status_code == 403
    with shared_extract(app, ("cps",)), cps_viewer():
        assert download_template("police_force_extract", "csv").status_code == 200


def test_overdue_review_dates_are_flagged_in_words():
    entries = [
        DataSharingEntry(
            dataset_id="a",
            provider="P",
            agreement_type="DSA",
            reference="R",
            review_date=date(2020, 1, 1),
            classification="force_restricted",
            shared_with="cps",
            may_publish=False,
        ),
        DataSharingEntry(
            dataset_id="b",
            provider="P",
            agreement_type="MoU",
            reference="",
            review_date=date(2099, 1, 1),
            classification="partnership",
            shared_with="",
            may_publish=False,
        ),
    ]
    text = text_of(admin_sharing.register_table(entries, date(2026, 1, 1)))
    assert "01 Jan 2020 – OVERDUE for review" in text
    assert "01 Jan 2099 – OVERDUE" not in text
    assert "1 agreement(s) overdue for review." in text


def test_register_callbacks_refuse_non_admins_and_store_nothing(app, as_user):
    factory = app.server.extensions["lcjp"].session_factory
    for role in (
        "analyst",
        "viewer",
        "member",
    ):  # (the chair's audit trail belongs to another test)
        with as_user(role):
            table, options = admin_sharing.update_register(0)
            assert options == [] and "police_force_extract" not in repr(table)
            status, version = admin_sharing.save_entry(
                1, "police_force_extract", "P", "partnership", "DSA", "X", "", ["cps"], True, 0
            )
            assert "Only administrators" in status
            note, *fields = admin_sharing.fill_form("police_force_extract")
            assert "Only administrators" in note
            assert all(f is dash.no_update for f in fields)
            assert "do not have access" in text_of(admin_sharing.sharing_layout())
    with factory() as session:
        assert session.get(DataSharingEntry, "police_force_extract").shared_with == ""


def test_admin_edits_are_checked_and_a_bad_one_changes_nothing(app, as_user):
    factory = app.server.extensions["lcjp"].session_factory
    with as_user("admin"):
        status, _ = admin_sharing.save_entry(
            1, *FORCE_EXTRACT, "DSA", "X", "31/12/2026", ["cps"], False, 0
        )
        assert "YYYY-MM-DD" in status
        status, _ = admin_sharing.save_entry(
            1, *FORCE_EXTRACT, "DSA", "X", "", ["no-such-org"], False, 0
        )
        assert "no-such-org" in status
        table, options = admin_sharing.update_register(0)
        assert "cps" in options and "police_force_extract" in repr(table)
    with factory() as session:
        assert session.get(DataSharingEntry, "police_force_extract").shared_with == ""


ENTRY_FIELDS = (
    "provider",
    "agreement_type",
    "reference",
    "review_date",
    "classification",
    "shared_with",
    "may_publish",
)


def _stored(app, dataset_id: str) -> dict:
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        entry = session.get(DataSharingEntry, dataset_id)
        return {name: getattr(entry, name) for name in ENTRY_FIELDS}


@contextmanager
def entry_restored(app, dataset_id: str):
    """Put one register entry back as it was, whatever the test stored in it."""
    saved = _stored(app, dataset_id)
    try:
        yield
    finally:
        factory = app.server.extensions["lcjp"].session_factory
        with factory() as session:
            entry = session.get(DataSharingEntry, dataset_id)
            for name, value in saved.items():
                setattr(entry, name, value)
            session.commit()


def _sharing_audits(app) -> list[str]:
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent.detail)
                .where(AuditEvent.event == "sharing_changed")
                .order_by(AuditEvent.id)
            )
        )


def test_choosing_a_dataset_fills_every_field_from_its_entry(app, as_user):
    factory = app.server.extensions["lcjp"].session_factory
    edit = sharing.SharingEdit(
        "wcu_witness_care",
        "MoU",
        "MOU-7",
        date(2027, 3, 31),
        ("probation", "cps"),
        True,
        provider="Witness Care Unit, Durham",
        classification="force_restricted",
    )
    with entry_restored(app, "wcu_witness_care"):
        changed = sharing.update_entry(factory, edit, {"cps", "probation"})
        assert set(changed) == set(ENTRY_FIELDS)
        assert sharing.update_entry(factory, edit, {"cps", "probation"}) == []  # nothing new
        with as_user("admin"):
            note, *fields = admin_sharing.fill_form("wcu_witness_care")
            unknown_note, *unknown = admin_sharing.fill_form("no_such_dataset")
            empty_note, *_ = admin_sharing.fill_form(None)
    assert fields == [
        "Witness Care Unit, Durham",
        "force_restricted",
        "MoU",
        "MOU-7",
        "2027-03-31",
        ["cps", "probation"],
        True,
    ]
    assert "wcu_witness_care" in note and "at source: partnership" in note
    assert "no_such_dataset" in unknown_note and all(f is dash.no_update for f in unknown)
    assert "Choose a dataset" in empty_note


def test_admin_changes_provider_and_classification_and_the_register_drives_visibility(app, as_user):
    street = "police_uk_street"
    with entry_restored(app, street):
        with as_user("viewer") as viewer:
            assert can_view_measure(viewer, "police_street_records")
        with as_user("admin"):
            status, version = admin_sharing.save_entry(
                1,
                street,
                " Home Office (police.uk) ",
                "force_restricted",
                "public",
                "",
                "",
                [],
                False,
                3,
            )
        assert (status, version) == (f"Saved the register entry for {street}.", 4)
        stored = _stored(app, street)
        assert stored["provider"] == "Home Office (police.uk)"
        assert stored["classification"] == "force_restricted"
        audit = _sharing_audits(app)[-1]
        assert '"classification": "force_restricted"' in audit and '"by": "test-admin"' in audit
        assert '"provider"' in audit and '"may_publish"' in audit  # the fields it changed
        # Now force-restricted in the register: a viewer with no force no longer sees it.
        with as_user("viewer") as viewer:
            assert not can_view_measure(viewer, "police_street_records")
            assert "do not have access" in text_of(
                subgroup.section_content("police_street_records", {})
            )
        with as_user("analyst") as analyst:
            assert can_view_measure(analyst, "police_street_records")
            # Pages label the figures, and packs choose them, by the register's classification.
            assert _classification_shown(_whole_force_page()) == "force restricted"
            rows = {r.dataset_id: r for r in data_sources.source_rows(analyst)}
            assert rows[street].classification == "force_restricted"
            assert not packs.audience_may_see(REPORTS["police-crime-panel"], street, _register(app))
    with as_user("viewer") as viewer:
        assert can_view_measure(viewer, "police_street_records")
    with as_user("analyst"):
        assert _classification_shown(_whole_force_page()) == "public"
    assert packs.audience_may_see(REPORTS["police-crime-panel"], street, _register(app))


def _whole_force_page():
    """The Force page with every collapsed part opened through its callback's builder."""
    return with_parts_opened(force_page.force_layout(), force_page.build_part)


def _classification_shown(page, measure_id: str = "police_street_records") -> str:
    """The classification a measure's card states in its 'About this figure' table."""
    card = next(
        c
        for c in walk(page)
        if isinstance(c, dbc.Card) and find_by_id(c, f"measure-{measure_id}") is not None
    )
    return re.search(r"Classification\s*([a-z ]+?)\s*Agreed target", text_of(card)).group(1)


def _register(app) -> dict:
    with app.server.extensions["lcjp"].session_factory() as session:
        return {e.dataset_id: e for e in sharing.entries(session)}


@pytest.mark.parametrize(
    ("dataset_id", "provider", "classification", "reason"),
    [
        ("police_force_extract", "  ", "force_restricted", "Name the provider"),
        ("police_force_extract", "x" * 201, "force_restricted", "longer than 200 characters"),
        ("police_force_extract", "Durham", "secret", "Classification must be one of"),
        ("police_force_extract", "Durham", 7, "Classification must be one of"),
        ("police_force_extract", "Durham", "public", "stricter, never laxer"),
        ("wcu_witness_care", "WCU", "public", "partnership at source"),
    ],
)
def test_a_bad_provider_or_classification_is_refused_and_changes_nothing(
    app, as_user, dataset_id, provider, classification, reason
):
    before, audits = _stored(app, dataset_id), len(_sharing_audits(app))
    with as_user("admin"):
        status, version = admin_sharing.save_entry(
            1, dataset_id, provider, classification, "DSA", "NEW-REF", "", ["cps"], True, 0
        )
    assert status.startswith("Not saved:") and reason in status
    assert version is dash.no_update
    assert _stored(app, dataset_id) == before
    assert len(_sharing_audits(app)) == audits
