"""In a real browser: an administrator refreshes from the ledger page; everyone sees Data sources."""

from __future__ import annotations

import pytest
from browser_waits import PAGE_WAIT
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser


def test_br101_admin_refreshes_all_and_watches_the_ledger(sign_in, warmed_app):
    """Refresh now queues a request; the page says no scheduler is running until one drains it."""
    from scheduler.jobs import drain_requests

    dash_duo = sign_in("/admin/refresh", "admin")
    dash_duo.wait_for_text_to_equal("#page-heading", "Data refresh", timeout=PAGE_WAIT)
    dash_duo.wait_for_contains_text(
        "#ledger-moj_ccsq_crown", "Criminal court statistics", timeout=PAGE_WAIT
    )
    # Pressed from the keyboard: a loading overlay can sit over the button while the ledger polls.
    dash_duo.find_element("#admin-refresh-all").send_keys(Keys.ENTER)
    dash_duo.wait_for_contains_text("#admin-refresh-message", "queued", timeout=PAGE_WAIT)
    dash_duo.wait_for_contains_text(
        "#admin-requests", "Waiting for the scheduler", timeout=PAGE_WAIT
    )
    dash_duo.wait_for_contains_text(
        "#scheduler-status", "No scheduler is running", timeout=PAGE_WAIT
    )
    # What `python -m scheduler` does every few seconds.
    services = warmed_app.server.extensions["lcjp"]
    drain_requests(services.engine, services.session_factory, services.settings)
    # The ledger polls: the run appears with the admin as its trigger and its outcome.
    dash_duo.wait_for_contains_text("#ledger-police_uk_street", "admin", timeout=PAGE_WAIT)
    dash_duo.wait_for_contains_text("#ledger-police_uk_street", "Unchanged", timeout=PAGE_WAIT)
    dash_duo.wait_for_contains_text("#admin-requests", "Done", timeout=PAGE_WAIT)
    assert dash_duo.get_logs() == []


def test_br102_a_viewer_sees_data_sources_but_not_the_refresh_page(sign_in):
    dash_duo = sign_in("/data-sources", "viewer")
    dash_duo.wait_for_text_to_equal("#page-heading", "Data sources", timeout=PAGE_WAIT)
    dash_duo.wait_for_contains_text("#source-moj_ccsq_crown", "2025 Q4", timeout=PAGE_WAIT)
    assert "Data refresh" not in dash_duo.find_element(".navbar").text
    dash_duo.driver.get(dash_duo.driver.current_url.replace("/data-sources", "/admin/refresh"))
    dash_duo.wait_for_contains_text("#page-not-authorised", "do not have access", timeout=PAGE_WAIT)
    assert dash_duo.get_logs() == []
