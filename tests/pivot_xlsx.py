"""Build .xlsx workbooks whose data is only in pivot caches, in the ECMA-376 layout the MoJ
tools use: a definition part (field names, shared items) and a records part per cache."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _item(value) -> str:
    if value is None:
        return "<m/>"
    if isinstance(value, bool):
        return f'<b v="{int(value)}"/>'
    if isinstance(value, int | float):
        return f'<n v="{value}"/>'
    return f"<s v={quoteattr(str(value))}/>"


def cache_parts(
    number: int, fields: list[str], records: list[tuple], inline: set[str]
) -> dict[str, str]:
    """Definition, its relationships and records for one cache. Fields in `inline` are written
    in each record (numbers); the others as shared items referenced by index."""
    shared: dict[str, list] = {f: [] for f in fields if f not in inline}
    for record in records:
        for field, value in zip(fields, record, strict=True):
            if field in shared and value not in shared[field]:
                shared[field].append(value)
    defs = []
    for field in fields:
        if field in inline:
            defs.append(
                f'<cacheField name={quoteattr(field)} numFmtId="0">'
                '<sharedItems containsSemiMixedTypes="0" containsString="0" containsNumber="1"/>'
                "</cacheField>"
            )
        else:
            items = "".join(_item(v) for v in shared[field])
            defs.append(
                f'<cacheField name={quoteattr(field)} numFmtId="0">'
                f'<sharedItems count="{len(shared[field])}">{items}</sharedItems></cacheField>'
            )
    definition = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<pivotCacheDefinition xmlns="{MAIN}" xmlns:r="{REL}" r:id="rId1" '
        f'refreshOnLoad="1" recordCount="{len(records)}">'
        '<cacheSource type="worksheet"><worksheetSource ref="A1:B2" sheet="Data"/></cacheSource>'
        f'<cacheFields count="{len(fields)}">{"".join(defs)}</cacheFields></pivotCacheDefinition>'
    )
    rows = []
    for record in records:
        cells = []
        for field, value in zip(fields, record, strict=True):
            if field in inline:
                cells.append(_item(value))
            else:
                cells.append(f'<x v="{shared[field].index(value)}"/>')
        rows.append(f"<r>{''.join(cells)}</r>")
    body = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<pivotCacheRecords xmlns="{MAIN}" xmlns:r="{REL}" count="{len(records)}">'
        f"{''.join(rows)}</pivotCacheRecords>"
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{REL}/pivotCacheRecords" '
        f'Target="pivotCacheRecords{number}.xml"/></Relationships>'
    )
    base = "xl/pivotCache/"
    return {
        f"{base}pivotCacheDefinition{number}.xml": definition,
        f"{base}_rels/pivotCacheDefinition{number}.xml.rels": rels,
        f"{base}pivotCacheRecords{number}.xml": body,
    }


def write_workbook(
    path: Path,
    caches: list[tuple[list[str], list[tuple]]],
    inline: set[str] = frozenset({"value"}),
    change=None,
) -> Path:
    """Write the workbook; `change(parts)` may alter the XML parts first (hostile variants)."""
    parts: dict[str, str] = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types '
            'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Contents" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
    }
    for number, (fields, records) in enumerate(caches, start=1):
        parts.update(cache_parts(number, fields, records, set(inline)))
    if change is not None:
        change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path
