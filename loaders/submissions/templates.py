"""The template registry: for each partner-held dataset, the exact file the partner sends.

One declarative entry per dataset says which columns a file has (type, unit, whether required,
allowed codes), which columns identify a row, which columns pair up as numerator and denominator,
which must add up, and which measure each figure becomes. The checks (checking.py), the blank
templates users download (downloads.py), the upload page and the demo returns are all driven
from here, so a new measure or column is one edit in this file plus its MeasureSpec in
loaders/measures.py.

The police force extract is in long form (one row per measure): its measure codes are every
measure registered for the dataset in loaders/measures.py, so a force adds a measure by adding
one MeasureSpec, with no change to this file.
"""

from __future__ import annotations

from dataclasses import dataclass

from loaders.areas import POLICE_FORCE_AREAS, crown_court_code, region_code
from loaders.demo import COURTS
from loaders.measures import MEASURES
from loaders.submissions.periods import MONTH, QUARTER, WEEK, PeriodFormat

# Column kinds: what a cell must hold.
AREA, PERIOD, CODE, COUNT, NUMBER, TEXT = "area", "period", "code", "count", "number", "text"
KIND_NAMES = {
    AREA: "area code",
    PERIOD: "period",
    CODE: "code from a list",
    COUNT: "whole number, 0 or more",
    NUMBER: "number, 0 or more (decimals allowed)",
    TEXT: "text",
}

# Area types a template may name, and the codes each allows.
POLICE_FORCE_AREA = "police_force_area"
CROWN_COURT = "crown_court"

# Crown Court centres (HMCTS names, as MoJ publishes them) with their HMCTS region; a court's code
# and region match what the Crown Court statistics loader stores, so both describe one area.
CROWN_COURTS: dict[str, tuple[str, str]] = {
    crown_court_code(court): (court, region)
    for region, court, _size in COURTS
    if region != "Unknown"
}
AREA_CODES: dict[str, dict[str, str]] = {
    POLICE_FORCE_AREA: dict(POLICE_FORCE_AREAS),
    CROWN_COURT: {code: name for code, (name, _region) in CROWN_COURTS.items()},
}


@dataclass(frozen=True)
class Column:
    """One column of a template file."""

    name: str
    kind: str
    meaning: str
    required: bool = True
    unit: str = ""  # count, minutes, … (what one unit of the number is)
    # CODE: the allowed codes; AREA: the allowed area types (codes come from AREA_CODES).
    allowed: tuple[str, ...] = ()
    example: str = ""
    max_length: int = 0  # TEXT only; 0 means no limit


@dataclass(frozen=True)
class MeasureMap:
    """Which figure a row gives for one measure: a value, or a numerator over a denominator."""

    measure_id: str
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    breakdown: tuple[tuple[str, str], ...] = ()  # a fixed breakdown, e.g. (("reason", "Court"),)
    when: tuple[str, str] | None = None  # (column, code): only rows whose column holds that code

    @property
    def is_rate(self) -> bool:
        return self.numerator is not None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.value, self.numerator, self.denominator) if c)


@dataclass(frozen=True)
class SumRule:
    """Parts that must add up to a total (exact) or may not exceed it."""

    total: str
    parts: tuple[str, ...]
    exact: bool = True


@dataclass(frozen=True)
class Template:
    """Everything a partner's file must be, and what its figures become."""

    dataset_id: str
    title: str
    provider: str
    description: str
    period: PeriodFormat
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    measures: tuple[MeasureMap, ...]
    sums: tuple[SumRule, ...] = ()
    measure_column: str | None = None  # long form: the column naming each row's measure

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def area_column(self) -> Column:
        return next(c for c in self.columns if c.kind == AREA)

    @property
    def period_column(self) -> Column:
        return next(c for c in self.columns if c.kind == PERIOD)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """(numerator, denominator) column pairs, each once."""
        seen: dict[tuple[str, str], None] = {}
        for m in self.measures:
            if m.is_rate:
                seen[(m.numerator, m.denominator)] = None
        return list(seen)

    def area_codes(self) -> dict[str, str]:
        """Every area code this template accepts, with the area's name."""
        codes: dict[str, str] = {}
        for area_type in self.area_column.allowed:
            codes.update(AREA_CODES[area_type])
        return codes


# The most one row could plausibly give, per measure: a figure above it is a typing or export
# error (a 40-digit count, a pasted reference number), refused by row and column. Counts default
# to COUNT_MAXIMUM, other numbers (minutes, days, …) to NUMBER_MAXIMUM; a measure whose figures
# are larger registers its own bound here.
COUNT_MAXIMUM = 1_000_000
NUMBER_MAXIMUM = 1_000_000
# (The largest police force area, the Metropolitan Police, is the yardstick: about ten times a
# typical force. A rate's numerator and denominator take its measure's bound.)
PLAUSIBLE_MAXIMUM: dict[str, int] = {
    "force_emergency_response_median_minutes": 10_080,  # a week
    "force_domestic_abuse_crimes": 100_000,  # a month
    "force_asb_incidents": 200_000,
    "cps_charge_decisions": 50_000,  # a week
    "hmcts_mags_receipts": 200_000,  # a month
    "hmcts_mags_disposals": 200_000,
    "hmcts_mags_outstanding": 500_000,
    "hmcts_mags_vacated_trials": 50_000,
    "hmcts_mags_ineffective_trials_by_reason": 50_000,
    "hmcts_crown_receipts": 50_000,
    "hmcts_crown_disposals": 50_000,
    "hmcts_crown_outstanding": 200_000,
    "hmcts_crown_vacated_trials": 20_000,
    "hmcts_crown_ineffective_trials_by_reason": 20_000,
    "iom_cohort_size": 20_000,  # a quarter
    "iom_selections": 20_000,
    "iom_deselections": 20_000,
    "iom_baseline_convictions": 200_000,
    "iom_current_convictions": 200_000,
    "women_services_referrals": 50_000,
    "women_managed_in_community": 50_000,
    "women_short_custodial_sentences": 50_000,
}


def plausible_maximum(measure_id: str, column: Column) -> int:
    """The largest figure a row may give in `column` for `measure_id`."""
    default = COUNT_MAXIMUM if column.kind == COUNT else NUMBER_MAXIMUM
    return PLAUSIBLE_MAXIMUM.get(measure_id, default)


def submitter_areas(template: Template, kind: str | None, force_area_code: str | None):
    """(the area codes an organisation of this kind may submit in this return, and why), or None
    when it may use every code the template allows (the OPCC, and partners whose returns cover
    the partnership's areas).

    A police force submits only its own force area. HMCTS's Crown Court return names Crown Court
    centres, never a police force area, even though the template allows both (the OPCC may send
    figures by criminal justice area).
    """
    codes = template.area_codes()
    if kind == "police" and force_area_code:
        return (
            {c: n for c, n in codes.items() if c == force_area_code},
            f"a police force submits figures only for its own force area ({force_area_code})",
        )
    if kind == "hmcts" and CROWN_COURT in template.area_column.allowed:
        return (
            dict(AREA_CODES[CROWN_COURT]),
            "an HMCTS Crown Court return names Crown Court centres (CC-…), not police force areas",
        )
    return None


def _area(*area_types: str, meaning: str) -> Column:
    return Column("area_code", AREA, meaning, allowed=area_types, example="E23000008")


def _period(period: PeriodFormat) -> Column:
    return Column(period.column, PERIOD, period.description, example=period.example)


def _count(name: str, meaning: str, *, required: bool = True, example: str = "") -> Column:
    return Column(name, COUNT, meaning, required=required, unit="count", example=example)


NOTES = Column(
    "notes",
    TEXT,
    "Anything the analyst should know about this row, for example why a figure changed. Not "
    "shown on the dashboard; kept with the file you submitted.",
    required=False,
    example="Figures revised after data cleansing",
    max_length=2000,
)
FORCE_AREA_MEANING = (
    "ONS code of the police force area the figures are for (E23000008 Durham, E23000013 "
    "Cleveland; see the Codes sheet for every force)."
)

# ---- police force extract (long form) --------------------------------------------------------

POLICE_EXTRACT = "police_force_extract"


def force_measure_codes() -> tuple[str, ...]:
    """The measures a force extract may carry: every one registered for the dataset."""
    return tuple(m.id for m in MEASURES.values() if m.dataset_id == POLICE_EXTRACT)


def _force_measure_maps() -> tuple[MeasureMap, ...]:
    maps = []
    for code in force_measure_codes():
        if MEASURES[code].unit == "percent":
            maps.append(
                MeasureMap(
                    code, numerator="numerator", denominator="denominator", when=("measure", code)
                )
            )
        else:
            maps.append(MeasureMap(code, value="value", when=("measure", code)))
    return tuple(maps)


_POLICE = Template(
    dataset_id=POLICE_EXTRACT,
    title="Police force performance extract",
    provider="The force's performance or analysis team (from DCOP, Foresight or iBase)",
    description=(
        "One row per force, month and measure, exported from the force's own systems: call "
        "handling and attendance from command and control (DCOP), victim satisfaction, repeat "
        "victimisation, domestic abuse, anti-social behaviour and crime outcomes from Foresight "
        "or iBase. A rate is given as numerator and denominator (leave value blank); a count or "
        "a time is given as value (leave numerator and denominator blank)."
    ),
    period=MONTH,
    columns=(
        _area(POLICE_FORCE_AREA, meaning=FORCE_AREA_MEANING),
        _period(MONTH),
        Column(
            "measure",
            CODE,
            "Which measure the row gives (see the Codes sheet for what each one means).",
            allowed=force_measure_codes(),
            example="force_999_answered_10s",
        ),
        Column(
            "value",
            NUMBER,
            "For a count or a time: the figure (counts are whole numbers; times are minutes). "
            "Blank for a rate.",
            required=False,
            example="412",
        ),
        _count(
            "numerator",
            "For a rate: how many met the standard. Blank otherwise.",
            required=False,
            example="9321",
        ),
        _count(
            "denominator",
            "For a rate: how many there were in all (the numerator's base). Blank otherwise.",
            required=False,
            example="9876",
        ),
        NOTES,
    ),
    keys=("area_code", "month", "measure"),
    measures=_force_measure_maps(),
    measure_column="measure",
)

# ---- CPS weekly dashboard ---------------------------------------------------------------------

_CPS = Template(
    dataset_id="cps_weekly_dashboard",
    title="CPS weekly LCJB dashboard",
    provider="The CPS area's performance team",
    description=(
        "The figures from the CPS weekly dashboard for the local criminal justice board, one row "
        "per police force area and week (Monday to Sunday)."
    ),
    period=WEEK,
    columns=(
        _area(POLICE_FORCE_AREA, meaning=FORCE_AREA_MEANING),
        _period(WEEK),
        _count(
            "charge_decisions",
            "Pre-charge decisions the CPS made in the week on cases the police referred.",
            example="310",
        ),
        _count("charged", "Of those decisions, how many were to charge.", example="228"),
        _count(
            "guilty_pleas",
            "Defendants who pleaded guilty in the week, at any hearing.",
            example="190",
        ),
        _count(
            "guilty_pleas_at_first_hearing",
            "Of those guilty pleas, how many were entered at the first hearing.",
            example="121",
        ),
        _count(
            "prosecutions_completed",
            "Prosecutions completed in the week (all outcomes).",
            example="260",
        ),
        _count(
            "convictions",
            "Of those completed prosecutions, how many ended in a conviction.",
            example="225",
        ),
        NOTES,
    ),
    keys=("area_code", "week_commencing"),
    measures=(
        MeasureMap("cps_charge_decisions", value="charge_decisions"),
        MeasureMap("cps_charge_rate", numerator="charged", denominator="charge_decisions"),
        MeasureMap(
            "cps_guilty_plea_first_hearing",
            numerator="guilty_pleas_at_first_hearing",
            denominator="guilty_pleas",
        ),
        MeasureMap(
            "cps_weekly_conviction_rate",
            numerator="convictions",
            denominator="prosecutions_completed",
        ),
    ),
)

# ---- HMCTS management information (magistrates' courts and Crown Court) -----------------------

INEFFECTIVE_REASONS = (
    ("ineffective_court", "Court", "of court administrative reasons (HMCTS codes W1 to W5 and X)"),
    ("ineffective_defence", "Defence", "of defence reasons (HMCTS codes Q1 to V)"),
    (
        "ineffective_prosecution_witness_absent",
        "Prosecution: witness absent",
        "a prosecution witness was absent",
    ),
    (
        "ineffective_prosecution_other",
        "Prosecution: other",
        "of any other prosecution reason (for example the prosecution was not ready)",
    ),
    ("ineffective_other", "Other", "of any other reason (including HMCTS codes S3, Y and Z)"),
)


def _court_mi(dataset_id: str, prefix: str, court: str, area: Column, provider: str) -> Template:
    reason_columns = tuple(
        _count(name, f"Of the ineffective trials, how many were ineffective because {why}.")
        for name, _group, why in INEFFECTIVE_REASONS
    )
    return Template(
        dataset_id=dataset_id,
        title=f"HMCTS management information: {court}",
        provider=provider,
        description=(
            f"Monthly HMCTS management information for the {court}: caseload (receipts, "
            "disposals, outstanding cases) and trial effectiveness, with the reasons trials were "
            "ineffective. Trials are counted on the date they were listed for trial: effective "
            "(went ahead), cracked (ended that day without a trial, for example a late guilty "
            "plea) or ineffective (did not go ahead and must be relisted). Vacated trials were "
            "taken out of the list before that date and are not part of 'trials'."
        ),
        period=MONTH,
        columns=(
            area,
            _period(MONTH),
            _count(
                "receipts", "Cases received and entered on the system in the month.", example="1450"
            ),
            _count(
                "disposals", "Cases completed with a final result in the month.", example="1390"
            ),
            _count(
                "outstanding",
                "Cases received and not yet disposed of at the end of the month.",
                example="3120",
            ),
            _count(
                "trials",
                "Trials that reached their listed date in the month: effective + cracked + "
                "ineffective.",
                example="200",
            ),
            _count("effective_trials", "Trials that went ahead as listed.", example="70"),
            _count(
                "cracked_trials",
                "Trials that ended on the day without a trial (a late guilty plea, or the "
                "prosecution offered no evidence).",
                example="90",
            ),
            _count(
                "ineffective_trials",
                "Trials that did not go ahead and had to be relisted.",
                example="40",
            ),
            _count(
                "vacated_trials",
                "Trials removed from the list before their trial date (leave blank if not recorded).",
                required=False,
                example="35",
            ),
            *reason_columns,
            NOTES,
        ),
        keys=("area_code", "month"),
        measures=(
            MeasureMap(f"{prefix}_receipts", value="receipts"),
            MeasureMap(f"{prefix}_disposals", value="disposals"),
            MeasureMap(f"{prefix}_outstanding", value="outstanding"),
            MeasureMap(
                f"{prefix}_effective_trial_rate", numerator="effective_trials", denominator="trials"
            ),
            MeasureMap(
                f"{prefix}_cracked_trial_rate", numerator="cracked_trials", denominator="trials"
            ),
            MeasureMap(
                f"{prefix}_ineffective_trial_rate",
                numerator="ineffective_trials",
                denominator="trials",
            ),
            MeasureMap(f"{prefix}_vacated_trials", value="vacated_trials"),
            *(
                MeasureMap(
                    f"{prefix}_ineffective_trials_by_reason",
                    value=name,
                    breakdown=(("reason", group),),
                )
                for name, group, _why in INEFFECTIVE_REASONS
            ),
        ),
        sums=(
            SumRule("trials", ("effective_trials", "cracked_trials", "ineffective_trials")),
            SumRule("ineffective_trials", tuple(name for name, *_ in INEFFECTIVE_REASONS)),
        ),
    )


_MAGISTRATES = _court_mi(
    "hmcts_magistrates_mi",
    "hmcts_mags",
    "magistrates' courts",
    _area(
        POLICE_FORCE_AREA,
        meaning="ONS code of the police force area (criminal justice area) the courts serve "
        "(E23000008 Durham, E23000013 Cleveland; see the Codes sheet).",
    ),
    "HMCTS (the cluster's performance or delivery manager)",
)
_CROWN = _court_mi(
    "hmcts_crown_mi",
    "hmcts_crown",
    "Crown Court",
    Column(
        "area_code",
        AREA,
        "Code of the Crown Court centre (CC-DURHAM, CC-TEESSIDE, …) or, for figures by "
        "criminal justice area, the ONS police force area code. See the Codes sheet.",
        allowed=(CROWN_COURT, POLICE_FORCE_AREA),
        example="CC-TEESSIDE",
    ),
    "HMCTS (the Crown Court's delivery manager)",
)

# ---- Witness Care Unit ------------------------------------------------------------------------

_WCU = Template(
    dataset_id="wcu_witness_care",
    title="Witness Care Unit return",
    provider="The Witness Care Unit manager",
    description=(
        "Monthly Witness Care Unit figures for each police force area: full needs assessments "
        "completed of those due once a charge decision was made, and whether witnesses warned to "
        "attend court came."
    ),
    period=MONTH,
    columns=(
        _area(POLICE_FORCE_AREA, meaning=FORCE_AREA_MEANING),
        _period(MONTH),
        _count(
            "needs_assessments_due",
            "Victims and witnesses due a full needs assessment in the month (a charge decision "
            "was made in their case).",
            example="420",
        ),
        _count(
            "needs_assessments_completed",
            "Of those due, how many had a full needs assessment completed.",
            example="389",
        ),
        _count(
            "witnesses_warned", "Witnesses warned to attend a trial in the month.", example="610"
        ),
        _count("witnesses_attended", "Of those warned, how many attended court.", example="548"),
        NOTES,
    ),
    keys=("area_code", "month"),
    measures=(
        MeasureMap(
            "wcu_needs_assessment_rate",
            numerator="needs_assessments_completed",
            denominator="needs_assessments_due",
        ),
        MeasureMap(
            "wcu_witness_attendance_rate",
            numerator="witnesses_attended",
            denominator="witnesses_warned",
        ),
    ),
)

# ---- Victims' Code compliance (MoJ's five quarterly areas) -----------------------------------

# (column stem, measure, who the right applied to, what "met" means)
VICTIMS_CODE_AREAS = (
    (
        "written_acknowledgement",
        "vcop_written_acknowledgement",
        "victims who reported a crime",
        "got written acknowledgement of their report",
    ),
    (
        "referral_to_support",
        "vcop_referral_to_support",
        "victims who should have been referred to support services",
        "were referred",
    ),
    (
        "updates_in_time",
        "vcop_updates_in_time",
        "victims due an update about their case",
        "were updated within the Code's time frames",
    ),
    (
        "vps_offered",
        "vcop_vps_offered",
        "victims who should have been offered a Victim Personal Statement",
        "were offered one",
    ),
    (
        "release_told",
        "vcop_release_told",
        "victims entitled to hear in advance of the offender's release",
        "were told in advance",
    ),
)


def _victims_code_columns() -> tuple[Column, ...]:
    columns = []
    for stem, _measure, applies, met in VICTIMS_CODE_AREAS:
        columns.append(
            _count(
                f"{stem}_cases",
                f"In the quarter's sample: {applies}. Blank if not collected this quarter.",
                required=False,
                example="150",
            )
        )
        columns.append(
            _count(
                f"{stem}_met",
                f"Of those, how many {met}. Blank if not collected this quarter.",
                required=False,
                example="141",
            )
        )
    return tuple(columns)


_VICTIMS_CODE = Template(
    dataset_id="victims_code_compliance",
    title="Victims' Code compliance return",
    provider="The OPCC's victims lead, from the police, CPS, WCU and probation returns",
    description=(
        "The quarterly Victims' Code compliance figures MoJ collects, for each of its five areas "
        "as a count of victims whose right was met over the number it applied to. An area not "
        "collected in a quarter is left blank (both columns)."
    ),
    period=QUARTER,
    columns=(
        _area(POLICE_FORCE_AREA, meaning=FORCE_AREA_MEANING),
        _period(QUARTER),
        *_victims_code_columns(),
        NOTES,
    ),
    keys=("area_code", "quarter"),
    measures=tuple(
        MeasureMap(measure, numerator=f"{stem}_met", denominator=f"{stem}_cases")
        for stem, measure, *_text in VICTIMS_CODE_AREAS
    ),
)

# ---- Probation / IOM cohort -------------------------------------------------------------------

_IOM = Template(
    dataset_id="probation_iom_cohort",
    title="Probation and IOM cohort return",
    provider="The Probation Service's IOM lead",
    description=(
        "Quarterly Integrated Offender Management cohort figures for each police force area: "
        "the cohort, who joined and left it, and the cohort's convictions in its monitoring "
        "period against its baseline."
    ),
    period=QUARTER,
    columns=(
        _area(POLICE_FORCE_AREA, meaning=FORCE_AREA_MEANING),
        _period(QUARTER),
        _count("cohort_size", "People in the IOM cohort at the end of the quarter.", example="240"),
        _count("selections", "People selected onto the cohort during the quarter.", example="31"),
        _count(
            "deselections", "People deselected from the cohort during the quarter.", example="27"
        ),
        _count(
            "baseline_convictions",
            "Convictions of the current cohort's members in the 12 months before each joined "
            "the cohort (the baseline period).",
            example="610",
        ),
        _count(
            "current_convictions",
            "Convictions of the current cohort's members in the 12 months to the end of the "
            "quarter while on the cohort (the monitoring period).",
            example="388",
        ),
        _count(
            "members_convicted",
            "Cohort members convicted of an offence committed in the quarter.",
            example="42",
        ),
        NOTES,
    ),
    keys=("area_code", "quarter"),
    measures=(
        MeasureMap("iom_cohort_size", value="cohort_size"),
        MeasureMap("iom_selections", value="selections"),
        MeasureMap("iom_deselections", value="deselections"),
        MeasureMap("iom_baseline_convictions", value="baseline_convictions"),
        MeasureMap("iom_current_convictions", value="current_convictions"),
        MeasureMap(
            "iom_members_convicted_rate", numerator="members_convicted", denominator="cohort_size"
        ),
    ),
)

# ---- Women's services -------------------------------------------------------------------------

_WOMEN = Template(
    dataset_id="womens_services",
    title="Women's services return",
    provider="The women's centre and the Probation Service's women's lead",
    description=(
        "Quarterly figures for the Female Offender subgroup for each police force area: "
        "referrals to women's services, women managed in the community, and how women were "
        "sentenced (community and suspended sentences against short custodial sentences)."
    ),
    period=QUARTER,
    columns=(
        _area(POLICE_FORCE_AREA, meaning=FORCE_AREA_MEANING),
        _period(QUARTER),
        _count(
            "referrals",
            "Women referred to women's services (a women's centre) in the quarter.",
            example="85",
        ),
        _count(
            "women_managed_in_community",
            "Women supervised by probation in the community at the end of the quarter "
            "(community orders, suspended sentence orders and licences).",
            example="310",
        ),
        _count("women_sentenced", "Women sentenced in the quarter (all sentences).", example="120"),
        _count(
            "community_sentences",
            "Of those, women given a community order or a suspended sentence order.",
            example="52",
        ),
        _count(
            "short_custodial_sentences",
            "Of those, women given immediate custody of less than 12 months.",
            example="14",
        ),
        NOTES,
    ),
    keys=("area_code", "quarter"),
    measures=(
        MeasureMap("women_services_referrals", value="referrals"),
        MeasureMap("women_managed_in_community", value="women_managed_in_community"),
        MeasureMap("women_short_custodial_sentences", value="short_custodial_sentences"),
        MeasureMap(
            "women_community_sentence_share",
            numerator="community_sentences",
            denominator="women_sentenced",
        ),
        MeasureMap(
            "women_short_custody_share",
            numerator="short_custodial_sentences",
            denominator="women_sentenced",
        ),
    ),
    sums=(
        SumRule(
            "women_sentenced", ("community_sentences", "short_custodial_sentences"), exact=False
        ),
    ),
)

TEMPLATES: dict[str, Template] = {
    t.dataset_id: t
    for t in (_POLICE, _CPS, _MAGISTRATES, _CROWN, _WCU, _VICTIMS_CODE, _IOM, _WOMEN)
}


def template_for(dataset_id: str) -> Template:
    """The template of a partner dataset; KeyError names the id when there is none."""
    try:
        return TEMPLATES[dataset_id]
    except KeyError:
        raise KeyError(f"'{dataset_id}' is not a partner submission dataset") from None


def court_region(code: str) -> tuple[str, str]:
    """(court name, HMCTS region code) of a Crown Court centre code."""
    court, region = CROWN_COURTS[code]
    return court, region_code(region)
