"""What a presented figure is: the one object every renderer draws and none of them changes.

Built by presented.build.present() once per measure, area, board period and audience. It holds
only what that audience may see: a suppressed value is None here, never a number a renderer must
remember to hide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from loaders.queries import Provenance
from loaders.spc import SpcResult
from presented.words import Change


@dataclass(frozen=True)
class Audience:
    """Who the figure is presented to. Those who may not see small numbers get them withheld."""

    sees_small_numbers: bool
    threshold: int = 10

    @property
    def key(self) -> tuple:
        return (self.sees_small_numbers, self.threshold if not self.sees_small_numbers else 0)


OPCC_AUDIENCE = Audience(sees_small_numbers=True)


@dataclass(frozen=True)
class Period:
    """A period as it is read: its dates, its kind and its label ('2025 Q4', '2023/24')."""

    kind: str  # week, month, quarter, year, financial_year
    start: date | None
    end: date
    label: str
    long_label: str


@dataclass(frozen=True)
class Status:
    """current, stale (the data describes a period older than the source's cadence and usual
    publication lag allow) or provisional (its figures are still being recorded)."""

    kind: str
    words: str  # "Current", "Stale, 11 months old", "Provisional"
    reason: str = ""
    months_old: int | None = None

    @property
    def is_stale(self) -> bool:
        return self.kind == "stale"


@dataclass(frozen=True)
class Reading:
    """The SPC reading as this audience may read it."""

    variation: str | None
    label: str  # "Special cause variation — improvement (lower)"
    sentence: str  # the reading in words, with no withheld value in it
    signal: bool  # the latest tested point is a special-cause signal
    new_signal: bool = False
    assurance: str | None = None
    assurance_label: str | None = None


@dataclass
class PresentedFigure:
    """One measure for one area, period and audience: value, words, status, chart points.

    `points` is the series as this audience may see it (one row per period: period_end, label,
    value, suppressed, provisional, gap_before, excluded, mean and limits, point_type, revised);
    `spc` is the same series as an SpcResult with withheld values and limits removed, for the chart
    builders; `table` is the data behind the chart as printed; `rows` the comparison with other
    areas at the latest period (value, and per 100,000 population where counts are compared)."""

    measure_id: str
    title: str
    unit: str
    polarity: str
    subgroup: str
    area_code: str | None
    area_name: str
    audience: Audience
    board_period: str = "monthly"
    period: Period | None = None
    value: float | None = None
    value_text: str = "no data"
    suppressed: bool = False
    numerator: float | None = None
    denominator: float | None = None
    n_text: str = ""
    status: Status = field(default_factory=lambda: Status("current", "Current"))
    change: Change | None = None
    change_text: str = ""  # the change, reconciled with the SPC reading
    reading: Reading | None = None
    comparison: str = ""
    summary: str = ""  # the one-line text summary behind the chart
    quarter_note: str = ""  # for the Panel: the quarter a monthly measure's figure is formed from
    revision: str = ""
    revised_sentence: str = ""
    missing_sentence: str = ""
    provisional_sentence: str = ""
    points: pd.DataFrame = field(default_factory=pd.DataFrame)
    spc: SpcResult | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    ranking: pd.DataFrame = field(default_factory=pd.DataFrame)
    ranking_basis: str = ""  # "value" or "per_100k": what the comparison chart ranks
    compare_series: pd.DataFrame = field(default_factory=pd.DataFrame)  # local areas over time
    source: Provenance | None = None  # the dataset, vintage and load behind the figure
    chart_withheld: str = ""  # why no chart may be drawn for this audience, or ''

    @property
    def has_figures(self) -> bool:
        return self.period is not None

    @property
    def is_exception(self) -> bool:
        """A special-cause signal on a figure that is current: what a board takes first."""
        return bool(self.reading and self.reading.signal) and not self.status.is_stale

    @property
    def period_text(self) -> str:
        """'2025 Q4 (n = 1,234)' — the period and the base of a rate."""
        if self.period is None:
            return ""
        label = self.quarter_note or self.period.label
        return f"{label}{self.n_text}"

    @property
    def status_text(self) -> str:
        """'' for a current figure; 'Stale, 11 months old' or 'Provisional' otherwise."""
        return "" if self.status.kind == "current" else self.status.words

    def api_dict(self) -> dict:
        """The figure as the API returns it (JSON-ready); nothing withheld is in it."""
        latest = None
        if self.period is not None:
            latest = {
                "period_end": self.period.end.isoformat(),
                "period_start": self.period.start.isoformat() if self.period.start else None,
                "period_label": self.period.label,
                "value": self.value,
                "value_text": self.value_text,
                "status": self.status.kind,
                "status_text": self.status.words,
                "suppressed": self.suppressed,
                "numerator": self.numerator,
                "denominator": self.denominator,
                "change": self.change_text,
                "comparison": self.comparison,
                "spc_reading": self.reading.sentence if self.reading else "",
                "spc_variation": self.reading.variation if self.reading else None,
                "exception": self.is_exception,
            }
        return {
            "id": self.measure_id,
            "title": self.title,
            "unit": self.unit,
            "polarity": self.polarity,
            "subgroup": self.subgroup,
            "area": self.area_code,
            "area_name": self.area_name,
            "latest": latest,
            "summary": self.summary,
            "points": self.point_dicts(),
            "source": None
            if self.source is None
            else {
                "dataset_id": self.source.dataset_id,
                "title": self.source.title,
                "publisher": self.source.publisher,
                "vintage_id": self.source.vintage_id,
                "content_hash": self.source.content_hash,
                "demo_data": self.source.is_demo,
            },
        }

    def point_dicts(self) -> list[dict]:
        if self.points.empty:
            return []
        return [
            {
                "period_end": end.date().isoformat(),
                "period_label": label,
                "value": None if pd.isna(value) else float(value),
                "suppressed": bool(suppressed),
                "provisional": bool(provisional),
            }
            for end, label, value, suppressed, provisional in zip(
                self.points["period_end"],
                self.points["label"],
                self.points["value"],
                self.points["suppressed"],
                self.points["provisional"],
                strict=True,
            )
        ]


def tile_texts(figure: PresentedFigure) -> dict:
    """The words on a tile, a meeting screen's figure panel and a pack page: one set of words."""
    return {
        "label": f"{figure.title}: {figure.area_name}",
        "value": figure.value_text,
        "status": figure.status_text,
        "status_reason": figure.status.reason,
        "change": figure.change_text,
        "period": figure.period_text,
        "comparison": figure.comparison,
        "spc": figure.reading.label if figure.reading else "",
        "revision": figure.revision,
    }
