"""Crown Court context in words: which courts an HMCTS region holds, and courts of similar size.

Pure (no Dash, no Flask): the caller passes the court directory (code, court, region_code, open
cases at the latest quarter) as the user may see it.
"""

from __future__ import annotations

import pandas as pd

UNKNOWN_PREFIX = "Unknown"
# HMCTS regions are the old court circuits, not the English regions of the same name.
REGION_NOTES = {
    "North East": "HMCTS's North East region is the old North Eastern circuit: it covers "
    "Yorkshire and the Humber as well as the North East of England.",
}


def named(courts: pd.DataFrame) -> pd.DataFrame:
    """Courts with a known name ('Unknown' is part of a total, not a court)."""
    return courts[~courts["court"].str.startswith(UNKNOWN_PREFIX)]


def region_courts(courts: pd.DataFrame, region_code: str) -> list[str]:
    """The named courts of one region, alphabetically."""
    shown = named(courts)
    return sorted(shown.loc[shown["region_code"] == region_code, "court"].tolist())


def region_sentence(region_name: str, court_names: list[str]) -> str:
    """'North East region (HMCTS): Bradford, Durham, …, York' — the region named with its courts."""
    listed = ", ".join(court_names) if court_names else "no named courts in this release"
    return f"{region_name} region (HMCTS): {listed}"


def region_note(region_name: str) -> str:
    return REGION_NOTES.get(region_name, "")


def similar_courts(courts: pd.DataFrame, code: str, either_side: int = 3) -> pd.DataFrame:
    """The court and the courts next to it when all are ranked by open cases (up to
    `either_side` above and below): courts of similar size, largest first."""
    ranked = named(courts).sort_values("open", ascending=False, ignore_index=True)
    match = ranked.index[ranked["code"] == code]
    if len(match) == 0:
        return ranked.iloc[0:0]
    at = int(match[0])
    return ranked.iloc[max(0, at - either_side) : at + either_side + 1].reset_index(drop=True)
