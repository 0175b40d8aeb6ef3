"""Work out every audience cut's figures once, in the scheduler, after each refresh.

An audience cut is what decides the figures a user is shown: which rows of each measure they may
see and whether small numbers are withheld from them. For one active user of each distinct cut,
this signs them in inside a request context of the app (no browser) and asks the same functions
the pages ask (callbacks/presenting.py): each measure's view, and its presented figure (value,
SPC, table, ranking) for every area a page shows it for, in both board periods, then what each
page's callbacks draw as it opens (callbacks/rendered.py). Everything lands
in the shared figure store, so web workers on every host only read. Anything else a user asks
for later (another area, a drill-down) is built once on first ask, under the store's lock.
"""

from __future__ import annotations

import logging
import time

import flask
import flask_login
import sqlalchemy as sa
from dash.exceptions import PreventUpdate

from config import Settings

log = logging.getLogger(__name__)

BUILDER_ROLE = "scheduler"


def _active_users(server: flask.Flask) -> list:
    from loaders.models import User

    factory = server.extensions["lcjp"].session_factory
    with factory() as session:
        return list(session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.id)))


def _signed_in(server: flask.Flask, user):
    context = server.test_request_context("/_dash-update-component", method="POST")
    context.push()
    flask_login.login_user(user)
    return context


def audience_cuts(server: flask.Flask, users=None) -> list:
    """One user per distinct cut: the same reach for every measure and the same audience."""
    from callbacks import data, permissions, presenting
    from loaders.measures import MEASURES

    cuts: dict = {}
    for user in _active_users(server) if users is None else users:
        context = _signed_in(server, user)
        try:
            rights = permissions.rights_of(user)
            if rights.role not in permissions.ROLE_CLASSIFICATIONS:
                continue
            reach = tuple(
                data._reach_key(m) if permissions.can_view_measure(user, m) else None
                for m in MEASURES
            )
            cuts.setdefault((presenting.audience_of(user).key, reach), user)
        finally:
            context.pop()
    return list(cuts.values())


def build_for(server: flask.Flask, user) -> int:
    """Every figure a page shows this user; how many presented figures that is. One request
    context per measure, as pages have, so what one measure needed is let go before the next."""
    from callbacks import data, permissions, presenting
    from loaders.measures import MEASURES

    count = 0
    for spec in MEASURES.values():
        context = _signed_in(server, user)
        try:
            if not permissions.can_view_measure(user, spec.id):
                continue
            view = data.measure_view(spec, presenting.plan())
            codes = [None]  # a measure with nothing loaded yet still has its "no figures" figure
            if not view.totals.empty:
                codes += presenting.headline_codes(view)
                codes += [c for c in view.focus_codes if c in view.headlines and c not in codes]
            all_events = presenting.timeline_events()
            for code in codes:
                for period in presenting.BOARD_PERIODS:
                    presenting.presented_figure(spec.id, code, period, all_events=all_events)
                    count += 1
        finally:
            context.pop()
    context = _signed_in(server, user)
    try:
        data.populations()
        data.map_outlines()
    finally:
        context.pop()
    render_pages(server, user)
    return count


def page_outputs() -> list[tuple[str, tuple]]:
    """(stored callback, inputs) for what pages draw as they open: the board, each subgroup
    page's tiles and table, the E&E page and the partnership courts' pages."""
    from callbacks.courts import NATIONAL, partnership_courts
    from loaders.measures import SUBGROUPS
    from presented.forecast import DEFAULT_HORIZON

    horizon = str(DEFAULT_HORIZON)
    outputs = [("overview", ({},))]
    for subgroup_id in SUBGROUPS:
        outputs += [(name, ({"subgroup": subgroup_id},)) for name in ("tiles", "measure_table")]
    outputs += [(name, ({},)) for name in ("ee_trend", "ee_courts", "court_block", "court_trends")]
    outputs.append(("ee_forecast", (NATIONAL, horizon, "")))
    for code, _name in partnership_courts():
        outputs += [
            ("court_page", ({"court": code},)),
            ("court_comparisons", (None, {"court": code})),
            ("court_forecast", (None, {"court": code}, horizon, "")),
        ]
    return outputs


def render_pages(server: flask.Flask, user) -> int:
    """Each page callback's output for this user's cut (callbacks/rendered.py), one request
    context each as pages have; what they may not see is refused and stores nothing. How many
    were asked."""
    from callbacks import rendered

    context = _signed_in(server, user)
    try:
        wanted = page_outputs()
    finally:
        context.pop()
    for name, inputs in wanted:
        callback = rendered.STORED.get(name)
        if callback is None:
            continue
        context = _signed_in(server, user)
        try:
            callback(*inputs)
        except PreventUpdate:  # nothing of this page for this user
            pass
        finally:
            context.pop()
    return len(wanted)


def build_figures(server: flask.Flask, users=None) -> dict:
    """Build every cut's figures for the current vintages, then drop older vintages' entries."""
    from callbacks import data
    from loaders.figure_store import vintage_fingerprint

    started = time.perf_counter()
    store = server.extensions["lcjp"].figure_store
    role, store.role = store.role, BUILDER_ROLE
    try:
        cuts = audience_cuts(server, users)
        figures = sum(build_for(server, user) for user in cuts)
    finally:  # a server that also serves pages (tests, the in-app scheduler) builds as the web
        store.role = role
    with server.app_context():
        vintage = vintage_fingerprint(data.current_vintages())
    dropped = store.purge(keep=vintage)
    seconds = time.perf_counter() - started
    log.info(
        "figures built for vintage %s: %d audience cuts, %d figures, %d old entries dropped "
        "(%.1fs)",
        vintage,
        len(cuts),
        figures,
        dropped,
        seconds,
    )
    return {"vintage": vintage, "cuts": len(cuts), "figures": figures, "seconds": seconds}


def build_in_scheduler(settings: Settings) -> dict | None:
    """The scheduler's build: on an app of its own (never refreshing, never serving)."""
    from scheduler.alerts import alerts_server

    try:
        return build_figures(alerts_server(settings))
    except Exception:  # the refresh stands; pages build what they need on first ask
        log.exception("building the figures failed")
        return None
