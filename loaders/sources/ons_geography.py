"""ONS police force areas: the code list and the boundaries the maps draw.

A reference dataset: it adds no figures. The code list (`pfaYY_codes.csv`: PFAyyCD, PFAyyNM,
country) and the boundaries (`pfa_<month><yyyy>_boundaries.geojson`, one feature per area with
PFAyyCD and PFAyyNM properties) must both name exactly the 43 police force areas the dashboard
joins every source on (loaders.areas.POLICE_FORCE_AREAS); a code or name that differs is an
error that names the code, because every other dataset joins on these codes.

The boundaries go through refresh like any dataset: each load is a vintage, so a broken file
fails alone and the maps keep the last good boundaries. Polygons with fewer than four positions
(the generalised ONS file has some: slivers rounded to a point) enclose no area; they are left out
and counted in a note. Coordinates are checked to lie in and around England and Wales (WGS84),
which catches swapped latitude and longitude.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from loaders.areas import POLICE_FORCE_AREAS
from loaders.errors import LoaderError
from loaders.frames import Boundary, LoadResult, observation_frame
from loaders.sources import csvfile

CODES_GLOB = "pfa*_codes.csv"
POPULATION_GLOB = "pfa*_population.csv"  # beside them; the pfa_population dataset reads it
BOUNDARIES_GLOB = "pfa*_boundaries.geojson"
_CODE_COLUMN = re.compile(r"PFA(\d{2})CD")
_NAME_COLUMN = re.compile(r"PFA(\d{2})NM")
COUNTRIES = {"E": "England", "W": "Wales"}
# A generous box around England and Wales in WGS84 (longitude, latitude).
LON_RANGE, LAT_RANGE = (-11.0, 3.0), (49.0, 61.0)


def _one(source_dir: Path, pattern: str, what: str) -> Path:
    found = sorted(p for p in source_dir.glob(pattern) if p.is_file())
    if len(found) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise LoaderError(
            source_dir,
            f"expected one {what} file ({pattern}), found {len(found)}: {listed}; keep only "
            "the edition to use",
        )
    return found[0]


def _check_area(path: Path, code: str, name: str, row: int, column: str, seen: dict) -> None:
    """A code must be a known police force area, with its ONS name, and appear once."""
    if code not in POLICE_FORCE_AREAS:
        raise LoaderError(
            path,
            f"code {code} ('{name}') is not one of the 43 police force areas the dashboard "
            "knows (loaders.areas.POLICE_FORCE_AREAS); update that list if ONS has changed",
            row=row,
            column=column,
        )
    if name != POLICE_FORCE_AREAS[code]:
        raise LoaderError(
            path,
            f"code {code} is named '{name}' here but '{POLICE_FORCE_AREAS[code]}' in "
            "loaders.areas.POLICE_FORCE_AREAS",
            row=row,
            column=column.replace("CD", "NM"),
        )
    if code in seen:
        raise LoaderError(path, f"code {code} appears twice (first at {seen[code]})", row, column)
    seen[code] = row


def _check_complete(path: Path, seen: dict, column: str) -> None:
    missing = sorted(set(POLICE_FORCE_AREAS) - set(seen))
    if missing:
        raise LoaderError(
            path,
            "no entry for "
            + ", ".join(f"{c} ({POLICE_FORCE_AREAS[c]})" for c in missing)
            + "; every police force area must be listed (is the file cut short?)",
            column=column,
        )


def read_codes(path: Path) -> dict[str, str]:
    """The ONS code list, checked against the areas the dashboard joins on."""
    table = csvfile.read_csv(path, layout="the ONS police force area code list")
    header = table.header
    layout = "PFAyyCD, PFAyyNM, country"
    if len(header) < 2 or not _CODE_COLUMN.fullmatch(header[0]):
        raise LoaderError(
            path,
            f"header should be {layout}; column 1 is '{header[0] if header else ''}'",
            row=1,
            column=header[0] if header else "PFAyyCD",
        )
    code_column = header[0]
    name_column = code_column.replace("CD", "NM")
    if header[1] != name_column:
        raise LoaderError(
            path, f"header should be {layout}; column 2 is '{header[1]}'", row=1, column=name_column
        )
    if header[2:] not in ([], ["country"]):
        raise LoaderError(
            path, f"header should be {layout}; unexpected '{header[2]}'", row=1, column=header[2]
        )
    seen: dict[str, str] = {}
    names: dict[str, str] = {}
    for index, row in enumerate(table.frame.itertuples(index=False)):
        line = int(table.lines[index])
        code, name = row[0].strip(), row[1].strip()
        _check_area(path, code, name, line, code_column, seen)
        if len(row) > 2 and row[2].strip() != COUNTRIES[code[0]]:
            raise LoaderError(
                path,
                f"code {code} is in {COUNTRIES[code[0]]}, not '{row[2]}'",
                row=line,
                column="country",
            )
        names[code] = name
    _check_complete(path, seen, code_column)
    return names


def _positions_ok(ring) -> bool:
    return isinstance(ring, list) and all(
        isinstance(p, list)
        and len(p) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p[:2])
        and math.isfinite(p[0])
        and math.isfinite(p[1])
        for p in ring
    )


def _clean_geometry(path: Path, geometry, code: str, feature: int) -> tuple[dict, int]:
    """A Polygon or MultiPolygon with its area-less polygons removed, and how many went."""
    column = "geometry"
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        raise LoaderError(
            path, f"{code}: geometry is {kind!r}, not a Polygon or MultiPolygon", feature, column
        )
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list):
        raise LoaderError(path, f"{code}: coordinates are not a list", feature, column)
    kept, removed = [], 0
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon or not all(map(_positions_ok, polygon)):
            raise LoaderError(
                path, f"{code}: a polygon is not a list of [longitude, latitude] rings", feature
            )
        for ring in polygon:
            for lon, lat, *_ in ring:
                if not (
                    LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]
                ):
                    raise LoaderError(
                        path,
                        f"{code}: position [{lon}, {lat}] is not in England and Wales; are "
                        "longitude and latitude swapped, or is the file not WGS84?",
                        row=feature,
                        column=column,
                    )
        if len(polygon[0]) >= 4:
            kept.append([ring for ring in polygon if len(ring) >= 4])
            removed += len(polygon) - len(kept[-1])  # holes rounded away
        else:
            removed += 1
    if not kept:
        raise LoaderError(path, f"{code}: no polygon has an area", row=feature, column=column)
    return {"type": "MultiPolygon", "coordinates": kept}, removed


def read_boundaries(path: Path) -> tuple[list[Boundary], int]:
    """Every feature's boundary, checked; `row` in errors is the feature's number (from 1)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise LoaderError(path, "file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise LoaderError(
            path,
            f"not readable as GeoJSON ({exc.msg}; cut short?)",
            exc.lineno,
            f"char {exc.colno}",
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise LoaderError(path, "expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise LoaderError(path, "the FeatureCollection has no features", column="features")
    boundaries: list[Boundary] = []
    seen: dict[str, int] = {}
    dropped = 0
    code_column = "PFAyyCD"
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            raise LoaderError(path, "feature has no properties", row=number, column="properties")
        code_key = next((k for k in properties if _CODE_COLUMN.fullmatch(k)), None)
        if code_key is None:
            raise LoaderError(
                path, "feature has no PFAyyCD property", row=number, column="properties.PFAyyCD"
            )
        code_column = f"properties.{code_key}"
        name_key = code_key.replace("CD", "NM")
        code, name = properties.get(code_key), properties.get(name_key)
        if not isinstance(code, str) or not isinstance(name, str):
            raise LoaderError(
                path, f"{code_key} and {name_key} must be text", number, f"properties.{code_key}"
            )
        _check_area(path, code, name, number, code_column, seen)
        geometry, removed = _clean_geometry(path, feature.get("geometry"), code, number)
        dropped += removed
        boundaries.append(Boundary(code, name, json.dumps(geometry, separators=(",", ":"))))
    _check_complete(path, seen, code_column)
    return boundaries, dropped


def load(source_dir: Path) -> LoadResult:
    """Check the code list and boundaries agree with the areas; return the boundaries."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise LoaderError(source_dir, "folder not found; expected the reference folder")
    codes_path = _one(source_dir, CODES_GLOB, "police force area code list")
    boundaries_path = _one(source_dir, BOUNDARIES_GLOB, "police force area boundaries")
    read_codes(codes_path)
    boundaries, dropped = read_boundaries(boundaries_path)
    notes = []
    if dropped:
        notes.append(
            f"{boundaries_path.name}: {dropped} polygons (or holes) with fewer than four "
            "positions enclose no area and were left out; every police force area keeps its "
            "outline."
        )
    return LoadResult(
        observations=observation_frame([]),
        files=[codes_path, boundaries_path],
        boundaries=boundaries,
        notes=notes,
        skipped={
            p.name: "police force area populations: read by the pfa_population dataset"
            for p in source_dir.glob(POPULATION_GLOB)
            if p.is_file()
        },
    )
