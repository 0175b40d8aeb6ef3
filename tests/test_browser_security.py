"""In a real browser, under the app's Content-Security-Policy: every page works with no console
errors, the policy really blocks an injected inline script, and the admin pages work by keyboard."""

from __future__ import annotations

import pytest
from browser_waits import PAGE_WAIT
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser


def test_brsec001_every_page_runs_under_the_csp_without_console_errors(sign_in):
    browser = sign_in("/police-demand", "admin")
    browser.wait_for_text_to_equal("#page-heading", "Police demand & outcomes", timeout=PAGE_WAIT)
    browser.wait_for_contains_text("#police-crime-summary", "Durham", timeout=PAGE_WAIT)
    # The outcome mix is a collapsed part, built when opened (from the keyboard: a loading
    # overlay may cover the button, never its focus).
    browser.find_element(".accordion-button").send_keys(Keys.ENTER)
    browser.wait_for_element("#police-outcomes-graph .trace.bars", timeout=PAGE_WAIT)
    # Back up to the navigation (at once: the style sheet scrolls smoothly).
    browser.driver.execute_script("window.scrollTo({top: 0, behavior: 'instant'})")
    for link, heading in (
        ("Effectiveness & Efficiency", "Effectiveness & Efficiency"),
        ("Users and rights", "Users and rights"),
        ("Audit log", "Audit log"),
    ):
        browser.driver.find_element("link text", link).click()
        browser.wait_for_text_to_equal("#page-heading", heading, timeout=PAGE_WAIT)
    browser.wait_for_contains_text("#audit-summary", "events", timeout=PAGE_WAIT)
    assert browser.get_logs() == []


def test_brsec002_the_policy_blocks_an_injected_inline_script(sign_in):
    browser = sign_in("/effectiveness-efficiency", "viewer")
    browser.wait_for_text_to_equal("#page-heading", "Effectiveness & Efficiency", timeout=PAGE_WAIT)
    outcome = browser.driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        window.injectedRan = false;
        document.addEventListener('securitypolicyviolation', (event) => {
            done({blocked: event.violatedDirective, ran: window.injectedRan});
        }, {once: true});
        const script = document.createElement('script');
        script.textContent = 'window.injectedRan = true;';
        document.body.appendChild(script);
        setTimeout(() => done({blocked: null, ran: window.injectedRan}), 2000);
        """
    )
    assert outcome["ran"] is False
    assert outcome["blocked"].startswith("script-src")
    # The browser reports the violation on the console, so test 001's empty log means no violation.
    assert any("Content Security Policy" in entry["message"] for entry in browser.get_logs())


def test_brsec003_a_viewer_opening_an_admin_url_sees_only_a_refusal(sign_in):
    browser = sign_in("/admin/users", "viewer")
    browser.wait_for_text_to_equal("#page-heading", "Not authorised", timeout=PAGE_WAIT)
    assert not browser.driver.find_elements("css selector", "#admin-users-table")
    nav = browser.find_element(".navbar").text
    assert "Users and rights" not in nav and "Audit log" not in nav


def test_brsec004_audit_filters_work_from_the_keyboard(sign_in):
    browser = sign_in("/admin/audit", "admin")
    browser.wait_for_contains_text("#audit-summary", "events", timeout=PAGE_WAIT)
    field = browser.find_element("#audit-user")
    field.send_keys("test-admin", Keys.ENTER)
    browser.wait_for_contains_text("#audit-summary", "user test-admin", timeout=PAGE_WAIT)
    link = browser.find_element("#audit-download").get_attribute("href")
    assert link.endswith("/admin/audit.csv?user=test-admin")
    assert browser.get_logs() == []


def test_brsec005_an_ended_session_sends_the_browser_to_sign_in(sign_in, app, credentials):
    from loaders import sessions, users

    browser = sign_in("/effectiveness-efficiency", "viewer")
    browser.wait_for_contains_text(
        "#tile-crown_open_cases-cc-teesside-value", "1,548", timeout=PAGE_WAIT
    )
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        viewer = users.find_user(session, credentials["viewer"][0])
    sessions.end_user_sessions(factory, viewer.id, "ended by test")
    browser.wait_for_element("#ee-forecast-area option[value='CC-DURHAM']", timeout=PAGE_WAIT)
    browser.find_element("#ee-forecast-area").send_keys("Durham")
    browser.wait_for_element("#login-submit", timeout=PAGE_WAIT)
    assert "next=%2Feffectiveness-efficiency" in browser.driver.current_url


def test_brsec006_sign_out_is_a_button_that_posts_from_this_site(sign_in):
    """The Sign out button POSTs /logout with this site's Origin: accepted, and signed out."""
    browser = sign_in("/data-sources", "viewer")
    browser.wait_for_element("#sign-out", timeout=PAGE_WAIT).send_keys(Keys.ENTER)
    browser.wait_for_element("#login-submit", timeout=PAGE_WAIT)
    browser.driver.get(f"{browser.base}/data-sources")
    browser.wait_for_element("#login-submit", timeout=PAGE_WAIT)
    assert browser.driver.current_url.endswith("/login?next=/data-sources")
