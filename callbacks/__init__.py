"""Callback wiring, registered per app inside create_app (never on Dash's global list)."""

from __future__ import annotations

import dash


def register_callbacks(app: dash.Dash) -> None:
    from callbacks import effectiveness, events_admin, police, subgroup, submissions

    effectiveness.register(app)
    from callbacks import courts

    courts.register(app)
    police.register(app)
    events_admin.register(app)
    submissions.register(app)

    from callbacks import admin, data_sources

    admin.register(app)
    data_sources.register(app)

    from callbacks import admin_audit, admin_users

    admin_users.register(app)
    admin_audit.register(app)
    from callbacks import admin_sharing

    admin_sharing.register(app)
    from callbacks import force_page

    force_page.register(app)
    subgroup.register(app)
    from callbacks import pages

    pages.register_parts(app)
    from callbacks import action_log, commentary

    commentary.register(app)
    action_log.register(app)
    from callbacks import packs_page

    packs_page.register(app)
    from callbacks import meeting_mode

    meeting_mode.register(app)
    from callbacks import notifications_page

    notifications_page.register(app)
