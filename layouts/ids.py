"""Every component id in one place, so callbacks never spell an id by hand."""

URL = "url"
PAGE_HEADING = "page-heading"

EE_STATE = "ee-state"
EE_TREND = "ee-trend"
EE_COURTS = "ee-courts"
EE_COURT_PICKER = "ee-court-picker"
EE_DRILL = "ee-drill"
EE_DRILL_TILES = "ee-drill-tiles"

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
