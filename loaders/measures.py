"""The measure registry: one entry per measure, the single source of truth for pages and loaders."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subgroup:
    """An LCJP subgroup (or section) whose page the registry drives."""

    id: str
    name: str
    order: int
    description: str


@dataclass(frozen=True)
class MeasureSpec:
    """What a figure means: polarity says whether up is good, so signals read correctly."""

    id: str
    title: str
    subgroup: str
    unit: str  # count, percent, days, weeks, hours, ratio
    polarity: str  # up_good, down_good, neutral
    definition: str
    dataset_id: str
    # Board framework fields; defaults keep simple entries short.
    headline: bool = False  # shown as a tile on its subgroup page and the LCJP Board overview
    numerator: str = ""  # what is counted on top of a rate
    denominator: str = ""  # what it is counted out of
    cadence: str = ""  # overrides the dataset's cadence where the measure differs
    lag: str = ""  # how long after the period the figure is published
    target: float | None = None  # an agreed target; SPC assurance is only shown when set
    drill: tuple[str, ...] = ()  # breakdown dimensions a click drills into, in order
    order: int = 100  # position on its subgroup page


SUBGROUPS: dict[str, Subgroup] = {
    s.id: s
    for s in (
        Subgroup(
            "effectiveness-efficiency",
            "Effectiveness & Efficiency",
            1,
            "Court backlog and timeliness, tracked monthly by the E&E group.",
        ),
        Subgroup(
            "police-demand",
            "Police demand & outcomes",
            2,
            "Recorded crime and how investigations end, from police.uk street-level data.",
        ),
    )
}

_CCSQ = "moj_ccsq_crown"
_POLICE = "police_uk_street"

MEASURES: dict[str, MeasureSpec] = {
    m.id: m
    for m in (
        MeasureSpec(
            "crown_open_cases",
            "Open Crown Court cases",
            "effectiveness-efficiency",
            "count",
            "down_good",
            "Cases received by the Crown Court and not yet disposed of at the end of the quarter "
            "(the outstanding caseload, or backlog). All offences and case types.",
            _CCSQ,
            headline=True,
            order=1,
        ),
        MeasureSpec(
            "crown_receipts",
            "Crown Court receipts",
            "effectiveness-efficiency",
            "count",
            "neutral",
            "Cases received by the Crown Court in the quarter.",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_disposals",
            "Crown Court disposals",
            "effectiveness-efficiency",
            "count",
            "up_good",
            "Cases completed by the Crown Court with a final result in the quarter.",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_open_by_age",
            "Open Crown Court cases by age",
            "effectiveness-efficiency",
            "count",
            "down_good",
            "Open cases at the end of the quarter by time since receipt (cases with a known age).",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_open_1yr_share",
            "Share of open Crown Court cases open a year or more",
            "effectiveness-efficiency",
            "percent",
            "down_good",
            "Open cases received 365 or more days before the end of the quarter, as a percentage "
            "of open cases whose age is known.",
            _CCSQ,
            headline=True,
            order=2,
            numerator="Open cases received 365 or more days before the quarter end",
            denominator="Open cases whose age is known",
        ),
        MeasureSpec(
            "crown_backlog_years",
            "Years to clear the Crown Court backlog",
            "effectiveness-efficiency",
            "ratio",
            "down_good",
            "Open cases at the end of the latest quarter divided by cases disposed of in the four "
            "quarters to it: how many years the court would take to clear its caseload at its "
            "current pace with no new receipts.",
            _CCSQ,
            numerator="Open cases at the end of the latest quarter",
            denominator="Cases disposed of in the four quarters to it",
        ),
        MeasureSpec(
            "crown_offence_to_completion_median",
            "Offence to completion, median days (Crown Court)",
            "effectiveness-efficiency",
            "days",
            "down_good",
            "Median days from offence to completion for defendants whose Crown Court case "
            "completed in the quarter.",
            _CCSQ,
            headline=True,
            order=3,
        ),
        MeasureSpec(
            "crown_offence_to_completion_mean",
            "Offence to completion, mean days (Crown Court)",
            "effectiveness-efficiency",
            "days",
            "down_good",
            "Mean days from offence to completion for defendants whose Crown Court case "
            "completed in the quarter.",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_charge_to_completion_median",
            "Charge to completion, median days (Crown Court)",
            "effectiveness-efficiency",
            "days",
            "down_good",
            "Median days from charge to completion at the Crown Court, for defendants whose case "
            "completed in the quarter.",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_charge_to_completion_mean",
            "Charge to completion, mean days (Crown Court)",
            "effectiveness-efficiency",
            "days",
            "down_good",
            "Mean days from charge to completion at the Crown Court, for defendants whose case "
            "completed in the quarter.",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_waiting_median_weeks",
            "Crown Court waiting time, median weeks",
            "effectiveness-efficiency",
            "weeks",
            "down_good",
            "Median waiting time in weeks, from the MoJ waiting and hearing time tool.",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_waiting_mean_weeks",
            "Crown Court waiting time, mean weeks",
            "effectiveness-efficiency",
            "weeks",
            "down_good",
            "Mean waiting time in weeks, from the MoJ waiting and hearing time tool.",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_hearing_mean_hours",
            "Crown Court hearing time per case, mean hours",
            "effectiveness-efficiency",
            "hours",
            "neutral",
            "Mean hours of hearing time per completed case.",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_hearing_median_hours",
            "Crown Court hearing time per case, median hours",
            "effectiveness-efficiency",
            "hours",
            "neutral",
            "Median hours of hearing time per completed case.",
            _CCSQ,
        ),
        MeasureSpec(
            "crown_hearings_per_case",
            "Crown Court hearings per case, mean",
            "effectiveness-efficiency",
            "ratio",
            "down_good",
            "Mean number of hearings per completed case.",
            _CCSQ,
        ),
        MeasureSpec(
            "police_street_records",
            "Street-level crime and anti-social behaviour records",
            "police-demand",
            "count",
            "neutral",
            "Records published to police.uk for the month, by crime type and the last outcome "
            "recorded when the archive was made. Anti-social behaviour incidents are included as "
            "their own crime type and have no outcome.",
            _POLICE,
        ),
    )
}


def measures_for_dataset(dataset_id: str) -> dict[str, str]:
    """Measure id → unit for every measure a dataset may write."""
    return {m.id: m.unit for m in MEASURES.values() if m.dataset_id == dataset_id}
