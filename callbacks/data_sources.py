"""The Data sources page for every signed-in user: cadence, last load and whether data is overdue.

Every dataset is listed (the catalogue is no secret), but load details are shown only for
datasets the user may see.
"""

from __future__ import annotations

from dataclasses import replace

import dash
from dash.exceptions import PreventUpdate

from callbacks.context import services
from callbacks.permissions import can_view_dataset, current_user
from layouts import data_sources as layout
from layouts.components import not_authorised
from loaders import ledger, queries, release_checks, sharing, staleness
from loaders.datasets import DATASETS
from loaders.refresh import london_today


def source_rows(user) -> list[layout.SourceRow]:
    settings = services().settings
    rows = []
    today = london_today(settings.timezone)
    with services().session_factory() as session:
        states = staleness.freshness_all(session, grace_days=settings.stale_grace_days)
        registered = sharing.register_classifications(session)
        notes = ledger.latest_notes(session)
        held = {r.dataset_id: r.vintage_id for r in release_checks.held_releases(session)}
        for spec in DATASETS.values():
            prov = queries.provenance(session, spec.id)
            row = layout.SourceRow(
                dataset_id=spec.id,
                title=prov.title,
                publisher=prov.publisher,
                publication_url=prov.publication_url,
                cadence=spec.cadence,
                classification=registered.get(spec.id, spec.classification),
                visible=can_view_dataset(user, spec.id),
                partner_return=spec.submission,
            )
            if row.visible:
                state = states[spec.id]
                # Stale first by the period the figures describe, then by a failing refresh.
                age = staleness.dataset_age(spec, prov.period_latest, today)
                stale, reason = state.stale, state.reason
                if age is not None and age.stale:
                    stale, reason = True, f"Stale, {age.months_old} months old: {age.reason}"
                row = replace(
                    row,
                    last_success_at=state.last_success_at,
                    loaded_at=prov.loaded_at,
                    period_latest=prov.period_latest,
                    is_demo=prov.is_demo,
                    stale=stale,
                    stale_reason=reason,
                    expected_by=state.expected_by,
                    notes=notes.get(spec.id, ()),
                    held_vintage=held.get(spec.id),
                )
            rows.append(row)
    return rows


def data_sources_page(**_query):
    """Built per request, so it always shows the ledger as it is now."""
    try:
        user = current_user()
    except PreventUpdate:
        return not_authorised()
    return layout.data_sources_page(source_rows(user), services().settings.timezone)


def register(app: dash.Dash) -> None:
    dash.register_page(
        "data_sources",
        path=layout.PATH,
        name="Data sources",
        title="Data sources – LCJP Performance Board",
        order=90,
        layout=data_sources_page,
        roles=("*",),
    )
