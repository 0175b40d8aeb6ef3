"""The upload page and the template downloads, through the real app: rights checked on the
server, callbacks called directly as a signed-in user, files as a partner would send them."""

from __future__ import annotations

import base64
import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa
from dash_tree import tables_in

from callbacks import submissions
from callbacks.navigation import visible_pages
from loaders.models import Dataset, Observation, Submission, Vintage
from loaders.submissions.checking import check_file
from loaders.submissions.drop_folder import folder_for, submission_files
from loaders.submissions.templates import TEMPLATES

WCU = "wcu_witness_care"


def _text(component) -> str:
    """All the text a person would read in a component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _data_url(data: bytes, mime: str = "text/csv") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _wcu_csv(*rows: str) -> bytes:
    return ("\n".join([",".join(TEMPLATES[WCU].column_names), *rows]) + "\n").encode()


def _state(app) -> dict:
    factory = app.server.extensions["lcjp"].session_factory
    settings = app.server.extensions["lcjp"].settings
    with factory() as session:
        return {
            "observations": session.scalar(sa.select(sa.func.count()).select_from(Observation)),
            "vintages": session.scalar(sa.select(sa.func.count()).select_from(Vintage)),
            "submissions": session.scalar(sa.select(sa.func.count()).select_from(Submission)),
            "current": session.get(Dataset, WCU).current_vintage_id,
            "files": [p.name for p in submission_files(folder_for(settings.submissions_dir, WCU))],
        }


# ---- template downloads ---------------------------------------------------------------------------


@pytest.mark.parametrize("dataset_id", sorted(TEMPLATES))
def test_the_csv_template_is_the_header_row_of_the_template(client, auth, dataset_id):
    auth.login("analyst")
    response = client.get(f"/submissions/templates/{dataset_id}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{dataset_id}-template.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [TEMPLATES[dataset_id].column_names]


def test_the_excel_template_has_a_data_dictionary_and_goes_straight_back_in(client, auth):
    auth.login("analyst")
    template = TEMPLATES["hmcts_crown_mi"]
    response = client.get("/submissions/templates/hmcts_crown_mi.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Data", "Data dictionary", "Codes"]
    assert [c.value for c in workbook["Data"][1]] == template.column_names
    dictionary = [[c.value for c in row] for row in workbook["Data dictionary"].iter_rows()]
    header_at = dictionary.index(
        ["column", "meaning", "type", "unit", "required", "allowed values", "example"]
    )
    entries = {
        row[0]: row for row in dictionary[header_at + 1 : header_at + 1 + len(template.columns)]
    }
    assert list(entries) == template.column_names
    assert entries["cracked_trials"][1].startswith("Trials that ended on the day without a trial")
    assert entries["month"][5].startswith("YYYY-MM")
    assert "CC-TEESSIDE" in [c.value for c in workbook["Codes"]["A"]]
    assert any("must equal trials" in (row[0] or "") for row in dictionary)
    # A partner fills the Data sheet and uploads the workbook as it is.
    sheet = workbook["Data"]
    sheet.append(["CC-TEESSIDE", "2025-01", 150, 140, 1548, 40, 14, 16, 10, None, 2, 3, 2, 1, 2])
    filled = io.BytesIO()
    workbook.save(filled)
    checked = check_file(template, "filled.xlsx", filled.getvalue())
    assert checked.ok, checked.problems
    assert checked.row_count == 1


def test_anonymous_template_downloads_get_401(client):
    response = client.get("/submissions/templates/wcu_witness_care.xlsx")
    assert response.status_code == 401  # every download, like every /_dash-* route
    assert response.get_json()["error"] == "authentication required"


def test_a_template_the_user_may_not_see_is_refused_with_403(client, auth):
    auth.login("viewer")
    assert client.get("/submissions/templates/police_force_extract.csv").status_code == 403
    assert client.get("/submissions/templates/police_force_extract.xlsx").status_code == 403
    assert client.get("/submissions/templates/wcu_witness_care.csv").status_code == 200


@pytest.mark.parametrize(
    "path", ["moj_ccsq_crown.csv", "no_such_return.xlsx", "not%20a%20return.csv"]
)
def test_templates_exist_only_for_partner_datasets(client, auth, path):
    auth.login("admin")
    assert client.get(f"/submissions/templates/{path}").status_code == 404


def test_the_download_checks_rights_even_without_the_guard(app, as_user):
    with as_user("viewer"):
        response = submissions.download_template("police_force_extract", "csv")
    assert response.status_code == 403
    with app.server.test_request_context("/submissions/templates/wcu_witness_care.csv"):
        body, status = submissions.download_template(WCU, "csv")
    assert status == 401


# ---- the page's callbacks -----------------------------------------------------------------------------


def test_only_users_who_may_submit_see_the_page_and_the_returns(as_user):
    with as_user("analyst") as user:
        options, value, limit, text = submissions.update_choices({"dataset": WCU})
        assert "/submit" in [p["path"] for p in visible_pages(user)]
    assert [o["value"] for o in options] == ["", *TEMPLATES]
    assert value == WCU and limit == 64 * 1024 * 1024 and "up to 64 MB" in text
    with as_user("viewer") as user:
        options, value, _limit, text = submissions.update_choices({"dataset": WCU})
        assert "/submit" not in [p["path"] for p in visible_pages(user)]
    assert (options, value) == ([], "") and "cannot submit" in text


def test_the_template_panel_shows_the_data_dictionary_and_the_downloads(as_user):
    with as_user("analyst"):
        panel = submissions.update_template("probation_iom_cohort", None)
    text = _text(panel)
    assert "Probation and IOM cohort return" in text
    assert (
        "baseline_convictions" in text
        and "members_convicted may not be larger than cohort_size" in text
    )
    assert "A calendar quarter, written YYYY-Qn" in text
    links = [c.href for c in _walk(panel) if getattr(c, "href", None)]
    assert links == [
        "/submissions/templates/probation_iom_cohort.csv",
        "/submissions/templates/probation_iom_cohort.xlsx",
    ]
    with as_user("viewer"):
        assert "may not submit" in _text(submissions.update_template("probation_iom_cohort", None))
    with as_user("analyst"):
        assert "Choose a return" in _text(submissions.update_template("", None))


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            yield from _walk(child)
    elif children is not None and not isinstance(children, str | int | float):
        yield from _walk(children)


def test_uploading_a_good_file_loads_a_new_vintage_shown_at_once(app, as_user):
    before = _state(app)
    data = _wcu_csv("E23000008,2024-01,420,389,610,548,", "E23000013,2024-01,380,301,500,402,")
    with as_user("analyst"):
        report, cleared, done = submissions.upload_submission(
            1, WCU, _data_url(data), "C:\\fakepath\\wcu.csv"
        )
        panel = submissions.update_template(WCU, done)
    text = _text(report)
    after = _state(app)
    assert "wcu.csv was loaded" in text and "2 rows gave 4 figures" in text
    assert f"vintage {after['current']}" in text and done == after["current"] != before["current"]
    assert cleared is None  # the file is cleared so a second click cannot load it twice
    assert after["vintages"] == before["vintages"] + 1
    assert after["submissions"] == before["submissions"] + 1
    assert len(after["files"]) == len(before["files"]) + 1
    assert "wcu.csv" in _text(panel) and "test-analyst" in _text(panel)
    with as_user("analyst"):
        figures = submissions.data.observations(
            "wcu_needs_assessment_rate", area_codes=["E23000013"]
        )
    row = figures[figures["period_start"].astype(str) == "2024-01-01"].iloc[0]
    assert (row["numerator"], row["denominator"]) == (301, 380)


def test_uploading_a_bad_file_lists_every_problem_and_changes_nothing(app, as_user):
    before = _state(app)
    data = _wcu_csv(
        "Durham,2024-02,420,389,610,548,",
        "E23000013,2024-02,380,three hundred,500,402,",
        "E23000013,2024-02,380,300,500,402,",
    )
    with as_user("admin"):
        report, cleared, done = submissions.upload_submission(1, WCU, _data_url(data), "wcu.csv")
    text = _text(report)
    assert "wcu.csv was not loaded: 3 problems" in text and "Nothing was saved" in text
    rows = [row for table in tables_in(report) for row in table["rows"][1:]]
    assert [r[:2] for r in rows] == [
        ["2", "area_code"],
        ["3", "needs_assessments_completed"],
        ["4", "month"],
    ]
    assert "write E23000008 (Durham)" in rows[0][2]
    assert (cleared, done) == (None, submissions.no_update)
    assert _state(app) == before


def test_uploads_are_refused_to_users_without_the_right_and_for_forged_returns(app, as_user):
    before = _state(app)
    data = _data_url(_wcu_csv("E23000008,2024-03,420,389,610,548,"))
    with as_user("viewer"):
        report, *_ = submissions.upload_submission(1, WCU, data, "wcu.csv")
    assert "may not submit" in _text(report)
    with as_user("admin"):
        for forged in ("moj_ccsq_crown", "../../etc", "police_uk_street"):
            report, *_ = submissions.upload_submission(1, forged, data, "wcu.csv")
            assert "may not submit" in _text(report)
    assert _state(app) == before


def test_an_oversized_upload_is_refused_before_it_is_decoded(as_user):
    payload = "A" * (4 * 1024 * 1024 // 3 * 3)  # base64 of about 3 MB
    data, problem = submissions.decode_upload(
        f"data:text/csv;base64,{payload}", "big.csv", 1024 * 1024
    )
    assert data is None and "big.csv is 3.0 MB; files may be at most 1 MB" in problem.message
    data, problem = submissions.decode_upload("data:text/csv;base64,@@@", "x.csv", 1024)
    assert data is None and "damaged" in problem.message
    data, problem = submissions.decode_upload("not a data url", "x.csv", 1024)
    assert data is None and "did not send" in problem.message


def test_a_small_limit_refuses_a_large_upload_in_plain_words_and_at_the_door(make_settings):
    import re

    import flask_login

    from app import create_app
    from loaders import users

    small = create_app(make_settings(submission_max_bytes=4096))
    services = small.server.extensions["lcjp"]
    users.create_user(
        services.session_factory, "limit-analyst", "analyst-password-123", role="analyst"
    )
    assert small.server.config["MAX_CONTENT_LENGTH"] == 4096 * 4 // 3 + 1024 * 1024
    data = _wcu_csv(*[f"E23000008,2024-{m:02d},420,389,610,548,{'x' * 400}" for m in range(1, 13)])
    with small.server.test_request_context("/_dash-update-component", method="POST"):
        with services.session_factory() as session:
            flask_login.login_user(users.find_user(session, "limit-analyst"))
        options, _value, _limit, text = submissions.update_choices({})
        report, *_ = submissions.upload_submission(1, WCU, _data_url(data), "year.csv")
    assert "up to 4 KB" in text
    assert "year.csv is 5 KB; files may be at most 4 KB" in _text(report)
    assert not submission_files(folder_for(services.settings.submissions_dir, WCU))
    # A request far over the limit is refused before it is read at all.
    client = small.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    signed_in = client.post(
        "/login",
        data={"username": "limit-analyst", "password": "analyst-password-123", "csrf": token},
    )
    assert signed_in.status_code == 302
    response = client.post(
        "/_dash-update-component", data=b"x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 413
