"""The dataset registry: where each source lives, how often it changes, who may see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loaders.frames import LoadResult
from loaders.release_checks import ReleaseCheck
from loaders.sources import (
    ccsq,
    cps,
    ons_geography,
    police_uk,
    police_uk_outcomes,
    population,
    prt_women,
    reoffending,
)
from loaders.submissions.drop_folder import DropFolderLoader
from loaders.submissions.templates import TEMPLATES

# Publisher locations read when FETCH_FROM_PUBLISHERS=1 (see DatasetSpec.default_source).
CCSQ_COLLECTION_API = (
    "https://www.gov.uk/api/content/government/collections/criminal-court-statistics"
)
POLICE_UK_LATEST_ARCHIVE = "https://data.police.uk/data/archive/latest.zip"


@dataclass(frozen=True)
class DatasetSpec:
    """A source loaded as a whole. `folder` is its place in a PUBLIC_DATA_DIR-style tree."""

    id: str
    title: str
    publisher: str
    publication_url: str
    cadence: str  # weekly, monthly, quarterly, annual
    classification: str  # public, partnership, force_restricted
    folder: str
    loader: Callable[[Path], LoadResult]
    schedule: str  # cron expression, Europe/London
    # A partner submission: read from its drop folder (SUBMISSIONS_DIR/<id>/), not the public tree.
    submission: bool = False
    # Months after a period ends before its figures are usually published: with the cadence it
    # says when a figure is stale (loaders.staleness.period_age).
    lag_months: int = 1
    # The latest periods whose figures are still being recorded (police.uk outcomes): drawn as
    # provisional and never tested for signals. PROVISIONAL_PERIODS_<ID> overrides it.
    provisional_periods: int = 0
    # What one period of its figures is, where the cadence does not say (April-March cohorts).
    period_kind: str = ""
    # How far a settled period may fall from one release to the next before the new release
    # is held for review (RELEASE_MAX_DROP_<ID> and REVISION_WINDOW_DAYS_<ID> override it).
    release_check: ReleaseCheck = ReleaseCheck()
    # Where the publisher itself publishes it, read with FETCH_FROM_PUBLISHERS=1 when no
    # SOURCE_<ID> or PUBLIC_DATA_DIR applies: a file URL, or a discovery rule (a GOV.UK Content
    # API collection, loaders/discovery.py). Empty where no machine-readable location is known;
    # `default_source_note` then says why and what to configure instead.
    default_source: str = ""
    default_source_note: str = ""


def _partner_submission(
    dataset_id: str, publisher: str, cadence: str, classification: str = "partnership"
) -> DatasetSpec:
    """A dataset partners send in the template of the same id (loaders/submissions/templates.py)."""
    return DatasetSpec(
        id=dataset_id,
        title=TEMPLATES[dataset_id].title,
        publisher=publisher,
        publication_url="",
        cadence=cadence,
        classification=classification,
        folder=dataset_id,
        loader=DropFolderLoader(dataset_id),
        schedule="30 6 * * *",  # the drop folder is read daily; uploads load at once
        submission=True,
        lag_months={"weekly": 0, "monthly": 1}.get(cadence, 2),  # partners send soon after
        # Partners correct their recent returns; older periods should not fall.
        release_check=ReleaseCheck(revision_window_days=92),
    )


DATASETS: dict[str, DatasetSpec] = {
    d.id: d
    for d in (
        DatasetSpec(
            id="moj_ccsq_crown",
            title="Criminal court statistics quarterly: Crown Court",
            publisher="Ministry of Justice",
            publication_url="https://www.gov.uk/government/collections/criminal-court-statistics",
            cadence="quarterly",
            classification="public",
            folder="ccsq_crown_court",
            loader=ccsq.load,
            schedule="0 10 * * 4",  # MoJ publishes on Thursdays at 09:30
            lag_months=3,  # a quarter is published about three months after it ends
            # The court tables give each court's latest quarter and the year before only.
            release_check=ReleaseCheck(snapshot_area_types=("crown_court",)),
            # The collection's latest release, found through the GOV.UK Content API.
            default_source=CCSQ_COLLECTION_API,
        ),
        DatasetSpec(
            id="police_uk_street",
            title="police.uk street-level crime and outcomes",
            publisher="Home Office and police forces (data.police.uk)",
            publication_url="https://data.police.uk/data/",
            cadence="monthly",
            classification="public",
            folder="police_uk_street",
            loader=police_uk.load,
            schedule="0 6 * * *",
            lag_months=2,
            default_source=POLICE_UK_LATEST_ARCHIVE,
        ),
        DatasetSpec(
            id="police_uk_outcomes",
            title="police.uk crime outcomes: charged, out of court, unable to prosecute",
            publisher="Home Office and police forces (data.police.uk)",
            publication_url="https://data.police.uk/data/",
            cadence="monthly",
            classification="public",
            folder="police_uk_street",  # derived from the same street files
            loader=police_uk_outcomes.load,
            schedule="15 6 * * *",
            lag_months=2,
            provisional_periods=3,  # outcomes are still being recorded
            default_source=POLICE_UK_LATEST_ARCHIVE,
        ),
        DatasetSpec(
            id="cps_case_outcomes",
            title="CPS case outcomes by principal offence category, by CPS Area",
            publisher="Crown Prosecution Service",
            publication_url="https://www.cps.gov.uk/publications/performance/case_outcomes/",
            cadence="monthly",
            classification="public",
            folder="cps_case_outcomes",
            loader=cps.load,
            schedule="30 6 * * *",
            lag_months=3,
            default_source_note=(
                "CPS publishes one CSV per month on cps.gov.uk pages with no machine-readable "
                "index; put the monthly files in a folder (SOURCE_CPS_CASE_OUTCOMES)."
            ),
        ),
        DatasetSpec(
            id="moj_proven_reoffending",
            title="Proven reoffending statistics, England and Wales",
            publisher="Ministry of Justice",
            publication_url="https://www.gov.uk/government/collections/proven-reoffending-statistics",
            cadence="quarterly",
            classification="public",
            folder="reoffending",
            loader=reoffending.load,
            schedule="0 10 * * 4",  # MoJ publishes on Thursdays at 09:30
            lag_months=22,  # a cohort year: 12 months to reoffend, 6 to be proven, then publication
            period_kind="financial_year",  # April-March cohorts, released quarterly
            default_source_note=(
                "The loader reads a national JSON series built from the MoJ tables by a third "
                "party; MoJ's own tables are not yet read, so set SOURCE_MOJ_PROVEN_REOFFENDING."
            ),
        ),
        DatasetSpec(
            id="prt_women_imprisonment",
            title="Women's imprisonment rate by police force area",
            publisher="Prison Reform Trust (from MoJ and ONS data)",
            publication_url="https://prisonreformtrust.org.uk/womens-local-data-resource/",
            cadence="annual",
            classification="public",
            folder="female_offenders",
            loader=prt_women.load,
            schedule="0 7 * * 1",
            lag_months=12,
            default_source_note=(
                "Prison Reform Trust publishes the table as a web page download with no stable "
                "file address; set SOURCE_PRT_WOMEN_IMPRISONMENT."
            ),
        ),
        DatasetSpec(
            id="ons_pfa_boundaries",
            title="Police force area codes and boundaries",
            publisher="Office for National Statistics (Open Geography Portal)",
            publication_url="https://geoportal.statistics.gov.uk/",
            cadence="annual",
            classification="public",
            folder="reference",
            loader=ons_geography.load,
            schedule="0 5 * * 1",
            lag_months=12,
            default_source_note=(
                "Boundaries change about once a year and are checked by hand before use; set "
                "SOURCE_ONS_PFA_BOUNDARIES to a folder holding the ONS GeoJSON."
            ),
        ),
        DatasetSpec(
            id="pfa_population",
            title="Resident population by police force area (mid-year estimate)",
            publisher=(
                "Office for National Statistics mid-year estimates, summed to police force "
                "areas (as tabulated in UCL's research protocol)"
            ),
            publication_url=(
                "https://discovery.ucl.ac.uk/id/eprint/10196619/1/"
                "pdd_quantitative_protocol_v2.0.pdf"
            ),
            cadence="annual",
            classification="public",
            folder="reference",  # beside the code list and boundaries
            loader=population.load,
            schedule="15 5 * * 1",  # checked weekly; a new mid-year edition comes once a year
            default_source_note=(
                "The figures are a transcription in a PDF protocol, not an ONS file; set "
                "SOURCE_PFA_POPULATION to a folder holding pfa_population.csv."
            ),
        ),
        # Partner submissions: held only by partners, sent through the upload page or dropped
        # into the dataset's drop folder.
        _partner_submission(
            "police_force_extract",
            "Police force (partner submission)",
            "monthly",
            classification="force_restricted",
        ),
        _partner_submission(
            "cps_weekly_dashboard", "Crown Prosecution Service (partner submission)", "weekly"
        ),
        _partner_submission(
            "hmcts_magistrates_mi", "HM Courts & Tribunals Service (partner submission)", "monthly"
        ),
        _partner_submission(
            "hmcts_crown_mi", "HM Courts & Tribunals Service (partner submission)", "monthly"
        ),
        _partner_submission(
            "wcu_witness_care", "Witness Care Unit (partner submission)", "monthly"
        ),
        _partner_submission(
            "victims_code_compliance",
            "Police, CPS, Witness Care Unit and Probation Service (partner submission)",
            "quarterly",
        ),
        _partner_submission(
            "probation_iom_cohort", "Probation Service (partner submission)", "quarterly"
        ),
        _partner_submission(
            "womens_services",
            "Women's services and Probation Service (partner submission)",
            "quarterly",
        ),
    )
}
