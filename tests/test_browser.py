"""In a real browser: sign in, open the E&E page, click a court's bar and see its drill-down."""

from __future__ import annotations

import csv

import pytest
from browser_waits import PAGE_WAIT
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser


def test_br001_sign_in_open_ee_and_click_a_court_to_drill_down(sign_in, public_data_dir):
    dash_duo = sign_in()
    dash_duo.wait_for_text_to_equal(
        "#page-heading", "Effectiveness & Efficiency", timeout=PAGE_WAIT
    )
    dash_duo.wait_for_contains_text("#tile-court-teesside-value", "1,548", timeout=PAGE_WAIT)

    # Bars are drawn smallest first; find Teesside's bar from the published file's ranking.
    with open(public_data_dir / "ccsq_crown_court" / "gold_backlog_by_court.csv") as handle:
        courts = [
            (float(r["open_latest"]), r["court"])
            for r in csv.DictReader(handle)
            if r["court"] != "Unknown" and r["open_latest"]
        ]
    order = [name for _value, name in sorted(courts)]
    bars = dash_duo.driver.find_elements(
        By.CSS_SELECTOR, "#ee-courts-graph .trace.bars .point path"
    )
    assert len(bars) == len(order)
    ActionChains(dash_duo.driver).move_to_element(bars[order.index("Teesside")]).click().perform()

    dash_duo.wait_for_contains_text("#tile-drill-open-value", "1,548", timeout=PAGE_WAIT)
    dash_duo.wait_for_contains_text("#ee-drill-breadcrumb", "North East region", timeout=PAGE_WAIT)
    assert dash_duo.driver.current_url.endswith("/effectiveness-efficiency?court=CC-TEESSIDE")
    assert dash_duo.get_logs() == []


def test_br002_a_shared_drill_down_url_restores_the_view(sign_in):
    dash_duo = sign_in("/effectiveness-efficiency?court=CC-DURHAM")
    dash_duo.wait_for_contains_text("#tile-drill-open-value", "506", timeout=PAGE_WAIT)
    dash_duo.wait_for_contains_text("#ee-drill-breadcrumb", "Durham", timeout=PAGE_WAIT)


def test_br003_keyboard_user_drills_down_with_the_court_picker(sign_in):
    dash_duo = sign_in()
    dash_duo.wait_for_contains_text("#tile-court-teesside-value", "1,548", timeout=PAGE_WAIT)
    dash_duo.wait_for_element(
        "#ee-court-picker option[value='CC-NEWCASTLE-UPON-TYNE']", timeout=PAGE_WAIT
    )
    picker = dash_duo.find_element("#ee-court-picker")
    picker.send_keys("Newcastle")
    dash_duo.wait_for_contains_text("#tile-drill-open-value", "2,160", timeout=PAGE_WAIT)


def test_br004_a_court_in_the_data_table_opens_its_drill_down_without_reloading(sign_in):
    dash_duo = sign_in()
    dash_duo.wait_for_contains_text("#tile-court-teesside-value", "1,548", timeout=PAGE_WAIT)
    driver = dash_duo.driver
    driver.execute_script("window.stillThisPage = true;")
    # The table behind the courts chart: open its disclosure, then follow Teesside's row.
    link = dash_duo.wait_for_element(
        "#ee-courts-table .data-table a[href$='court=CC-TEESSIDE']", timeout=PAGE_WAIT
    )
    driver.execute_script(
        "arguments[0].closest('details').open = true; arguments[0].scrollIntoView({block: 'center'});",
        link,
    )
    link.send_keys(Keys.ENTER)  # as a keyboard user follows it
    dash_duo.wait_for_contains_text("#tile-drill-open-value", "1,548", timeout=PAGE_WAIT)
    assert driver.current_url.endswith("/effectiveness-efficiency?court=CC-TEESSIDE")
    assert driver.execute_script("return window.stillThisPage === true;")  # no full reload
    assert dash_duo.get_logs() == []
