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
    unit: str  # count, percent, days, weeks, hours, minutes, ratio, per_100k
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
        Subgroup(
            "victim-witness",
            "Victim & Witness",
            3,
            "Whether victims and witnesses get what the Victims' Code promises them, whether "
            "witnesses come to court, and whether victims stay with their cases to the end.",
        ),
        Subgroup(
            "reducing-reoffending",
            "Reducing Reoffending",
            4,
            "Reoffending, out-of-court disposals, and the Integrated Offender Management cohort "
            "against its baseline.",
        ),
        Subgroup(
            "female-offender",
            "Female Offender",
            5,
            "Women in the criminal justice system: imprisonment rates by force area, referrals to "
            "women's services, women managed in the community and short custodial sentences.",
        ),
        Subgroup(
            "force",
            "Force performance",
            6,
            "The force's own performance figures against the Police and Crime Plan, from its "
            "extracts (call handling, attendance, victim satisfaction, outcomes).",
        ),
    )
}

_CCSQ = "moj_ccsq_crown"
_POLICE = "police_uk_street"
_OUTCOMES = "police_uk_outcomes"
_CPS = "cps_case_outcomes"
_REOFFENDING = "moj_proven_reoffending"
_PRT = "prt_women_imprisonment"

_POLICE_SHARE = (
    "Denominator: crimes published to police.uk for the force and month, excluding "
    "anti-social behaviour (which has no outcome). Each crime counts once, with the last "
    "outcome in the latest archive. Recent months look low: many of their crimes are still "
    "under investigation."
)
_MET_WITH_CITY = (
    " The Metropolitan Police figure includes the City of London, which the source publishes "
    "together with it."
)
_CPS_NOTE = (
    " Counts are defendants whose prosecution was finalised in the month, by principal offence "
    "at finalisation; by CPS Area, which matches the police force area." + _MET_WITH_CITY
)

_FORCE_EXTRACT = "police_force_extract"
_CPS_WEEKLY = "cps_weekly_dashboard"
_WCU = "wcu_witness_care"
_VICTIMS_CODE = "victims_code_compliance"
_IOM = "probation_iom_cohort"
_WOMEN = "womens_services"

# When a partner's return is due: the lag loaders/datasets.py allows before a return is overdue
# (a month after a monthly period ends, two months after a quarter).
_MONTH_DUE = "about a month after the month ends"
_QUARTER_DUE = "within two months of the quarter's end"


def _court_mi_measures(prefix: str, courts: str, dataset_id: str) -> tuple[MeasureSpec, ...]:
    """The same eight HMCTS management-information measures for magistrates' and Crown Court."""
    ee = "effectiveness-efficiency"
    trials = (
        "Trials are counted on the date they were listed for trial; the denominator is every "
        "trial that reached that date (effective + cracked + ineffective)."
    )
    return (
        MeasureSpec(
            f"{prefix}_receipts",
            f"Receipts, {courts} (HMCTS MI)",
            ee,
            "count",
            "neutral",
            f"Cases received and entered on the system in the month at the {courts}.",
            dataset_id,
        ),
        MeasureSpec(
            f"{prefix}_disposals",
            f"Disposals, {courts} (HMCTS MI)",
            ee,
            "count",
            "up_good",
            f"Cases completed with a final result in the month at the {courts}.",
            dataset_id,
        ),
        MeasureSpec(
            f"{prefix}_outstanding",
            f"Outstanding cases, {courts} (HMCTS MI)",
            ee,
            "count",
            "down_good",
            f"Cases received and not yet disposed of at the end of the month at the {courts}.",
            dataset_id,
        ),
        MeasureSpec(
            f"{prefix}_effective_trial_rate",
            f"Effective trial rate, {courts}",
            ee,
            "percent",
            "up_good",
            f"Trials that went ahead as listed, as a percentage of trials. {trials}",
            dataset_id,
        ),
        MeasureSpec(
            f"{prefix}_cracked_trial_rate",
            f"Cracked trial rate, {courts}",
            ee,
            "percent",
            "down_good",
            "Trials that ended on the trial date without a trial (a late guilty plea, or the "
            f"prosecution offered no evidence), as a percentage of trials. {trials}",
            dataset_id,
        ),
        MeasureSpec(
            f"{prefix}_ineffective_trial_rate",
            f"Ineffective trial rate, {courts}",
            ee,
            "percent",
            "down_good",
            "Trials that did not go ahead on the trial date and had to be relisted, as a "
            f"percentage of trials. {trials}",
            dataset_id,
        ),
        MeasureSpec(
            f"{prefix}_vacated_trials",
            f"Vacated trials, {courts}",
            ee,
            "count",
            "down_good",
            "Trials removed from the list before their trial date, in the month.",
            dataset_id,
        ),
        MeasureSpec(
            f"{prefix}_ineffective_trials_by_reason",
            f"Ineffective trials by reason, {courts}",
            ee,
            "count",
            "down_good",
            "Ineffective trials in the month by the group of the HMCTS reason code: Court (W1 to "
            "W5, X), Defence (Q1 to V), Prosecution (split into a prosecution witness absent and "
            "other prosecution reasons) and Other (S3, Y, Z).",
            dataset_id,
        ),
    )


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
            "years",
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
        MeasureSpec(
            "police_crimes",
            "Crimes recorded (police.uk)",
            "police-demand",
            "count",
            "neutral",
            "Crimes published to police.uk for the month, excluding anti-social behaviour. The "
            "location breakdown counts crimes whose LSOA lies outside the force area; they stay "
            "in the force's total, as police.uk publishes them.",
            _OUTCOMES,
        ),
        MeasureSpec(
            "police_asb_incidents",
            "Anti-social behaviour incidents (police.uk)",
            "police-demand",
            "count",
            "neutral",
            "Anti-social behaviour incidents published to police.uk for the month. They have no "
            "Crime ID and no outcome, so they are kept out of every outcome share.",
            _OUTCOMES,
        ),
        MeasureSpec(
            "police_charged_share",
            "Crimes charged or awaiting court outcome",
            "effectiveness-efficiency",
            "percent",
            "up_good",
            "Share of crimes whose last outcome shows a suspect was charged or summonsed: "
            "awaiting court outcome, a court result, or charged as part of another case. A proxy "
            "for the charge/summons rate. " + _POLICE_SHARE,
            _OUTCOMES,
            headline=True,
            drill=("crime_type",),
            numerator="Crimes whose last outcome is a charge, summons or court result",
            denominator="Crimes recorded in the month (anti-social behaviour excluded)",
        ),
        MeasureSpec(
            "police_out_of_court_share",
            "Crimes resolved out of court",
            "reducing-reoffending",
            "percent",
            "neutral",
            "Share of crimes whose last outcome is an out-of-court disposal: a caution, a penalty "
            "notice, a local (community) resolution or a drugs possession warning. "
            + _POLICE_SHARE,
            _OUTCOMES,
            headline=True,
            order=1,  # charted first: its public figures are there before any partner return
            drill=("crime_type",),
            numerator="Crimes resolved by caution, penalty notice, community resolution or drugs warning",
            denominator="Crimes recorded in the month (anti-social behaviour excluded)",
        ),
        MeasureSpec(
            "police_unable_to_prosecute_share",
            "Crimes closed as 'unable to prosecute suspect'",
            "victim-witness",
            "percent",
            "down_good",
            "Share of crimes closed because a suspect was identified but could not be "
            "prosecuted, most often because the victim did not support further action or the "
            "evidence fell short: a proxy for victim attrition. " + _POLICE_SHARE,
            _OUTCOMES,
            headline=True,
            order=1,  # charted first: its public figures are there before any partner return
            drill=("crime_type",),
            numerator="Crimes closed as 'Unable to prosecute suspect'",
            denominator="Crimes recorded in the month (anti-social behaviour excluded)",
        ),
        MeasureSpec(
            "police_no_suspect_share",
            "Crimes closed with no suspect identified",
            "police-demand",
            "percent",
            "down_good",
            "Share of crimes whose investigation was completed without identifying a suspect. "
            + _POLICE_SHARE,
            _OUTCOMES,
            drill=("crime_type",),
        ),
        MeasureSpec(
            "cps_convictions",
            "CPS prosecutions ending in conviction",
            "effectiveness-efficiency",
            "count",
            "neutral",
            "Defendants convicted: guilty pleas, convictions after trial and cases proved in the "
            "defendant's absence, by principal offence category and for all offences." + _CPS_NOTE,
            _CPS,
        ),
        MeasureSpec(
            "cps_unsuccessful",
            "CPS prosecutions with an unsuccessful outcome",
            "effectiveness-efficiency",
            "count",
            "down_good",
            "Defendants whose prosecution ended other than in conviction: discontinued or "
            "withdrawn, discharged, dismissed, acquitted, or administratively finalised (shown "
            "as its own 'Admin Finalised' category, since CPS records no offence for it). The "
            "all-offence total includes administrative finalisations." + _CPS_NOTE,
            _CPS,
        ),
        MeasureSpec(
            "cps_conviction_rate",
            "CPS conviction rate",
            "effectiveness-efficiency",
            "percent",
            "up_good",
            "Convictions as a share of convictions plus unsuccessful outcomes. By offence: the "
            "percentage CPS publishes. All offences: computed from the counts, with "
            "administrative finalisations among the unsuccessful outcomes, as CPS defines "
            "them." + _CPS_NOTE,
            _CPS,
            headline=True,
            drill=("offence",),
            numerator="Defendants convicted",
            denominator="Defendants whose case was finalised (convictions plus unsuccessful outcomes)",
        ),
        MeasureSpec(
            "cps_unsuccessful_rate",
            "CPS unsuccessful outcome rate",
            "effectiveness-efficiency",
            "percent",
            "down_good",
            "Unsuccessful outcomes as a share of convictions plus unsuccessful outcomes (100% "
            "minus the conviction rate)." + _CPS_NOTE,
            _CPS,
        ),
        MeasureSpec(
            "reoffending_rate",
            "Proven reoffending rate",
            "reducing-reoffending",
            "percent",
            "down_good",
            "Share of offenders in the cohort (released from custody, or given a non-custodial "
            "conviction, caution or warning, in the April-March year) who committed an offence "
            "within a year that was proven by a court conviction or caution within a further six "
            "months. England and Wales, adults and juveniles; by index offence group for the "
            "latest cohort.",
            _REOFFENDING,
            headline=True,
            drill=("offence_group",),
            numerator="Offenders who reoffended",
            denominator="Offenders in the cohort",
            lag="about 21 months after the cohort year ends (12 months to reoffend, 6 to be proven)",
        ),
        MeasureSpec(
            "reoffending_offenders",
            "Offenders in the reoffending cohort",
            "reducing-reoffending",
            "count",
            "neutral",
            "Offenders in the April-March proven reoffending cohort, England and Wales (the "
            "reoffending rate's denominator).",
            _REOFFENDING,
        ),
        MeasureSpec(
            "reoffending_reoffenders",
            "Proven reoffenders",
            "reducing-reoffending",
            "count",
            "down_good",
            "Offenders in the cohort who committed a proven reoffence, England and Wales.",
            _REOFFENDING,
        ),
        MeasureSpec(
            "reoffending_reoffences",
            "Proven reoffences",
            "reducing-reoffending",
            "count",
            "down_good",
            "Proven reoffences committed by the cohort in the one-year follow-up, England and "
            "Wales.",
            _REOFFENDING,
        ),
        MeasureSpec(
            "reoffences_per_reoffender",
            "Reoffences per reoffender",
            "reducing-reoffending",
            "ratio",
            "down_good",
            "Average number of proven reoffences per reoffender in the cohort, England and Wales.",
            _REOFFENDING,
        ),
        MeasureSpec(
            "women_imprisonment_rate",
            "Women's imprisonment rate",
            "female-offender",
            "per_100k",
            "down_good",
            "Women sentenced to immediate custody in the calendar year per 100,000 women in the "
            "police force area (Prison Reform Trust, from MoJ outcomes by offence data and ONS "
            "population estimates), to one decimal place as published." + _MET_WITH_CITY,
            _PRT,
            headline=True,
            order=1,  # charted first: its public figures are there before any partner return
        ),
        # ---- partner submissions (templates in loaders/submissions/templates.py) ----
        # Police force extract: each measure here is a code the force's template accepts.
        MeasureSpec(
            "force_999_answered_10s",
            "999 calls answered within 10 seconds",
            "force",
            "percent",
            "up_good",
            "Emergency (999) calls answered within 10 seconds, as a percentage of 999 calls "
            "presented to the force's control room in the month.",
            _FORCE_EXTRACT,
        ),
        MeasureSpec(
            "force_101_answered_in_target",
            "Non-emergency (101) calls answered within target",
            "force",
            "percent",
            "up_good",
            "Non-emergency (101) calls answered within the force's target time, as a percentage "
            "of 101 calls received in the month.",
            _FORCE_EXTRACT,
        ),
        MeasureSpec(
            "force_emergency_attended_in_target",
            "Emergency incidents attended within target",
            "force",
            "percent",
            "up_good",
            "Incidents graded emergency that were attended within the force's target time, as a "
            "percentage of emergency incidents attended in the month.",
            _FORCE_EXTRACT,
        ),
        MeasureSpec(
            "force_emergency_response_median_minutes",
            "Emergency response time, median minutes",
            "force",
            "minutes",
            "down_good",
            "Median minutes from an emergency incident being created to the first officer "
            "arriving, for emergency incidents attended in the month.",
            _FORCE_EXTRACT,
        ),
        MeasureSpec(
            "force_victim_satisfaction",
            "Victims satisfied with the whole experience",
            "force",
            "percent",
            "up_good",
            "Victims surveyed in the month who were completely, very or fairly satisfied with "
            "the whole experience, as a percentage of victims surveyed.",
            _FORCE_EXTRACT,
        ),
        MeasureSpec(
            "force_repeat_victims",
            "Repeat victims",
            "force",
            "percent",
            "down_good",
            "Victims of a crime recorded in the month who had also been the victim of a crime "
            "in the previous 12 months, as a percentage of victims of crimes recorded in the "
            "month.",
            _FORCE_EXTRACT,
        ),
        MeasureSpec(
            "force_domestic_abuse_crimes",
            "Domestic abuse crimes recorded",
            "force",
            "count",
            "neutral",
            "Crimes recorded in the month that the force flagged as domestic abuse related.",
            _FORCE_EXTRACT,
        ),
        MeasureSpec(
            "force_asb_incidents",
            "Anti-social behaviour incidents",
            "force",
            "count",
            "neutral",
            "Anti-social behaviour incidents recorded in the month.",
            _FORCE_EXTRACT,
        ),
        MeasureSpec(
            "force_charge_summons_rate",
            "Charge or summons rate",
            "force",
            "percent",
            "up_good",
            "Crimes given a charge or summons outcome (Home Office outcome 1) in the month, as a "
            "percentage of crimes assigned any outcome in the month.",
            _FORCE_EXTRACT,
        ),
        MeasureSpec(
            "force_victim_does_not_support",
            "Crimes closed because the victim does not support action",
            "force",
            "percent",
            "down_good",
            "Crimes closed in the month with evidential difficulties where the victim does not "
            "support (or withdraws support for) police action (Home Office outcomes 14 and 16), "
            "as a percentage of crimes assigned any outcome in the month.",
            _FORCE_EXTRACT,
        ),
        # CPS weekly dashboard.
        MeasureSpec(
            "cps_charge_decisions",
            "CPS pre-charge decisions",
            "effectiveness-efficiency",
            "count",
            "neutral",
            "Pre-charge decisions the CPS made in the week on cases the police referred.",
            _CPS_WEEKLY,
        ),
        MeasureSpec(
            "cps_charge_rate",
            "CPS decisions to charge",
            "effectiveness-efficiency",
            "percent",
            "up_good",
            "Pre-charge decisions in the week that were to charge, as a percentage of all "
            "pre-charge decisions in the week.",
            _CPS_WEEKLY,
        ),
        MeasureSpec(
            "cps_guilty_plea_first_hearing",
            "Guilty pleas entered at the first hearing",
            "effectiveness-efficiency",
            "percent",
            "up_good",
            "Guilty pleas entered at the first hearing, as a percentage of all guilty pleas "
            "entered in the week.",
            _CPS_WEEKLY,
        ),
        MeasureSpec(
            "cps_weekly_conviction_rate",
            "CPS conviction rate (weekly dashboard)",
            "effectiveness-efficiency",
            "percent",
            "up_good",
            "Prosecutions completed in the week that ended in a conviction, as a percentage of "
            "all prosecutions completed in the week.",
            _CPS_WEEKLY,
        ),
        # HMCTS management information.
        *_court_mi_measures("hmcts_mags", "magistrates' courts", "hmcts_magistrates_mi"),
        *_court_mi_measures("hmcts_crown", "Crown Court", "hmcts_crown_mi"),
        # Witness Care Unit.
        MeasureSpec(
            "wcu_needs_assessment_rate",
            "Witness care needs assessments completed",
            "victim-witness",
            "percent",
            "up_good",
            "Victims and witnesses given a full needs assessment by the Witness Care Unit, as a "
            "percentage of those due one (a charge decision was made in their case) in the month.",
            _WCU,
        ),
        MeasureSpec(
            "wcu_witness_attendance_rate",
            "Witnesses attending court",
            "victim-witness",
            "percent",
            "up_good",
            "Witnesses who attended court, as a percentage of witnesses warned to attend a trial "
            "in the month.",
            _WCU,
            headline=True,
            numerator="Witnesses warned to attend a trial in the month who attended court",
            denominator="Witnesses warned to attend a trial in the month",
            cadence="monthly",
            lag=f"{_MONTH_DUE} (the Witness Care Unit's monthly return)",
        ),
        # Victims' Code compliance: the five areas MoJ collects each quarter.
        MeasureSpec(
            "vcop_written_acknowledgement",
            "Victims' Code: written acknowledgement of the crime report",
            "victim-witness",
            "percent",
            "up_good",
            "Victims who got written acknowledgement of their crime report, as a percentage of "
            "victims in the quarter's compliance sample who reported a crime.",
            _VICTIMS_CODE,
        ),
        MeasureSpec(
            "vcop_referral_to_support",
            "Victims' Code: referred to support services",
            "victim-witness",
            "percent",
            "up_good",
            "Victims referred to victim support services, as a percentage of victims in the "
            "quarter's sample who should have been referred.",
            _VICTIMS_CODE,
        ),
        MeasureSpec(
            "vcop_updates_in_time",
            "Victims' Code: updates within the time frames",
            "victim-witness",
            "percent",
            "up_good",
            "Victims updated about their case within the Code's time frames, as a percentage of "
            "victims in the quarter's sample who were due an update.",
            _VICTIMS_CODE,
            headline=True,
            numerator="Victims in the quarter's sample updated within the Code's time frames",
            denominator="Victims in the quarter's compliance sample who were due an update",
            cadence="quarterly",
            lag=f"{_QUARTER_DUE} (the OPCC victims lead's quarterly return, compiled from the "
            "police, CPS, Witness Care Unit and probation returns)",
        ),
        MeasureSpec(
            "vcop_vps_offered",
            "Victims' Code: offered a Victim Personal Statement",
            "victim-witness",
            "percent",
            "up_good",
            "Victims offered the chance to make a Victim Personal Statement, as a percentage of "
            "victims in the quarter's sample who should have been offered one.",
            _VICTIMS_CODE,
        ),
        MeasureSpec(
            "vcop_release_told",
            "Victims' Code: told of the offender's release in advance",
            "victim-witness",
            "percent",
            "up_good",
            "Victims told in advance of the offender's release, as a percentage of victims in "
            "the quarter's sample entitled to be told.",
            _VICTIMS_CODE,
        ),
        # Probation / Integrated Offender Management cohort.
        MeasureSpec(
            "iom_cohort_size",
            "IOM cohort size",
            "reducing-reoffending",
            "count",
            "neutral",
            "People in the Integrated Offender Management cohort at the end of the quarter.",
            _IOM,
        ),
        MeasureSpec(
            "iom_selections",
            "IOM selections",
            "reducing-reoffending",
            "count",
            "neutral",
            "People selected onto the IOM cohort during the quarter.",
            _IOM,
        ),
        MeasureSpec(
            "iom_deselections",
            "IOM deselections",
            "reducing-reoffending",
            "count",
            "neutral",
            "People deselected from the IOM cohort during the quarter.",
            _IOM,
        ),
        MeasureSpec(
            "iom_baseline_convictions",
            "IOM cohort convictions, baseline period",
            "reducing-reoffending",
            "count",
            "neutral",
            "Convictions of the current cohort's members in the 12 months before each joined "
            "the cohort: the baseline the monitoring period is compared with.",
            _IOM,
        ),
        MeasureSpec(
            "iom_current_convictions",
            "IOM cohort convictions, monitoring period",
            "reducing-reoffending",
            "count",
            "down_good",
            "Convictions of the current cohort's members in the 12 months to the end of the "
            "quarter while on the cohort; compare with the baseline period.",
            _IOM,
        ),
        MeasureSpec(
            "iom_members_convicted_rate",
            "IOM cohort members convicted in the quarter",
            "reducing-reoffending",
            "percent",
            "down_good",
            "Cohort members convicted of an offence committed in the quarter, as a percentage of "
            "the cohort at the end of the quarter. Convictions for a quarter's offences keep "
            "arriving for months after it ends, so its first figure is low and rises as probation "
            "resubmits the return (each revision is marked on the chart).",
            _IOM,
            headline=True,
            numerator="Cohort members convicted of an offence committed in the quarter",
            denominator="People in the IOM cohort at the end of the quarter",
            cadence="quarterly",
            lag=f"{_QUARTER_DUE} (the Probation Service IOM lead's quarterly return)",
        ),
        # Women's services.
        MeasureSpec(
            "women_services_referrals",
            "Referrals to women's services",
            "female-offender",
            "count",
            "up_good",
            "Women referred to women's services (a women's centre) in the quarter.",
            _WOMEN,
        ),
        MeasureSpec(
            "women_managed_in_community",
            "Women managed in the community",
            "female-offender",
            "count",
            "neutral",
            "Women supervised by probation in the community at the end of the quarter "
            "(community orders, suspended sentence orders and licences).",
            _WOMEN,
        ),
        MeasureSpec(
            "women_short_custodial_sentences",
            "Short custodial sentences for women",
            "female-offender",
            "count",
            "down_good",
            "Women sentenced to immediate custody of less than 12 months in the quarter.",
            _WOMEN,
        ),
        MeasureSpec(
            "women_community_sentence_share",
            "Women given community or suspended sentences",
            "female-offender",
            "percent",
            "up_good",
            "Women given a community order or a suspended sentence order, as a percentage of "
            "women sentenced in the quarter.",
            _WOMEN,
            headline=True,
            numerator="Women given a community order or a suspended sentence order in the quarter",
            denominator="Women sentenced in the quarter (all sentences)",
            cadence="quarterly",
            lag=f"{_QUARTER_DUE} (the quarterly return from the women's centre and the "
            "Probation Service's women's lead)",
        ),
        MeasureSpec(
            "women_short_custody_share",
            "Women given short custodial sentences",
            "female-offender",
            "percent",
            "down_good",
            "Women given immediate custody of less than 12 months, as a percentage of women "
            "sentenced in the quarter.",
            _WOMEN,
        ),
    )
}


# Reference figures other measures are worked out with (populations for rates per 100,000).
# Stored like any figure, but kept out of MEASURES so no page, tile, pack, meeting or action
# list ever offers them as a measure of their own; read them through loaders.queries.
REFERENCE_MEASURES: dict[str, MeasureSpec] = {
    m.id: m
    for m in (
        MeasureSpec(
            "pfa_population",
            "Resident population",
            "reference",
            "count",
            "neutral",
            "Resident population of the police force area at 30 June (mid-year estimate), "
            "rounded to the nearest 100: the denominator for rates per 100,000 people.",
            "pfa_population",
            cadence="annual",
        ),
    )
}


def measures_for_dataset(dataset_id: str) -> dict[str, str]:
    """Measure id → unit for every measure a dataset may write (reference figures included)."""
    every = (*MEASURES.values(), *REFERENCE_MEASURES.values())
    return {m.id: m.unit for m in every if m.dataset_id == dataset_id}
