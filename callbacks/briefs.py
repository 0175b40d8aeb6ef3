"""One measure's brief: the presented figure, its chart, commentary and open actions that a
meeting screen and a board pack both show. The figures come from the same presented-figure model
as the subgroup pages (callbacks/presenting.py), so screen, projector and paper agree, and nothing
the audience may not see reaches either. Callers check rights first; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from callbacks import data, presenting
from callbacks.subgroup import timeline_events, trend_figure
from loaders import events, meetings
from loaders.measures import MEASURES, MeasureSpec
from loaders.models import MeetingAction
from loaders.queries import Provenance
from presented.model import PresentedFigure, tile_texts


@dataclass
class MeasureBrief:
    """Everything said about one measure at one meeting. `figure` is None when nothing is loaded
    (or every figure in the chart is withheld from this audience)."""

    spec: MeasureSpec
    presented: PresentedFigure | None = None
    area_code: str | None = None
    area_name: str = ""
    period_end: date | None = None
    texts: dict = field(default_factory=dict)  # tile words: label, value, status, change, ...
    summary: str = ""  # the one-line text summary behind the chart
    reading: str = ""  # the SPC reading in words
    variation: str | None = None
    signal: bool = False  # a special-cause signal on a current figure: an exception
    figure: go.Figure | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # the data behind the chart
    provenance: Provenance | None = None
    commentary: meetings.CommentaryView | None = None
    actions: list[MeetingAction] = field(default_factory=list)
    suppressed: bool = False

    @property
    def has_figures(self) -> bool:
        return self.presented is not None and self.presented.has_figures


def agenda_figures(measure_ids: list[str]) -> dict[str, PresentedFigure]:
    """Each measure's presented figure for the signed-in user: an agenda needs to know which are
    exceptions and which have no figures yet (they share one "Awaiting data" screen)."""
    all_events = timeline_events()
    return {m: presenting.presented_figure(m, all_events=all_events) for m in measure_ids}


def exception_labels(measure_ids: list[str]) -> dict[str, str]:
    """Measure -> its SPC reading's label, for measures whose figure is an exception (a signal on a
    current figure), decided by the model as every brief decides it."""
    all_events = timeline_events()
    found = {}
    for measure_id in measure_ids:
        figure = presenting.presented_figure(measure_id, all_events=all_events)
        if figure.is_exception:
            found[measure_id] = figure.reading.label
    return found


def measure_brief(
    measure_id: str,
    *,
    hide_small_numbers: bool = False,
    all_events=None,
    today: date | None = None,
    up_to: date | None = None,
    area_code: str | None = None,
) -> MeasureBrief:
    """The brief for a measure the caller has already checked the user may see: for the signed-in
    user's audience, or a stricter one (`hide_small_numbers`, a pack for partners or the public).
    `area_code` asks for one area (a partnership court) instead of the measure's headline area."""
    spec = MEASURES[measure_id]
    all_events = timeline_events() if all_events is None else all_events
    brief = MeasureBrief(spec=spec, provenance=data.provenance(spec.dataset_id))
    with data.session_factory()() as session:
        brief.commentary = meetings.latest_published(session, [spec.id], up_to=up_to).get(spec.id)
        brief.actions = meetings.actions(session, [spec.id], open_only=True)
    figure = presenting.presented_figure(
        spec.id, area_code, all_events=all_events, hide_small_numbers=hide_small_numbers
    )
    brief.presented = figure
    brief.summary = figure.summary
    if not figure.has_figures:
        return brief
    brief.area_code, brief.area_name = figure.area_code, figure.area_name
    brief.period_end = figure.period.end
    brief.texts = tile_texts(figure)
    brief.reading = figure.reading.sentence
    brief.variation = figure.reading.variation
    brief.signal = figure.is_exception
    brief.suppressed = figure.suppressed
    brief.table = figure.table
    if not figure.chart_withheld:
        chart = trend_figure(figure, events.events_for(spec.id, all_events))
        chart.update_layout(title=None)
        brief.figure = chart
    return brief
