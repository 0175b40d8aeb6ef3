"""In a real browser: an analyst opens the upload page from a link, sends a broken return, reads
its problems by row and column, then sends the corrected file, using the keyboard."""

from __future__ import annotations

import pytest
from browser_waits import PAGE_WAIT
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from loaders.submissions.templates import TEMPLATES

pytestmark = pytest.mark.browser

HEADER = ",".join(TEMPLATES["wcu_witness_care"].column_names)


def _choose(dash_br, path) -> None:
    dash_br.driver.find_element(By.CSS_SELECTOR, "#submit-upload input[type=file]").send_keys(
        str(path)
    )


def test_br101_a_broken_return_is_explained_and_the_corrected_one_loads(sign_in, tmp_path):
    dash_br = sign_in("/submit?dataset=wcu_witness_care", "analyst")
    dash_br.wait_for_text_to_equal("#page-heading", "Submit partner data", timeout=PAGE_WAIT)
    dash_br.wait_for_contains_text(
        "#submit-template", "Witness Care Unit return", timeout=PAGE_WAIT
    )
    assert "Submit partner data" in dash_br.find_element(".navbar").text

    # The drop zone's button is a real button: it takes focus from the keyboard.
    choose = dash_br.find_element("#submit-choose")
    assert choose.tag_name == "button"
    dash_br.driver.execute_script("arguments[0].focus()", choose)
    assert dash_br.driver.switch_to.active_element.get_attribute("id") == "submit-choose"

    broken = tmp_path / "wcu-may.csv"
    broken.write_text(f"{HEADER}\nE23000008,2023-05,420,three,610,548,\n")
    _choose(dash_br, broken)
    dash_br.wait_for_contains_text("#submit-file", "Chosen: wcu-may.csv", timeout=PAGE_WAIT)
    dash_br.find_element("#submit-button").send_keys(Keys.ENTER)
    dash_br.wait_for_contains_text(
        "#submit-problems", "wcu-may.csv was not loaded", timeout=PAGE_WAIT
    )
    cells = [
        c.text
        for c in dash_br.driver.find_elements(By.CSS_SELECTOR, "#submit-problems tbody tr > *")
    ]
    assert cells[:2] == ["2", "needs_assessments_completed"]
    assert "'three' is not a number" in cells[2]

    # The corrected file has the same name; the "Choose a file" dialog would clear the chooser
    # before opening, which sending keys to it does not, so it comes from another folder.
    (tmp_path / "fixed").mkdir()
    fixed = tmp_path / "fixed" / "wcu-may.csv"
    fixed.write_text(f"{HEADER}\nE23000008,2023-05,420,390,610,548,\n")
    _choose(dash_br, fixed)
    dash_br.wait_for_contains_text("#submit-file", "Chosen: wcu-may.csv", timeout=PAGE_WAIT)
    dash_br.find_element("#submit-button").send_keys(Keys.ENTER)
    dash_br.wait_for_contains_text("#submit-success", "wcu-may.csv was loaded", timeout=PAGE_WAIT)
    dash_br.wait_for_contains_text("#submit-success", "1 row gave 2 figures", timeout=PAGE_WAIT)
    assert dash_br.get_logs() == []
