"""Reading Dash component trees in tests: the text a person would read, a component by id, and
the cells of data tables (drawn as HTML inside a dcc.Markdown, see layouts.components.data_table)."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser


def text_of(component) -> str:
    """All the text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    if type(component).__name__ == "Markdown" and getattr(component, "dangerously_allow_html", 0):
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", str(component.children))).split())
    return text_of(getattr(component, "children", None))


class _TableReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": [], "links": {}})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in {"th", "td", "caption"}:
            self._cell = [tag, dict(attrs), ""]
        elif tag == "a" and self._cell is not None:
            self._cell[1]["href"] = dict(attrs).get("href")

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data

    def handle_endtag(self, tag):
        if tag in {"th", "td", "caption"} and self._cell is not None:
            kind, attrs, text = self._cell
            table = self.tables[-1]
            if kind == "caption":
                table["caption"] = text
            else:
                table["rows"][-1].append(text)
                if attrs.get("href"):
                    table["links"][text] = attrs["href"]
                if kind == "th" and attrs.get("scope"):
                    table.setdefault("scopes", []).append(attrs["scope"])
            self._cell = None


def tables_in(component) -> list[dict]:
    """Every data table in a tree: {'caption', 'rows' (header row first, cells as text),
    'links' (cell text → href), 'scopes'}."""
    found = []
    for part in walk(component):
        if type(part).__name__ == "Markdown" and getattr(part, "dangerously_allow_html", 0):
            reader = _TableReader()
            reader.feed(str(part.children))
            found += reader.tables
    return found


def find_by_id(component, component_id):
    """The first component with this id, depth first, or None."""
    if isinstance(component, list | tuple):
        for child in component:
            found = find_by_id(child, component_id)
            if found is not None:
                return found
        return None
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    return find_by_id(children, component_id) if children is not None else None


def walk(component):
    """Every component in the tree, depth first, in document order."""
    if isinstance(component, list | tuple):
        for child in component:
            yield from walk(child)
        return
    if component is None or isinstance(component, str | int | float):
        return
    yield component
    yield from walk(getattr(component, "children", None))


def with_parts_opened(page, build, search: str = "") -> list:
    """A page as it reads once every collapsed part (layouts/lazy_parts.py) is opened: the page
    and each part's body, built through the parts callback's own builder (`build`), so the
    same rights checks apply. A page with no such parts is returned as it is."""
    from callbacks.lazy_parts import open_parts
    from layouts.lazy_parts import ACCORDION

    accordion = next(
        (
            c
            for c in walk(page)
            if isinstance(getattr(c, "id", None), dict) and c.id.get("type") == ACCORDION
        ),
        None,
    )
    if accordion is None:
        return [page]
    parts = [item.item_id for item in accordion.children]
    bodies, _built = open_parts(build, parts, parts, accordion_built(page), search)
    return [page, *(b for b in bodies if type(b).__name__ != "NoUpdate")]


def accordion_built(page) -> list:
    """The parts a page arrived with already built (a `?measure=…` link opens its part)."""
    from layouts.lazy_parts import BUILT

    store = next(
        c
        for c in walk(page)
        if isinstance(getattr(c, "id", None), dict) and c.id.get("type") == BUILT
    )
    return list(store.data)
