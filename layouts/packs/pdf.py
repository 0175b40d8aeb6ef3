"""The board pack as a tagged PDF (PDF/UA-1): HTML and CSS rendered by WeasyPrint.

Tagged so a screen reader follows headings, lists, tables and each chart's alt text in reading
order; landscape A4 with two measures to a page where both fit (a measure is never split across
pages unless it is longer than a page), images no wider than the page and tables that wrap, so
nothing is cut off at a page edge.
"""

from __future__ import annotations

import base64
from html import escape

import weasyprint
from weasyprint.urls import URLFetcher

from layouts.packs import text

CSS = """
@page {
  size: A4 landscape;
  margin: 9mm 14mm 12mm 14mm;
  @bottom-left { content: string(pack-title) " · " string(pack-reference); font-size: 8pt; color: #333; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #333; }
}
html { font-family: "Liberation Sans", "DejaVu Sans", Arial, sans-serif; font-size: 10pt;
  line-height: 1.3; color: #111; }
h1 { font-size: 26pt; margin: 0 0 6mm; string-set: pack-title content(); }
h2 { font-size: 17pt; margin: 0 0 1.5mm; break-after: avoid; }
h3 { font-size: 11pt; margin: 2mm 0 0.5mm; break-after: avoid; }
p, li, dd, td, th, blockquote { overflow-wrap: break-word; orphans: 2; widows: 2; }
.kicker { font-size: 12pt; text-transform: uppercase; letter-spacing: 0.08em; margin: 20mm 0 2mm; }
.cover dl { display: grid; grid-template-columns: 42mm 1fr; gap: 2mm 5mm; font-size: 12pt; }
.cover dt { font-weight: bold; }
.cover dd { margin: 0; }
.reference { string-set: pack-reference content(); }
.contents, .page, .measure.first { break-before: page; }
/* Half a page each: a measure moves whole to the next page when it does not fit below another. */
.measure { break-inside: avoid; padding: 0 0 1.5mm; margin: 0 0 2mm; border-bottom: 0.75pt solid #777; }
.measure h2 { font-size: 12.5pt; margin: 0 0 0.3mm; }
.measure .context { font-size: 9pt; margin: 0 0 1.5mm; }
.measure .side { font-size: 9pt; line-height: 1.25; }
.measure .side h3 { font-size: 10pt; margin: 1.5mm 0 0.3mm; }
.measure .side p, .measure .side li { margin: 0 0 0.6mm; }
.toc, .toc ol { list-style: none; padding-left: 0; margin: 0; }
.toc ol { padding-left: 6mm; }
.toc li { margin: 0.6mm 0; }
.toc .group { font-weight: bold; display: block; margin-top: 2mm; }
.toc a { color: #111; text-decoration: none; }
.toc a::after { content: " · page " target-counter(attr(href), page); }
.context { margin: 0 0 2.5mm; color: #333; }
.top { break-inside: avoid; }
.top::after { content: ""; display: block; clear: both; }
.chart { float: left; width: 45%; margin: 0; }
.chart img { width: 100%; max-width: 100%; height: auto; border: 0.5pt solid #999; }
.nochart { float: left; width: 45%; border: 0.5pt dashed #666; padding: 4mm; margin: 0; }
.side { margin-left: 47%; }
.headline { border: 1.5pt solid #333; padding: 1mm 2mm; }
.headline .value { font-size: 18pt; font-weight: bold; margin: 0 0 0.3mm; }
.headline .label { font-weight: bold; margin: 0 0 1mm; }
.headline p { margin: 0 0 1mm; }
blockquote { margin: 0; padding-left: 3mm; border-left: 2pt solid #555; }
blockquote p { margin: 0 0 1mm; }
.credit { font-size: 9.5pt; color: #333; }
.actions { margin: 0; padding-left: 5mm; }
.actions li { break-inside: avoid; }
.overdue { font-weight: bold; }
.source, .appendix { font-size: 9pt; color: #333; margin: 2mm 0 0; }
.measure .source { font-size: 7.5pt; line-height: 1.2; margin: 1mm 0 0; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin-top: 2mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 0.5pt solid #666; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
"""


REFERENCE = ' class="reference"'
OVERDUE_CLASS = ' class="overdue"'


def pack_pdf(content: dict, charts: dict[str, bytes]) -> bytes:
    """The tagged, PDF/UA-1 pack; `charts` maps measure ids to PNG bytes."""
    # Everything a pack shows is inline (charts as data: URIs): nothing is fetched from outside.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = weasyprint.HTML(string=pack_html(content, charts), url_fetcher=fetcher)
    return document.write_pdf(pdf_tags=True, pdf_variant="pdf/ua-1")


def pack_html(content: dict, charts: dict[str, bytes]) -> str:
    report = content["report"]
    title = f"{report['title']}, {content['period_label']}"
    body = [
        _cover(content),
        _contents(content),
        _exceptions(content),
        *(
            _measure(m, charts.get(m["id"]), first=index == 0)
            for index, m in enumerate(m for m in content["measures"] if m["has_figures"])
        ),
        _awaiting(content),
        _actions(content),
    ]
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title>"
        f'<meta name="author" content="{_e(content["generated_by"])}">'
        f'<meta name="description" content="{_e(report["audience"])}">'
        f'<meta name="dcterms.created" content="{_e(content["generated_at"])}">'
        f"<style>{CSS}</style></head><body>{''.join(b for b in body if b)}</body></html>"
    )


def _e(value) -> str:
    return escape(str(value), quote=True)


def _cover(content: dict) -> str:
    rows = "".join(
        f"<dt>{_e(label)}</dt><dd{REFERENCE if label == 'Pack reference' else ''}>{_e(value)}</dd>"
        for label, value in text.cover_lines(content)
    )
    return (
        '<section class="cover" aria-label="Cover"><p class="kicker">Board pack</p>'
        f"<h1>{_e(content['report']['title'])}</h1><dl>{rows}</dl></section>"
    )


def _link(anchor: str, label: str) -> str:
    return f'<li><a href="#{_e(anchor)}">{_e(label)}</a></li>'


def _contents(content: dict) -> str:
    items = [_link("exceptions", "Exceptions: measures showing a signal")]
    shown = {m["id"]: m for m in content["measures"] if m["has_figures"]}
    for section in content["sections"]:
        entries = [_link(f"m-{i}", shown[i]["title"]) for i in section["measure_ids"] if i in shown]
        if entries:
            items.append(
                f'<li><span class="group">{_e(section["heading"])}</span><ol>{"".join(entries)}</ol></li>'
            )
    if len(shown) < len(content["measures"]):
        items.append(_link("awaiting", "Measures awaiting data"))
    items.append(_link("actions", text.ACTIONS_TITLE))
    return (
        '<nav class="contents" aria-labelledby="contents-heading">'
        f'<h2 id="contents-heading">Contents</h2><ol class="toc">{"".join(items)}</ol>'
        '<p class="appendix">The data behind every chart is in this pack\'s Excel appendix, '
        "one sheet per measure.</p></nav>"
    )


def _table(headers: list[str], rows: list[list[str]], widths: list[int]) -> str:
    cols = "".join(f'<col style="width: {w}%">' for w in widths)
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _exceptions(content: dict) -> str:
    by_id = {m["id"]: m for m in content["measures"]}
    rows = [
        [
            f'<a href="#m-{_e(i)}">{_e(by_id[i]["title"])}</a>',
            _e(
                f"{by_id[i]['tile'].get('value', '')} ({by_id[i]['area_name']}, "
                f"{by_id[i]['tile'].get('period', '')})"
            ),
            _e(by_id[i]["reading"]),
        ]
        for i in content["exceptions"]
    ]
    body = (
        _table(["Measure", "Latest figure", "Reading"], rows, [28, 22, 50])
        if rows
        else "<p>No measure's latest point is a special-cause signal.</p>"
    )
    return (
        '<section class="page" id="exceptions" aria-labelledby="exceptions-heading">'
        '<h2 id="exceptions-heading">Exceptions: measures showing a signal</h2>'
        "<p>Measures whose latest point is a special-cause signal, for discussion first.</p>"
        f"{body}</section>"
    )


def _paragraphs(value: str) -> str:
    return "".join(f"<p>{_e(line)}</p>" for line in value.splitlines() if line.strip())


def _measure(measure: dict, png: bytes | None, first: bool = False) -> str:
    anchor = f"m-{measure['id']}"
    tile = measure["tile"]
    if png is not None and measure["chart"]:
        encoded = base64.b64encode(png).decode("ascii")
        chart = (
            f'<figure class="chart"><img src="data:image/png;base64,{encoded}" '
            f'alt="{_e(measure["alt"])}"></figure>'
        )
    else:
        chart = f'<p class="nochart">{_e(measure["chart_note"] or measure["summary"])}</p>'
    headline = (
        f'<div class="headline"><p class="label">{_e(tile.get("label", ""))}</p>'
        f'<p class="value">{_e(tile.get("value", ""))}</p>'
        + "".join(f"<p>{_e(line)}</p>" for line in text.headline_lines(measure))
        + "</div>"
    )
    commentary = measure["commentary"]
    said = (
        f"<blockquote>{_paragraphs(commentary['text'])}"
        f'<p class="credit">{_e(text.commentary_credit(commentary))}</p></blockquote>'
        if commentary
        else f"<p>{_e(text.no_commentary())}</p>"
    )
    actions = (
        '<ul class="actions">'
        + "".join(
            f"<li{OVERDUE_CLASS if a['overdue'] else ''}>{_e(a['line'])}</li>"
            for a in measure["actions"]
        )
        + "</ul>"
        if measure["actions"]
        else f"<p>{_e(text.no_actions())}</p>"
    )
    return (
        f'<section class="measure{" first" if first else ""}" id="{_e(anchor)}" '
        f'aria-labelledby="{_e(anchor)}-h">'
        f'<h2 id="{_e(anchor)}-h">{_e(measure["title"])}</h2>'
        f'<p class="context">{_e(text.measure_context(measure))}</p>'
        f'<div class="top">{chart}<div class="side">{headline}'
        f"<h3>SPC reading</h3><p>{_e(measure['reading'])}</p>"
        f"<h3>Commentary</h3>{said}<h3>Open actions</h3>{actions}</div></div>"
        f'<p class="source">{_e(measure["source_line"])} Data behind this chart: sheet '
        f"“{_e(measure['sheet'])}” of the Excel appendix.</p></section>"
    )


def _awaiting(content: dict) -> str:
    waiting = [m for m in content["measures"] if not m["has_figures"]]
    if not waiting:
        return ""
    rows = [
        [_e(m["title"]), _e(m["section"]), _e(m["source_line"]), _e(m["summary"])] for m in waiting
    ]
    return (
        '<section class="page" id="awaiting" aria-labelledby="awaiting-heading">'
        '<h2 id="awaiting-heading">Measures awaiting data</h2>'
        "<p>These measures are on the report's agenda but no figures are loaded for them yet.</p>"
        f"{_table(['Measure', 'Section', 'Source', 'Status'], rows, [26, 18, 34, 22])}</section>"
    )


def _actions(content: dict) -> str:
    rows = [
        [
            _e(a["measure_title"]),
            _e(a["title"]),
            _e(a["owner"]),
            _e(text.day_text(a["due"])),
            (
                f"<strong>{text.OVERDUE}</strong> ({_e(a['status_label'])})"
                if a["overdue"]
                else _e(a["status_label"])
            ),
            _e(a["meeting"] or "–"),
        ]
        for a in content["actions"]
    ]
    body = (
        _table(
            ["Measure", "Action", "Owner", "Due", "Status", "Raised at"],
            rows,
            [18, 32, 14, 10, 12, 14],
        )
        if rows
        else f"<p>{_e(text.NO_ACTIONS_RAISED)}</p>"
    )
    return (
        '<section class="page" id="actions" aria-labelledby="actions-heading">'
        f'<h2 id="actions-heading">{_e(text.ACTIONS_TITLE)}</h2>'
        f"<p>{_e(text.actions_intro(content))}</p>{body}</section>"
    )
