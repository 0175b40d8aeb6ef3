"""In a real browser: sign in, open the E&E page on its courts, click a court's bar and arrive on
the court's own page with focus on its heading."""

from __future__ import annotations

import csv
import time

import pytest
from browser_waits import PAGE_WAIT
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.browser

TEESSIDE_TILE = "#tile-crown_open_cases-cc-teesside-value"
COURT_PAGE = "/effectiveness-efficiency/court/"


def _open_courts_part(dash_duo):
    """Open the collapsed "Open cases by Crown Court centre" part (built when opened)."""
    button = dash_duo.wait_for_element(
        "#ee-more .accordion-item:nth-child(3) .accordion-button", timeout=PAGE_WAIT
    )
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.send_keys(Keys.ENTER)  # as a keyboard user opens it
    dash_duo.wait_for_element("#ee-courts-graph .trace.bars .point path", timeout=PAGE_WAIT)
    # Wait for the part to finish opening, so the bars stand still before one is clicked.
    dash_duo.wait_for_element(
        "#ee-more .accordion-collapse.show #ee-courts-graph", timeout=PAGE_WAIT
    )
    WebDriverWait(dash_duo.driver, PAGE_WAIT).until(
        lambda driver: not driver.find_elements(By.CSS_SELECTOR, "#ee-more .collapsing")
    )


def _on_court_page(dash_duo, code: str, heading: str):
    dash_duo.wait_for_text_to_equal("#page-heading", heading, timeout=PAGE_WAIT)
    assert dash_duo.driver.current_url.endswith(COURT_PAGE + code)
    dash_duo.wait_for_contains_text(
        "#court-region", "North East region (HMCTS):", timeout=PAGE_WAIT
    )
    # Focus moved to the heading, so a screen reader announces the court.
    WebDriverWait(dash_duo.driver, PAGE_WAIT).until(
        lambda driver: driver.execute_script("return document.activeElement.id") == "page-heading"
    )


def test_br001_click_a_courts_bar_to_open_its_page_with_focus_on_its_heading(
    sign_in, public_data_dir
):
    dash_duo = sign_in()
    dash_duo.wait_for_text_to_equal(
        "#page-heading", "Effectiveness & Efficiency", timeout=PAGE_WAIT
    )
    dash_duo.wait_for_contains_text(TEESSIDE_TILE, "1,548", timeout=PAGE_WAIT)
    _open_courts_part(dash_duo)

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
    bar = bars[order.index("Teesside")]
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", bar)
    # The chart may redraw once it is in view (its part has just opened): find the bar again
    # after it settles, so the click lands on Teesside's bar and not a neighbour's.
    time.sleep(1)
    bars = dash_duo.driver.find_elements(
        By.CSS_SELECTOR, "#ee-courts-graph .trace.bars .point path"
    )
    bar = bars[order.index("Teesside")]
    ActionChains(dash_duo.driver).move_to_element(bar).click().perform()

    _on_court_page(dash_duo, "CC-TEESSIDE", "Teesside Crown Court")
    dash_duo.wait_for_contains_text(
        "#tile-crown_backlog_years-cc-teesside-value", "0.69 years", timeout=PAGE_WAIT
    )
    back = dash_duo.find_element("a[href='/effectiveness-efficiency#ee-courts']")
    assert "Back" in back.text
    assert dash_duo.get_logs() == []


def test_br002_an_old_drill_down_url_points_to_the_court_page(sign_in):
    dash_duo = sign_in("/effectiveness-efficiency?court=CC-DURHAM")
    link = dash_duo.wait_for_element(f"a[href='{COURT_PAGE}CC-DURHAM']", timeout=PAGE_WAIT)
    link.click()
    dash_duo.wait_for_text_to_equal("#page-heading", "Durham Crown Court", timeout=PAGE_WAIT)


def test_br003_keyboard_user_opens_a_court_with_the_picker(sign_in):
    dash_duo = sign_in()
    dash_duo.wait_for_contains_text(TEESSIDE_TILE, "1,548", timeout=PAGE_WAIT)
    _open_courts_part(dash_duo)
    dash_duo.wait_for_element(
        "#ee-court-picker option[value='CC-NEWCASTLE-UPON-TYNE']", timeout=PAGE_WAIT
    )
    picker = dash_duo.find_element("#ee-court-picker")
    picker.send_keys("Newcastle")
    _on_court_page(dash_duo, "CC-NEWCASTLE-UPON-TYNE", "Newcastle Upon Tyne Crown Court")


def test_br004_a_court_tile_opens_its_page_without_reloading(sign_in):
    dash_duo = sign_in()
    dash_duo.wait_for_contains_text(TEESSIDE_TILE, "1,548", timeout=PAGE_WAIT)
    driver = dash_duo.driver
    driver.execute_script("window.stillThisPage = true;")
    link = dash_duo.wait_for_element(
        f"#court-cc-teesside h3 a[href='{COURT_PAGE}CC-TEESSIDE']", timeout=PAGE_WAIT
    )
    link.send_keys(Keys.ENTER)  # as a keyboard user follows it
    _on_court_page(dash_duo, "CC-TEESSIDE", "Teesside Crown Court")
    assert driver.execute_script("return window.stillThisPage === true;")  # no full reload
    assert dash_duo.get_logs() == []
