"""Server-side rights checks that every callback and page calls before returning data."""

from __future__ import annotations

import flask_login
from dash.exceptions import PreventUpdate

from loaders.datasets import DATASETS

# What each role may see, by dataset classification. Partners get more with issue-level roles.
ROLE_CLASSIFICATIONS = {
    "admin": {"public", "partnership", "force_restricted"},
    "analyst": {"public", "partnership", "force_restricted"},
    "viewer": {"public", "partnership"},
}


class NotAuthorised(PermissionError):
    """The signed-in user may not see the data a request asked for."""


def current_user():
    """The signed-in user; a request without one never reaches data."""
    user = flask_login.current_user
    if not user or not user.is_authenticated:
        raise PreventUpdate
    return user


def can_view_dataset(user, dataset_id: str) -> bool:
    spec = DATASETS.get(dataset_id)
    if spec is None or not getattr(user, "is_authenticated", False):
        return False
    return spec.classification in ROLE_CLASSIFICATIONS.get(user.role, set())


def require_dataset(dataset_id: str):
    """Return the user if they may see this dataset, otherwise raise NotAuthorised."""
    user = current_user()
    if not can_view_dataset(user, dataset_id):
        raise NotAuthorised(f"not authorised for {dataset_id}")
    return user


def require_role(*roles: str):
    """Return the user if their role is one of `roles` (e.g. admin pages), else NotAuthorised."""
    user = current_user()
    if user.role not in roles:
        raise NotAuthorised(f"needs role {' or '.join(roles)}")
    return user


def require_measure(measure_id: str, user=None):
    """The user may see this measure: it exists and its dataset is open to them."""
    from loaders.measures import MEASURES

    user = user or current_user()
    spec = MEASURES.get(measure_id)
    if spec is None or not can_view_dataset(user, spec.dataset_id):
        raise NotAuthorised(f"not authorised for measure {measure_id}")
    return user


def sees_small_numbers(user) -> bool:
    """OPCC staff see every count; partners see small counts suppressed."""
    return getattr(user, "role", None) in {"admin", "analyst"}
