"""Partner files against their templates: every hostile file a partner can send, and the registry.

No database here: these call the same checks the upload page and the drop-folder loader use.
"""

from __future__ import annotations

import codecs
import io
from datetime import date

import openpyxl
import pytest

from loaders.datasets import DATASETS
from loaders.measures import MEASURES, SUBGROUPS
from loaders.submissions import demo_returns
from loaders.submissions.checking import check_file, to_observations
from loaders.submissions.problems import ROWS_LISTED_PER_KIND
from loaders.submissions.templates import TEMPLATES

TODAY = date(2026, 11, 26)
WCU = TEMPLATES["wcu_witness_care"]
HEADER = ",".join(WCU.column_names)  # area_code,month,due,completed,warned,attended,notes
GOOD_ROWS = [
    "E23000008,2025-01,420,389,610,548,",
    "E23000013,2025-01,380,301,500,402,",
    "E23000008,2025-02,400,391,590,560,",
]


def _csv(*rows: str, header: str = HEADER, end: str = "\n") -> bytes:
    return (end.join([header, *rows]) + end).encode()


def _check(data: bytes, template=WCU, name: str = "return.csv"):
    return check_file(template, name, data, today=TODAY)


def _where(checked) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in checked.problems}


def _text(checked) -> str:
    return " | ".join(str(p) for p in checked.problems)


def _workbook(*rows, title: str = "Data") -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    return workbook


def _xlsx(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- a good file -------------------------------------------------------------------------------


def test_a_good_file_gives_exactly_its_figures():
    checked = _check(_csv(*GOOD_ROWS))
    assert checked.ok, _text(checked)
    assert checked.row_count == 3 and checked.encoding == "UTF-8"
    figures, notes = to_observations(checked)
    assert notes == []
    rate = figures.set_index(["measure_id", "area_code", "period_start"])
    cleveland = rate.loc[("wcu_needs_assessment_rate", "E23000013", date(2025, 1, 1))]
    assert (cleveland["numerator"], cleveland["denominator"]) == (301, 380)
    assert cleveland["value"] == pytest.approx(100 * 301 / 380)
    assert cleveland["period_end"] == date(2025, 1, 31) and cleveland["period_type"] == "month"
    attendance = rate.loc[("wcu_witness_attendance_rate", "E23000008", date(2025, 2, 1))]
    assert attendance["value"] == pytest.approx(100 * 560 / 590)
    assert len(figures) == 6


def test_a_rate_with_no_cases_is_left_out_and_noted_never_zero_percent():
    checked = _check(_csv("E23000008,2025-01,0,0,610,548,"))
    figures, notes = to_observations(checked)
    assert list(figures["measure_id"]) == ["wcu_witness_attendance_rate"]
    assert "denominator of 0" in notes[0] and "rows 2" in notes[0]


# ---- hostile files -------------------------------------------------------------------------------


def test_a_truncated_csv_cut_mid_row_is_refused_at_that_row():
    whole = _csv(*GOOD_ROWS)
    cut = whole[: whole.rindex(b",391,") + 3]  # the download stopped inside the last row
    checked = _check(cut)
    assert not checked.ok
    (problem,) = checked.problems
    assert problem.row == 4 and problem.column == "witnesses_warned"
    assert "cut short" in problem.message and "4 values" in problem.message


def test_a_truncated_csv_cut_inside_the_last_value_is_refused():
    whole = _csv(*GOOD_ROWS)
    cut = whole.rstrip(b"\n")[:-2]  # the row has every column, but its last figure lost digits
    cut = cut.replace(b",590,560,", b",590,56")  # the notes column is gone, 560 became 56
    checked = _check(cut)
    assert not checked.ok
    assert any("cut short" in p.message and p.row == 4 for p in checked.problems)


def test_a_truncated_csv_cut_inside_a_quoted_value_is_refused():
    data = _csv(*GOOD_ROWS[:2], 'E23000008,2025-02,400,391,590,560,"Revised after')
    data = data.rstrip(b"\n")
    checked = _check(data)
    assert not checked.ok
    assert "quote mark" in _text(checked) and checked.problems[0].row == 4


def test_a_complete_row_without_a_final_line_break_is_refused_as_possibly_cut():
    checked = _check(_csv(*GOOD_ROWS).rstrip(b"\n"))
    assert [(p.row, p.column) for p in checked.problems] == [(4, "notes")]
    assert "no line break" in checked.problems[0].message


def test_utf8_with_a_byte_order_mark_reads_its_first_column():
    checked = _check(codecs.BOM_UTF8 + _csv(*GOOD_ROWS, end="\r\n"))
    assert checked.ok, _text(checked)
    assert checked.encoding == "UTF-8 with a byte-order mark"
    assert set(checked.values["area_code"]) == {"E23000008", "E23000013"}


def test_windows_1252_text_with_pound_and_en_dash_is_read_correctly():
    rows = [*GOOD_ROWS[:2], "E23000008,2025-02,400,391,590,560,Cost £1,200 – see note"]
    data = ("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1252")
    assert b"\xa3" in data and b"\x96" in data  # the cp1252 bytes for £ and –
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    # The unquoted comma in '£1,200' makes an eighth value: a real partner's mistake, caught.
    checked = _check(data)
    assert _where(checked) == {(4, "column H")}
    quoted = data.replace(
        "Cost £1,200 – see note".encode("cp1252"), '"Cost £1,200 – see note"'.encode("cp1252")
    )
    checked = _check(quoted)
    assert checked.ok, _text(checked)
    assert checked.encoding == "Windows-1252"
    assert checked.values["notes"].iloc[2] == "Cost £1,200 – see note"


def test_utf16_and_semicolon_separated_files_are_read():
    text = ("\n".join([HEADER, *GOOD_ROWS]) + "\n").replace(",", ";")
    assert _check(text.encode("utf-8")).ok
    checked = _check(text.encode("utf-16"))
    assert checked.ok and checked.encoding == "UTF-16"


def test_excel_with_a_merged_title_above_the_header_is_read_with_a_note():
    workbook = _workbook(
        ["Durham and Cleveland Witness Care Unit: monthly return"],
        WCU.column_names,
        ["E23000008", "2025-01", 420, 389, 610, 548, None],
        [None] * 7,  # a blank row in the middle is skipped, not an error
        ["E23000013", "2025-01", 380, 301.0, 500, 402, "ok"],
    )
    workbook.active.merge_cells("A1:G1")
    checked = _check(_xlsx(workbook), name="return.xlsx")
    assert checked.ok, _text(checked)
    assert list(checked.rows) == [3, 5]  # the spreadsheet's own row numbers
    assert checked.notes == ["Row 1, above the header, was read as a title and ignored."]
    assert list(checked.values["needs_assessments_completed"]) == [389, 301]


def test_excel_with_merged_headings_over_a_second_header_row_is_refused_clearly():
    workbook = _workbook(
        ["area_code", "month", "Needs assessments", None, "Witnesses", None, "notes"],
        [None, None, *WCU.column_names[2:6], None],
        ["E23000008", "2025-01", 420, 389, 610, 548, None],
    )
    workbook.active.merge_cells("C1:D1")
    workbook.active.merge_cells("E1:F1")
    checked = _check(_xlsx(workbook), name="return.xlsx")
    (problem,) = checked.problems
    assert problem.row == 2 and "two rows" in problem.message and "merged" in problem.message


def test_excel_with_a_merged_header_cell_names_the_nameless_column():
    workbook = _workbook(
        [
            "area_code",
            "month",
            "needs_assessments_due",
            None,
            "witnesses_warned",
            "witnesses_attended",
        ],
        ["E23000008", "2025-01", 420, 389, 610, 548],
    )
    workbook.active.merge_cells("C1:D1")  # the heading of column D was merged into C's
    checked = _check(_xlsx(workbook), name="return.xlsx")
    assert (1, "column D") in _where(checked)
    assert (1, "needs_assessments_completed") in _where(checked)  # so that column is missing
    assert "merged" in _text(checked)


def test_excel_dates_and_numbers_become_what_the_partner_typed():
    workbook = _workbook(
        WCU.column_names,
        ["e23000008", date(2025, 3, 1), 420.0, "389", 610, 548, None],  # Excel made 2025-03 a date
    )
    checked = _check(_xlsx(workbook), name="return.xlsx")
    assert checked.ok, _text(checked)
    assert checked.values["area_code"].iloc[0] == "E23000008"
    assert checked.values["period_start"].iloc[0] == date(2025, 3, 1)


def test_extra_columns_are_named_and_a_misspelling_gets_a_suggestion():
    header = HEADER.replace("witnesses_attended", "witnesses_atended") + ",comments"
    checked = _check(_csv("E23000008,2025-01,420,389,610,548,,fine", header=header))
    assert _where(checked) == {
        (1, "witnesses_atended"),
        (1, "comments"),
        (1, "witnesses_attended"),  # required, so also missing
    }
    assert "Did you mean 'witnesses_attended'?" in _text(checked)


def test_missing_required_columns_are_listed_and_optional_ones_may_be_left_out():
    header = "area_code,month,needs_assessments_due,needs_assessments_completed"
    checked = _check(_csv("E23000008,2025-01,420,389", header=header))
    assert _where(checked) == {(1, "witnesses_warned"), (1, "witnesses_attended")}
    no_notes = ",".join(WCU.column_names[:-1])
    assert _check(_csv("E23000008,2025-01,420,389,610,548", header=no_notes)).ok


def test_headers_are_matched_whatever_their_case_and_spacing_but_not_twice():
    header = "Area Code, MONTH ,Needs-Assessments-Due,needs_assessments_completed,witnesses_warned,witnesses_attended,area_code"
    checked = _check(_csv("E23000008,2025-01,420,389,610,548,E23000008", header=header))
    assert _where(checked) == {(1, "area_code")}
    assert "appears twice" in _text(checked)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("twelve", "'twelve' is not a number"),
        ("12%", "not a percentage"),
        ("£12", "currency"),
        ("12.5", "whole number"),
        ("-3", "cannot be negative"),
        ("N/A", "'N/A' is not a number"),
    ],
)
def test_text_and_bad_numbers_in_number_columns_are_named_by_row_and_column(cell, expected):
    checked = _check(_csv(*GOOD_ROWS[:2], f"E23000008,2025-02,400,{cell},590,560,"))
    assert _where(checked) == {(4, "needs_assessments_completed")}
    assert expected in checked.problems[0].message


def test_thousands_separators_are_read_as_numbers():
    checked = _check(_csv('E23000008,2025-01,"1,420","1,389",610,548,'))
    assert checked.ok, _text(checked)
    assert checked.values["needs_assessments_due"].iloc[0] == 1420


def test_duplicate_rows_and_repeated_keys_are_refused_with_the_first_row_named():
    checked = _check(
        _csv(
            *GOOD_ROWS,
            GOOD_ROWS[0],  # row 5: an exact copy of row 2
            "E23000013,2025-01,380,300,500,402,",  # row 6: row 3's area and month again
        )
    )
    problems = {(p.row, p.column): p.message for p in checked.problems}
    assert set(problems) == {(5, None), (6, "month")}
    assert "exact copy of row 2" in problems[(5, None)]
    assert "same area_code and month as row 3" in problems[(6, "month")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty"),
        (b"  \r\n\r\n", "The file is empty"),
        (_csv(), "no data rows"),
        (_csv(",,,,,,", ",,,,,,"), "no data rows"),  # rows a spreadsheet left with only commas
    ],
)
def test_an_empty_file_is_refused_in_plain_words(data, expected):
    checked = _check(data)
    assert not checked.ok and expected in _text(checked)


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "return.xlsx",
            "old-style Excel workbook (.xls)",
        ),
        (
            b"PK\x03\x04not really a workbook",
            "return.xlsx",
            "cannot be opened as an Excel workbook",
        ),
        (b"area_code,month\x00\x00\x01\x02", "return.csv", "not text"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_refused(data, name, expected):
    assert expected in _text(_check(data, name=name))


def test_a_row_with_a_value_too_many_or_too_few_is_refused_not_realigned():
    checked = _check(
        _csv(
            GOOD_ROWS[0],
            "E23000013,2025-01,380,301,500,402,,,",  # trailing empties, as Excel pads: fine
            "E23000008,2025-02,400,391,590,560,note,extra",
            "E23000013,2025-02,400,391,560",
        )
    )
    assert _where(checked) == {(4, "column H"), (5, "witnesses_attended")}


def test_row_numbers_are_spreadsheet_rows_whatever_blank_lines_and_titles_come_before():
    data = (
        "WCU return\n\n" + HEADER + "\n\n" + GOOD_ROWS[0] + "\nE23000013,2025-01,x,301,500,402,\n"
    ).encode()
    checked = _check(data)
    assert _where(checked) == {(6, "needs_assessments_due")}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2025-13", "not a month written YYYY-MM"),
        ("March 2025", "not a month written YYYY-MM"),
        ("2024-25", "looks like a financial year"),
        ("2099-01", "in the future"),
        ("2026-11", "has not ended yet"),
        ("1999-12", "before 2000"),
    ],
)
def test_periods_must_be_in_the_template_format_and_over(cell, expected):
    checked = _check(_csv(f"E23000008,{cell},420,389,610,548,"))
    assert _where(checked) == {(2, "month")}
    assert expected in checked.problems[0].message


def test_a_week_is_given_by_its_monday():
    cps = TEMPLATES["cps_weekly_dashboard"]
    header = ",".join(cps.column_names)
    good = _csv("E23000008,2025-03-03,310,228,190,121,260,225,", header=header)
    checked = _check(good, cps)
    assert checked.ok and checked.values["period_end"].iloc[0] == date(2025, 3, 9)
    wednesday = _check(good.replace(b"2025-03-03", b"2025-03-05"), cps)
    assert "Wednesday 05 March 2025 is not a Monday" in _text(wednesday)
    assert "2025-03-03" in _text(wednesday)


def test_area_names_get_their_code_suggested():
    checked = _check(
        _csv("Durham Constabulary,2025-01,420,389,610,548,", "E99999999,2025-01,1,1,1,1,")
    )
    problems = {p.row: p.message for p in checked.problems}
    assert "write E23000008 (Durham)" in problems[2]
    assert "not an ONS police force area code" in problems[3]
    crown = TEMPLATES["hmcts_crown_mi"]
    row = "Teesside,2025-01,1,1,1,0,0,0,0,,0,0,0,0,0,"
    checked = _check(_csv(row, header=",".join(crown.column_names)), crown)
    assert "write CC-TEESSIDE (Teesside)" in _text(checked)


def test_a_numerator_may_not_exceed_its_denominator():
    checked = _check(_csv("E23000008,2025-01,420,421,610,611,"))
    assert _where(checked) == {(2, "needs_assessments_completed"), (2, "witnesses_attended")}
    assert "needs_assessments_completed (421) is larger than needs_assessments_due (420)" in _text(
        checked
    )


def _court_row(**changes) -> str:
    row = {
        "area_code": "CC-TEESSIDE",
        "month": "2025-01",
        "receipts": "150",
        "disposals": "140",
        "outstanding": "1548",
        "trials": "40",
        "effective_trials": "14",
        "cracked_trials": "16",
        "ineffective_trials": "10",
        "vacated_trials": "",
        "ineffective_court": "2",
        "ineffective_defence": "3",
        "ineffective_prosecution_witness_absent": "2",
        "ineffective_prosecution_other": "1",
        "ineffective_other": "2",
        "notes": "",
    }
    row.update(changes)
    return ",".join(row.values())


def test_trial_outcomes_and_ineffective_reasons_must_add_up():
    crown = TEMPLATES["hmcts_crown_mi"]
    header = ",".join(crown.column_names)
    good = _check(_csv(_court_row(), header=header), crown)
    assert good.ok, _text(good)
    figures = to_observations(good)[0].set_index("measure_id")
    assert figures.loc["hmcts_crown_effective_trial_rate", "value"] == pytest.approx(35.0)
    reasons = figures.loc["hmcts_crown_ineffective_trials_by_reason"]
    assert dict(
        zip([b["reason"] for b in reasons["breakdown"]], reasons["value"], strict=True)
    ) == {
        "Court": 2,
        "Defence": 3,
        "Prosecution: witness absent": 2,
        "Prosecution: other": 1,
        "Other": 2,
    }
    assert "hmcts_crown_vacated_trials" not in figures.index  # blank: not recorded, not zero
    bad = _check(
        _csv(
            _court_row(effective_trials="15"),
            _court_row(month="2025-02", ineffective_other="3"),
            header=header,
        ),
        crown,
    )
    problems = {(p.row, p.column): p.message for p in bad.problems}
    assert set(problems) == {(2, "trials"), (3, "ineffective_trials")}
    assert (
        "effective_trials + cracked_trials + ineffective_trials = 41, but trials is 40"
        in problems[(2, "trials")]
    )


def test_parts_may_not_exceed_a_total_where_they_need_not_equal_it():
    women = TEMPLATES["womens_services"]
    header = ",".join(women.column_names)
    assert _check(_csv("E23000008,2025-Q1,85,310,120,52,14,", header=header), women).ok
    over = _check(_csv("E23000008,2025-Q1,85,310,120,100,30,", header=header), women)
    assert "= 130, which is more than women_sentenced (120)" in _text(over)


def test_optional_pairs_come_both_or_neither_and_a_row_must_give_some_figure():
    vcop = TEMPLATES["victims_code_compliance"]
    header = ",".join(vcop.column_names)
    blank_pairs = ",,,,,,,,"
    good = _check(_csv(f"E23000008,2025-Q1,150,141,{blank_pairs},", header=header), vcop)
    assert good.ok
    assert list(to_observations(good)[0]["measure_id"]) == ["vcop_written_acknowledgement"]
    lonely = _check(_csv(f"E23000008,2025-Q1,,141,{blank_pairs},", header=header), vcop)
    assert _where(lonely) == {(2, "written_acknowledgement_cases")}
    empty = _check(_csv(f"E23000008,2025-Q1,,,{blank_pairs},", header=header), vcop)
    assert "gives no figures" in _text(empty)


def test_a_force_extract_row_gives_exactly_what_its_measure_needs():
    police = TEMPLATES["police_force_extract"]
    header = ",".join(police.column_names)
    good = _check(
        _csv(
            "E23000008,2025-01,force_999_answered_10s,,9321,9876,",
            "E23000008,2025-01,force_domestic_abuse_crimes,912,,,",
            "E23000008,2025-01,force_emergency_response_median_minutes,11.5,,,",
            header=header,
        ),
        police,
    )
    assert good.ok, _text(good)
    figures = to_observations(good)[0].set_index("measure_id")["value"]
    assert figures["force_999_answered_10s"] == pytest.approx(100 * 9321 / 9876)
    assert figures["force_emergency_response_median_minutes"] == 11.5
    bad = _check(
        _csv(
            "E23000008,2025-02,force_999_answered_10s,94.4,9321,9876,",  # a rate with a value
            "E23000008,2025-02,force_domestic_abuse_crimes,,,,",  # a count with no value
            "E23000008,2025-02,force_asb_incidents,12.5,,,",  # a count that is not whole
            "E23000008,2025-02,calls_answered,1,,,",  # not a registered measure
            header=header,
        ),
        police,
    )
    assert _where(bad) == {(2, "value"), (3, "value"), (4, "value"), (5, "measure")}


def test_many_bad_rows_are_listed_by_kind_and_the_rest_counted():
    rows = [f"E23000008,2025-01,x{i},389,610,548," for i in range(200)]
    checked = _check(_csv(*rows))
    assert checked.problem_count == 200 + 199  # every cell, and every repeat of the key
    listed = [p for p in checked.problems if p.row is not None]
    assert len(listed) == 2 * ROWS_LISTED_PER_KIND
    counts = [p.message for p in checked.problems if p.row is None]
    assert "… and 150 more rows where needs_assessments_due is not a number." in counts


# ---- the registry ---------------------------------------------------------------------------------


def test_every_partner_dataset_has_a_template_and_every_template_a_dataset():
    partner = {d.id for d in DATASETS.values() if d.submission}
    assert partner == set(TEMPLATES)
    assert DATASETS["police_force_extract"].classification == "force_restricted"
    for dataset_id in partner - {"police_force_extract"}:
        assert DATASETS[dataset_id].classification == "partnership"
    assert {DATASETS[d].cadence for d in partner} == {"weekly", "monthly", "quarterly"}


def test_every_template_measure_is_registered_and_every_registered_one_is_produced():
    for dataset_id, template in TEMPLATES.items():
        mapped = {m.measure_id for m in template.measures}
        registered = {m.id for m in MEASURES.values() if m.dataset_id == dataset_id}
        assert mapped == registered, dataset_id
        for m in template.measures:
            spec = MEASURES[m.measure_id]
            assert spec.subgroup in SUBGROUPS
            assert (
                spec.title
                and spec.definition
                and spec.polarity in {"up_good", "down_good", "neutral"}
            )
            assert (spec.unit == "percent") == m.is_rate, m.measure_id
            for column in m.columns:
                assert column in template.column_names
        assert set(template.keys) <= set(template.column_names)
    used = {MEASURES[m.measure_id].subgroup for t in TEMPLATES.values() for m in t.measures}
    assert used == {
        "effectiveness-efficiency",
        "victim-witness",
        "reducing-reoffending",
        "female-offender",
        "force",
    }


def test_a_force_measure_is_added_by_registering_it():
    """The force extract's codes are the measures registered for it: no template edit needed."""
    police = TEMPLATES["police_force_extract"]
    codes = police.column("measure").allowed
    assert set(codes) == {m.id for m in MEASURES.values() if m.dataset_id == "police_force_extract"}
    assert {m.when[1] for m in police.measures} == set(codes)


def test_every_template_has_a_demo_generator_whose_file_passes(tmp_path):
    paths = demo_returns.write_demo_returns(tmp_path, today=TODAY)
    assert {p.parent.name for p in paths} == set(TEMPLATES)
    for path in paths:
        checked = check_file(TEMPLATES[path.parent.name], path.name, path.read_bytes(), today=TODAY)
        assert checked.ok, (path.name, checked.problems[:3])


@pytest.mark.parametrize(
    ("period", "text", "bounds"),
    [
        ("month", "2025-03", (date(2025, 3, 1), date(2025, 3, 31))),
        ("month", "2024-02-01", (date(2024, 2, 1), date(2024, 2, 29))),  # Excel's date for 2024-02
        ("quarter", "2025-Q1", (date(2025, 1, 1), date(2025, 3, 31))),
        ("quarter", "2025 q4", (date(2025, 10, 1), date(2025, 12, 31))),
        ("financial_year", "2024-25", (date(2024, 4, 1), date(2025, 3, 31))),
        ("financial_year", "1999-00", None),
        ("financial_year", "2024-26", None),
        ("week", "2025-03-03", (date(2025, 3, 3), date(2025, 3, 9))),
        ("week", "2025-02-30", None),
    ],
)
def test_every_period_format_reads_its_own_form_and_nothing_else(period, text, bounds):
    from loaders.submissions.periods import PERIOD_FORMATS, PeriodError, label

    fmt = PERIOD_FORMATS[period]
    if bounds is None:
        with pytest.raises(PeriodError):
            fmt.parse(text)
        return
    assert fmt.parse(text) == bounds
    assert fmt.parse(label(fmt, bounds[0])) == bounds  # the canonical form reads back the same
