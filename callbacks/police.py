"""Police demand page: crime by month and type with drill to outcomes; outcome mix across forces."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import dash
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update

from callbacks import data, presenting
from callbacks.permissions import (
    NotAuthorised,
    current_user,
    permitted_areas,
    refuse_unauthorised,
    require_dataset,
)
from layouts import ids
from layouts.cards import police_crime_trend, police_outcome_mix
from layouts.components import data_table, not_authorised, provenance_text
from layouts.pages import POLICE_OUTCOMES_PART, POLICE_PATH, police_outcomes_part
from loaders.queries import expand_breakdown
from loaders.sources.police_uk import OUTCOME_GROUPS
from presented import suppression

DATASET = "police_uk_street"
MEASURE = "police_street_records"
DEFAULT_OUTCOME = "Charged or court outcome"
OUTCOME_GROUP_NAMES = sorted(set(OUTCOME_GROUPS.values()) - {"Anti-social behaviour (no outcome)"})


def _records(**filters):
    """Street records the signed-in user may see, one column per breakdown dimension."""
    frame = expand_breakdown(data.observations(MEASURE, **filters))
    for column in ("crime_type", "outcome"):
        if column not in frame.columns:
            frame[column] = pd.Series(dtype="str")
    frame["outcome_group"] = frame["outcome"].map(OUTCOME_GROUPS)
    return frame


def visible_forces() -> list[str]:
    """The partnership's forces whose records the signed-in user may see (all, unless the data is
    force-restricted and the user belongs to one force)."""
    forces = permitted_areas(DATASET, data.lcjp()["forces"])
    if not forces:
        raise NotAuthorised("no partnership force's records are open to this user")
    return forces


def resolve_state(state: dict | None) -> dict:
    """Replace anything a URL or forged request carries that is not a real choice (or not one this
    user may see, such as another force's area code) with the default."""
    given = state if isinstance(state, dict) else {}
    state = {key: given.get(key) for key in ("force", "crime_type", "outcome")}
    forces = visible_forces()
    if state.get("force") not in forces:
        state["force"] = forces[0]
    if not isinstance(state.get("crime_type"), str | None):
        state["crime_type"] = None
    if state.get("outcome") not in OUTCOME_GROUP_NAMES:
        state["outcome"] = DEFAULT_OUTCOME
    return state


def _search(state: dict) -> str:
    return "?" + urlencode({k: v for k, v in state.items() if v})


@refuse_unauthorised(lambda: ([], "", [], ""))
def update_pickers(state):
    """Options for the force and outcome pickers, and their values from the URL."""
    require_dataset(DATASET)
    state = resolve_state(state)
    forces = [{"label": data.area(code).name, "value": code} for code in visible_forces()]
    outcomes = [{"label": name, "value": name} for name in OUTCOME_GROUP_NAMES]
    return forces, state["force"], outcomes, state["outcome"]


def update_force_picker(state):
    return update_pickers(state)[:2]


def update_outcome_picker(state):
    """The outcome picker is in the collapsed part: filled when the part is built."""
    return update_pickers(state)[2:]


def build_part(part: str, query: dict):
    """The outcome mix part (layouts/pages.py), for a user who may see the police.uk records of
    a partnership force, as the page's own callbacks require."""
    require_dataset(DATASET)
    visible_forces()
    if part != POLICE_OUTCOMES_PART:
        raise NotAuthorised(f"no part {part!r} on the Police demand page")
    return police_outcomes_part({k: query.get(k) for k in ("force", "crime_type", "outcome")})


@refuse_unauthorised(
    lambda: (no_update, "You do not have access to this information.", not_authorised(), "", "")
)
def update_crime(state):
    """One force's records by month, by crime type or (drilled) by outcome group."""
    require_dataset(DATASET)
    state = resolve_state(state)
    force = data.area(state["force"])
    records = _records(area_codes=[state["force"]])
    crime_type = state.get("crime_type")
    if crime_type and crime_type not in set(records["crime_type"]):
        crime_type = None
    series = police_crime_trend.process_data(records, crime_type)
    audience = presenting.audience_of(current_user())
    shown = suppression.safe_by_period(series, "count", audience)
    withheld = f"<{audience.threshold} (suppressed)"
    crumbs = [
        html.Li(
            dcc.Link(
                "All crime types",
                href=_search({**state, "crime_type": None}) if crime_type else None,
            )
            if crime_type
            else "All crime types",
            className="breadcrumb-item",
        )
    ]
    if crime_type:
        crumbs.append(
            html.Li(crime_type, className="breadcrumb-item active", **{"aria-current": "page"})
        )
    links = None
    if not crime_type:
        links = {
            c: POLICE_PATH + _search({**state, "crime_type": c}) for c in set(series["category"])
        }
    prov = data.provenance(DATASET)
    return (
        police_crime_trend.create_figure(shown),
        # Month totals and the largest category are never small: the summary reads all records.
        police_crime_trend.summarise(series, force.name, crime_type),
        data_table(
            police_crime_trend.table(
                shown, "Outcome group" if crime_type else "Crime type", withheld
            ),
            f"{force.name}: records by month"
            + (f", {crime_type} by outcome" if crime_type else ""),
            links=links,
        ),
        provenance_text(prov, data.timezone(), stale_reason=data.stale_reason(DATASET)),
        html.Ol(crumbs, className="breadcrumb"),
    )


@refuse_unauthorised(
    lambda: (no_update, "You do not have access to this information.", not_authorised(), "")
)
def update_outcomes(state):
    """The chosen outcome group's share of crimes for every force in the file (every force whose
    records the user may see: the police.uk file is public, so normally all of them)."""
    require_dataset(DATASET)
    state = resolve_state(state)
    records = _records(area_type="police_force_area")
    lcjp_codes = data.lcjp()["forces"]
    shares = police_outcome_mix.process_data(records, state["outcome"], lcjp_codes)
    audience = presenting.audience_of(current_user())
    # A share of crimes and its n would give back a small count in the group: withhold both.
    small = suppression.primary(shares.rename(columns={"in_group": "value"}), "count", audience)
    shares["share"] = shares["share"].where(~small)
    shares["in_group"] = shares["in_group"].where(~small)
    prov = data.provenance(DATASET)
    return (
        police_outcome_mix.create_figure(shares.dropna(subset=["share"]), state["outcome"]),
        police_outcome_mix.summarise(shares, state["outcome"], lcjp_codes),
        data_table(
            police_outcome_mix.table(
                shares, state["outcome"], f"<{audience.threshold} (suppressed)"
            ),
            f"Share of crimes: {state['outcome']}, by force",
        ),
        provenance_text(
            prov,
            data.timezone(),
            shares.attrs.get("period", ""),
            stale_reason=data.stale_reason(DATASET),
        ),
    )


@refuse_unauthorised(lambda: no_update)
def navigate(force, outcome, click, state):
    """Pickers and a click on a crime type's bar change the URL, which restores the view."""
    current = resolve_state(state)
    wanted = dict(current)
    if ctx.triggered_id == ids.POLICE_FORCE_PICKER and force:
        wanted.update(force=force, crime_type=None)
    elif ctx.triggered_id == ids.POLICE_OUTCOME_PICKER and outcome:
        wanted["outcome"] = outcome
    elif (
        ctx.triggered_id == ids.graph(ids.POLICE_CRIME)
        and click
        and click.get("points")
        and not current.get("crime_type")
    ):
        wanted["crime_type"] = click["points"][0].get("customdata")
    if wanted == current:
        return no_update
    return _search(wanted)


def navigate_from_crime(force, click, state):
    """A force or crime type: the outcome group stays out of the URL unless it was in it, so
    the outcome mix part stays collapsed (an outcome in the URL opens it)."""
    search = navigate(force, None, click, state)
    if isinstance(search, str) and not (state or {}).get("outcome"):
        query = dict(parse_qsl(search.lstrip("?")))
        query.pop("outcome", None)
        search = "?" + urlencode(query)
    return search


def navigate_from_outcomes(outcome, state):
    return navigate(None, outcome, None, state)


def register(app: dash.Dash) -> None:
    state = Input(ids.POLICE_STATE, "data")
    outcomes_state = Input(ids.POLICE_OUTCOMES_STATE, "data")
    app.callback(
        Output(ids.POLICE_FORCE_PICKER, "options"),
        Output(ids.POLICE_FORCE_PICKER, "value"),
        state,
    )(update_force_picker)
    app.callback(
        Output(ids.POLICE_OUTCOME_PICKER, "options"),
        Output(ids.POLICE_OUTCOME_PICKER, "value"),
        outcomes_state,
    )(update_outcome_picker)
    app.callback(
        Output(ids.graph(ids.POLICE_CRIME), "figure"),
        Output(ids.summary(ids.POLICE_CRIME), "children"),
        Output(ids.table(ids.POLICE_CRIME), "children"),
        Output(ids.source(ids.POLICE_CRIME), "children"),
        Output(ids.breadcrumb(ids.POLICE_CRIME), "children"),
        state,
    )(update_crime)
    app.callback(
        Output(ids.graph(ids.POLICE_OUTCOMES), "figure"),
        Output(ids.summary(ids.POLICE_OUTCOMES), "children"),
        Output(ids.table(ids.POLICE_OUTCOMES), "children"),
        Output(ids.source(ids.POLICE_OUTCOMES), "children"),
        outcomes_state,
    )(update_outcomes)
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.POLICE_FORCE_PICKER, "value"),
        Input(ids.graph(ids.POLICE_CRIME), "clickData"),
        State(ids.POLICE_STATE, "data"),
        prevent_initial_call=True,
    )(navigate_from_crime)
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.POLICE_OUTCOME_PICKER, "value"),
        State(ids.POLICE_OUTCOMES_STATE, "data"),
        prevent_initial_call=True,
    )(navigate_from_outcomes)
