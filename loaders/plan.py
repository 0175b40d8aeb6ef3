"""The Police and Crime Plan as configuration: its key questions and the measures that answer them.

A force's Plan changes every few years; keeping it as data means an OPCC re-points the Force
performance page by editing a JSON file (setting PLAN_FILE) rather than code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


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


def period_figures(totals: pd.DataFrame, area_codes: list[str], view: str) -> pd.DataFrame:
    """Each area's latest figure for the board's period: the latest month (Executive Board) or the
    latest complete calendar quarter (Police and Crime Panel), quarters summed from months.

    `totals` is board.totals output for a summable (count) measure."""
    columns = ["area_code", "area_name", "period", "value"]
    monthly = totals[
        totals["area_code"].isin(area_codes) & (totals["period_type"] == "month")
    ].copy()
    if monthly.empty:
        return pd.DataFrame(columns=columns)
    monthly["period_start"] = pd.to_datetime(monthly["period_start"])
    if view != "quarterly":
        latest = monthly.sort_values("period_start").groupby("area_code").tail(1)
        latest = latest.assign(period=latest["period_start"].dt.strftime("%b %Y"))
        return latest[columns].sort_values("area_code").reset_index(drop=True)
    monthly["quarter"] = monthly["period_start"].dt.to_period("Q")
    quarters = monthly.groupby(["area_code", "area_name", "quarter"], as_index=False).agg(
        value=("value", "sum"), months=("value", "size")
    )
    complete = quarters[quarters["months"] == 3].sort_values("quarter")
    latest = complete.groupby("area_code").tail(1)
    latest = latest.assign(
        period=latest["quarter"].map(lambda q: f"{q.start_time:%b}–{q.end_time:%b %Y}")
    )
    return latest[columns].sort_values("area_code").reset_index(drop=True)
