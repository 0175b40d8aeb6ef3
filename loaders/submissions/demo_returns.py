"""Generated partner returns, in each template's own format. THESE FIGURES ARE NOT REAL.

When the dashboard runs on demo data, these files are written into each partner dataset's drop
folder as demo-<dataset_id>.csv and then go through exactly the path a partner's own file takes:
the template checks, the drop-folder loader, the refresh's validation and a new vintage, which
is marked as demo data (every figure drawn from it is labelled "Demo data").

They cover Durham and Cleveland and three comparator forces (Northumbria, Humberside, South
Yorkshire), and each force's main Crown Court centre, from January 2019 to the last complete
period before `today`. The shapes are plausible on purpose: the first COVID-19 lockdown from 23
March 2020 cuts court receipts, disposals and trials, lifts anti-social behaviour and domestic
abuse, and the Crown Court backlog climbs afterwards. Every file passes its own template: counts
are whole and non-negative, every numerator is drawn from its denominator, parts add up to
their totals.

Output depends only on `seed` and on the latest complete period before `today`, so an unchanged
file is not rewritten and the refresh recognises it by its content hash.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from loaders.demo import _LOCKDOWN as LOCKDOWN  # how hard restrictions bit, by month
from loaders.submissions.drop_folder import DEMO_PREFIX, folder_for
from loaders.submissions.periods import label
from loaders.submissions.templates import (
    INEFFECTIVE_REASONS,
    TEMPLATES,
    VICTIMS_CODE_AREAS,
    Template,
    force_measure_codes,
)

FIRST_YEAR = 2019
FIRST_LOCKDOWN = date(2020, 3, 23)

# ONS code → (size relative to Durham, a steady "performance" offset, Crown Court centre code,
# that court's size relative to Teesside).
AREAS: dict[str, tuple[float, float, str, float]] = {
    "E23000008": (1.0, 0.02, "CC-DURHAM", 0.35),  # Durham
    "E23000013": (0.9, -0.03, "CC-TEESSIDE", 1.0),  # Cleveland
    "E23000007": (2.3, 0.01, "CC-NEWCASTLE-UPON-TYNE", 1.45),  # Northumbria
    "E23000012": (1.45, -0.01, "CC-KINGSTON-UPON-HULL", 0.4),  # Humberside
    "E23000011": (2.15, 0.0, "CC-SHEFFIELD", 1.25),  # South Yorkshire
}


def demo_file_name(dataset_id: str) -> str:
    return f"{DEMO_PREFIX}{dataset_id}.csv"


def write_demo_returns(submissions_dir: Path, *, today: date, seed: int = 2026) -> list[Path]:
    """Write one demo return per partner dataset into its drop folder; returns their paths.

    A file whose bytes would not change is left alone, so its content hash stays the same.
    """
    paths = []
    for index, (dataset_id, template) in enumerate(TEMPLATES.items()):
        rng = np.random.default_rng(np.random.SeedSequence([seed, 30, index]))
        rows = list(_GENERATORS[dataset_id](template, today, rng))
        data = _csv_bytes(template, rows)
        folder = folder_for(submissions_dir, dataset_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / demo_file_name(dataset_id)
        if not path.exists() or path.read_bytes() != data:
            partial = path.with_name(path.name + ".part")
            partial.write_bytes(data)
            partial.replace(path)
        paths.append(path)
    return paths


def _csv_bytes(template: Template, rows: list[dict]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, template.column_names, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# ---- periods and the COVID-19 shape ---------------------------------------------------------------


def _months(today: date) -> list[date]:
    """First days of every month from January 2019 that ended before today."""
    out, year, month = [], FIRST_YEAR, 1
    while True:
        start = date(year, month, 1)
        if date(year, month, calendar.monthrange(year, month)[1]) >= today:
            return out
        out.append(start)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _quarters(today: date) -> list[date]:
    return [m for m in _months(today) if m.month % 3 == 1 and _quarter_ended(m, today)]


def _quarter_ended(start: date, today: date) -> bool:
    last = start.month + 2
    return date(start.year, last, calendar.monthrange(start.year, last)[1]) < today


def _weeks(today: date) -> list[date]:
    monday, out = date(FIRST_YEAR, 1, 7), []
    while monday + timedelta(days=6) < today:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def _lockdown(start: date, months: int = 1) -> float:
    """Average restriction (0 to 1) over the period starting at `start`."""
    values = []
    for k in range(months):
        month = start.month + k
        year = start.year + (month - 1) // 12
        values.append(LOCKDOWN.get((year, (month - 1) % 12 + 1), 0.0))
    return float(np.mean(values))


def _week_lockdown(monday: date) -> float:
    """Weekly restriction: none before 23 March 2020, full from that week, then the monthly path."""
    if monday.year == 2020 and monday.month == 3:
        return 1.0 if monday + timedelta(days=6) >= FIRST_LOCKDOWN else 0.0
    return _lockdown(monday)


def _season(start: date) -> float:
    """A mild yearly cycle, higher in summer, as most demand is."""
    return 1 + 0.08 * np.sin(2 * np.pi * (start.month - 4) / 12)


def _years_on(start: date) -> float:
    return (start - date(FIRST_YEAR, 1, 1)).days / 365.25


def _count(rng: np.random.Generator, mean: float) -> int:
    return int(rng.poisson(max(mean, 0.0)))


def _part(rng: np.random.Generator, total: int, share: float) -> int:
    return int(rng.binomial(total, float(np.clip(share, 0.0, 1.0))))


Rows = Iterator[dict]


# ---- one generator per template ------------------------------------------------------------------


def _police(template: Template, today: date, rng: np.random.Generator) -> Rows:
    codes = set(force_measure_codes())
    for code, (size, edge, _court, _court_size) in AREAS.items():
        for month in _months(today):
            lock, season, years = _lockdown(month), _season(month), _years_on(month)
            period = label(template.period, month)

            def rate(measure, base, share):
                denominator = _count(rng, base)
                numerator = _part(rng, denominator, share + rng.normal(0, 0.01))
                return {"measure": measure, "numerator": numerator, "denominator": denominator}

            figures = [
                rate(
                    "force_999_answered_10s",
                    7800 * size * season * (1 - 0.15 * lock),
                    0.87 + edge - 0.01 * years,
                ),
                rate(
                    "force_101_answered_in_target",
                    11500 * size * (1 - 0.25 * lock),
                    0.68 + edge + 0.06 * lock,
                ),
                rate(
                    "force_emergency_attended_in_target",
                    1500 * size * season * (1 - 0.2 * lock),
                    0.81 + edge + 0.05 * lock,
                ),
                {
                    "measure": "force_emergency_response_median_minutes",
                    "value": f"{max(6.0, 11.5 - 30 * edge - 1.8 * lock + rng.normal(0, 0.4)):.1f}",
                },
                rate("force_victim_satisfaction", 330 * size, 0.74 + edge - 0.008 * years),
                rate(
                    "force_repeat_victims", 5400 * size * season * (1 - 0.2 * lock), 0.27 - edge / 2
                ),
                {
                    "measure": "force_domestic_abuse_crimes",
                    "value": _count(
                        rng, 880 * size * season * (1 + 0.14 * lock) * (1 + 0.02 * years)
                    ),
                },
                {
                    "measure": "force_asb_incidents",
                    "value": _count(
                        rng, 2100 * size * season * (1 + 1.3 * lock) * (1 - 0.04 * years)
                    ),
                },
                rate(
                    "force_charge_summons_rate",
                    4900 * size * (1 - 0.2 * lock),
                    0.072 + edge / 4 - 0.012 * lock,
                ),
                rate(
                    "force_victim_does_not_support",
                    4900 * size * (1 - 0.2 * lock),
                    0.21 - edge / 2 + 0.006 * years,
                ),
            ]
            for figure in figures:
                if figure["measure"] in codes:  # a measure dropped from the registry is skipped
                    yield {"area_code": code, "month": period, **figure}


def _cps(template: Template, today: date, rng: np.random.Generator) -> Rows:
    for code, (size, edge, _court, _court_size) in AREAS.items():
        for monday in _weeks(today):
            lock = _week_lockdown(monday)
            decisions = _count(rng, 72 * size * (1 - 0.35 * lock))
            pleas = _count(rng, 44 * size * (1 - 0.55 * lock))
            completed = _count(rng, 58 * size * (1 - 0.6 * lock))
            yield {
                "area_code": code,
                "week_commencing": label(template.period, monday),
                "charge_decisions": decisions,
                "charged": _part(rng, decisions, 0.71 + edge),
                "guilty_pleas": pleas,
                "guilty_pleas_at_first_hearing": _part(rng, pleas, 0.64 + edge - 0.05 * lock),
                "prosecutions_completed": completed,
                "convictions": _part(rng, completed, 0.84 + edge / 2),
            }


def _court_rows(
    template: Template,
    today: date,
    rng: np.random.Generator,
    areas: dict[str, float],
    base: float,
    crown: bool,
) -> Rows:
    """Caseload that builds a backlog from lockdown, and trials that collapse in it."""
    for code, size in areas.items():
        outstanding = base * 2.1 * size
        for month in _months(today):
            lock, years = _lockdown(month), _years_on(month)
            receipts = _count(
                rng, base * size * _season(month) * (1 - (0.4 if crown else 0.35) * lock)
            )
            # Courts closed first; afterwards capacity recovers slowly in the Crown Court.
            recovery = 0.96 if crown and years > 1.3 else 1.02
            disposals = _count(rng, base * size * (1 - (0.75 if crown else 0.5) * lock) * recovery)
            outstanding = max(0.0, outstanding + receipts - disposals)
            trials = _count(rng, (0.32 if crown else 0.12) * base * size * (1 - 0.7 * lock))
            effective = _part(rng, trials, 0.36 - 0.08 * lock)
            cracked = _part(rng, trials - effective, 0.62)
            ineffective = trials - effective - cracked
            reasons = rng.multinomial(ineffective, [0.22, 0.33, 0.18, 0.12, 0.15])
            row = {
                "area_code": code,
                "month": label(template.period, month),
                "receipts": receipts,
                "disposals": disposals,
                "outstanding": int(outstanding),
                "trials": trials,
                "effective_trials": effective,
                "cracked_trials": cracked,
                "ineffective_trials": ineffective,
                "vacated_trials": _count(rng, 0.2 * trials * (1 + 2.5 * lock) + 1),
            }
            row.update(
                {name: int(n) for (name, *_), n in zip(INEFFECTIVE_REASONS, reasons, strict=True)}
            )
            yield row


def _magistrates(template: Template, today: date, rng: np.random.Generator) -> Rows:
    areas = {code: size for code, (size, *_rest) in AREAS.items()}
    return _court_rows(template, today, rng, areas, 1450, crown=False)


def _crown(template: Template, today: date, rng: np.random.Generator) -> Rows:
    areas = {court: court_size for (_size, _edge, court, court_size) in AREAS.values()}
    return _court_rows(template, today, rng, areas, 120, crown=True)


def _wcu(template: Template, today: date, rng: np.random.Generator) -> Rows:
    for code, (size, edge, _court, _court_size) in AREAS.items():
        for month in _months(today):
            lock = _lockdown(month)
            due = _count(rng, 380 * size * (1 - 0.4 * lock))
            warned = _count(rng, 520 * size * (1 - 0.7 * lock))
            yield {
                "area_code": code,
                "month": label(template.period, month),
                "needs_assessments_due": due,
                "needs_assessments_completed": _part(rng, due, 0.9 + edge - 0.1 * lock),
                "witnesses_warned": warned,
                "witnesses_attended": _part(rng, warned, 0.86 + edge - 0.06 * lock),
            }


_VICTIMS_CODE_SHARES = {
    "written_acknowledgement": 0.92,
    "referral_to_support": 0.78,
    "updates_in_time": 0.7,
    "vps_offered": 0.6,
    "release_told": 0.82,
}


def _victims_code(template: Template, today: date, rng: np.random.Generator) -> Rows:
    for code, (size, edge, _court, _court_size) in AREAS.items():
        for quarter in _quarters(today):
            lock = _lockdown(quarter, 3)
            row = {"area_code": code, "quarter": label(template.period, quarter)}
            for stem, *_text in VICTIMS_CODE_AREAS:
                if stem == "release_told" and quarter.year == FIRST_YEAR:
                    continue  # not collected in the first year: both columns left blank
                cases = _count(rng, (24 if stem == "release_told" else 150) * min(size, 1.5))
                share = _VICTIMS_CODE_SHARES[stem] + edge - 0.08 * lock
                row[f"{stem}_cases"] = cases
                row[f"{stem}_met"] = _part(rng, cases, share)
            yield row


def _iom(template: Template, today: date, rng: np.random.Generator) -> Rows:
    for code, (size, edge, _court, _court_size) in AREAS.items():
        cohort = round(180 * size)
        for quarter in _quarters(today):
            lock = _lockdown(quarter, 3)
            selections = _count(rng, 25 * size)
            deselections = min(cohort, _count(rng, 24.5 * size))
            cohort = cohort + selections - deselections
            yield {
                "area_code": code,
                "quarter": label(template.period, quarter),
                "cohort_size": cohort,
                "selections": selections,
                "deselections": deselections,
                "baseline_convictions": _count(rng, 2.6 * cohort),
                "current_convictions": _count(rng, (1.55 - 10 * edge - 0.5 * lock) * cohort),
                "members_convicted": _part(rng, cohort, 0.18 - edge - 0.06 * lock),
            }


def _women(template: Template, today: date, rng: np.random.Generator) -> Rows:
    for code, (size, edge, _court, _court_size) in AREAS.items():
        for quarter in _quarters(today):
            lock, years = _lockdown(quarter, 3), _years_on(quarter)
            sentenced = _count(rng, 95 * size * (1 - 0.45 * lock))
            community = _part(rng, sentenced, 0.45 + edge + 0.01 * years)
            yield {
                "area_code": code,
                "quarter": label(template.period, quarter),
                "referrals": _count(rng, 70 * size * (1 - 0.4 * lock) * (1 + 0.04 * years)),
                "women_managed_in_community": _count(rng, 260 * size * (1 - 0.1 * lock)),
                "women_sentenced": sentenced,
                "community_sentences": community,
                "short_custodial_sentences": _part(rng, sentenced - community, 0.22 - edge),
            }


_GENERATORS: dict[str, Callable[[Template, date, np.random.Generator], Rows]] = {
    "police_force_extract": _police,
    "cps_weekly_dashboard": _cps,
    "hmcts_magistrates_mi": _magistrates,
    "hmcts_crown_mi": _crown,
    "wcu_witness_care": _wcu,
    "victims_code_compliance": _victims_code,
    "probation_iom_cohort": _iom,
    "womens_services": _women,
}
