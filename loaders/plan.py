"""The Police and Crime Plan as configuration: its key questions and the measures that answer them.

A force's Plan changes every few years; keeping it as data means an OPCC re-points the Force
performance page by editing a JSON file (setting PLAN_FILE) rather than code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from loaders import board


@dataclass(frozen=True)
class PlanQuestion:
    """One key performance question of the Plan and the measure ids that answer it."""

    id: str
    question: str
    measure_ids: tuple[str, ...]
    priority: str = ""


@dataclass(frozen=True)
class PolicePlan:
    title: str
    questions: tuple[PlanQuestion, ...]
    headline_measures: tuple[str, ...] = ()

    def measure_ids(self) -> list[str]:
        return [m for q in self.questions for m in q.measure_ids]


DEFAULT_PLAN = PolicePlan(
    title="Durham Police and Crime Plan",
    questions=(
        PlanQuestion(
            "safe-communities",
            "How safe are our communities?",
            (
                "police_street_records",
                "police_crimes",
                "police_asb_incidents",
                "force_domestic_abuse_crimes",
                "force_asb_incidents",
                "force_999_answered_10s",
                "force_101_answered_in_target",
                "force_emergency_attended_in_target",
                "force_emergency_response_median_minutes",
            ),
            "Safer communities",
        ),
        PlanQuestion(
            "victims-supported",
            "How well are victims supported?",
            (
                "force_victim_satisfaction",
                "force_repeat_victims",
                "force_victim_does_not_support",
                "police_unable_to_prosecute_share",
            ),
            "Victims first",
        ),
        PlanQuestion(
            "reducing-reoffending",
            "How well are we reducing reoffending?",
            ("police_out_of_court_share",),
            "Reducing reoffending",
        ),
        PlanQuestion(
            "efficient-justice",
            "How efficient is the criminal justice system?",
            ("police_charged_share", "force_charge_summons_rate", "police_no_suspect_share"),
            "An effective criminal justice system",
        ),
    ),
    headline_measures=("police_street_records", "police_charged_share"),
)


class PlanError(ValueError):
    """The Plan configuration is malformed or names a measure the registry does not know."""


def validate_plan(plan: PolicePlan, known_measures) -> PolicePlan:
    """Refuse a Plan naming an unknown measure, so a typo fails at start, not as an empty page."""
    if not plan.questions:
        raise PlanError("The Police and Crime Plan has no questions.")
    ids = [q.id for q in plan.questions]
    if len(set(ids)) != len(ids):
        raise PlanError("The Police and Crime Plan repeats a question id.")
    for measure_id in [*plan.measure_ids(), *plan.headline_measures]:
        if measure_id not in known_measures:
            raise PlanError(f"The Police and Crime Plan names an unknown measure: {measure_id!r}.")
    seen = plan.measure_ids()
    for measure_id in set(seen):
        if seen.count(measure_id) > 1:
            raise PlanError(
                f"Measure {measure_id!r} answers more than one of the Plan's questions."
            )
    for measure_id in plan.headline_measures:
        if measure_id not in seen:
            raise PlanError(
                f"Headline measure {measure_id!r} answers none of the Plan's questions."
            )
    return plan


def plan_from_dict(raw: dict) -> PolicePlan:
    """Build a Plan from its JSON form: {"title", "questions": [{"id", "question",
    "measures": [...], "priority"}], "headline_measures": [...]}."""
    try:
        questions = tuple(
            PlanQuestion(
                str(q["id"]),
                str(q["question"]),
                tuple(str(m) for m in q["measures"]),
                str(q.get("priority", "")),
            )
            for q in raw["questions"]
        )
        return PolicePlan(
            str(raw.get("title", "Police and Crime Plan")),
            questions,
            tuple(str(m) for m in raw.get("headline_measures", ())),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlanError(f"The Police and Crime Plan file is malformed: missing {exc}.") from exc


def load_plan(path: Path | str | None, known_measures) -> PolicePlan:
    """The configured Plan (PLAN_FILE) or the default, validated against the measure registry."""
    if not path:
        return validate_plan(DEFAULT_PLAN, known_measures)
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PlanError(f"Cannot read the Police and Crime Plan file {path}: {exc}") from exc
    return validate_plan(plan_from_dict(raw), known_measures)


VIEWS = {"monthly": "Executive Board (monthly)", "quarterly": "Police and Crime Panel (quarterly)"}


def quarter_months(period_end) -> str:
    """A calendar quarter as the Panel reads it: 'Apr–Jun 2025'."""
    quarter = pd.Timestamp(period_end).to_period("Q")
    return f"{quarter.start_time:%b}–{quarter.end_time:%b %Y}"


def quarterly_totals(totals: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Complete calendar quarters from a board.totals frame's monthly rows: counts summed, rates
    re-derived from the summed numerators and denominators (never averaged). A quarter missing a
    month is left out, and so is every quarter of a figure that cannot be added up (a median)."""
    columns = list(totals.columns)
    monthly = totals[totals["period_type"] == "month"].copy()
    if unit not in board.SUMMABLE_UNITS and monthly["denominator"].isna().any():
        monthly = monthly.iloc[0:0]
    if monthly.empty:
        return pd.DataFrame(columns=columns)
    monthly["quarter"] = pd.to_datetime(monthly["period_start"]).dt.to_period("Q")
    keys = ["area_code", "area_name", "area_type", "quarter"]
    quarters = monthly.groupby(keys, as_index=False, dropna=False).agg(
        value=("value", "sum"),
        numerator=("numerator", lambda s: s.sum(min_count=1)),
        denominator=("denominator", lambda s: s.sum(min_count=1)),
        months=("value", "size"),
    )
    quarters = quarters[quarters["months"] == 3].copy()
    if unit not in board.SUMMABLE_UNITS:
        quarters["value"] = board._rate(quarters["numerator"], quarters["denominator"], unit)
    quarters["period_start"] = [q.start_time.date() for q in quarters["quarter"]]
    quarters["period_end"] = [q.end_time.date() for q in quarters["quarter"]]
    quarters["period_type"] = "quarter"
    return quarters[columns].sort_values(["area_code", "period_end"]).reset_index(drop=True)


def period_view(view: board.MeasureView, name: str) -> board.MeasureView | None:
    """The measure as the board period reads it: the view itself for the Executive Board; for the
    Police and Crime Panel a monthly measure's complete quarters with their headlines, or None
    where no quarter can be formed (a figure that is not monthly, or cannot be added up)."""
    if name != "quarterly":
        return view
    quarterly = quarterly_totals(view.totals, view.spec.unit)
    if quarterly.empty:
        return None
    shown = board.MeasureView(
        spec=view.spec,
        totals=quarterly,
        level=view.level,
        totals_published=view.totals_published,
    )
    shown.focus_codes = list(view.focus_codes)
    shown.headlines = {
        code: h for code in shown.focus_codes if (h := board.headline(quarterly, code))
    }
    return shown


def period_figures(totals: pd.DataFrame, area_codes: list[str], view: str) -> pd.DataFrame:
    """Each area's latest figure for the board's period: the latest month (Executive Board) or the
    latest complete calendar quarter (Police and Crime Panel), quarters summed from months.

    `totals` is board.totals output for a summable (count) measure."""
    columns = ["area_code", "area_name", "period", "value"]
    chosen = totals[totals["area_code"].isin(area_codes)]
    if view == "quarterly":
        chosen = quarterly_totals(chosen, "count")
    else:
        chosen = chosen[chosen["period_type"] == "month"]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    latest = chosen.assign(period_end=pd.to_datetime(chosen["period_end"]))
    latest = latest.sort_values("period_end").groupby("area_code").tail(1)
    label = quarter_months if view == "quarterly" else (lambda end: f"{end:%b %Y}")
    latest = latest.assign(period=latest["period_end"].map(label))
    return latest[columns].sort_values("area_code").reset_index(drop=True)
