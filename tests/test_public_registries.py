"""The registries stay consistent as public datasets and subgroups are added, and a subgroup
without a page of its own yet breaks nothing (the navigation is built from registered pages)."""

from __future__ import annotations

from datetime import date

import dash

from callbacks.data import observations
from callbacks.navigation import visible_pages
from loaders.datasets import DATASETS
from loaders.measures import MEASURES, SUBGROUPS
from presented.words import format_value

PUBLIC = {
    "police_uk_outcomes",
    "cps_case_outcomes",
    "moj_proven_reoffending",
    "prt_women_imprisonment",
    "ons_pfa_boundaries",
    "pfa_population",
}


def test_every_measure_has_a_subgroup_and_a_dataset():
    for measure in MEASURES.values():
        assert measure.subgroup in SUBGROUPS, measure.id
        assert measure.dataset_id in DATASETS, measure.id
        assert measure.polarity in {"up_good", "down_good", "neutral"}, measure.id
        assert len(measure.definition) > 40, measure.id
    with_measures = {m.dataset_id for m in MEASURES.values()}
    # Only the reference datasets carry no measure of their own: the boundaries (for maps) and
    # the populations (stored as a reference figure, never shown as a measure).
    assert set(DATASETS) - with_measures == {"ons_pfa_boundaries", "pfa_population"}


def test_new_public_datasets_are_registered_in_full():
    for dataset_id in PUBLIC:
        spec = DATASETS[dataset_id]
        assert spec.classification == "public"
        assert spec.publication_url.startswith("https://")
        assert spec.cadence in {"weekly", "monthly", "quarterly", "annual"}
        assert len(spec.schedule.split()) == 5  # a cron expression
        assert spec.folder and spec.publisher


def test_subgroups_for_every_lcjp_group():
    assert SUBGROUPS["victim-witness"].name == "Victim & Witness"
    assert SUBGROUPS["reducing-reoffending"].name == "Reducing Reoffending"
    assert SUBGROUPS["female-offender"].name == "Female Offender"
    orders = [s.order for s in SUBGROUPS.values()]
    assert len(set(orders)) == len(orders)
    for subgroup in ("victim-witness", "reducing-reoffending", "female-offender"):
        assert any(m.subgroup == subgroup for m in MEASURES.values())


def test_navigation_lists_only_pages_that_exist(app, as_user, client, auth):
    """Subgroups with measures but no page yet are simply not in the navigation."""
    registered = {p["path"] for p in dash.page_registry.values()}
    with as_user("viewer") as user:
        pages = visible_pages(user)
    assert {p["path"] for p in pages} <= registered
    data_pages = {p.get("subgroup") or "board" for p in pages if p.get("roles") is None}
    assert data_pages == {
        "board",
        "effectiveness-efficiency",
        "police-demand",
        "victim-witness",
        "reducing-reoffending",
        "female-offender",
    }
    auth.login("viewer")
    assert client.get("/").status_code == 302
    page = client.get("/effectiveness-efficiency")
    assert page.status_code == 200


def test_new_figures_are_in_the_app_database(app, as_user):
    with as_user("analyst"):
        rates = observations("women_imprisonment_rate", area_codes=["E23000013"])
        cps = observations("cps_conviction_rate", area_codes=["E23000008"], totals_only=True)
    assert rates.loc[rates["period_end"] == date(2022, 12, 31), "value"].item() == 46.5
    assert len(cps) == 12


def test_rates_per_100000_read_as_published():
    assert format_value(46.5, "per_100k") == "46.5 per 100,000 population"
    assert (
        format_value(23.2, MEASURES["women_imprisonment_rate"].unit)
        == "23.2 per 100,000 population"
    )


def test_every_schedule_is_a_valid_cron_expression():
    from apscheduler.triggers.cron import CronTrigger

    for spec in DATASETS.values():
        CronTrigger.from_crontab(spec.schedule, timezone="Europe/London")
