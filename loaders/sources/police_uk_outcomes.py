"""How crimes end, per force and month, from police.uk's "Last outcome category".

Reads the same folder as loaders.sources.police_uk (raw monthly files win over the aggregate;
the latest archive snapshot of a month is used, so a crime whose outcome changed in a later
archive counts once, with its later outcome) and derives, for each force and month, the share of
crimes whose last recorded outcome is:

- charged or a court outcome (awaiting court, court results, charged as part of another case): a
  proxy for the charge/summons rate;
- an out-of-court disposal (caution, penalty notice, local or community resolution, drugs
  possession warning);
- "Unable to prosecute suspect": a suspect was identified but the case could not go on, most often
  because the victim did not support action or the evidence fell short; the Victim & Witness
  group's proxy for victim attrition;
- "Investigation complete; no suspect identified".

Each share is a percentage with its numerator and denominator. The denominator is crimes:
anti-social behaviour incidents have no Crime ID and no outcome, so they are left out of it and
counted on their own.

Records outside the force area: police.uk places each record at an anonymised snap point, and a
few of a force's records carry an LSOA in another force's area (Durham's January 2025 file has
LSOAs in Sunderland, Gateshead and even Colchester). For the forces listed in
loaders.areas.FORCE_LOCAL_AUTHORITIES, the local authority is read from the LSOA name ("County
Durham 001A" -> "County Durham") and such records are counted, named in a note and shown as a
`location` breakdown of the crime and ASB counts. They stay in the force's totals and shares:
police.uk publishes them as that force's records, the force recorded and investigated them and
owns their outcome, and dropping them would make the totals differ from police.uk's own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from loaders.areas import FORCE_LOCAL_AUTHORITIES
from loaders.errors import LoaderError
from loaders.frames import LoadResult, columns_frame, month_bounds
from loaders.sources import police_uk
from loaders.sources.police_uk import (
    ANTI_SOCIAL_BEHAVIOUR,
    CHARGED,
    NO_SUSPECT,
    OUT_OF_COURT,
    OUTCOME_GROUPS,
    UNABLE_TO_PROSECUTE,
)

CRIMES = "police_crimes"
ASB_INCIDENTS = "police_asb_incidents"
CHARGED_SHARE = "police_charged_share"
OUT_OF_COURT_SHARE = "police_out_of_court_share"
UNABLE_TO_PROSECUTE_SHARE = "police_unable_to_prosecute_share"
NO_SUSPECT_SHARE = "police_no_suspect_share"
# Measure -> the outcome group its numerator counts.
SHARES = {
    CHARGED_SHARE: CHARGED,
    OUT_OF_COURT_SHARE: OUT_OF_COURT,
    UNABLE_TO_PROSECUTE_SHARE: UNABLE_TO_PROSECUTE,
    NO_SUSPECT_SHARE: NO_SUSPECT,
}

INSIDE = "Within the force area"
OUTSIDE = "Outside the force area"
NO_LOCATION = "No location"


def _locations(
    counts: pd.DataFrame, local_authorities: dict, source_dir: Path, reread
) -> tuple[pd.Series, list[str]]:
    """Each count's place relative to its force area (None where the force is not mapped)."""
    location = pd.Series([None] * len(counts), index=counts.index, dtype=object)
    notes: list[str] = []
    for area, group in counts.groupby("area", sort=True):
        if area not in local_authorities:
            notes.append(
                f"{area}: no local authority list in loaders.areas.FORCE_LOCAL_AUTHORITIES, so "
                "records outside the force area are not counted for this force."
            )
            continue
        unreadable = group[group["unreadable_lsoa"] != ""]
        if not unreadable.empty:
            raise _unreadable_lsoa(unreadable, reread, source_dir)
        blank = group["authority"] == ""
        inside = group["authority"].isin(local_authorities[area])
        location[group.index] = np.where(blank, NO_LOCATION, np.where(inside, INSIDE, OUTSIDE))
    return location, notes


def _unreadable_lsoa(unreadable: pd.DataFrame, reread, source_dir: Path) -> LoaderError:
    """The first record whose LSOA name does not read, found by reading its file again."""
    first = unreadable.iloc[0]
    first = unreadable[unreadable["file"] == first["file"]].sort_values("first").iloc[0]
    records = reread[first["file"]]()
    names = records["lsoa_name"].str.strip()
    bad = records[
        (records["area"] == first["area"])
        & (names != "")
        & names.str.extract(police_uk.LSOA_NAME)["authority"].isna()
    ].iloc[0]
    return LoaderError(
        Path(source_dir) / bad["file"],
        f"LSOA name '{bad['lsoa_name']}' is not '<local authority> <3 digits><letter>' "
        "(as 'County Durham 001A')",
        row=int(bad["line"]),
        column="LSOA name",
    )


def _outside_notes(counts: pd.DataFrame, location: pd.Series) -> list[str]:
    """One note per file naming how many records lie outside the force area, and where."""
    outside = counts[location == OUTSIDE]
    notes = []
    for name, rows in outside.groupby("file", sort=True):
        total = int(counts.loc[counts["file"] == name, "count"].sum())
        places = (
            rows.groupby("authority", sort=False)
            .agg(count=("count", "sum"), first=("first", "min"))
            .sort_values("first")
            .sort_values("count", ascending=False, kind="stable")["count"]
        )
        outside_count = int(rows["count"].sum())
        listed = ", ".join(f"{place} {count}" for place, count in places.head(6).items())
        more = f" and {len(places) - 6} other areas" if len(places) > 6 else ""
        verb = "record has" if outside_count == 1 else "records have"
        notes.append(
            f"{name}: {outside_count:,} of {total:,} {verb} an LSOA outside the force area "
            f"({listed}{more}). They stay in the force's figures (police.uk publishes them as its "
            "records) and are shown as the 'Outside the force area' location breakdown."
        )
    return notes


def load(
    source_dir: Path, local_authorities: dict[str, tuple[str, ...]] | None = None
) -> LoadResult:
    """Outcome shares, crimes and anti-social behaviour per force and month.

    Works from police_uk's counts of the street files, so in a refresh that loads both
    police.uk datasets the files are read once (police_uk.read_street_data reuses its read).
    """
    street = police_uk.read_street_data(source_dir)
    local_authorities = FORCE_LOCAL_AUTHORITIES if local_authorities is None else local_authorities
    counted = street.counts
    location, notes = _locations(counted, local_authorities, source_dir, street.reread)
    notes = [*street.notes, *notes, *_outside_notes(counted, location)]
    keys = ["month", "area", "crime_type", "outcome", "location"]
    raw_counts = (
        counted.assign(location=location.fillna(""))
        .groupby(keys, sort=False)["count"]
        .sum()
        .reset_index()
    )
    counts = pd.concat([raw_counts, street.aggregate.assign(location="")], ignore_index=True)
    counts["group"] = counts["outcome"].map(OUTCOME_GROUPS)
    crimes = counts[counts["crime_type"] != ANTI_SOCIAL_BEHAVIOUR]
    asb = counts[counts["crime_type"] == ANTI_SOCIAL_BEHAVIOUR]
    force_months = counts[["month", "area"]].drop_duplicates().sort_values(["month", "area"])
    index = pd.MultiIndex.from_frame(force_months)

    def total(frame: pd.DataFrame, by: list[str]) -> pd.Series:
        return frame.groupby(by, sort=True)["count"].sum()

    parts = [
        _rows(CRIMES, total(crimes, ["month", "area"]).reindex(index, fill_value=0)),
        _rows(ASB_INCIDENTS, total(asb, ["month", "area"]).reindex(index, fill_value=0)),
    ]
    located = counts.loc[counts["location"] != "", ["month", "area"]].drop_duplicates()
    if not located.empty:
        with_place = pd.MultiIndex.from_tuples(
            [
                (month, area, place)
                for month, area in located.itertuples(index=False)
                for place in (INSIDE, OUTSIDE, NO_LOCATION)
            ],
            names=["month", "area", "location"],
        )
        for measure, frame in ((CRIMES, crimes), (ASB_INCIDENTS, asb)):
            by_place = total(frame[frame["location"] != ""], ["month", "area", "location"])
            parts.append(_rows(measure, by_place.reindex(with_place, fill_value=0), "location"))

    denominators = total(crimes, ["month", "area"])
    denominators = denominators[denominators > 0]  # no crimes: a share of nothing is no figure
    by_type = total(crimes, ["month", "area", "crime_type"])
    for measure, outcome_group in SHARES.items():
        hits = crimes[crimes["group"] == outcome_group]
        numerators = total(hits, ["month", "area"]).reindex(denominators.index, fill_value=0)
        parts.append(_rows(measure, numerators, denominator=denominators))
        numerators = total(hits, ["month", "area", "crime_type"])
        parts.append(
            _rows(
                measure,
                numerators.reindex(by_type.index, fill_value=0),
                "crime_type",
                denominator=by_type,
            )
        )
    observations = pd.concat(parts, ignore_index=True)
    return LoadResult(
        observations=observations,
        files=list(street.files),
        notes=notes,
        warnings=list(street.warnings),
    )


def _rows(
    measure: str,
    values: pd.Series,
    dimension: str | None = None,
    denominator: pd.Series | None = None,
) -> pd.DataFrame:
    """Observation rows from a Series indexed by month, area (and one breakdown dimension).

    With a denominator, `values` are numerators and the value is their percentage.
    """
    keys = values.index.to_frame(index=False)
    months = keys["month"].tolist()
    bounds = {m: month_bounds(int(m[:4]), int(m[5:])) for m in set(months)}
    numerator = values.to_numpy(dtype="float64")
    frame = {
        "measure_id": measure,
        "area_code": keys["area"].to_numpy(dtype=object),
        "period_start": [bounds[m][0] for m in months],
        "period_end": [bounds[m][1] for m in months],
        "period_type": "month",
        "value": numerator,
        "numerator": np.nan,
        "denominator": np.nan,
        "breakdown": (
            [{dimension: v} for v in keys[dimension].tolist()] if dimension else [{}] * len(keys)
        ),
    }
    if denominator is not None:
        base = denominator.reindex(values.index).to_numpy(dtype="float64")
        frame.update(value=100 * numerator / base, numerator=numerator, denominator=base)
    return columns_frame(frame, len(keys))
