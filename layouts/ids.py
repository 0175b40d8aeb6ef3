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


# Refresh administration (issue 4) and the Data sources page.
ADMIN_DATASET_PICKER = "admin-dataset-picker"
ADMIN_REFRESH_ONE = "admin-refresh-one"
ADMIN_REFRESH_ALL = "admin-refresh-all"
ADMIN_MESSAGE = "admin-refresh-message"
ADMIN_PROGRESS = "admin-progress"
ADMIN_POLL = "admin-poll"
ADMIN_LEDGER = "admin-ledger"
ADMIN_HISTORY = "admin-history"
REFRESH_ALERT = "refresh-alert"
REFRESH_ALERT_POLL = "refresh-alert-poll"
DATA_SOURCES_TABLE = "data-sources-table"
