"""Every in-page link (href="#…" or "<path>#…") on every registered page lands on an element with
that id: each page's layout is rendered with what its callbacks draw into it, then each link's
page is rendered the same way (with the link's query) and searched for the id."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import dash
import pytest
from dash_tree import tables_in, walk, with_parts_opened

from callbacks import courts, force_page, subgroup
from callbacks import pages as pages_callbacks
from callbacks.navigation import serve_layout
from layouts import court as court_layout

# What callbacks draw into a page, by the page's module: links live in tiles and tables too.
SAMPLE_TEMPLATE_VALUES = {"court": "CC-TEESSIDE"}


def _fillers(page: dict, tree, query: dict, opened: bool) -> list:
    """`opened`: with every collapsed part opened (to find links); else as the page arrives (to
    find targets: a link must not point into a part that is still collapsed)."""
    module = page["module"]
    if module == "board_overview":
        return [subgroup.update_overview({})]
    if module.startswith("subgroup_"):
        state = {"subgroup": page["subgroup"]}
        if page["subgroup"] != courts.SUBGROUP:
            parts = [subgroup.update_tiles(state)]
            if opened:  # the collapsed parts, and the table their callback draws into one
                build = pages_callbacks.part_builder(page["subgroup"])
                parts += [
                    *with_parts_opened(tree, build, _search(query))[1:],
                    subgroup.update_measure_table(state),
                ]
            return parts
        parts = [
            courts.update_court_block({}),
            courts.update_court_trends({}),
            courts.update_forecast("national", "8", ""),
        ]
        if opened:  # the collapsed parts, and what their callbacks draw into them
            built = courts.open_parts(list(court_layout.LAZY_PARTS), [], _search(query))
            parts += [
                *built[:-1],
                subgroup.update_tiles(state),
                subgroup.update_measure_table(state),
            ]
        return parts
    if module == "ee_court":
        return list(courts.update_court_page({"court": query.get("court")}))
    if module == "force_performance":
        if not opened:
            return []
        return [
            *with_parts_opened(tree, force_page.build_part, _search(query))[1:],
            force_page.update_force_table({"view": query.get("view", "monthly")}),
        ]
    return []


def _search(query: dict) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""


def _render(page: dict, query: dict, opened: bool = False) -> list:
    layout = page["layout"]
    tree = layout(**query) if callable(layout) else layout
    return [tree, *_fillers(page, tree, query, opened)]


def _ids(tree) -> set[str]:
    return {str(c.id) for c in walk(tree) if isinstance(getattr(c, "id", None), str)}


def _hrefs(tree) -> set[str]:
    found = {c.href for c in walk(tree) if isinstance(getattr(c, "href", None), str)}
    for table in tables_in(tree):
        found |= set(table["links"].values())
    return {h for h in found if "#" in h}


def _page_for(path: str) -> tuple[dict | None, dict]:
    for page in dash.page_registry.values():
        if page["path"] == path:
            return page, {}
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if not template:
            continue
        pattern = "^" + re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", template) + "$"
        match = re.match(pattern, path)
        if match:
            return page, match.groupdict()
    return None, {}


def _concrete(page: dict) -> tuple[str, dict]:
    template = page.get("path_template")
    if not template:
        return page["path"], {}
    values = {
        name: SAMPLE_TEMPLATE_VALUES.get(name, "1") for name in re.findall(r"<(\w+)>", template)
    }
    path = template
    for name, value in values.items():
        path = path.replace(f"<{name}>", value)
    return path, values


@pytest.fixture(scope="module")
def pages(app):
    return [p for p in dash.page_registry.values() if not p["module"].startswith("meeting")]


def test_every_in_page_link_on_every_page_has_its_target(app, as_user, pages):
    checked, broken, seen = 0, [], set()
    with as_user("analyst"):
        shell_ids = _ids(serve_layout())
        for page in pages:
            path, values = _concrete(page)
            tree = _render(page, values, opened=True)
            for href in sorted(_hrefs(tree)):
                target = urlsplit(href)
                query = dict(parse_qsl(target.query))
                if target.path in ("", path):
                    landing, landing_values = page, values
                else:
                    landing, landing_values = _page_for(target.path)
                if landing is None:
                    broken.append(f"{path}: {href} (no such page)")
                    continue
                ids = _ids(_render(landing, {**landing_values, **query}))
                checked += 1
                seen.add(href)
                if target.fragment not in ids | shell_ids:
                    broken.append(f"{path}: {href}")
    assert broken == []
    assert checked > 20  # the board overview's tiles, the E&E tiles and tables, …


def test_board_tiles_for_the_courts_open_their_court_pages(as_user):
    with as_user("viewer"):
        overview = subgroup.update_overview({})
    hrefs = {c.href for c in walk(overview) if type(c).__name__ == "Link"}
    assert "/effectiveness-efficiency/court/CC-TEESSIDE" in hrefs
    assert "/effectiveness-efficiency/court/CC-DURHAM" in hrefs
    assert not any(h.endswith("#section-crown_open_cases") for h in hrefs)
