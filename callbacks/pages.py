"""Registers the board pages; their layout functions check the user's rights before building."""

from __future__ import annotations

import dash
from dash import html

from callbacks import lazy_parts
from callbacks.data import datasets_as_registered
from callbacks.permissions import NotAuthorised, current_user, signed_in_user
from callbacks.subgroup import visible_measures
from layouts import subgroup as grammar_pages
from layouts.components import not_authorised
from layouts.pages import COURT_BLOCK_MEASURES, POLICE_PARTS_PAGE, POLICE_PATH
from loaders.measures import SUBGROUPS

BOARD_SUBGROUPS = (
    "effectiveness-efficiency",
    "victim-witness",
    "reducing-reoffending",
    "female-offender",
)
OVERVIEW_PATH = "/board"
# The pages the grammar draws, with their parts built when opened (E&E has its own layout).
LAZY_SUBGROUPS = tuple(s for s in BOARD_SUBGROUPS if s != "effectiveness-efficiency")

# A subgroup's own page layout (instead of the grammar's) and the measures it presents itself.
EXTRAS = {"effectiveness-efficiency": (None, COURT_BLOCK_MEASURES)}


def subgroup_path(subgroup_id: str) -> str:
    return f"/{subgroup_id}"


def subgroup_layout(subgroup_id: str):
    """The page's layout function: only the measures this user may see, built by the grammar
    (E&E has its own: its courts first, the rest built when opened; callbacks/courts.py)."""
    if subgroup_id == "effectiveness-efficiency":
        from callbacks.courts import ee_layout

        return ee_layout

    def layout(**query):
        user = signed_in_user()
        if user is None:
            return html.Div()
        measures = visible_measures(user, subgroup_id)
        if not measures:
            return not_authorised("You do not have access to this subgroup's information.")
        _builder, covered = EXTRAS.get(subgroup_id, (None, ()))
        shown = [m for m in measures if m.id not in covered]
        return grammar_pages.subgroup_page(
            SUBGROUPS[subgroup_id], shown, datasets_as_registered(), query
        )

    return layout


def part_builder(subgroup_id: str):
    """What builds a grammar page's collapsed parts: for the measures this user may see, checked
    again when the part is asked for (a part the page would not offer them is refused)."""

    def build(part: str, query: dict):
        user = current_user()
        measures = visible_measures(user, subgroup_id)
        if not measures:
            raise NotAuthorised(f"no {subgroup_id} measures")
        _builder, covered = EXTRAS.get(subgroup_id, (None, ()))
        shown = [m for m in measures if m.id not in covered]
        body = grammar_pages.lazy_part(part, subgroup_id, shown, datasets_as_registered(), query)
        if body is None:
            raise NotAuthorised(f"no part {part!r} on the {subgroup_id} page")
        return body

    return build


def register_parts(app: dash.Dash) -> None:
    """The collapsed parts of the grammar pages and the Force page (E&E builds its own:
    callbacks/courts.py)."""
    from callbacks import courts, force_page, police
    from layouts.court import COURT_PARTS_PAGE, COURT_PATH_TEMPLATE

    builders = {s: (subgroup_path(s), part_builder(s)) for s in LAZY_SUBGROUPS}
    builders[force_page.LAZY_PAGE] = (force_page.FORCE_PAGE_PATH, force_page.build_part)
    builders[POLICE_PARTS_PAGE] = (POLICE_PATH, police.build_part)
    builders[COURT_PARTS_PAGE] = (COURT_PATH_TEMPLATE, courts.build_court_part)
    lazy_parts.register(app, builders)


def overview_layout(**_query):
    user = signed_in_user()
    if user is None:
        return html.Div()
    from callbacks.data import lcjp

    return grammar_pages.overview_page(lcjp()["name"])


def register_board_pages() -> None:
    """One page per LCJP subgroup from the registry, and the LCJP Board overview."""
    dash.register_page(
        "board_overview",
        path=OVERVIEW_PATH,
        name="LCJP Board",
        title="LCJP Board overview – LCJP Performance Board",
        order=0,
        layout=overview_layout,
        subgroups=BOARD_SUBGROUPS,
    )
    for subgroup_id in BOARD_SUBGROUPS:
        subgroup = SUBGROUPS.get(subgroup_id)
        if subgroup is None:
            continue
        dash.register_page(
            f"subgroup_{subgroup_id.replace('-', '_')}",
            path=subgroup_path(subgroup_id),
            name=subgroup.name,
            title=f"{subgroup.name} – LCJP Performance Board",
            order=subgroup.order,
            layout=subgroup_layout(subgroup_id),
            subgroup=subgroup_id,
        )
    from callbacks.courts import register_court_page

    register_court_page()  # /effectiveness-efficiency/court/<code>
