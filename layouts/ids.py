"""Every component id in one place, so callbacks never spell an id by hand."""

URL = "url"
PAGE_HEADING = "page-heading"

EE_STATE = "ee-state"
EE_TREND = "ee-trend"
EE_COURTS = "ee-courts"
EE_COURT_PICKER = "ee-court-picker"

POLICE_STATE = "police-state"
POLICE_FORCE_PICKER = "police-force-picker"
POLICE_CRIME = "police-crime"
POLICE_OUTCOME_PICKER = "police-outcome-picker"
POLICE_OUTCOMES = "police-outcomes"
POLICE_OUTCOMES_STATE = "police-outcomes-state"


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


EVENTS_ADMIN_STATE = "events-admin-state"
EVENTS_ADMIN_BODY = "events-admin-body"
EVENTS_TABLE = "events-table"
EVENT_FORM_TITLE = "event-form-title"
EVENT_FORM_KIND = "event-form-kind"
EVENT_FORM_START = "event-form-start"
EVENT_FORM_END = "event-form-end"
EVENT_FORM_SCOPE = "event-form-scope"
EVENT_FORM_EXCLUDE = "event-form-exclude"
EVENT_FORM_DESCRIPTION = "event-form-description"
EVENT_FORM_SOURCE = "event-form-source"
EVENT_FORM_SUBMIT = "event-form-submit"
EVENT_FORM_STATUS = "event-form-status"
EVENT_DELETE = "event-delete"  # pattern-matching type: {"type": EVENT_DELETE, "index": event id}
EVENTS_TABLE_STATUS = "events-table-status"
# Partner submissions page
SUBMIT_STATE = "submit-state"
SUBMIT_DATASET = "submit-dataset"
SUBMIT_TEMPLATE = "submit-template"
SUBMIT_LIMIT = "submit-limit"
SUBMIT_LIMIT_TEXT = "submit-limit-text"
SUBMIT_UPLOAD = "submit-upload"
SUBMIT_CHOOSE = "submit-choose"
SUBMIT_FILE = "submit-file"
SUBMIT_BUTTON = "submit-button"
SUBMIT_RESULT = "submit-result"
SUBMIT_DONE = "submit-done"
# Refresh administration (issue 4) and the Data sources page.
ADMIN_DATASET_PICKER = "admin-dataset-picker"
ADMIN_REFRESH_ONE = "admin-refresh-one"
ADMIN_REFRESH_ALL = "admin-refresh-all"
ADMIN_MESSAGE = "admin-refresh-message"
ADMIN_PROGRESS = "admin-progress"
ADMIN_REQUESTS = "admin-requests"  # queued "Refresh now" requests and whether a scheduler runs
ADMIN_POLL = "admin-poll"
ADMIN_LEDGER = "admin-ledger"
ADMIN_HISTORY = "admin-history"
ADMIN_HELD = "admin-held"  # releases held for review, with Approve / Reject
ADMIN_HELD_MESSAGE = "admin-held-message"
ADMIN_APPROVE = "admin-release-approve"  # pattern-matching: {"type": ..., "vintage": id}
ADMIN_REJECT = "admin-release-reject"
REFRESH_ALERT = "refresh-alert"
REFRESH_ALERT_POLL = "refresh-alert-poll"
DATA_SOURCES_TABLE = "data-sources-table"
# Administration: users and rights, and the audit log (layouts/admin_access.py, callbacks/admin_*.py).
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
# Board packs (layouts/board_packs.py, callbacks/packs_page.py).
PACKS_REPORT = "packs-report"
PACKS_MEETING = "packs-meeting"
PACKS_GENERATE = "packs-generate"
PACKS_RESULT = "packs-result"
PACKS_DONE = "packs-done"
PACKS_JOB = "packs-job"
PACKS_POLL = "packs-poll"
PACKS_LIST = "packs-list"
