"""The Force performance page: the Police and Crime Plan's questions, each answered by the
measure sections of the board grammar (the section callbacks in callbacks/subgroup.py fill them).

The board period (?view=) sets what "latest" means everywhere on the page: the latest month for the
Executive Board, the latest complete quarter formed from the months for the Police and Crime Panel
(headline tiles, the "Every measure" table and each section's summary)."""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, dcc, html

from callbacks import data, presenting, subgroup
from callbacks.permissions import NotAuthorised, can_view_measure, current_user, signed_in_user
from layouts import measure as grammar
from layouts.components import data_table, not_authorised
from layouts.lazy_parts import lazy_parts, measures_title
from layouts.subgroup import section_state
from loaders import board
from loaders.measures import MEASURES
from loaders.plan import VIEWS, PolicePlan, load_plan

FORCE_PAGE_PATH = "/force-performance"
FORCE_SUBGROUP = "force"
FORCE_STATE, FORCE_TABLE = "force-page-state", "force-measures"
LAZY_PAGE = "force"
_PLAN: dict[str, PolicePlan] = {}


def current_plan() -> PolicePlan:
    return _PLAN["plan"]


def headline_figures(spec, forces: list[str], view: str, user) -> tuple[list, object]:
    """The board period's figure per force for a count measure, as tiles and as a table, each
    from the force's presented figure (withheld, stale and provisional said in words)."""
    rows = []
    for code in forces:
        figure = presenting.presented_figure(spec.id, code, view)
        if not figure.has_figures or figure.area_code != code:
            continue
        shown = "withheld (small number)" if figure.suppressed else figure.value_text
        if figure.status_text:
            shown = f"{shown} ({figure.status_text})"
        rows.append(
            {
                "area_code": code,
                "area_name": figure.area_name,
                "period": figure.quarter_note or figure.period.label,
                "shown": shown,
            }
        )
    figures = pd.DataFrame(rows, columns=["area_code", "area_name", "period", "shown"])
    tiles = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.P(f"{spec.title} – {row.area_name}", className="small mb-1"),
                        html.P(row.shown, className="h3 mb-0"),
                        html.P(row.period, className="small text-body-secondary mb-0"),
                    ]
                ),
                class_name="mb-3",
                id=f"force-tile-{spec.id}-{row.area_code}".lower(),
            ),
            md=4,
        )
        for row in figures.itertuples(index=False)
    ]
    table = figures.rename(columns={"area_name": "Force", "period": "Period", "shown": "Figure"})
    return tiles, data_table(table[["Force", "Period", "Figure"]], f"{spec.title} by force")


def _view_switch(view: str):
    return html.Nav(
        [
            html.Span("Board period: ", className="me-2"),
            # Links within the app: the page redraws for the period without reloading the app.
            *(
                dcc.Link(
                    label + (" (shown)" if key == view else ""),
                    href=f"{FORCE_PAGE_PATH}?view={key}",
                    className="btn btn-sm me-2 "
                    + ("btn-primary" if key == view else "btn-outline-primary"),
                )
                for key, label in VIEWS.items()
            ),
        ],
        className="mb-3",
        **{"aria-label": "Board period"},
    )


def force_layout(**query):
    """Headline figures for the chosen board period and the Plan's first question with its first
    measure; the measure table and the other questions are collapsed parts, each built when it
    is opened (a `?measure=…` link arrives with its part open and built)."""
    user = signed_in_user()
    if user is None:
        return html.Div()
    plan = current_plan()
    visible = _visible(user)
    if not visible:
        return not_authorised("You do not have access to the force's performance information.")
    view = _view(query)
    forces = list(data.lcjp().get("forces", []))
    headline_blocks = []
    for measure_id in plan.headline_measures:
        spec = MEASURES[measure_id]
        if measure_id not in visible or spec.unit not in board.SUMMABLE_UNITS:
            continue
        tiles, table = headline_figures(spec, forces, view, user)
        headline_blocks += [
            dbc.Row(tiles),
            html.Details([html.Summary(f"Show the figures: {spec.title}"), table]),
        ]
    questions = _questions(visible)
    first_screen = []
    if questions:
        question, (first, *_rest) = questions[0]
        first_screen = [
            *_question_heading(question),
            _section(first, query, view),
        ]
    parts = [("measures", measures_title("Every measure of the Plan", len(visible)))]
    for position, (question, specs) in enumerate(questions):
        count = len(specs) - 1 if position == 0 else len(specs)
        if count:
            parts.append((question.id, measures_title(question.question, count, position == 0)))
    opened = {}
    target = _part_of(query.get("measure"), questions)
    if target:
        opened[target] = build_part(target, query)
    return html.Div(
        [
            html.H1("Force performance", id="page-heading"),
            html.P(f"Measured against the {plan.title}."),
            _view_switch(view),
            html.P(
                f"Showing the {VIEWS[view]} view: "
                + (
                    "headlines, the measure table and each summary give the latest complete "
                    "calendar quarter, counts summed from its months and rates worked out from "
                    "its months' numerators and denominators; charts stay monthly."
                    if view == "quarterly"
                    else "the latest month."
                ),
                id="force-view-note",
            ),
            html.H2("Headlines", className="h4"),
            *(headline_blocks or [html.P("No headline figures are loaded yet.")]),
            *first_screen,
            html.H2("More of the Plan", className="h4 mt-4", id="force-more-heading"),
            *lazy_parts(LAZY_PAGE, parts, opened),
        ]
    )


def _visible(user) -> set[str]:
    return {m for m in current_plan().measure_ids() if can_view_measure(user, m)}


def _view(query: dict) -> str:
    return query.get("view") if query.get("view") in VIEWS else "monthly"


def _questions(visible: set[str]) -> list[tuple]:
    """(question, its measures this user may see) for each Plan question with any."""
    found = []
    for question in current_plan().questions:
        shown = [MEASURES[m] for m in question.measure_ids if m in visible]
        if shown:
            found.append((question, shown))
    return found


def _part_of(measure_id: str | None, questions: list[tuple]) -> str | None:
    """The collapsed part that draws a measure's section (None: on the first screen, or not
    a measure of the Plan this user may see)."""
    for position, (question, specs) in enumerate(questions):
        ids_here = [s.id for s in specs[1:]] if position == 0 else [s.id for s in specs]
        if measure_id in ids_here:
            return question.id
    return None


def _question_heading(question) -> list:
    heading = [html.H2(question.question, className="h4 mt-4", id=f"q-{question.id}")]
    return heading + ([_priority(question)] if question.priority else [])


def _priority(question):
    return html.P(f"Plan priority: {question.priority}", className="small")


def _section(spec, query: dict, view: str):
    datasets = data.datasets_as_registered()
    return grammar.measure_section(
        spec,
        FORCE_SUBGROUP,
        {**section_state(spec.id, query), "view": view},
        datasets[spec.dataset_id].title,
        datasets[spec.dataset_id].cadence,
        datasets[spec.dataset_id].classification,
    )


def build_part(part: str, query: dict):
    """One collapsed part for the signed-in user: the measure table, or a Plan question's
    sections (the first question's without the measure on the first screen). Rights are
    checked again here: a part with nothing this user may see is refused."""
    visible = _visible(current_user())
    if not visible:
        raise NotAuthorised("no Force performance measures")
    view = _view(query)
    if part == "measures":
        return [
            dcc.Store(id=FORCE_STATE, data={"view": view}),
            dcc.Loading(html.Div(id=FORCE_TABLE)),
        ]
    questions = _questions(visible)
    for position, (question, specs) in enumerate(questions):
        if question.id != part:
            continue
        shown = specs[1:] if position == 0 else specs
        if not shown:
            break
        # The part's header is the question; its body says the Plan priority.
        priority = [] if position == 0 or not question.priority else [_priority(question)]
        return [*priority, *(_section(spec, query, view) for spec in shown)]
    raise NotAuthorised(f"no Force performance part {part!r} for this user")


def update_force_table(state):
    """Every Plan measure the user may see, in the Plan's order, for the chosen board period."""
    user = current_user()
    view = (state or {}).get("view") if (state or {}).get("view") in VIEWS else "monthly"
    plan = current_plan()
    specs = [MEASURES[m] for m in plan.measure_ids() if can_view_measure(user, m)]
    if not specs:
        return not_authorised()
    caption = f"Every measure of the {plan.title}: {VIEWS[view]}" + (
        " (SPC readings on the monthly series)" if view == "quarterly" else ""
    )
    return subgroup.measure_table(user, specs, caption, view)


def register(app: dash.Dash) -> None:
    app.callback(Output(FORCE_TABLE, "children"), Input(FORCE_STATE, "data"))(update_force_table)


def register_force_page(plan_file: Path | None) -> None:
    """Validate the configured Plan (an unknown measure stops the start) and register the page."""
    _PLAN["plan"] = load_plan(plan_file, MEASURES)
    dash.register_page(
        "force_performance",
        path=FORCE_PAGE_PATH,
        name="Force performance",
        title="Force performance – LCJP Performance Board",
        order=50,
        layout=force_layout,
        subgroups=(FORCE_SUBGROUP,),
    )
