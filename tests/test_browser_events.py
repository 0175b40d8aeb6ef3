"""In a real browser: an administrator adds an event on the events page and deletes it again."""

from __future__ import annotations

import pytest
from browser_waits import PAGE_WAIT
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser

# React ignores a value set straight on the element; set it the way a person typing would.
SET_VALUE = """
const input = arguments[0];
const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
setter.call(input, arguments[1]);
input.dispatchEvent(new Event('input', {bubbles: true}));
"""


@pytest.fixture
def signed_in_admin(sign_in):
    return sign_in("/admin/events", "admin")


def test_br_events_admin_adds_and_deletes_an_event(signed_in_admin):
    dash_duo = signed_in_admin
    dash_duo.wait_for_text_to_equal("#page-heading", "Events and series breaks", timeout=PAGE_WAIT)
    dash_duo.wait_for_contains_text("#events-table", "First COVID-19 lockdown", timeout=PAGE_WAIT)

    dash_duo.find_element("#event-form-title").send_keys("Browser test strike")
    for field, value in (("#event-form-start", "2022-04-11"), ("#event-form-end", "2022-10-10")):
        dash_duo.driver.execute_script(SET_VALUE, dash_duo.find_element(field), value)
    dash_duo.find_element("#event-form-submit").send_keys(Keys.ENTER)  # by keyboard
    dash_duo.wait_for_contains_text(
        "#event-form-status", "Added “Browser test strike”", timeout=PAGE_WAIT
    )
    dash_duo.wait_for_contains_text("#events-table", "Browser test strike", timeout=PAGE_WAIT)

    delete = dash_duo.driver.find_element(
        By.CSS_SELECTOR, "button[aria-label='Delete Browser test strike']"
    )
    delete.send_keys(Keys.ENTER)
    dash_duo.wait_for_contains_text("#events-table-status", "Event deleted", timeout=PAGE_WAIT)
    assert "Browser test strike" not in dash_duo.find_element("#events-table").text
    assert dash_duo.get_logs() == []


def test_br_events_page_refuses_a_viewer(dash_thread_server, dash_br, app, credentials):
    dash_thread_server(app)
    username, password = credentials["viewer"]
    dash_br.driver.get(f"{dash_thread_server.url}/login?next=/admin/events")
    dash_br.find_element("#username").send_keys(username)
    dash_br.find_element("#password").send_keys(password)
    dash_br.find_element("#login-submit").click()
    dash_br.wait_for_contains_text("#page-not-authorised", "do not have access", timeout=PAGE_WAIT)
    assert not dash_br.driver.find_elements(By.CSS_SELECTOR, "#event-form-title")
