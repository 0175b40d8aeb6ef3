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


# Who may send partner figures. For now every admin and analyst may submit every partner
# dataset; issue-level roles (a partner submitting only its own returns) refine this.
SUBMIT_ROLES = {"admin", "analyst"}


def can_submit(user, dataset_id: str) -> bool:
    """True if the user may upload files for this partner dataset."""
    spec = DATASETS.get(dataset_id)
    if spec is None or not spec.submission or not getattr(user, "is_authenticated", False):
        return False
    return user.role in SUBMIT_ROLES and can_view_dataset(user, dataset_id)


def require_submit(dataset_id: str):
    """Return the user if they may submit this dataset, otherwise raise NotAuthorised."""
    user = current_user()
    if not can_submit(user, dataset_id):
        raise NotAuthorised(f"not authorised to submit {dataset_id}")
    return user


def can_download_template(user, dataset_id: str) -> bool:
    """A blank template may go to anyone who may submit the dataset or see its figures."""
    return can_submit(user, dataset_id) or can_view_dataset(user, dataset_id)
