"""The data-sharing register: seeded for every dataset, kept by administrators only, and the rule
that decides which partners see a force-restricted dataset."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import flask_login
import pytest

from callbacks import admin_sharing, force_page, subgroup
from callbacks.permissions import can_view_measure
from loaders import sharing, users
from loaders.datasets import DATASETS
from loaders.models import DataSharingEntry

CPS_VIEWER = ("cps-viewer", "a-cps-password-42")


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


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
        assert "do not have access" in _text(
            subgroup.section_content("force_victim_satisfaction", {})
        )
        assert "force_victim_satisfaction" not in repr(force_page.force_layout())
    with shared_extract(app, ("cps",)), cps_viewer() as user:
        assert can_view_measure(user, "force_victim_satisfaction")
        assert "force_victim_satisfaction" in repr(force_page.force_layout())
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
    text = _text(admin_sharing.register_table(entries, date(2026, 1, 1)))
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
                1, "police_force_extract", "DSA", "X", "", ["cps"], True, 0
            )
            assert "Only administrators" in status
            assert "do not have access" in _text(admin_sharing.sharing_layout())
    with factory() as session:
        assert session.get(DataSharingEntry, "police_force_extract").shared_with == ""


def test_admin_edits_are_checked_and_a_bad_one_changes_nothing(app, as_user):
    factory = app.server.extensions["lcjp"].session_factory
    with as_user("admin"):
        status, _ = admin_sharing.save_entry(
            1, "police_force_extract", "DSA", "X", "31/12/2026", ["cps"], False, 0
        )
        assert "YYYY-MM-DD" in status
        status, _ = admin_sharing.save_entry(
            1, "police_force_extract", "DSA", "X", "", ["no-such-org"], False, 0
        )
        assert "no-such-org" in status
        table, options = admin_sharing.update_register(0)
        assert "cps" in options and "police_force_extract" in repr(table)
    with factory() as session:
        assert session.get(DataSharingEntry, "police_force_extract").shared_with == ""
