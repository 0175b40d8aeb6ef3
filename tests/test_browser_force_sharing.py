"""In a real browser: an administrator picks a dataset on the data-sharing register and the form
fills from its entry; the Force performance page switches to the Panel's quarterly view."""

from __future__ import annotations

import pytest
from browser_waits import PAGE_WAIT, wait_for_text_content
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from loaders.datasets import DATASETS

pytestmark = pytest.mark.browser


def test_brs001_choosing_a_dataset_fills_the_register_form(sign_in):
    browser = sign_in("/admin/sharing", "admin")
    browser.wait_for_text_to_equal("#page-heading", "Data-sharing register", timeout=PAGE_WAIT)
    browser.wait_for_element(
        "#sharing-dataset option[value='police_force_extract']", timeout=PAGE_WAIT
    )
    Select(browser.find_element("#sharing-dataset")).select_by_value("police_force_extract")
    browser.wait_for_contains_text(
        "#sharing-form-note", "Editing police_force_extract", timeout=PAGE_WAIT
    )
    provider = browser.find_element("#sharing-provider").get_attribute("value")
    assert provider == DATASETS["police_force_extract"].publisher
    chosen = {
        field: Select(browser.find_element(f"#sharing-{field}")).first_selected_option.text
        for field in ("classification", "agreement")
    }
    assert chosen == {"classification": "force restricted", "agreement": "DSA"}
    assert browser.get_logs() == []


def test_brs002_the_quarterly_view_changes_the_force_headlines(sign_in):
    browser = sign_in("/force-performance", "analyst")
    tile = "#force-tile-police_street_records-e23000008"
    monthly = wait_for_text_content(browser, tile, "Jun 2025")
    # From the keyboard: a loading overlay may cover the link, never its focus.
    link = browser.driver.find_element(
        By.CSS_SELECTOR, "a[href='/force-performance?view=quarterly']"
    )
    link.send_keys(Keys.ENTER)
    quarterly = wait_for_text_content(browser, tile, "Apr–Jun 2025")
    assert quarterly != monthly and "Durham" in quarterly
    assert "view=quarterly" in browser.driver.current_url
    # The measure table is a collapsed part: opened from the keyboard, built for the period.
    part = next(
        b
        for b in browser.driver.find_elements(By.CSS_SELECTOR, ".accordion-button")
        if b.text.startswith("Every measure of the Plan")
    )
    part.send_keys(Keys.ENTER)
    wait_for_text_content(browser, "#force-measures", "Apr–Jun 2025")
