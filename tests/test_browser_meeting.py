"""In the browser: page through a meeting from the keyboard, print without controls, and generate
a board pack in the background."""

from __future__ import annotations

import base64
import io

import pytest
from browser_waits import PAGE_WAIT
from pypdf import PdfReader
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_browser_boards import serious_violations

from loaders import meetings
from loaders.measures import MEASURES
from loaders.reports import REPORTS

pytestmark = pytest.mark.browser


@pytest.fixture
def presenter(sign_in, app):
    """The analyst signed in on screen 1 of a meeting of the LCJP Board made for this test."""
    factory = app.server.extensions["lcjp"].session_factory
    meeting_id = meetings.create_meeting(factory, "lcjp-board", "2026-01-15", "", "test-analyst")
    browser = sign_in(f"/meeting/{meeting_id}/1", role="analyst")
    browser.wait_for_contains_text("#meeting-position", "Screen 1 of ", timeout=PAGE_WAIT)
    browser.meeting = f"/meeting/{meeting_id}/"
    browser.meeting_id = meeting_id
    # The screens in the meeting's order, as its screen list names them ("3. Title").
    options = browser.driver.find_elements("css selector", "#meeting-jump option")
    browser.titles = [o.text.split(". ", 1)[1] for o in options]
    browser.total = len(options)
    return browser


def _press(browser, key) -> None:
    """A key pressed with focus on the page itself, as a presenter would."""
    ActionChains(browser.driver).send_keys(key).perform()


def _on_screen(browser, number: int, heading: str) -> None:
    WebDriverWait(browser.driver, PAGE_WAIT).until(
        lambda d: d.current_url.endswith(f"{browser.meeting}{number}")
    )
    browser.wait_for_text_to_equal(
        "#meeting-position", f"Screen {number} of {browser.total}", timeout=PAGE_WAIT
    )
    browser.wait_for_text_to_equal("#page-heading", heading, timeout=PAGE_WAIT)


def test_brm001_page_through_a_meeting_by_keyboard_then_print(presenter):
    browser = presenter
    titles = browser.titles[1:]  # screen 2 onwards
    assert set(titles) - {"Awaiting data"} <= {
        MEASURES[m].title for m in REPORTS["lcjp-board"].measure_ids()
    }
    last = browser.total
    agenda_heading = "Local Criminal Justice Partnership Board, 15 January 2026"
    browser.wait_for_text_to_equal("#page-heading", agenda_heading, timeout=PAGE_WAIT)
    assert serious_violations(browser.driver) == []

    _press(browser, Keys.ARROW_RIGHT)
    _on_screen(browser, 2, titles[0])
    browser.wait_for_element("#meeting-chart .js-plotly-plot", timeout=PAGE_WAIT)

    _press(browser, Keys.END)
    _on_screen(browser, last, titles[-1])
    _press(browser, Keys.ARROW_LEFT)
    _on_screen(browser, last - 1, titles[-2])
    _press(browser, Keys.PAGE_UP)
    _on_screen(browser, last - 2, titles[-3])
    _press(browser, Keys.HOME)
    _on_screen(browser, 1, agenda_heading)
    # Exceptions in words, whether or not the real files hold one (a stale signal is none).
    said = browser.find_element("#meeting-exceptions").text
    flagged = "Exception: " in browser.find_element("#meeting-agenda").text
    assert ("show a special-cause signal" in said) == flagged
    assert flagged or "No measure on this agenda shows a special-cause signal" in said

    # A screen number typed then Enter jumps to it.
    _press(browser, "4")
    browser.wait_for_contains_text("#meeting-goto", "Go to screen 4", timeout=PAGE_WAIT)
    _press(browser, Keys.ENTER)
    _on_screen(browser, 4, titles[2])

    # The screen list: choosing screen 5 goes there, and the list then names it as chosen.
    Select(browser.find_element("#meeting-jump")).select_by_index(4)
    _on_screen(browser, 5, titles[3])
    chosen = Select(browser.find_element("#meeting-jump")).first_selected_option
    assert chosen.text == f"5. {titles[3]}"
    # Focus follows the new screen's heading, so a screen reader announces it.
    assert browser.driver.switch_to.active_element.get_attribute("id") == "page-heading"

    # A shared screen URL opens that screen directly.
    browser.driver.get(browser.driver.current_url.rsplit("/", 1)[0] + "/3")
    _on_screen(browser, 3, titles[1])
    browser.wait_for_element("#meeting-chart .js-plotly-plot", timeout=PAGE_WAIT)
    assert serious_violations(browser.driver) == []

    # Printed: no navigation bar, buttons, pager or chart toolbar; the chart itself stays.
    def shown(selector: str) -> list[str]:
        return browser.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]))"
            ".map(e => getComputedStyle(e).display);",
            selector,
        )

    # The site's navigation gives way to the meeting's own controls on a meeting screen.
    assert shown(".navbar") == ["none"] and "none" not in shown("#meeting-fullscreen")
    browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for selector in (".navbar", "button", ".btn", "#meeting-pager", ".modebar-container"):
            assert set(shown(selector)) <= {"none"}, selector
        assert shown(".navbar") and shown("#meeting-fullscreen")
        assert shown("#meeting-chart .js-plotly-plot") == ["block"]
        assert "none" not in shown(".meeting-screen")
        width = browser.driver.execute_script(
            "return document.querySelector('#meeting-chart .main-svg').getBoundingClientRect().width"
        )
        assert width > 300
    finally:
        browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    # Printed for real (A4 landscape from the stylesheet): the measure on one page, without the
    # site's navigation or the meeting's controls.
    printed = browser.driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})
    pdf = PdfReader(io.BytesIO(base64.b64decode(printed["data"])))
    page = pdf.pages[0]
    assert len(pdf.pages) == 1
    assert round(float(page.mediabox.width)) == 842 and round(float(page.mediabox.height)) == 595
    text = page.extract_text()
    assert titles[1] in text and "SPC reading" in text and "Commentary" in text
    for control in ("Previous", "Next", "Full screen", "Sign out", "Skip to main content"):
        assert control not in text, control
    assert browser.get_logs() == []

    # The Meetings page lists the meeting; its Present link opens screen 1.
    browser.driver.get(f"{browser.base}/meetings?report=lcjp-board")
    present = browser.wait_for_element(f"#present-{browser.meeting_id}", timeout=PAGE_WAIT)
    assert serious_violations(browser.driver) == []
    present.send_keys(Keys.ENTER)  # by keyboard; a loading overlay may sit over it
    _on_screen(browser, 1, agenda_heading)


def test_brm003_a_pack_is_generated_in_the_background_and_appears_when_ready(sign_in):
    browser = sign_in("/packs", role="analyst")
    browser.wait_for_text_to_equal("#page-heading", "Board packs", timeout=PAGE_WAIT)
    Select(browser.find_element("#packs-report")).select_by_value("female-offender")
    browser.find_element("#packs-generate").send_keys(Keys.ENTER)
    # The page polls the background job; the button stays locked until it has ended.
    browser.wait_for_contains_text("#packs-result", "Pack generated and stored", timeout=PAGE_WAIT)
    title = REPORTS["female-offender"].title
    browser.wait_for_contains_text("#packs-list", title, timeout=PAGE_WAIT)
    assert not browser.find_element("#packs-generate").get_attribute("disabled")
    assert browser.get_logs() == []
