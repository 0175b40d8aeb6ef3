"""Read the pivot caches of an .xlsx workbook (ECMA-376 part 1, 18.10), streamed.

The MoJ "tool" workbooks keep their data only in the pivot cache: each
`xl/pivotCache/pivotCacheDefinition<N>.xml` names the cache's fields and lists each field's
shared items; the matching `pivotCacheRecords<N>.xml` holds one `<r>` per record whose children
are either an index into that field's shared items (`<x v="3"/>`) or a value written inline
(`<n>`, `<s>`, `<b>`, `<d>`, `<e>`, `<m/>` for missing). The records part runs to millions of
records, so it is read with iterparse and every element is cleared once read: memory stays flat
whatever the size. No worksheet is read.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from loaders.errors import LoaderError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DEFINITION = re.compile(r"xl/pivotCache/pivotCacheDefinition(\d+)\.xml")
_ITEM_TAGS = {f"{_MAIN}{t}": t for t in ("x", "n", "s", "b", "d", "e", "m")}


@dataclass(frozen=True)
class CacheField:
    name: str
    items: tuple  # shared items, in index order (str, float, bool or None for <m/>)


@dataclass(frozen=True)
class PivotCache:
    """One cache's fields (those stored in the records) and where its records are."""

    workbook: Path
    definition: str  # zip member name
    records: str  # zip member name
    fields: tuple[CacheField, ...]
    record_count: int | None

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def where(self, member: str | None = None) -> str:
        return f"{self.workbook}!{member or self.definition}"


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LoaderError(path, f"not a readable .xlsx workbook (zip): {exc}") from None


def _value(element) -> object:
    tag = _ITEM_TAGS.get(element.tag)
    v = element.get("v")
    if tag == "n":
        return float(v)
    if tag == "b":
        return v in ("1", "true")
    if tag == "m":
        return None
    return v  # s, d (ISO date text), e (error text)


def _parse(book: zipfile.ZipFile, path: Path, member: str):
    """iterparse over a member; a damaged member is a LoaderError naming it."""
    try:
        handle = book.open(member)
    except KeyError:
        raise LoaderError(f"{path}!{member}", "part is missing from the workbook") from None
    return handle, iterparse(handle, events=("start", "end"))


def _records_member(book: zipfile.ZipFile, definition: str, rid: str | None) -> str:
    """The records part a definition points at through its relationships part."""
    folder, name = posixpath.split(definition)
    rels = f"{folder}/_rels/{name}.rels"
    if rid and rels in book.namelist():
        handle, events = _parse(book, Path(book.filename or ""), rels)
        with handle:
            for _event, element in events:
                if element.tag == _PKG_REL and element.get("Id") == rid:
                    return posixpath.normpath(posixpath.join(folder, element.get("Target", "")))
    number = _DEFINITION.fullmatch(definition).group(1)
    return f"{folder}/pivotCacheRecords{number}.xml"


def read_caches(path: Path) -> list[PivotCache]:
    """Every pivot cache's field names and shared items (definitions are small)."""
    path = Path(path)
    with _open_zip(path) as book:
        definitions = sorted(
            (m for m in book.namelist() if _DEFINITION.fullmatch(m)),
            key=lambda m: int(_DEFINITION.fullmatch(m).group(1)),
        )
        if not definitions:
            raise LoaderError(
                path,
                "the workbook holds no pivot cache (xl/pivotCache/pivotCacheDefinition*.xml); "
                "the MoJ tools keep their data only there",
            )
        caches = []
        for member in definitions:
            fields: list[CacheField] = []
            count: int | None = None
            rid = None
            handle, events = _parse(book, path, member)
            name: str | None = None
            items: list = []
            stored = True
            try:
                with handle:
                    for event, element in events:
                        tag = element.tag
                        if event == "start":
                            if tag == f"{_MAIN}pivotCacheDefinition":
                                rid = element.get(f"{{{_REL_NS}}}id")
                                raw = element.get("recordCount")
                                count = int(raw) if raw and raw.isdigit() else None
                            elif tag == f"{_MAIN}cacheField":
                                name, items = element.get("name"), []
                                stored = element.get("databaseField", "1") not in ("0", "false")
                            continue
                        if tag in _ITEM_TAGS and name is not None:
                            items.append(_value(element))
                        elif tag == f"{_MAIN}cacheField":
                            if stored:  # a calculated field (databaseField=0) has no record item
                                fields.append(CacheField(name or "", tuple(items)))
                            name = None
                            element.clear()
            except (ParseError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise LoaderError(
                    f"{path}!{member}", f"damaged pivot cache definition: {exc}"
                ) from None
            caches.append(
                PivotCache(path, member, _records_member(book, member, rid), tuple(fields), count)
            )
        return caches


def find_cache(path: Path, required: Sequence[str], what: str) -> PivotCache:
    """The one cache of the workbook that has every required field name."""
    caches = read_caches(path)
    for cache in caches:
        if all(name in cache.names for name in required):
            return cache
    best = max(caches, key=lambda c: sum(n in c.names for n in required))
    missing = [n for n in required if n not in best.names]
    raise LoaderError(
        best.where(),
        f"no pivot cache has the fields the {what} layout needs: '{missing[0]}' is missing "
        f"(the closest cache has: {', '.join(best.names)}). A renamed field is refused rather "
        "than guessed.",
        column=missing[0],
    )


def iter_records(cache: PivotCache, wanted: Sequence[str]) -> Iterator[tuple]:
    """Each record's values for the `wanted` fields (shared items resolved), streamed.

    A record whose item count differs from the fields, or whose shared-item index is out of
    range, stops the read with the record's number, the field and the index.
    """
    positions = [cache.names.index(name) for name in wanted]
    fields = cache.fields
    width = len(fields)
    r_tag = f"{_MAIN}r"
    with _open_zip(cache.workbook) as book:
        handle, events = _parse(book, cache.workbook, cache.records)
        where = cache.where(cache.records)
        number = 0
        root = None
        try:
            with handle:
                for event, element in events:
                    if event == "start":
                        if root is None:
                            root = element
                        continue
                    if element.tag != r_tag:
                        continue
                    number += 1
                    children = list(element)
                    if len(children) != width:
                        raise LoaderError(
                            where,
                            f"record {number} has {len(children)} items but the cache has "
                            f"{width} fields",
                            row=number,
                        )
                    values = []
                    for position in positions:
                        child = children[position]
                        if child.tag == f"{_MAIN}x":
                            index = int(child.get("v", "-1"))
                            items = fields[position].items
                            if not 0 <= index < len(items):
                                raise LoaderError(
                                    where,
                                    f"record {number} points at shared item {index} of field "
                                    f"'{fields[position].name}', which has {len(items)} items "
                                    f"(0 to {len(items) - 1}); the cache is damaged",
                                    row=number,
                                    column=fields[position].name,
                                )
                            values.append(items[index])
                        else:
                            values.append(_value(child))
                    element.clear()
                    root.clear()  # drop the cleared record from the tree: memory stays flat
                    yield tuple(values)
        except (ParseError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise LoaderError(
                where, f"damaged or cut-short pivot cache records after record {number}: {exc}"
            ) from None
        except ValueError as exc:
            if isinstance(exc, LoaderError):
                raise
            raise LoaderError(where, f"record {number + 1}: unreadable value ({exc})") from None
    if cache.record_count is not None and number != cache.record_count:
        raise LoaderError(
            where,
            f"the cache holds {number:,} records but its definition says {cache.record_count:,}; "
            "the workbook looks cut short or altered",
        )
