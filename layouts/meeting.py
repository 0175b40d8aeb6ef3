"""Meeting mode and the Meetings page: pure builders, one measure per screen in agenda order.

Every screen of a meeting has its own URL (/meeting/<id>/<n>), so a chair can share the screen
the board is looking at. Links carry `data-meeting-nav`, which assets/meeting.js turns into
in-app navigation; without the script they are ordinary links. The figures come from
callbacks/briefs.py, the same brief a board pack prints, so screen and paper agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.actions import overdue_marker
from layouts.chart_sizes import lettered, level_period_labels
from layouts.commentary import published_block
from layouts.components import GRAPH_CONFIG, data_table, form_field, provenance_text
from loaders.meetings import ACTION_STATUSES

MEETINGS_PATH = "/meetings"
SCREEN_TEMPLATE = "/meeting/<meeting_id>/<screen>"

# The Meetings page
MEETINGS_REPORT = "meetings-report"
EVERY_REPORT = "all"  # the board picker's "All boards and groups"
MEETINGS_LIST = "meetings-list"
MEETINGS_VERSION = "meetings-version"
SCHEDULE_REPORT = "schedule-report"
SCHEDULE_DATE = "schedule-date"
SCHEDULE_TITLE = "schedule-title"
SCHEDULE_SUBMIT = "schedule-submit"
SCHEDULE_STATUS = "schedule-status"
# Meeting mode
MEETING_ROOT = "meeting-mode"
MEETING_PAGER = "meeting-pager"
MEETING_POSITION = "meeting-position"
MEETING_PREVIOUS = "meeting-previous"
MEETING_NEXT = "meeting-next"
MEETING_FULLSCREEN = "meeting-fullscreen"
MEETING_GOTO = "meeting-goto"
MEETING_MESSAGE = "meeting-message"
MEETING_CHART = "meeting-chart"
MEETING_REVISION = "meeting-revision"
MEETING_STATUS = "meeting-status"
MEETING_MARKS = "meeting-chart-marks"
MEETING_VALUE = "meeting-value"
MEETING_READING = "meeting-reading"
MEETING_SUMMARY = "meeting-summary"
MEETING_COMMENTARY = "meeting-commentary"
MEETING_ACTIONS = "meeting-actions"
MEETING_AGENDA = "meeting-agenda"
MEETING_EXCEPTIONS = "meeting-exceptions"
MEETING_JUMP = "meeting-jump"
MEETING_AWAITING = "meeting-awaiting"
MEETING_FIGURES = "meeting-figures"
# The chair's agenda editor, at /meeting/<id>/agenda
EDIT_SCREEN = "agenda"
AGENDA_MEETING = "agenda-meeting"
AGENDA_BODY = "agenda-body"
AGENDA_STATUS = "agenda-status"
AGENDA_ACTION = "agenda-action"  # pattern id: {"type": AGENDA_ACTION, "index": "up:<measure>"}
AGENDA_ADD = "agenda-add"
AGENDA_ADD_CHOICE = "agenda-add-choice"
AGENDA_RESET = "agenda-reset"
AGENDA_LIST = "agenda-list"
AWAITING_TITLE = "Awaiting data"
CHART_TEXT_PX = 18  # projector lettering for the chart (every text of it)

KEY_HELP = (
    "Keys: Right arrow or Page Down for the next screen, Left arrow or Page Up for the previous, "
    "Home for the agenda, End for the last screen; type a screen number and press Enter to jump; "
    "F for full screen."
)


@dataclass(frozen=True)
class AgendaItem:
    measure_id: str
    title: str
    exception: str = ""  # the SPC reading's label when the latest point is a special-cause signal
    summary: str = ""  # the one-line summary (for a measure awaiting data: why)


@dataclass(frozen=True)
class Agenda:
    """A meeting as one user may present it: only the measures they may see, in agenda order."""

    meeting_id: int
    title: str
    meeting_date: date
    body: str  # the board or group that meets
    report_title: str
    audience: str
    items: tuple[AgendaItem, ...]  # one screen each, in agenda order
    awaiting: tuple[AgendaItem, ...] = ()  # no figures yet: one screen lists them all
    editable: bool = False  # the user may change the agenda (chair, OPCC)

    @property
    def screens(self) -> int:
        # the agenda, one screen per measure with figures, then one for those awaiting data
        return len(self.items) + 1 + (1 if self.awaiting else 0)

    def is_awaiting_screen(self, screen: int) -> bool:
        return bool(self.awaiting) and screen == self.screens

    def screen_title(self, screen: int) -> str:
        if screen == 1:
            return "Agenda"
        if self.is_awaiting_screen(screen):
            return AWAITING_TITLE
        return self.items[screen - 2].title


@dataclass(frozen=True)
class EditorRow:
    """A measure on the agenda editor: its place is its position in the list."""

    measure_id: str
    title: str
    exception: bool = False
    awaiting: bool = False


def screen_path(meeting_id: int, screen: int) -> str:
    return f"/meeting/{meeting_id}/{screen}"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _nav_link(text, href: str, **props):
    """An ordinary link that assets/meeting.js follows inside the app (no page reload)."""
    return html.A(text, href=href, **{"data-meeting-nav": "true"}, **props)


def _toolbar(agenda: Agenda, screen: int):
    """One compact control: Previous, "Screen 3 of 12" with a list to jump to any screen, Next."""
    previous = (
        _nav_link(
            "← Previous",
            screen_path(agenda.meeting_id, screen - 1),
            id=MEETING_PREVIOUS,
            className="btn btn-outline-dark",
            rel="prev",
        )
        if screen > 1
        else html.Span(
            "← Previous", className="btn btn-outline-dark disabled", **{"aria-disabled": "true"}
        )
    )
    following = (
        _nav_link(
            "Next →",
            screen_path(agenda.meeting_id, screen + 1),
            id=MEETING_NEXT,
            className="btn btn-dark",
            rel="next",
        )
        if screen < agenda.screens
        else html.Span("Next →", className="btn btn-dark disabled", **{"aria-disabled": "true"})
    )
    return [
        html.Nav(
            [previous, _pager(agenda, screen), following],
            id=MEETING_PAGER,
            className="meeting-pager",
            **{"aria-label": "Meeting screens"},
        ),
        html.Button(
            [
                html.Span("Full screen", className="when-windowed"),
                html.Span("Leave full screen", className="when-fullscreen"),
            ],
            id=MEETING_FULLSCREEN,
            type="button",
            className="btn btn-outline-dark meeting-fullscreen",
            **{"data-meeting-fullscreen": "true"},
        ),
        dcc.Link("All meetings", href=MEETINGS_PATH, className="btn btn-link"),
    ]


def _pager(agenda: Agenda, screen: int):
    """Where we are in words, and a list of every screen by number and title: choosing one goes
    there (assets/meeting.js), so forty screens take no more room than three."""
    options = [
        html.Option(
            f"{number}. {agenda.screen_title(number)}",
            value=screen_path(agenda.meeting_id, number),
            selected=number == screen,
        )
        for number in range(1, agenda.screens + 1)
    ]
    return html.Div(
        [
            html.Span(
                f"Screen {screen} of {agenda.screens}",
                id=MEETING_POSITION,
                className="meeting-position",
            ),
            html.Label("Go to screen", htmlFor=MEETING_JUMP, className="visually-hidden"),
            html.Select(
                options,
                id=MEETING_JUMP,
                className="form-select meeting-jump",
                title="Go to another screen",
                **{"data-meeting-jump": "true"},
            ),
        ],
        className="meeting-where",
    )


def _context(agenda: Agenda) -> str:
    """The meeting's title, then its body and date unless the title already says them."""
    parts = [agenda.title]
    parts += [p for p in (agenda.body, long_date(agenda.meeting_date)) if p not in agenda.title]
    return " · ".join(parts)


def meeting_frame(agenda: Agenda, screen: int, heading: str, body: list):
    """The frame every screen shares: where we are, how to move, then the screen itself."""
    return html.Div(
        [
            html.Div(
                [
                    html.P(_context(agenda), className="meeting-context mb-0"),
                    *_toolbar(agenda, screen),
                ],
                className="meeting-toolbar mb-1",
            ),
            html.P(id=MEETING_GOTO, className="meeting-goto mb-0", role="status"),
            html.Section(
                [html.H1(heading, id="page-heading", tabIndex="-1"), *body],
                className="meeting-screen",
                **{"aria-label": f"Screen {screen} of {agenda.screens}"},
            ),
            html.P(KEY_HELP, className="meeting-keys small mt-3 mb-0"),
        ],
        id=MEETING_ROOT,
        className="meeting-mode",
        **{
            "data-meeting-base": f"/meeting/{agenda.meeting_id}/",
            "data-screen": str(screen),
            "data-screens": str(agenda.screens),
        },
    )


def agenda_screen(agenda: Agenda):
    """Screen 1: the meeting, its exceptions in words, and the agenda as numbered links."""
    exceptions = [item for item in agenda.items if item.exception]
    entries = [
        html.Li(
            [
                _nav_link(item.title, screen_path(agenda.meeting_id, position)),
                html.Strong(f" Exception: {item.exception}.", className="meeting-exception")
                if item.exception
                else None,
            ]
        )
        for position, item in enumerate(agenda.items, start=2)
    ]
    if agenda.awaiting:
        entries.append(
            html.Li(
                _nav_link(
                    f"{AWAITING_TITLE}: {len(agenda.awaiting)} measure"
                    f"{'s' if len(agenda.awaiting) != 1 else ''} with no figures yet",
                    screen_path(agenda.meeting_id, agenda.screens),
                )
            )
        )
    if exceptions:
        exception_block = [
            html.P(
                f"{len(exceptions)} of {len(agenda.items)} measures show a special-cause signal "
                "at their latest point:"
            ),
            html.Ul([html.Li(f"{item.title}: {item.exception}") for item in exceptions]),
        ]
    else:
        exception_block = [
            html.P("No measure on this agenda shows a special-cause signal at its latest point.")
        ]
    editor = (
        html.P(
            dcc.Link(
                "Change the agenda (order, add or remove measures)",
                href=screen_path(agenda.meeting_id, EDIT_SCREEN),
                id="meeting-edit-agenda",
            ),
            className="mb-1",
        )
        if agenda.editable
        else None
    )
    count = (
        f"One measure per screen, screens 2 to {len(agenda.items) + 1}"
        + (f"; screen {agenda.screens} lists those awaiting data." if agenda.awaiting else ".")
        if agenda.items
        else "No measure on this agenda has figures yet."
        if agenda.awaiting
        else "No measures on this agenda."
    )
    body = [
        html.P(
            f"{agenda.report_title}, {long_date(agenda.meeting_date)}. {agenda.audience}",
            className="meeting-lead",
        ),
        html.H2("Exceptions", className="h3"),
        html.Div(exception_block, id=MEETING_EXCEPTIONS),
        html.H2("Agenda", className="h3"),
        html.P(count),
        editor,
        html.Ol(entries, start="2", id=MEETING_AGENDA, className="meeting-agenda"),
    ]
    return meeting_frame(agenda, 1, agenda.title, body)


def awaiting_screen(agenda: Agenda, screen: int):
    """The last screen: every measure on the agenda with no figures yet, on one screen."""
    body = [
        html.P(
            f"{len(agenda.awaiting)} measure{'s' if len(agenda.awaiting) != 1 else ''} on this "
            "agenda have no figures loaded yet, so there is nothing to chart for them:",
            className="meeting-lead",
        ),
        html.Ul(
            [html.Li(html.Strong(item.title)) for item in agenda.awaiting],
            id=MEETING_AWAITING,
            className="meeting-awaiting",
        ),
    ]
    return meeting_frame(agenda, screen, AWAITING_TITLE, body)


def _figures(brief):
    """Above the chart, across the screen: the figure, where and when, its status, its change."""
    texts = brief.texts
    where = ", ".join(t for t in (brief.area_name, texts.get("period", "")) if t)
    # The status in a word or two here; why, below the fold.
    status = (
        [" · ", html.Strong(texts["status"], className="figure-status", id=MEETING_STATUS)]
        if texts.get("status")
        else []
    )
    return html.Div(
        [
            html.P(
                [
                    html.Span(texts.get("value", ""), id=MEETING_VALUE, className="meeting-value"),
                    html.Span([where, *status], className="meeting-label"),
                ],
                className="meeting-headline mb-0",
            ),
            html.P(texts["change"], className="mb-0") if texts.get("change") else None,
        ],
        id=MEETING_FIGURES,
        className="meeting-figures",
    )


def _reading(brief):
    """Under the chart, across the screen: the SPC reading, its heading beside it."""
    texts = brief.texts
    return html.Div(
        [
            html.H2("SPC reading", className="h4"),
            html.P(
                [
                    html.Strong(
                        ("Exception: " if brief.signal else "") + texts.get("spc", "") + ".",
                        className="meeting-exception" if brief.signal else None,
                    ),
                    " " + brief.reading,
                ],
                id=MEETING_READING,
                className="mb-0",
            ),
        ],
        className="meeting-aside meeting-reading",
    )


def _more_figures(brief):
    """Below the fold: the comparison and any revision, which the side panel leaves out."""
    texts = brief.texts
    lines = [
        html.P(
            [html.Strong(texts["status"]), f": {texts.get('status_reason', '')}."],
            className="figure-status mb-1",
        )
        if texts.get("status")
        else None,
        html.P(texts["comparison"], className="mb-1") if texts.get("comparison") else None,
        html.P(texts["revision"], className="revision-note mb-1", id=MEETING_REVISION)
        if texts.get("revision")
        else None,
    ]
    return [line for line in lines if line is not None]


def commentary_block(commentary, period_end: date | None, timezone: str, period_label: str = ""):
    """The commentary as the measure's own panel shows it (layouts/commentary.py): this period's
    published text, or a plain statement that there is none and the newest earlier one."""
    if commentary is not None and commentary.period_end == period_end:
        view, earlier = commentary, None
    else:
        view, earlier = None, commentary
    period_text = period_label or (
        f"the period ending {period_end:%d %b %Y}" if period_end else "this period"
    )
    earlier_text = f"the period ending {earlier.period_end:%d %b %Y}" if earlier else ""
    return html.Div(
        [
            html.H2("Commentary", className="h4"),
            published_block(view, period_text, timezone, earlier, earlier_text),
        ],
        id=MEETING_COMMENTARY,
        className="meeting-aside meeting-commentary",
    )


def actions_block(actions: list, today: date):
    """Open actions by due date; an overdue one says so, and by how long, in words (marked as on
    the action log)."""
    if not actions:
        return html.Div(
            [html.H2("Open actions", className="h4"), html.P("No open actions.")],
            id=MEETING_ACTIONS,
        )
    rows = []
    for action in actions:
        late = (today - action.due_date).days
        status = ACTION_STATUSES.get(action.status, action.status)
        if late > 0:
            status_cell = html.Td(
                [
                    overdue_marker(),
                    f": {late} day{'s' if late != 1 else ''} past its due date ({status})",
                ]
            )
        else:
            status_cell = html.Td(status)
        rows.append(
            html.Tr(
                [
                    html.Th(
                        [
                            action.title,
                            html.Span(f" Prompted by: {action.signal}", className="small d-block")
                            if action.signal
                            else None,
                        ],
                        scope="row",
                    ),
                    html.Td(action.owner),
                    html.Td(long_date(action.due_date)),
                    status_cell,
                ],
                className="action-overdue" if late > 0 else None,
            )
        )
    table = dbc.Table(
        [
            html.Caption(f"Open actions on this measure ({len(actions)})"),
            html.Thead(
                html.Tr(
                    [html.Th(c, scope="col") for c in ("Action", "Owner", "Due date", "Status")]
                )
            ),
            html.Tbody(rows),
        ],
        bordered=True,
        size="sm",
        responsive=True,
        class_name="data-table meeting-actions",
    )
    return html.Div([html.H2("Open actions", className="h4"), table], id=MEETING_ACTIONS)


def measure_screen(agenda: Agenda, screen: int, brief, *, today: date, timezone: str):
    """A measure's screen, laid out to fit a projector without scrolling: the figure in a line
    above the chart, the SPC reading and commentary under it, each across the screen, so the chart
    has the screen's whole width (beside a panel it was little more than half of a 1366-pixel
    screen); the summary, comparison, source, data and open actions follow below the fold.
    assets/meeting.js sizes the chart to the height the window leaves."""
    spec = brief.spec
    commentary = commentary_block(
        brief.commentary,
        brief.period_end,
        timezone,
        brief.presented.period.label if brief.has_figures else "",
    )
    summary = html.P(brief.summary, id=MEETING_SUMMARY, className="chart-summary meeting-summary")
    if not brief.has_figures:
        main = [summary, commentary]
        below = []
    else:
        marks: list[str] = []
        if brief.figure is None:
            chart = html.P(brief.presented.chart_withheld, className="meeting-withheld")
        else:
            # Projector lettering on every text of the chart. Event and break labels, four rows
            # of them above a lockdown-era chart, would leave the plot a sliver on a 768-pixel
            # screen: they are said in one line under the chart instead.
            figure = level_period_labels(lettered(brief.figure, CHART_TEXT_PX))
            marks = [note.text for note in figure.layout.annotations if note.text]
            figure.layout.annotations = ()
            figure.update_layout(autosize=True, height=None, margin={"t": 10, "b": 10})
            if not figure.layout.xaxis.title.text:
                # Plotly keeps a line of room under the axis for an empty title.
                figure.update_xaxes(title_text=None)
            chart = html.Figure(
                [
                    dcc.Graph(
                        id=MEETING_CHART,
                        figure=figure,
                        config=GRAPH_CONFIG,
                        className="meeting-graph",
                        # Inline, as dcc.Graph's own height would win over a class; meeting.js
                        # sets the variable to the height the window leaves for the chart.
                        style={"height": "var(--meeting-chart-height, 55vh)", "minHeight": "260px"},
                    ),
                    html.Figcaption(
                        f"SPC chart: {spec.title}, {brief.area_name}. Its summary and the "
                        "figures behind it are below.",
                        className="visually-hidden",
                    ),
                ],
                className="meeting-chart mb-1",
                # On paper it stands beside the figure again, in 7 of 12 columns (print.css).
                **{"data-print-columns": "7"},
            )
        main = [
            html.Div(
                [_figures(brief), chart, _reading(brief), commentary],
                className="meeting-fit",
            )
        ]
        below = [
            html.P(
                "Marked on the chart (shaded periods and dashed lines): " + "; ".join(marks) + ".",
                className="meeting-chart-marks",
                id=MEETING_MARKS,
            )
            if marks
            else None,
            summary,
            *_more_figures(brief),
            html.Details(
                [
                    html.Summary("Show the data behind this chart"),
                    data_table(
                        brief.table,
                        f"{spec.title}, {brief.area_name}: values, mean, process limits and signals",
                    ),
                ],
                className="meeting-data mb-2",
            )
            if brief.figure is not None
            else None,
        ]
    source = (
        html.Div(
            provenance_text(brief.provenance, timezone, brief.texts.get("period", "")),
            className="small meeting-source mb-2",
        )
        if brief.provenance is not None and brief.has_figures
        else None
    )
    body = [
        *main,
        html.Div(
            [*below, source, actions_block(brief.actions, today)],
            className="meeting-below mt-3",
        ),
    ]
    return meeting_frame(agenda, screen, spec.title, body)


def meeting_message(heading: str, text: str, links: list[tuple[str, str]] | None = None):
    """A screen that cannot be shown: a heading, one sentence, and where to go. No data."""
    return html.Div(
        [
            html.H1(heading, id="page-heading"),
            dbc.Alert(text, color="secondary"),
            html.Ul([html.Li(dcc.Link(label, href=href)) for label, href in links or []])
            if links
            else None,
        ],
        id=MEETING_MESSAGE,
    )


# --- The chair's agenda editor --------------------------------------------------------------------


def _agenda_button(text: str, action: str, row: EditorRow, position: int, last: int, **props):
    disabled = (action == "up" and position == 1) or (action == "down" and position == last)
    return dbc.Button(
        [text, html.Span(f" {row.title}", className="visually-hidden")],
        id={"type": AGENDA_ACTION, "index": f"{action}:{row.measure_id}"},
        color="secondary" if action != "remove" else "danger",
        outline=True,
        size="sm",
        disabled=disabled,
        className="me-1",
        **props,
    )


def agenda_editor_body(rows: list[EditorRow], addable: list[tuple[str, str]], saved) -> list:
    """The agenda in order with Up, Down and Remove for each measure, then Add. Ordinary buttons:
    Tab reaches each and Enter or Space presses it; every change is saved at once."""
    last = len(rows)
    items = [
        html.Li(
            [
                html.Span(
                    [
                        html.Span(f"Screen {position + 1}: ", className="visually-hidden"),
                        row.title,
                        html.Em(" (exception)") if row.exception else None,
                        html.Em(f" ({AWAITING_TITLE.lower()})") if row.awaiting else None,
                    ],
                    className="agenda-title",
                ),
                html.Span(
                    [
                        _agenda_button("Up", "up", row, position, last),
                        _agenda_button("Down", "down", row, position, last),
                        _agenda_button("Remove", "remove", row, position, last),
                    ],
                    className="agenda-buttons",
                ),
            ],
            className="agenda-row",
            id=f"agenda-row-{row.measure_id}",
        )
        for position, row in enumerate(rows, start=1)
    ]
    order = (
        "This meeting's own order, saved by its chair or the OPCC."
        if saved is not None
        else "The default order: exceptions first, then headline measures, then the rest."
    )
    add = (
        dbc.Row(
            [
                dbc.Col(
                    form_field(
                        "Add a measure of this report",
                        dbc.Select(
                            id=AGENDA_ADD_CHOICE,
                            options=[{"label": title, "value": m} for m, title in addable],
                            value=addable[0][0],
                        ),
                        AGENDA_ADD_CHOICE,
                    ),
                    md=8,
                ),
                dbc.Col(
                    dbc.Button("Add to the agenda", id=AGENDA_ADD, color="primary"),
                    md=4,
                    className="d-flex align-items-end mb-3",
                ),
            ]
        )
        if addable
        else html.Div(
            [
                html.P("Every measure of this report you may see is on the agenda."),
                # Kept (hidden) so the editor's callback always has its inputs.
                dbc.Select(id=AGENDA_ADD_CHOICE, options=[], className="d-none"),
                html.Button(id=AGENDA_ADD, className="d-none", hidden=True),
            ]
        )
    )
    return [
        html.P(order, id="agenda-order-kind"),
        html.Ol(items, id=AGENDA_LIST, className="agenda-editor-list")
        if items
        else html.P("No measures are on the agenda.", id=AGENDA_LIST),
        add,
    ]


def agenda_editor(meeting_id: int, title: str, body: list):
    """Choose and order a meeting's screens: the agenda screen, then one per measure as listed."""
    return html.Div(
        [
            html.H1(f"Agenda: {title}", id="page-heading"),
            html.P(
                "Choose the measures this meeting looks at and their order. Measures with no "
                "figures yet share one “Awaiting data” screen at the end. Changes are saved as "
                "you make them."
            ),
            dcc.Store(id=AGENDA_MEETING, data=meeting_id),
            html.Div(id=AGENDA_STATUS, role="status", className="mb-2"),
            html.Div(body, id=AGENDA_BODY),
            html.Div(
                [
                    dbc.Button(
                        "Restore the default order",
                        id=AGENDA_RESET,
                        color="secondary",
                        outline=True,
                        className="me-2",
                    ),
                    dcc.Link(
                        "Present the meeting",
                        href=screen_path(meeting_id, 1),
                        className="btn btn-dark",
                        id="agenda-present",
                    ),
                ],
                className="mt-3",
            ),
        ],
        id="agenda-editor",
    )


# --- The Meetings page ---------------------------------------------------------------------------


def meetings_page(
    report_options: list[dict], selected: str, schedule_options: list[dict], today: date
):
    """Choose a board or group and present one of its meetings; schedule one if allowed."""
    finder = dbc.Card(
        dbc.CardBody(
            [
                html.H2("Present a meeting", className="h4"),
                form_field(
                    "Board or group",
                    dbc.Select(
                        id=MEETINGS_REPORT,
                        options=[
                            {"label": "All boards and groups", "value": EVERY_REPORT},
                            *report_options,
                        ],
                        value=selected,
                    ),
                    MEETINGS_REPORT,
                ),
                dcc.Loading(html.Div(id=MEETINGS_LIST, **{"aria-live": "polite"})),
            ]
        ),
        class_name="mb-4",
    )
    schedule = _schedule_form(schedule_options, selected, today) if schedule_options else None
    return html.Div(
        [
            html.H1("Meetings", id="page-heading"),
            html.P(
                "Choose a board or group, then present one of its meetings on screen: the agenda "
                "first, then one measure per screen with its chart, SPC reading, commentary and "
                "open actions. Each screen has its own link to share."
            ),
            dcc.Store(id=MEETINGS_VERSION, data=0),
            finder,
            schedule,
        ]
    )


def _field(label: str, control, width: int):
    return dbc.Col(form_field(label, control, control.id), md=width)


def _schedule_form(options: list[dict], selected: str, today: date):
    """For those who may schedule: which board (the one being browsed, if theirs), when, title."""
    chosen = selected if any(o["value"] == selected for o in options) else options[0]["value"]
    fields = [
        _field("Board or group", dbc.Select(id=SCHEDULE_REPORT, options=options, value=chosen), 4),
        _field(
            "Meeting date",
            dbc.Input(id=SCHEDULE_DATE, type="date", value=today.isoformat(), required=True),
            3,
        ),
        _field(
            "Title (optional)",
            dbc.Input(
                id=SCHEDULE_TITLE,
                type="text",
                maxLength=200,
                placeholder="The board's name and the date",
            ),
            5,
        ),
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Schedule a meeting", className="h4"),
                dbc.Row(fields),
                dbc.Button("Schedule meeting", id=SCHEDULE_SUBMIT, color="primary"),
                html.Div(id=SCHEDULE_STATUS, className="mt-3", role="status"),
            ]
        ),
        class_name="mb-4",
    )


def meetings_table(rows: list[tuple]):
    """(meeting, report, screens) rows, newest first, each with a link to present it."""
    if not rows:
        return html.P("No meetings are scheduled for this board or group yet.", id="no-meetings")
    body = []
    for meeting, report, screens in rows:
        body.append(
            html.Tr(
                [
                    html.Td(long_date(meeting.meeting_date)),
                    html.Th(meeting.title, scope="row"),
                    html.Td(report.meeting),
                    html.Td(str(screens)),
                    html.Td(
                        dcc.Link(
                            [
                                "Present",
                                html.Span(f" {meeting.title}", className="visually-hidden"),
                            ],
                            href=screen_path(meeting.id, 1),
                            id=f"present-{meeting.id}",
                        )
                    ),
                ]
            )
        )
    return dbc.Table(
        [
            html.Caption("Meetings, newest first"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(c, scope="col")
                        for c in ("Date", "Meeting", "Board or group", "Screens", "Present")
                    ]
                )
            ),
            html.Tbody(body),
        ],
        striped=True,
        size="sm",
        responsive=True,
        class_name="data-table",
        id="meetings-table",
    )
