"""How long browser tests wait for the app, and a wait that reads text behind a loading overlay.

Long enough for a page's first draw on a slow, shared CI machine running the other test passes
beside the browser (CI has taken about three times the development machine's time, and the passes
side by side about twice that again), short enough that a page that never arrives fails in
minutes. A passing test never waits the whole time: a page draws in a few seconds here.
"""

from __future__ import annotations

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

PAGE_WAIT = 240


def wait_for_text_content(browser, selector: str, text: str, timeout: int = PAGE_WAIT) -> str:
    """Wait until an element's text content holds `text` and return it. Text content, not the
    rendered text: while the page's sections load, a loading overlay may hide part of a tile."""

    def found(driver):
        try:
            content = driver.find_element(By.CSS_SELECTOR, selector).get_attribute("textContent")
        except WebDriverException:  # not there yet, or replaced while the page loads
            return False
        return content if text in content else False

    return WebDriverWait(browser.driver, timeout).until(found)
