"""Collapsed parts built when opened, for the grammar pages and the Force performance page: the
E&E page's mechanism (layouts/court.py) with pattern-matching ids keyed by page and part, so one
callback serves however many parts a page's registry or Plan gives it (callbacks/lazy_parts.py).

A page's first screen holds only what is above the fold; each part's header says how many
measures it holds, and a `?measure=…` link arrives with its part open and already built."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

ACCORDION = "lazy-parts"
BODY = "lazy-part"
BUILT = "lazy-built"


def accordion_id(page: str) -> dict:
    return {"type": ACCORDION, "page": page}


def body_id(page: str, part: str) -> dict:
    return {"type": BODY, "page": page, "part": part}


def built_id(page: str) -> dict:
    return {"type": BUILT, "page": page}


def measures_title(title: str, count: int, more: bool = False) -> str:
    """'How well are victims supported? (4 measures)', or '(8 more measures)' for a part whose
    first measure is already on the first screen."""
    noun = "measure" if count == 1 else "measures"
    return f"{title} ({count} {'more ' if more else ''}{noun})"


def lazy_parts(page: str, parts: list[tuple[str, str]], opened: dict) -> list:
    """The 'More' heading and an accordion of (part, title), collapsed and empty; `opened` maps a
    part to its body when the URL asks for something inside it (open and built on arrival)."""
    items = [
        dbc.AccordionItem(
            html.Div(opened.get(part), id=body_id(page, part)), title=title, item_id=part
        )
        for part, title in parts
    ]
    return [
        html.P(
            "Each part below is drawn when you open it.",
            className="small text-body-secondary mt-3",
        ),
        dcc.Store(id=built_id(page), data=list(opened)),
        dbc.Accordion(
            items,
            id=accordion_id(page),
            always_open=True,
            start_collapsed=not opened,
            active_item=list(opened) or None,
        ),
    ]
