"""In a real browser: the Force performance page's first screen draws one measure's charts, and
a collapsed part opened from the keyboard builds its own (callbacks/lazy_parts.py)."""

from __future__ import annotations

import pytest
from browser_waits import PAGE_WAIT
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser

# One measure section: its SPC trend, its ranked comparison and its map.
FIRST_SCREEN_CHARTS = 3


def test_brl001_force_page_draws_its_first_screen_then_a_part_opened_by_keyboard(sign_in):
    browser = sign_in("/force-performance", "analyst")
    browser.wait_for_element("#section-police_street_records .js-plotly-plot", timeout=PAGE_WAIT)
    browser.wait_for_contains_text(
        "#section-police_street_records .chart-summary", "Jun 2025", timeout=PAGE_WAIT
    )
    driver = browser.driver
    assert len(driver.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")) <= FIRST_SCREEN_CHARTS
    assert driver.find_elements(By.CSS_SELECTOR, "#section-force_repeat_victims") == []

    button = next(
        b
        for b in driver.find_elements(By.CSS_SELECTOR, ".accordion-button")
        if b.text.startswith("How well are victims supported?")
    )
    assert "(4 measures)" in button.text
    button.send_keys(Keys.ENTER)
    browser.wait_for_element(
        "#section-police_unable_to_prosecute_share .js-plotly-plot .trace.bars .point path",
        timeout=PAGE_WAIT,
    )
    assert button.get_attribute("aria-expanded") == "true"
    assert len(driver.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")) > FIRST_SCREEN_CHARTS
    assert browser.get_logs() == []


def test_brl002_a_court_pages_parts_build_when_opened(sign_in):
    browser = sign_in("/effectiveness-efficiency/court/CC-TEESSIDE", "viewer")
    browser.wait_for_contains_text("#court-region", "North East", timeout=PAGE_WAIT)
    driver = browser.driver
    assert driver.find_elements(By.CSS_SELECTOR, "#court-similar-graph") == []
    for button in driver.find_elements(By.CSS_SELECTOR, ".accordion-button"):
        button.send_keys(Keys.ENTER)
    browser.wait_for_element("#court-similar-graph .trace.bars .point path", timeout=PAGE_WAIT)
    browser.wait_for_contains_text("#court-forecast-summary", "Teesside", timeout=PAGE_WAIT)
    assert browser.get_logs() == []
