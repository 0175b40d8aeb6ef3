"""In a real browser: an administrator picks a dataset on the data-sharing register and the form
fills from its entry; the Force performance page switches to the Panel's quarterly view."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from loaders.datasets import DATASETS

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(dash_thread_server, dash_br, app, credentials):
    """Serve the app and sign in through the real form (see tests/test_browser.py)."""
    dash_thread_server(app)

    def go(next_url: str, role: str):
        username, password = credentials[role]
        dash_br.driver.get(f"{dash_thread_server.url}/login?next={next_url}")
        dash_br.find_element("#username").send_keys(username)
        dash_br.find_element("#password").send_keys(password)
        dash_br.find_element("#login-submit").click()
        return dash_br

    return go


def _wait_for_text(browser, selector: str, text: str, timeout: int = 60) -> str:
    """Wait until an element's text content holds `text` and return it. Text content, not the
    rendered text: while the page's sections load, a loading overlay may hide part of a tile."""

    def found(driver):
        try:
            content = driver.find_element(By.CSS_SELECTOR, selector).get_attribute("textContent")
        except WebDriverException:  # not there yet, or replaced while the page loads
            return False
        return content if text in content else False

    return WebDriverWait(browser.driver, timeout).until(found)


def test_brs001_choosing_a_dataset_fills_the_register_form(signed_in):
    browser = signed_in("/admin/sharing", "admin")
    browser.wait_for_text_to_equal("#page-heading", "Data-sharing register", timeout=30)
    browser.wait_for_element("#sharing-dataset option[value='police_force_extract']", timeout=30)
    Select(browser.find_element("#sharing-dataset")).select_by_value("police_force_extract")
    browser.wait_for_contains_text("#sharing-form-note", "Editing police_force_extract", timeout=30)
    provider = browser.find_element("#sharing-provider").get_attribute("value")
    assert provider == DATASETS["police_force_extract"].publisher
    chosen = {
        field: Select(browser.find_element(f"#sharing-{field}")).first_selected_option.text
        for field in ("classification", "agreement")
    }
    assert chosen == {"classification": "force restricted", "agreement": "DSA"}
    assert browser.get_logs() == []


def test_brs002_the_quarterly_view_changes_the_force_headlines(signed_in):
    browser = signed_in("/force-performance", "analyst")
    tile = "#force-tile-police_street_records-e23000008"
    monthly = _wait_for_text(browser, tile, "Jun 2025")
    # From the keyboard: a loading overlay may cover the link, never its focus.
    link = browser.driver.find_element(
        By.CSS_SELECTOR, "a[href='/force-performance?view=quarterly']"
    )
    link.send_keys(Keys.ENTER)
    quarterly = _wait_for_text(browser, tile, "Apr–Jun 2025")
    assert quarterly != monthly and "Durham" in quarterly
    assert "view=quarterly" in browser.driver.current_url
    _wait_for_text(browser, "#force-measures", "Apr–Jun 2025")
