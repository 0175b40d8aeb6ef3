"""Server-side rights checks that every page, callback and download calls before returning data.

The rules live in loaders/access.py (pure, testable without a request); this module applies them
to the signed-in user, whose rights are read from the database once per request, so a revoked
right or a disabled account takes effect on the very next request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import flask
import flask_login
import pandas as pd
from dash.exceptions import PreventUpdate

from callbacks import request_state
from callbacks.context import services
from loaders import access
from loaders.access import NO_RIGHTS, ROLES, Rights
from loaders.audit import audit
from loaders.datasets import DATASETS
from loaders.measures import MEASURES

# The widest reach of each role, for reference; force-restricted figures for a chair, member or
# viewer are further limited to their own force (loaders/access.py decides, row by row).
ROLE_CLASSIFICATIONS = {
    "admin": {"public", "partnership", "force_restricted"},
    "analyst": {"public", "partnership", "force_restricted"},
    "chair": {"public", "partnership", "force_restricted"},
    "member": {"public", "partnership", "force_restricted"},
    "viewer": {"public", "partnership", "force_restricted"},
}


class NotAuthorised(PermissionError):
    """The signed-in user may not see the data a request asked for."""


def signed_in_user():
    """The signed-in user, or None: for page layouts, which answer an anonymous render with
    nothing rather than stopping the routing callback."""
    user = flask_login.current_user
    return user if getattr(user, "is_authenticated", False) else None


def current_user():
    """The signed-in user; a request without one never reaches data."""
    user = flask_login.current_user
    if not user or not user.is_authenticated:
        raise PreventUpdate
    return user


def rights_of(user) -> Rights:
    """The user's rights as stored now, read once per request (with the session check's user and
    the request's one read of the register); a dataset the register shares with them reaches them
    for the configured partnership's forces only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NO_RIGHTS
    user_id = getattr(user, "id", None)
    cache = flask.g.setdefault("lcjp_rights", {})
    if user_id not in cache:
        lcjp = services().settings.lcjp
        partnership = (lcjp["code"], *lcjp.get("forces", ()))
        loaded = flask.g.get("lcjp_loaded_user")
        if loaded is not None and loaded[0].id == user_id:
            # Signed in by this request's session check, which read the user and organisation
            # (callbacks/auth.py): only a chair's or member's grants are left to read. Kept by
            # the worker while no user, grant, organisation or register entry is written.
            account, organisation = loaded

            def work_out() -> Rights:
                grants = frozenset()
                if account.role in access.SUBGROUP_ROLES:
                    with services().session_factory() as session:
                        grants = access.subgroup_grants(session, account)
                return access.rights_from(
                    account, organisation, grants, request_state.register(), partnership
                )

            cache[user_id] = request_state.kept(
                ("rights", user_id), ("sessions", "datasets"), work_out
            )
        else:
            with services().session_factory() as session:
                cache[user_id] = access.rights_for(session, user_id, partnership)
    return cache[user_id]


def current_rights() -> Rights:
    return rights_of(current_user())


def area_forces() -> dict[str, str | None]:
    """Area code → its force area code, read once per request (only force-restricted data asks)."""

    def load():
        with services().session_factory() as session:
            return access.area_force_map(session)

    return request_state.kept("area_forces", ("datasets",), load)


def can_view_dataset(user, dataset_id: str, area_code: str | None = None) -> bool:
    """Any of the dataset's figures (no area), or its figures for one area."""
    rights = rights_of(user)
    forces = area_forces() if area_code is not None else None
    return access.can_view_dataset(rights, dataset_id, area_code, forces)


def can_view_subgroup(user, subgroup_id: str) -> bool:
    return access.can_view_subgroup(rights_of(user), subgroup_id)


def can_view_measure(user, measure_id: str) -> bool:
    return access.can_view_measure(rights_of(user), measure_id)


def can_comment(user, measure_id: str) -> bool:
    """May this user write commentary on (and raise or update actions for) this measure?"""
    return access.can_comment(rights_of(user), measure_id)


def require_comment(measure_id: str):
    """Return the user if they may write on this measure, otherwise NotAuthorised."""
    user = current_user()
    if not can_comment(user, measure_id):
        raise NotAuthorised(f"may not write on measure {measure_id}")
    return user


def can_submit(user, dataset_id: str, area_code: str | None = None) -> bool:
    """May this user upload or replace the dataset's figures (for this area, if given)?"""
    rights = rights_of(user)
    forces = area_forces() if area_code is not None else None
    return access.can_submit(rights, dataset_id, area_code, forces)


def may_open_page(user, page: dict) -> bool:
    """A page with `roles` is for those roles; /admin pages are for administrators; a subgroup's
    page is for those who may see at least one of its measures; any other page is for every
    signed-in user (its callbacks still check the data they return)."""
    rights = rights_of(user)
    if rights.role not in ROLES:
        return False
    roles = page.get("roles")
    if roles is not None:  # ("*",) means every signed-in user
        return "*" in roles or rights.role in roles
    if str(page.get("path", "")).startswith("/admin"):
        return rights.is_admin
    if page.get("submission_page"):  # the upload page: for users who may submit a return
        return any(can_submit(user, d) for d in DATASETS)
    subgroups = page.get("subgroups") or (
        (page["subgroup"],) if page.get("subgroup") is not None else ()
    )
    if not subgroups:
        return True
    return any(_may_open_subgroup(rights, subgroup) for subgroup in subgroups)


def _may_open_subgroup(rights, subgroup: str) -> bool:
    if not access.can_view_subgroup(rights, subgroup):
        return False
    measures = [m.id for m in MEASURES.values() if m.subgroup == subgroup]
    return rights.sees_all_data or any(access.can_view_measure(rights, m) for m in measures)


def require_dataset(dataset_id: str, area_code: str | None = None):
    """Return the user if they may see this dataset (for this area), otherwise NotAuthorised."""
    user = current_user()
    if not can_view_dataset(user, dataset_id, area_code):
        raise NotAuthorised(
            f"not authorised for {dataset_id}" + (f" in {area_code}" if area_code else "")
        )
    return user


def require_subgroup(subgroup_id: str):
    user = current_user()
    if not can_view_subgroup(user, subgroup_id):
        raise NotAuthorised(f"not authorised for subgroup {subgroup_id}")
    return user


def require_measure(measure_id: str):
    user = current_user()
    if not can_view_measure(user, measure_id):
        raise NotAuthorised(f"not authorised for measure {measure_id}")
    return user


def require_submit(dataset_id: str, area_code: str | None = None):
    user = current_user()
    if not can_submit(user, dataset_id, area_code):
        raise NotAuthorised(
            f"may not submit {dataset_id}" + (f" for {area_code}" if area_code else "")
        )
    return user


def require_role(*roles: str):
    """Return the user if their role is one of `roles` (e.g. admin pages), else NotAuthorised."""
    user = current_user()
    if rights_of(user).role not in roles:
        raise NotAuthorised(f"needs role {' or '.join(roles)}")
    return user


def permitted_rows(measure_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of one measure's observation frame the signed-in user may see."""
    rights = current_rights()
    how_far = access.measure_reach(rights, measure_id)
    forces = area_forces() if how_far in {access.OWN_FORCE, access.SHARED} else {}
    return access.permitted_rows(rights, measure_id, frame, forces)


def permitted_areas(dataset_id: str, area_codes: Iterable[str]) -> list[str]:
    """The area codes (of those given) whose figures in this dataset the signed-in user may see."""
    return access.permitted_areas(current_rights(), dataset_id, area_codes, area_forces())


def refuse_unauthorised(refusal: Callable[[], object]):
    """Decorate a callback: when it meets NotAuthorised it records the refusal and returns
    `refusal()` (a plain message, never data) instead of its outputs."""

    def decorate(func):
        @functools.wraps(func)
        def checked(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except NotAuthorised as refused:
                audit("access_denied", {"callback": func.__name__, "reason": str(refused)})
                return refusal()

        checked.refusal = refusal  # so callbacks/rendered.py can wrap the same refusal round it
        return checked

    return decorate


def refuse_on_error(error: Exception):
    """Dash's `on_error` for every callback: NotAuthorised that a callback did not turn into a
    message itself becomes an empty answer (HTTP 204, nothing updated), recorded in the audit log.
    Fail closed, so a callback added without its own refusal still returns no data."""
    if isinstance(error, NotAuthorised):
        audit("access_denied", {"reason": str(error)})
        raise PreventUpdate from error
    raise error


def can_download_template(user, dataset_id: str) -> bool:
    """A blank template may go to anyone who may submit the dataset or see its figures."""
    return can_submit(user, dataset_id) or can_view_dataset(user, dataset_id)


def sees_small_numbers(user) -> bool:
    """OPCC staff see every count; partners see small counts suppressed (disclosure control)."""
    return rights_of(user).sees_all_data
