"""The presented figure for the signed-in user: rights checked, inputs gathered, model built once.

Every renderer (page sections and tiles, the "Every measure" table, meeting screens, board packs
and the figures API) asks here, so each draws the same PresentedFigure. The figure is cached per
data vintage (data.cached keys on the vintages), per set of rows the user may see, per area,
board period, audience and the measure's events, so users who may see the same things share it.
"""

from __future__ import annotations

import os

from callbacks import data, permissions, request_state
from callbacks import revisions as revision_marks
from loaders import board, events
from loaders.datasets import DATASETS
from loaders.measures import MEASURES
from loaders.refresh import london_today
from presented.build import FigureInputs, Timing, present
from presented.model import Audience, PresentedFigure

BOARD_PERIODS = ("monthly", "quarterly")


def plan() -> board.AreaPlan:
    return board.AreaPlan.from_config(data.lcjp())


def audience_of(user) -> Audience:
    return Audience(
        sees_small_numbers=permissions.sees_small_numbers(user),
        threshold=data.suppression_threshold(),
    )


def timing(dataset_id: str) -> Timing:
    """The dataset's publication lag and provisional periods (PROVISIONAL_PERIODS_<ID> wins)."""
    spec = DATASETS.get(dataset_id)
    if spec is None:
        return Timing()
    override = os.environ.get(f"PROVISIONAL_PERIODS_{dataset_id.upper()}", "")
    provisional = int(override) if override.strip().isdigit() else spec.provisional_periods
    return Timing(lag_months=spec.lag_months, provisional_periods=provisional)


def timeline_events():
    """The timeline's events, read once per request however many measures a callback draws."""
    return request_state.kept(
        "timeline_events",
        ("events",),
        lambda: tuple(events.list_events(data.session_factory(), data.lcjp())),
    )


def inputs_for(spec, all_events=None) -> FigureInputs:
    """What the model needs for one measure, cut to the rows the signed-in user may see."""
    area_plan = plan()
    view = data.measure_view(spec, area_plan)
    measure_events = events.events_for(
        spec.id, timeline_events() if all_events is None else all_events
    )

    def revised(code: str):
        members = area_plan.forces if code == area_plan.lcjp_code else ()
        return revision_marks.series_revisions(view, code, members)

    populations, period = data.populations()
    return FigureInputs(
        spec=spec,
        view=view,
        plan=area_plan,
        today=london_today(data.timezone()),
        timing=timing(spec.dataset_id),
        events=measure_events,
        provenance=data.provenance(spec.dataset_id),
        populations=populations,
        population_period=period,
        revisions=revised,
    )


def presented_figure(
    measure_id: str,
    area_code: str | None = None,
    board_period: str = "monthly",
    *,
    all_events=None,
    hide_small_numbers: bool = False,
) -> PresentedFigure:
    """The figure for the signed-in user (NotAuthorised if they may not see the measure). A
    pack for a wider audience asks `hide_small_numbers`: the audience is never laxer than the
    user's own."""
    user = permissions.require_measure(measure_id)
    spec = MEASURES[measure_id]
    board_period = board_period if board_period in BOARD_PERIODS else "monthly"
    audience = audience_of(user)
    if hide_small_numbers and audience.sees_small_numbers:
        audience = Audience(sees_small_numbers=False, threshold=audience.threshold)
    if all_events is None:
        all_events = timeline_events()
    area_plan = plan()
    key = (
        "presented",
        spec,  # the whole entry: a target set or changed makes a new figure
        data.permitted_key(spec.id),
        area_plan,
        area_code,
        board_period,
        audience.key,
        tuple(repr(e) for e in events.events_for(spec.id, all_events)),
        london_today(data.timezone()),
        timing(spec.dataset_id),
    )
    # Only a miss gathers the inputs (the measure's view): a stored figure is read, not rebuilt.
    return data.cached(
        key,
        lambda _session: present(inputs_for(spec, all_events), audience, area_code, board_period),
    )


def headline_codes(figure_view: board.MeasureView) -> list[str]:
    """The areas a headline measure gets tiles for: the partnership where it can be formed, else
    its local areas, and the national figure beside courts and regions."""
    p = plan()
    codes = [c for c in figure_view.focus_codes if c != p.national] or [p.national]
    if p.lcjp_code in codes:
        return [p.lcjp_code]
    if figure_view.level in {"court", "region"} and p.national in figure_view.headlines:
        codes.append(p.national)
    return [c for c in codes if c in figure_view.headlines]
