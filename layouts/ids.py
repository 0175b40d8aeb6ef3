"""Every component id in one place, so callbacks never spell an id by hand."""

URL = "url"
PAGE_HEADING = "page-heading"

EE_STATE = "ee-state"
EE_TILES = "ee-tiles"
EE_TREND = "ee-trend"
EE_COURTS = "ee-courts"
EE_COURT_PICKER = "ee-court-picker"
EE_DRILL = "ee-drill"
EE_DRILL_TILES = "ee-drill-tiles"
EE_TIMELINESS = "ee-timeliness"

POLICE_STATE = "police-state"
POLICE_FORCE_PICKER = "police-force-picker"
POLICE_CRIME = "police-crime"
POLICE_OUTCOME_PICKER = "police-outcome-picker"
POLICE_OUTCOMES = "police-outcomes"


def graph(card: str) -> str:
    return f"{card}-graph"


def summary(card: str) -> str:
    return f"{card}-summary"


def table(card: str) -> str:
    return f"{card}-table"


def source(card: str) -> str:
    return f"{card}-source"


def breadcrumb(card: str) -> str:
    return f"{card}-breadcrumb"


# Administration: users and rights, and the audit log (layouts/admin.py, callbacks/admin_*.py).
ADMIN_USERS_STATUS = "admin-users-status"
ADMIN_USERS_VERSION = "admin-users-version"
ADMIN_USERS_TABLE = "admin-users-table"
ADMIN_NEW_USERNAME = "admin-new-username"
ADMIN_NEW_NAME = "admin-new-name"
ADMIN_NEW_ORGANISATION = "admin-new-organisation"
ADMIN_NEW_ROLE = "admin-new-role"
ADMIN_NEW_SUBGROUPS = "admin-new-subgroups"
ADMIN_NEW_PASSWORD = "admin-new-password"
ADMIN_NEW_SUBMIT = "admin-new-submit"
ADMIN_EDIT_USER = "admin-edit-user"
ADMIN_EDIT_ROLE = "admin-edit-role"
ADMIN_EDIT_ORGANISATION = "admin-edit-organisation"
ADMIN_EDIT_SUBGROUPS = "admin-edit-subgroups"
ADMIN_EDIT_SAVE = "admin-edit-save"
ADMIN_EDIT_ACTIVE = "admin-edit-active"
ADMIN_EDIT_PASSWORD = "admin-edit-password"
ADMIN_EDIT_RESET = "admin-edit-reset"
AUDIT_EVENT = "audit-event"
AUDIT_USER = "audit-user"
AUDIT_IP = "audit-ip"
AUDIT_FROM = "audit-from"
AUDIT_TO = "audit-to"
AUDIT_SUMMARY = "audit-summary"
AUDIT_TABLE = "audit-table"
AUDIT_DOWNLOAD = "audit-download"
