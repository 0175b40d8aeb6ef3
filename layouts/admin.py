"""The administrators' refresh page: the ledger per dataset, its history, and "Refresh now"."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from presented.words import local_time

PATH = "/admin/refresh"
FAST_POLL_MS = 1500  # while a refresh runs, so its progress is visible
IDLE_POLL_MS = 15000  # otherwise, so a scheduled run started elsewhere still shows up

STATUS_WORDS = {
    "success": "Loaded",
    "success with warnings": "Loaded, with warnings",
    "held for review": "Held for review",
    "kept as history": "Older release: kept as history",
    "unchanged": "Unchanged",
    "failed": "Failed",
    "running": "Running",
    "never run": "Never run",
}


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def status_badge(status: str):
    """The status in words, with colour only as a second cue."""
    colour = {
        "failed": "danger",
        "running": "info",
        "success": "success",
        "success with warnings": "warning",
        "held for review": "warning",
    }.get(status, "secondary")
    text_colour = "dark" if colour == "warning" else None
    return dbc.Badge(
        STATUS_WORDS.get(status, status),
        color=colour,
        text_color=text_colour,
        class_name="text-wrap",
    )


def notes_list(notes, *, open_: bool = False):
    """A run's loader notes, warnings first, each saying in words whether it is a warning."""
    if not notes:
        return None
    warnings = [n for n in notes if n.get("level") == "warning"]
    others = [n for n in notes if n.get("level") != "warning"]
    parts = []
    if warnings:
        parts.append(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}")
    if others:
        parts.append(f"{len(others)} note{'s' if len(others) != 1 else ''}")
    return html.Details(
        [
            html.Summary(", ".join(parts), className="small"),
            html.Ul(
                [
                    html.Li(
                        [html.Strong("⚠ Warning: "), n["text"]]
                        if n.get("level") == "warning"
                        else ["Note: ", n["text"]],
                        className="small text-break",
                    )
                    for n in [*warnings, *others]
                ],
                className="mb-0 ps-3",
            ),
        ],
        open=open_,
    )


def held_panel(held, timezone: str):
    """Releases held for review: why, and buttons to approve or reject each."""
    if not held:
        return html.P("No release is waiting for review.", className="mb-0")
    items = []
    for release in held:
        reasons = release.reasons or ["(no reason recorded)"]
        items.append(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H3(
                            f"{release.title}: vintage {release.vintage_id}",
                            className="h6",
                        ),
                        html.P(
                            f"Loaded {local_time(release.loaded_at, timezone)}; "
                            f"{release.rows:,} figures"
                            + (
                                f"; release {release.release_date:%d %B %Y}"
                                if release.release_date
                                else ""
                            )
                            + (
                                f". Vintage {release.current_id} stays current meanwhile."
                                if release.current_id
                                else "."
                            ),
                            className="small mb-1",
                        ),
                        html.P(reasons[0], className="small mb-1"),
                        html.Ul(
                            [html.Li(r, className="small") for r in reasons[1:]],
                            className="mb-2",
                        ),
                        dbc.Button(
                            f"Approve vintage {release.vintage_id}: make it current",
                            id={"type": ids.ADMIN_APPROVE, "vintage": release.vintage_id},
                            color="primary",
                            size="sm",
                            class_name="me-2",
                        ),
                        dbc.Button(
                            f"Reject vintage {release.vintage_id}",
                            id={"type": ids.ADMIN_REJECT, "vintage": release.vintage_id},
                            color="secondary",
                            size="sm",
                        ),
                    ]
                ),
                class_name="mb-2",
                id=f"held-{release.vintage_id}",
            )
        )
    return html.Div(items)


def refresh_page(datasets: list[tuple[str, str]]):
    """Skeleton of the page; callbacks fill the ledger and poll it while a refresh runs."""
    return html.Div(
        [
            html.H1("Data refresh", id=ids.PAGE_HEADING),
            html.P(
                [
                    "Every attempt to load a dataset is recorded here. A failed refresh keeps the "
                    "last good data on every page; the reason is shown in plain words. Scheduled "
                    "refreshes, and the refreshes you ask for here, run in the scheduler process ",
                    html.Code("python -m scheduler"),
                    ", never in the web server.",
                ]
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2("Refresh now", className="h5"),
                        dbc.Row(
                            [
                                dbc.Col(
                                    [
                                        dbc.Label("Dataset", html_for=ids.ADMIN_DATASET_PICKER),
                                        dbc.Select(
                                            id=ids.ADMIN_DATASET_PICKER,
                                            options=[
                                                {"label": title, "value": dataset_id}
                                                for dataset_id, title in datasets
                                            ],
                                            value=datasets[0][0] if datasets else None,
                                        ),
                                    ],
                                    md=6,
                                ),
                                dbc.Col(
                                    [
                                        dbc.Button(
                                            "Refresh this dataset now",
                                            id=ids.ADMIN_REFRESH_ONE,
                                            color="primary",
                                            class_name="me-2",
                                        ),
                                        dbc.Button(
                                            "Refresh all datasets now",
                                            id=ids.ADMIN_REFRESH_ALL,
                                            color="secondary",
                                        ),
                                    ],
                                    md=6,
                                    class_name="d-flex align-items-end mt-2 mt-md-0",
                                ),
                            ]
                        ),
                        html.P(id=ids.ADMIN_MESSAGE, className="mt-3 mb-0", role="status"),
                        html.Div(
                            id=ids.ADMIN_PROGRESS, className="mt-2", **{"aria-live": "polite"}
                        ),
                        html.Div(id=ids.ADMIN_REQUESTS, className="mt-3"),
                    ]
                ),
                class_name="mb-4",
            ),
            dcc.Interval(id=ids.ADMIN_POLL, interval=FAST_POLL_MS),
            html.H2("Releases held for review", className="h4"),
            html.P(
                "A new load whose earlier periods fell sharply or disappeared, compared with the "
                "figures on screen, is kept but not shown until you decide. Every decision is "
                "recorded in the audit log.",
                className="small",
            ),
            html.P(id=ids.ADMIN_HELD_MESSAGE, role="status", className="small"),
            html.Div(id=ids.ADMIN_HELD, className="mb-4"),
            html.H2("Datasets", className="h4"),
            html.Div(id=ids.ADMIN_LEDGER),
            html.H2("Recent runs", className="h4 mt-4"),
            html.Div(id=ids.ADMIN_HISTORY),
        ]
    )


def ledger_table(rows, timezone: str):
    """Per dataset: status, last run, last success, rows, duration, next due, error, source."""
    header = html.Thead(
        html.Tr(
            [
                html.Th(name, scope="col")
                for name in (
                    "Dataset",
                    "Status",
                    "Last run",
                    "Last success",
                    "Rows",
                    "Duration",
                    "Next due",
                    "Error",
                )
            ]
        )
    )
    body = []
    for row in rows:
        status = [status_badge(row.status)]
        if row.running and row.stage:
            status.append(html.Span(f" {row.stage}", className="small"))
        if not row.running:
            status.append(notes_list(row.notes))
        body.append(
            html.Tr(
                [
                    html.Th(
                        [
                            row.title,
                            html.Div(
                                f"{row.dataset_id} · {row.schedule} · {row.source}",
                                className="small text-body-secondary text-break",
                            ),
                        ],
                        scope="row",
                    ),
                    html.Td(status),
                    html.Td(
                        [
                            local_time(row.last_run_at, timezone),
                            html.Div(
                                row.last_run_trigger
                                + (f" by {row.requested_by}" if row.requested_by else ""),
                                className="small text-body-secondary",
                            ),
                        ]
                    ),
                    html.Td(local_time(row.last_success_at, timezone)),
                    html.Td("–" if row.rows is None else f"{row.rows:,}"),
                    html.Td(duration_text(row.seconds)),
                    html.Td(local_time(row.next_due, timezone) if row.next_due else "–"),
                    html.Td(row.error or "–", className="text-break"),
                ],
                id=f"ledger-{row.dataset_id}",
            )
        )
    return dbc.Table(
        [html.Caption("Refresh state of each dataset"), header, html.Tbody(body)],
        striped=True,
        size="sm",
        responsive=True,
        class_name="data-table",
    )


def history_table(runs, titles: dict[str, str], timezone: str):
    header = html.Thead(
        html.Tr(
            [
                html.Th(name, scope="col")
                for name in ("Started", "Dataset", "Trigger", "Status", "Rows", "Duration", "Error")
            ]
        )
    )
    body = [
        html.Tr(
            [
                html.Th(local_time(run.started_at, timezone), scope="row"),
                html.Td(titles.get(run.dataset_id, run.dataset_id)),
                html.Td(run.trigger + (f" by {run.requested_by}" if run.requested_by else "")),
                html.Td([status_badge(run.status), notes_list(run.notes)]),
                html.Td(f"{run.rows:,}"),
                html.Td(duration_text(run.seconds)),
                html.Td(run.error or "–", className="text-break"),
            ]
        )
        for run in runs
    ]
    if not body:
        return html.P("No refresh has run yet.")
    return dbc.Table(
        [html.Caption("The 20 most recent refresh runs"), header, html.Tbody(body)],
        striped=True,
        size="sm",
        responsive=True,
        class_name="data-table",
    )


REQUEST_WORDS = {
    "queued": "Waiting for the scheduler",
    "running": "Running",
    "done": "Done",
    "failed": "Failed",
}


def scheduler_notice(alive: bool, last_beat, waiting: int, timezone: str):
    """Whether a scheduler process is there to run the queue, in plain words."""
    if alive:
        _worker, seen = last_beat
        return html.P(
            f"The scheduler is running (last seen {local_time(seen, timezone)}).",
            className="small text-body-secondary mb-2",
            id="scheduler-status",
        )
    seen = (
        f" The last scheduler was seen {local_time(last_beat[1], timezone)}."
        if last_beat
        else " No scheduler has ever run against this database."
    )
    waits = (
        f" {waiting} request{'s' if waiting != 1 else ''} will wait until one starts."
        if waiting
        else ""
    )
    return dbc.Alert(
        [
            html.Strong("⚠ No scheduler is running: "),
            "start ",
            html.Code("python -m scheduler"),
            " (or run ",
            html.Code("python -m scheduler --once"),
            ")." + seen + waits,
        ],
        color="warning",
        class_name="small mb-2",
        id="scheduler-status",
    )


def requests_panel(requests, titles: dict[str, str], timezone: str, notice):
    """Queued, running and recent "Refresh now" requests, each with who asked and what happened."""
    if not requests:
        return html.Div([notice, html.P("No refresh has been asked for yet.", className="small")])
    rows = []
    for request in requests:
        names = (
            "every dataset"
            if len(request.dataset_ids) > 1 and set(request.dataset_ids) >= set(titles)
            else ", ".join(titles.get(d, d) for d in request.dataset_ids)
        )
        rows.append(
            html.Tr(
                [
                    html.Th(local_time(request.requested_at, timezone), scope="row"),
                    html.Td(names),
                    html.Td(request.requested_by),
                    html.Td(
                        REQUEST_WORDS.get(request.status, request.status)
                        + (
                            f" since {local_time(request.started_at, timezone)}"
                            if request.status == "running"
                            else ""
                        )
                    ),
                    html.Td(request.message or "–", className="text-break small"),
                ],
                id=f"request-{request.id}",
            )
        )
    header = html.Thead(
        html.Tr(
            [html.Th(name, scope="col") for name in ("Asked", "Datasets", "By", "State", "Outcome")]
        )
    )
    return html.Div(
        [
            notice,
            dbc.Table(
                [
                    html.Caption("Refresh requests: waiting, running and recent"),
                    header,
                    html.Tbody(rows),
                ],
                striped=True,
                size="sm",
                responsive=True,
                class_name="data-table mb-0",
            ),
        ]
    )


def progress_panel(rows):
    """While refreshes run: which dataset, what stage, for how long."""
    running = [row for row in rows if row.running]
    if not running:
        return None
    return html.Ul(
        [
            html.Li(
                [
                    dbc.Spinner(size="sm", spinner_class_name="me-2", color="primary"),
                    f"Refreshing {row.title}: {row.stage or 'started'} "
                    f"({duration_text(row.seconds)} so far)",
                ]
            )
            for row in running
        ],
        className="list-unstyled mb-0",
        id="admin-running",
    )


def failure_badge(failures: list[tuple[str, str]], held: int = 0):
    """Shown to administrators in the navigation bar on every page while any refresh has failed
    or any release waits for review."""
    badges = []
    if failures:
        count = len(failures)
        names = ", ".join(dataset_id for dataset_id, _error in failures)
        badges.append(
            dcc.Link(
                dbc.Badge(
                    f"⚠ {count} refresh{'es' if count > 1 else ''} failed",
                    color="danger",
                    class_name="me-3",
                ),
                href=PATH,
                title=f"Failed: {names}. Open the refresh page.",
                id="refresh-failure-badge",
            )
        )
    if held:
        badges.append(
            dcc.Link(
                dbc.Badge(
                    f"⚠ {held} release{'s' if held > 1 else ''} held for review",
                    color="warning",
                    text_color="dark",
                    class_name="me-3",
                ),
                href=PATH,
                title="A new load waits for an administrator. Open the refresh page.",
                id="refresh-held-badge",
            )
        )
    if not badges:
        return None
    return badges[0] if len(badges) == 1 else html.Span(badges)
