"""E&E headline tiles: open cases at the LCJP's Crown Courts and nationally, and cases a year old."""

from __future__ import annotations

import pandas as pd

from layouts.components import About, TileData
from layouts.revisions import tile_revision
from presented.words import change_phrase, format_value, quarter_label


def _latest_and_year_ago(frame: pd.DataFrame) -> tuple[pd.Series | None, pd.Series | None]:
    """The latest row and the row for the same quarter a year earlier, if present."""
    if frame.empty:
        return None, None
    ordered = frame.sort_values("period_end")
    latest = ordered.iloc[-1]
    target = latest["period_end"].replace(year=latest["period_end"].year - 1)
    earlier = ordered[ordered["period_end"] == target]
    return latest, (earlier.iloc[0] if not earlier.empty else None)


def process_data(
    court_open: pd.DataFrame,
    national_open: pd.DataFrame,
    national_share: pd.DataFrame,
    lcjp_courts: list[str],
    source: str,
    is_demo: bool,
    about: About | None = None,
) -> list[TileData]:
    """Tiles in reading order: each LCJP court, then England & Wales, then the ≥1 year share.

    Frames carrying revision columns (callbacks/revisions.py) mark a revised latest figure.
    """

    def about_quarter(latest: pd.Series | None) -> About | None:
        if about is None:
            return None
        return about.for_period(quarter_label(latest["period_end"]) if latest is not None else "")

    tiles = []
    for court in lcjp_courts:
        rows = court_open[court_open["area_name"] == court]
        latest, earlier = _latest_and_year_ago(rows)
        if latest is None:
            tiles.append(
                TileData(
                    f"court-{court}",
                    f"Open cases at {court} Crown Court",
                    "no data",
                    "",
                    "This court is not in the latest release.",
                    source,
                    is_demo,
                    about=about_quarter(None),
                )
            )
            continue
        tiles.append(
            TileData(
                tile_id=f"court-{court.lower().replace(' ', '-')}",
                label=f"Open cases at {court} Crown Court",
                value=format_value(latest["value"], "count"),
                change=(
                    change_phrase(latest["value"], earlier["value"], "down_good") + " on a year ago"
                )
                if earlier is not None
                else "no figure a year earlier",
                context=f"At the end of {quarter_label(latest['period_end'])}",
                source=source,
                is_demo=is_demo,
                revision=tile_revision(latest),
                about=about_quarter(latest),
            )
        )
    latest, earlier = _latest_and_year_ago(national_open)
    if latest is not None:
        tiles.append(
            TileData(
                tile_id="national-open",
                label="Open Crown Court cases, England & Wales",
                value=format_value(latest["value"], "count"),
                change=(
                    change_phrase(latest["value"], earlier["value"], "down_good") + " on a year ago"
                )
                if earlier is not None
                else "no figure a year earlier",
                context=f"At the end of {quarter_label(latest['period_end'])}",
                source=source,
                is_demo=is_demo,
                revision=tile_revision(latest),
                about=about_quarter(latest),
            )
        )
    latest, earlier = _latest_and_year_ago(national_share)
    if latest is not None:
        tiles.append(
            TileData(
                tile_id="national-share-1yr",
                label="Open cases a year old or more, England & Wales",
                value=format_value(latest["value"], "percent"),
                change=(
                    change_phrase(latest["value"], earlier["value"], "down_good", "percent")
                    + " on a year ago"
                )
                if earlier is not None
                else "no figure a year earlier",
                context=(
                    f"{latest['numerator']:,.0f} of {latest['denominator']:,.0f} open cases with a "
                    f"known age (n = {latest['denominator']:,.0f}), {quarter_label(latest['period_end'])}"
                ),
                source=source,
                is_demo=is_demo,
                revision=tile_revision(latest),
                about=about_quarter(latest),
            )
        )
    return tiles
