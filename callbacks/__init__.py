"""Callback wiring, registered per app inside create_app (never on Dash's global list)."""

from __future__ import annotations

import dash


def register_callbacks(app: dash.Dash) -> None:
    from callbacks import effectiveness, events_admin, police, subgroup

    effectiveness.register(app)
    police.register(app)
    events_admin.register(app)
    subgroup.register(app)
