"""In the browser: board pages pass axe-core, and drill-down by click and by URL works."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from browser_waits import PAGE_WAIT
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser

AXE = Path(importlib.util.find_spec("axe_playwright_python").origin).parent / "axe.min.js"
PAGES = [
    "/board",
    "/board",
    "/effectiveness-efficiency",
    "/effectiveness-efficiency/court/CC-TEESSIDE",
    "/victim-witness",
    "/reducing-reoffending",
    "/female-offender",
    "/police-demand",
    "/force-performance",
    "/actions",
    "/packs",
]


@pytest.fixture
def browser(sign_in):
    """An analyst's browser on the app, past the sign-in form."""
    dash_br = sign_in("/", "analyst")
    dash_br.wait_for_element("#page-heading", timeout=PAGE_WAIT)
    return dash_br


def serious_violations(driver) -> list[str]:
    """axe-core 4 run on the whole page; serious and critical findings as readable lines."""
    driver.execute_script(AXE.read_text())
    driver.set_script_timeout(PAGE_WAIT)
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations));"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']} {v['nodes'][0].get('failureSummary', '')}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]


def test_brb001_every_board_page_passes_axe_core(browser):
    found = {}
    for path in PAGES:
        browser.driver.get(browser.base + path)
        browser.wait_for_element("#page-heading", timeout=PAGE_WAIT)
        browser.wait_for_element(
            ".tile-value, .chart-summary:not(:empty), #actions-summary:not(:empty), "
            "#packs-list > *",
            timeout=PAGE_WAIT,
        )
        problems = serious_violations(browser.driver)
        if problems:
            found[path] = problems
    assert found == {}


def test_brb002_click_an_area_then_a_category_and_restore_from_the_url(browser):
    browser.driver.get(browser.base + "/victim-witness")
    section = "#section-police_unable_to_prosecute_share"
    browser.wait_for_element(
        f"{section} .js-plotly-plot .trace.bars .point path", timeout=PAGE_WAIT
    )
    bars = browser.driver.find_elements(
        By.CSS_SELECTOR, f"{section} .js-plotly-plot .trace.bars .point path"
    )
    # The bar order comes from the figure itself: its customdata holds each bar's area code.
    codes = browser.driver.execute_script(
        "const plots = document.querySelectorAll(arguments[0] + ' .js-plotly-plot');"
        "for (const p of plots) { const d = p.data && p.data[0];"
        "  if (d && d.type === 'bar') return Array.from(d.customdata); }",
        section,
    )
    ActionChains(browser.driver).move_to_element(bars[codes.index("E23000013")]).click().perform()
    browser.wait_for_contains_text(f"{section} .breadcrumb", "Cleveland", timeout=PAGE_WAIT)
    assert "area=E23000013" in browser.driver.current_url

    browser.wait_for_element(
        f"{section} .js-plotly-plot .trace.bars .point path", timeout=PAGE_WAIT
    )
    shared = browser.driver.current_url
    browser.driver.get(browser.base + "/board")
    browser.wait_for_element("#page-heading", timeout=PAGE_WAIT)
    browser.driver.get(shared)  # a shared link restores the drilled view
    browser.wait_for_contains_text(f"{section} .breadcrumb", "Cleveland", timeout=PAGE_WAIT)
    browser.wait_for_contains_text(f"{section} .chart-summary", "Cleveland", timeout=PAGE_WAIT)
