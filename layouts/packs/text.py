"""The wording a board pack prints, shared by the content assembly and the three documents so the
PDF, the slides and the workbook say exactly the same thing."""

from __future__ import annotations

import re
from datetime import date

OVERDUE = "OVERDUE"
SHEET_NAME_LIMIT = 31  # Excel's limit on a sheet name
FIXED_SHEETS = ("Contents", "Actions")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def document_properties(content: dict, what: str = "") -> dict[str, str]:
    """Title, author, subject, identifier and language for a file's own properties."""
    return {
        "title": f"{content['report']['title']}, {content['period_label']}{what}",
        "author": content["generated_by"],
        "subject": content["report"]["audience"],
        "identifier": content["reference"],
        "language": "en-GB",
    }


def day_text(day: date | str | None) -> str:
    """'03 Nov 2026': the day first, as UK readers expect, with the month in words."""
    if day is None:
        return "no date"
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return f"{day:%d %b %Y}"


def reporting_period(measures: list[dict]) -> str:
    """The period the pack's figures describe (never the month it was printed in): the newest
    period among its figures, and how many measures describe an earlier one."""
    dated = [m for m in measures if m.get("has_figures") and m.get("period_end")]
    if not dated:
        return "no figures loaded"
    newest = max(dated, key=lambda m: m["period_end"])
    older = [m for m in dated if m["period_end"] < newest["period_end"]]
    label = newest.get("period_label") or newest["period_end"]
    if not older:
        return label
    return f"figures up to {label} ({len(older)} of {len(dated)} measures describe earlier periods)"


def action_line(action: dict) -> str:
    """One action in words, overdue said in capitals (never by colour alone)."""
    due = day_text(action["due"])
    if action["overdue"]:
        when = f"{OVERDUE}: was due {due} ({action['status_label']})."
    elif action["closed"]:
        when = f"{action['status_label']} (was due {due})."
    else:
        when = f"Due {due} ({action['status_label']})."
    line = f"{when} {action['title'].rstrip('.')}. Owner: {action['owner']}."
    if action.get("update_note"):
        line += f" Update: {action['update_note']}"
    return line


def commentary_credit(commentary: dict) -> str:
    """Who published the commentary and when, so a reader can weigh it."""
    return (
        f"{commentary['by']}, published {commentary['at']} (UK time), version "
        f"{commentary['version']}, for the period ending {day_text(commentary['period_end'])}"
    )


def source_line(source: dict) -> str:
    """Publisher, the vintage the figures came from, when it was loaded and its content hash."""
    parts = [f"Source: {source['publisher']}, {source['title']}"]
    if source.get("vintage_id") is None:
        parts.append("not loaded yet")
    else:
        parts.append(f"vintage no. {source['vintage_id']}")
        parts.append(f"loaded {source['loaded_at']} (UK time)")
        parts.append(f"content hash {source['short_hash']}")
    if source.get("is_demo"):
        parts.append("Demo data")
    return " · ".join(parts)


def chart_alt(title: str, area: str, first: str, last: str, summary: str) -> str:
    """Alt text for a chart: what it plots, over which periods, and what it says."""
    span = f", {first} to {last}" if first and last and first != last else ""
    return f"Statistical process control chart of {title} for {area}{span}. {summary}".strip()


def sheet_names(titles: list[str]) -> list[str]:
    """One valid, unique Excel sheet name per title (31 characters at most, no []:*?/\\)."""
    taken = {name.lower() for name in FIXED_SHEETS}
    names = []
    for title in titles:
        base = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'") or "Measure"
        base = re.sub(r"\s+", " ", base)
        name, number = base[:SHEET_NAME_LIMIT].rstrip(), 1
        while name.lower() in taken or name.lower() == "history":
            number += 1
            suffix = f" ({number})"
            name = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def cover_lines(content: dict) -> list[tuple[str, str]]:
    """(label, text) pairs for the cover, in reading order."""
    report = content["report"]
    lines = [("For", report["meeting"])]
    if content.get("meeting"):
        meeting = content["meeting"]
        lines.append(("Meeting", f"{meeting['title']} ({day_text(meeting['date'])})"))
    lines += [
        ("Reporting period", content["period_label"]),
        ("Generated", f"{content['generated_at_local']} (UK time) by {content['generated_by']}"),
        ("Audience", report["audience"]),
        ("Pack reference", content["reference"]),
    ]
    if content.get("demo"):
        lines.append(
            (
                "Demo data",
                "Some figures in this pack are generated demonstration data, not published statistics.",
            )
        )
    if content.get("small_numbers_hidden"):
        lines.append(
            (
                "Small numbers",
                f"Counts below {content['suppression_threshold']} are withheld and shown as "
                f"<{content['suppression_threshold']} (suppressed).",
            )
        )
    if content.get("excluded_count"):
        lines.append(
            (
                "Not included",
                f"{content['excluded_count']} of the report's measures are left out: their figures "
                "may not be shown to this pack's audience or its author.",
            )
        )
    lines.append(
        (
            "As presented",
            "This pack was stored exactly as generated; later revisions of the data do not change it.",
        )
    )
    return lines


def measure_context(measure: dict) -> str:
    """The line under a measure's title: which area and period, and where it sits on the agenda."""
    parts = (
        [measure["area_name"], measure["tile"].get("period", "")] if measure["has_figures"] else []
    )
    parts.append(measure["section"])
    return " · ".join(p for p in parts if p)


def headline_lines(measure: dict) -> list[str]:
    """The tile's words under the headline value: its status when not current, a revision, the
    change, the comparison and the SPC reading."""
    tile = measure["tile"]
    status = f"{tile['status']}: {tile.get('status_reason', '')}." if tile.get("status") else ""
    words = (
        status,
        tile.get("revision"),
        tile.get("change"),
        tile.get("comparison"),
        tile.get("spc"),
    )
    return [t for t in words if t]


ACTIONS_TITLE = "Actions from the previous meeting"
NO_ACTIONS_RAISED = "No actions have been raised on this report's measures."


def actions_intro(content: dict) -> str:
    """What the action log holds, and which meeting it follows on from."""
    words = (
        "Every action on this report's measures: open ones first, by due date; overdue ones "
        f"are marked {OVERDUE}."
    )
    previous = content.get("previous_meeting")
    if previous:
        words += f" Previous meeting: {previous['title']} ({day_text(previous['date'])})."
    return words


def no_commentary() -> str:
    return "No commentary has been published for this measure."


def no_actions() -> str:
    return "No open actions."
