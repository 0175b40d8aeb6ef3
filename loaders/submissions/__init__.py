"""Partner submissions: figures held only by partners, sent in templates the product defines.

templates.py  the declarative registry: one Template per partner dataset (columns, keys, measures)
periods.py    the period formats a template may use (YYYY-MM, YYYY-Qn, YYYY-YY, week commencing)
problems.py   a problem as (row, column, plain message), and the list that caps repeats of a kind
reading.py    bytes of a CSV or XLSX file into a table of text cells with spreadsheet row numbers
checking.py   a table against its template: every problem as (row, column, plain message)
drop_folder.py  the loader the refresh runs: every file in the dataset's drop folder, in order
uploads.py    an upload: check, save the original into the drop folder, refresh, record it
downloads.py  the blank template as CSV and as XLSX with a data-dictionary sheet
demo_returns.py  generated demo returns in the templates' own format (Demo data, not real)
"""
