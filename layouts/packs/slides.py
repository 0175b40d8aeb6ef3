"""The board pack as 16:9 slides for chairs who present from PowerPoint.

Every slide has a real title (screen readers list slides by it) and every chart picture carries
its alt text. Text boxes wrap, and their font size is chosen conservatively from an estimate of
the lines needed, so nothing runs off a slide; text too long for one slide continues on the next
rather than being cut.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from pptx import Presentation
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Emu, Inches, Pt

from layouts.packs import text

SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = 0.4  # inches
FULL_WIDTH = 13.333 - 2 * MARGIN
CHART_WIDTH = 7.6  # inches; the picture keeps the PNG's own proportions
LIST_BOX = (MARGIN, 1.25, FULL_WIDTH, 5.85)  # left, top, width, height in inches
LIST_SIZE = 18  # points: lists (contents, exceptions, actions) are chunked to fit at this size
BODY = 16  # points: no body text on any slide is smaller (read from the back of a room)
TITLE_ONLY = 5  # the default template's "Title Only" layout


@dataclass
class Para:
    """One paragraph of a text box: its words, size in points and weight."""

    words: str
    size: float = 14
    bold: bool = False
    indent: int = 0


@dataclass
class Slide:
    """One planned slide: its title and what goes on it (kind decides the layout)."""

    kind: str
    title: str
    paras: list[Para] = field(default_factory=list)
    measure: dict | None = None


def _lines(words: str, width_in: float, size: float) -> int:
    """Lines a paragraph needs in a box this wide, assuming wide-ish letters and ragged wrapping."""
    usable = max(width_in - 0.2, 0.5) * 72  # the text box's own inner margins
    per_line = max(int(usable / (size * 0.55) * 0.9), 8)
    return max(1, math.ceil(len(words) / per_line))


def _height(paras: list[Para], width_in: float, scale: float = 1.0) -> float:
    """Inches the paragraphs need at `scale` times their sizes."""
    points = sum(
        _lines(p.words, width_in - 0.25 * p.indent, p.size * scale) * p.size * scale * 1.2
        + p.size * scale * 0.35
        for p in paras
    )
    return points / 72 + 0.12


def _fits(paras: list[Para], width_in: float, height_in: float, scale: float = 1.0) -> bool:
    return _height(paras, width_in, scale) <= height_in


def _scale_to_fit(paras: list[Para], width_in: float, height_in: float, smallest: float) -> float:
    """The largest scale (1.0 down to `smallest`) at which the paragraphs fit, or 0 if none."""
    scale = 1.0
    while scale >= smallest - 1e-9:
        if _fits(paras, width_in, height_in, scale):
            return scale
        scale -= 0.05
    return 0.0


def _chunks(paras: list[Para], width_in: float, height_in: float) -> list[list[Para]]:
    """Split paragraphs into slide-sized groups, keeping each paragraph whole."""
    groups: list[list[Para]] = [[]]
    for para in paras:
        if groups[-1] and not _fits([*groups[-1], para], width_in, height_in):
            groups.append([])
        groups[-1].append(para)
    return [g for g in groups if g]


def _list_slides(kind: str, title: str, paras: list[Para], empty: str) -> list[Slide]:
    chunks = _chunks(paras, LIST_BOX[2], LIST_BOX[3]) or [[Para(empty, LIST_SIZE)]]
    return [
        Slide(kind, title if i == 0 else f"{title} (continued)", chunk)
        for i, chunk in enumerate(chunks)
    ]


# --- What goes on each slide ---------------------------------------------------------------------


def _side_paras(measure: dict) -> list[Para]:
    """Commentary and open actions: the right-hand column, or a continuation slide."""
    paras = [Para("Commentary", 18, True)]
    commentary = measure["commentary"]
    if commentary:
        paras += [Para(line, BODY) for line in commentary["text"].splitlines() if line.strip()]
        paras.append(Para(f"— {text.commentary_credit(commentary)}", BODY))
    else:
        paras.append(Para(text.no_commentary(), BODY))
    paras.append(Para("Open actions", 18, True))
    paras += [Para(a["line"], BODY, a["overdue"]) for a in measure["actions"]] or [
        Para(text.no_actions(), BODY)
    ]
    return paras


RIGHT_COLUMN = (8.2, 1.5, 4.73, 5.15)  # left, top, width, height: the headline, then the side
READING_BOX = (MARGIN, 5.3, CHART_WIDTH, 1.42)
CHART_HEIGHT = 3.75  # the most a chart may take, so it stops above the reading
FOOTER_BOX = (MARGIN, 6.75, FULL_WIDTH, 0.6)
CONTINUED_BOX = (MARGIN, 1.25, FULL_WIDTH, 5.4)


def _headline_paras(measure: dict) -> list[Para]:
    tile = measure["tile"]
    return [
        Para(tile.get("label", ""), BODY, True),
        Para(tile.get("value", ""), 32, True),
        *(Para(line, BODY) for line in text.headline_lines(measure)),
    ]


def _right_boxes(measure: dict) -> tuple[tuple, tuple | None]:
    """The headline box and, below it, the commentary box if commentary and actions fit there
    at full size (None: they continue on the next slide)."""
    left, top, width, height = RIGHT_COLUMN
    # Room is kept below the headline for at least the line that says what continues.
    needed = min(_height(_headline_paras(measure), width), height - 1.0)
    headline = (left, top, width, needed)
    side_top = top + needed + 0.1
    side = (left, side_top, width, top + height - side_top)
    fits = side[3] > 0.5 and _fits(_side_paras(measure), width, side[3])
    return headline, side if fits else None


def _measure_slides(measure: dict) -> list[Slide]:
    slides = [Slide("measure", measure["title"], measure=measure)]
    side = _side_paras(measure)
    if _right_boxes(measure)[1] is None:
        chunks = _chunks(side, CONTINUED_BOX[2], CONTINUED_BOX[3])
        slides += [
            Slide("measure-continued", f"{measure['title']} (continued)", chunk, measure)
            for chunk in chunks
        ]
    return slides


def slide_outline(content: dict) -> list[Slide]:
    """Every slide in order: cover, contents, exceptions, one (or more) per measure with figures,
    measures awaiting data, then the actions."""
    shown = [m for m in content["measures"] if m["has_figures"]]
    waiting = [m for m in content["measures"] if not m["has_figures"]]
    by_id = {m["id"]: m for m in shown}
    exceptions = _list_slides(
        "exceptions",
        "Exceptions: measures showing a signal",
        [
            Para(
                f"{by_id[i]['title']}: {by_id[i]['tile'].get('value', '')} "
                f"({by_id[i]['area_name']}, {by_id[i]['tile'].get('period', '')}). {by_id[i]['reading']}",
                LIST_SIZE,
            )
            for i in content["exceptions"]
            if i in by_id
        ],
        "No measure's latest point is a special-cause signal.",
    )
    measures = {m["id"]: _measure_slides(m) for m in shown}
    awaiting = (
        _list_slides(
            "awaiting",
            "Measures awaiting data",
            [Para(f"{m['title']} ({m['section']}): {m['summary']}", LIST_SIZE) for m in waiting],
            "",
        )
        if waiting
        else []
    )
    actions = _list_slides(
        "actions",
        text.ACTIONS_TITLE,
        [
            Para(text.actions_intro(content), BODY),
            *(
                Para(f"{a['measure_title']}: {a['line']}", LIST_SIZE - 1, a["overdue"])
                for a in content["actions"]
            ),
        ]
        if content["actions"]
        else [],
        text.NO_ACTIONS_RAISED,
    )

    def contents_paras(numbers: dict[str, int]) -> list[Para]:
        paras = [
            Para(
                f"Exceptions: measures showing a signal · slide {numbers['exceptions']}", LIST_SIZE
            )
        ]
        for section in content["sections"]:
            entries = [i for i in section["measure_ids"] if i in by_id]
            if entries:
                paras.append(Para(section["heading"], LIST_SIZE, True))
                paras += [
                    Para(f"{by_id[i]['title']} · slide {numbers[i]}", LIST_SIZE - 1, indent=1)
                    for i in entries
                ]
        if awaiting:
            paras.append(Para(f"Measures awaiting data · slide {numbers['awaiting']}", LIST_SIZE))
        paras.append(Para(f"{text.ACTIONS_TITLE} · slide {numbers['actions']}", LIST_SIZE))
        return paras

    def numbering(contents_count: int) -> dict[str, int]:
        numbers, position = {}, 2 + contents_count
        numbers["exceptions"], position = position, position + len(exceptions)
        for measure_id, slides in measures.items():
            numbers[measure_id], position = position, position + len(slides)
        numbers["awaiting"], position = position, position + len(awaiting)
        numbers["actions"] = position
        return numbers

    # The contents' own length moves every slide number after it: settle it first.
    count, contents = 1, []
    for _ in range(4):
        contents = _list_slides("contents", "Contents", contents_paras(numbering(count)), "")
        if len(contents) == count:
            break
        count = len(contents)
    cover = Slide(
        "cover",
        content["report"]["title"],
        [Para(f"{label}: {value}", 18) for label, value in text.cover_lines(content)],
    )
    return [
        cover,
        *contents,
        *exceptions,
        *(s for slides in measures.values() for s in slides),
        *awaiting,
        *actions,
    ]


# --- Drawing -------------------------------------------------------------------------------------


def _box(slide, box: tuple[float, float, float, float], paras: list[Para], smallest: float = 0.6):
    """A wrapping text box holding the paragraphs at the largest scale that fits."""
    left, top, width, height = box
    scale = _scale_to_fit(paras, width, height, smallest) or smallest
    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE  # PowerPoint may shrink further, never cut
    for index, para in enumerate(paras):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.level = para.indent
        paragraph.space_after = Pt(para.size * scale * 0.35)
        run = paragraph.add_run()
        run.text = para.words
        run.font.size = Pt(round(para.size * scale, 1))
        run.font.bold = para.bold
        run.font.language_id = MSO_LANGUAGE_ID.ENGLISH_UK
    return shape


def _title(slide, words: str) -> None:
    title = slide.shapes.title
    title.left, title.top = Inches(MARGIN), Inches(0.3)
    title.width, title.height = Inches(FULL_WIDTH), Inches(0.85)
    title.text_frame.word_wrap = True
    title.text = words
    size = 30 if len(words) <= 60 else 24 if len(words) <= 90 else 20
    for run in title.text_frame.paragraphs[0].runs:
        run.font.size = Pt(size)
        run.font.bold = True
        run.font.language_id = MSO_LANGUAGE_ID.ENGLISH_UK


def _picture(slide, png: bytes, alt: str, name: str) -> None:
    picture = slide.shapes.add_picture(
        io.BytesIO(png), Inches(MARGIN), Inches(1.5), width=Inches(CHART_WIDTH)
    )
    if picture.height > Inches(CHART_HEIGHT):  # a taller chart than planned still fits
        ratio = Inches(CHART_HEIGHT) / picture.height
        picture.height = Inches(CHART_HEIGHT)
        picture.width = Emu(int(picture.width * ratio))
    picture.name = name[:250]
    picture._element.nvPicPr.cNvPr.set("descr", alt)


def _notes(slide, measure: dict) -> None:
    """Speaker notes: the SPC reading and the commentary, whatever the slide itself has room for."""
    commentary = measure["commentary"]
    said = (
        f"{commentary['text']}\n— {text.commentary_credit(commentary)}"
        if commentary
        else text.no_commentary()
    )
    slide.notes_slide.notes_text_frame.text = (
        f"{measure['title']}\n\nSPC reading: {measure['reading']}\n\nCommentary: {said}"
    )


def _draw_measure(slide, measure: dict, png: bytes | None) -> None:
    _box(slide, (MARGIN, 1.05, FULL_WIDTH, 0.45), [Para(text.measure_context(measure), BODY)], 1)
    if png is not None and measure["chart"]:
        _picture(slide, png, measure["alt"], f"Chart: {measure['title']}")
    else:
        _box(
            slide,
            (MARGIN, 1.5, CHART_WIDTH, CHART_HEIGHT),
            [Para(measure["chart_note"] or measure["summary"], 18)],
            1,
        )
    _box(slide, READING_BOX, [Para(f"SPC reading: {measure['reading']}", BODY)], 1)
    headline_box, side_box = _right_boxes(measure)
    _box(slide, headline_box, _headline_paras(measure), 1)
    if side_box is not None:
        _box(slide, side_box, _side_paras(measure), 1)
    else:
        left, top, width, _height_in = headline_box
        _box(
            slide,
            (left, top + headline_box[3] + 0.1, width, 0.9),
            [Para("Commentary and open actions continue on the next slide.", BODY)],
            1,
        )
    _box(
        slide,
        FOOTER_BOX,
        [
            Para(
                f"{measure['source_line']} Data behind this chart: sheet “{measure['sheet']}” "
                "of the Excel appendix.",
                BODY,
            )
        ],
        1,
    )


def pack_pptx(content: dict, charts: dict[str, bytes]) -> bytes:
    """The slides; `charts` maps measure ids to PNG bytes."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    for name, value in text.document_properties(content).items():
        setattr(deck.core_properties, name, value)
    for planned in slide_outline(content):
        slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
        _title(slide, planned.title)
        if planned.kind == "measure":
            _draw_measure(slide, planned.measure, charts.get(planned.measure["id"]))
            _notes(slide, planned.measure)
        elif planned.kind == "cover":
            _box(slide, (MARGIN, 1.5, FULL_WIDTH, 5.6), planned.paras, 1)
        elif planned.kind == "measure-continued":
            _box(slide, CONTINUED_BOX, planned.paras, 1)
            _notes(slide, planned.measure)
        else:
            _box(slide, LIST_BOX, planned.paras, 1)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
