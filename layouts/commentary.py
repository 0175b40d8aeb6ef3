"""The commentary panel beside a measure: what partners say about the trend (pure builders).

Readers see only published text. Writers (loaders/access.can_comment) also see the editor, a note
when a draft is waiting, and the full history; callbacks/commentary.py decides who is who.
"""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.measure import COMMENTARY, section_id
from presented.words import local_time

PANEL = COMMENTARY  # the section part the whole panel fills
VIEW, TEXT, SAVE, PUBLISH, MESSAGE = (
    "commentary-view",
    "commentary-text",
    "commentary-save",
    "commentary-publish",
    "commentary-message",
)
STATUS_WORDS = {"draft": "Draft", "published": "Published"}


def published_block(view, period_text: str, timezone: str, earlier=None, earlier_text: str = ""):
    """The published text for the period shown, with its author and date; else the newest earlier
    commentary, labelled with its own period so it is never mistaken for this one's."""
    if view is not None and view.published_text:
        return html.Div(
            [
                html.P(view.published_text, className="commentary-text mb-1"),
                html.P(
                    f"Published by {view.published_by} on {local_time(view.published_at, timezone)}"
                    f" · for {period_text}",
                    className="small text-body-secondary mb-0",
                ),
            ]
        )
    blocks = [html.P(f"No commentary has been published for {period_text}.", className="mb-1")]
    if earlier is not None and earlier.published_text:
        blocks.append(
            html.Div(
                [
                    html.P(f"Earlier commentary, for {earlier_text}:", className="small mb-1"),
                    html.Blockquote(earlier.published_text, className="commentary-text mb-1"),
                    html.P(
                        f"Published by {earlier.published_by} on "
                        f"{local_time(earlier.published_at, timezone)}",
                        className="small text-body-secondary mb-0",
                    ),
                ]
            )
        )
    return html.Div(blocks)


def draft_note(view, versions: list, timezone: str):
    """For writers only: a draft is waiting, so readers still see the published text (or none)."""
    if view is None or not view.draft_text:
        return None
    saved = next((v.saved_at for v in versions if v.status == "draft"), None)
    when = f" on {local_time(saved, timezone)}" if saved else ""
    return html.P(
        [
            html.Strong("Draft pending: "),
            f"a draft saved by {view.draft_by}{when} is not yet published; readers see only "
            "the published text.",
        ],
        className="small mb-1 commentary-draft-note",
    )


def history_details(versions: list, timezone: str):
    """Every saved version, newest first, as a table inside a disclosure."""
    if not versions:
        body = html.P("Nothing has been saved for this period yet.", className="small")
    else:
        body = dbc.Table(
            [
                html.Caption("Every saved version, newest first"),
                html.Thead(
                    html.Tr(
                        [
                            html.Th(label, scope="col")
                            for label in ("Version", "Status", "Saved by", "When", "Text")
                        ]
                    )
                ),
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Th(str(v.version), scope="row"),
                                html.Td(STATUS_WORDS.get(v.status, v.status)),
                                html.Td(
                                    v.saved_by + (f" ({v.organisation})" if v.organisation else "")
                                ),
                                html.Td(local_time(v.saved_at, timezone)),
                                html.Td(v.text, className="commentary-history-text"),
                            ]
                        )
                        for v in versions
                    ]
                ),
            ],
            size="sm",
            striped=True,
            responsive=True,
            class_name="data-table",
        )
    return html.Details(
        [
            html.Summary(f"History ({len(versions)} version{'s' if len(versions) != 1 else ''})"),
            body,
        ],
        className="mt-2 commentary-history",
    )


def view_block(
    view,
    period_text: str,
    timezone: str,
    *,
    versions: list | None = None,
    earlier=None,
    earlier_text: str = "",
):
    """What the panel shows above the editor; `versions` (writers only) adds the note and history."""
    parts = [published_block(view, period_text, timezone, earlier, earlier_text)]
    if versions is not None:
        parts += [draft_note(view, versions, timezone), history_details(versions, timezone)]
    return parts


def heading():
    return html.H3("Commentary", className="h6")


def panel(measure_id: str, title: str, period_text: str, content, *, editor_text: str | None):
    """The heading, the published text (and history), and for writers the editor."""
    children = [
        heading(),
        html.Div(content, id=section_id(VIEW, measure_id)),
    ]
    if editor_text is not None:
        text_id = section_id(TEXT, measure_id)
        children.append(
            html.Div(
                [
                    dbc.Label(
                        f"Your commentary on {title}, for {period_text}",
                        html_for=_html_id(text_id),
                        class_name="mt-2",
                    ),
                    dcc.Textarea(
                        id=text_id,
                        value=editor_text,
                        maxLength=4000,
                        rows=4,
                        className="form-control",
                    ),
                    html.Div(
                        [
                            dbc.Button(
                                "Save draft",
                                id=section_id(SAVE, measure_id),
                                color="secondary",
                                class_name="me-2",
                                n_clicks=0,
                            ),
                            dbc.Button(
                                "Publish",
                                id=section_id(PUBLISH, measure_id),
                                color="primary",
                                n_clicks=0,
                            ),
                        ],
                        className="mt-2",
                    ),
                    html.P(
                        id=section_id(MESSAGE, measure_id),
                        className="small mt-2 mb-0",
                        role="status",
                    ),
                ],
                className="commentary-editor no-print",
            )
        )
    return children


def _html_id(component_id: dict) -> str:
    """The DOM id Dash gives a pattern-matching component, so a label can point at it."""
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
