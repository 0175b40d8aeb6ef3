"""Board packs: who may generate and read them, what goes in one, and freezing it as presented.

A pack holds the report's measures that both its audience and its author may see: the audience by
dataset classification (and, for the public Police and Crime Panel, the data-sharing register's
"may publish"), the author by the ordinary rights checks. Each measure comes from the same measure
brief as the meeting screens, so screen and paper agree. Everything printed is gathered into one
JSON content dict; the PDF, slides and workbook are drawn from it (layouts/packs/) and stored with
it (loaders.meetings.save_snapshot), so the pack as presented survives any later revision.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
import warnings
from collections import OrderedDict
from contextlib import contextmanager
from datetime import UTC, date, datetime

import flask
import flask_login
import kaleido
import plotly.graph_objects as go
import plotly.io as pio

from callbacks import data
from callbacks.briefs import MeasureBrief, measure_brief
from callbacks.context import services
from callbacks.permissions import NotAuthorised, can_view_measure, rights_of, sees_small_numbers
from callbacks.subgroup import timeline_events
from layouts.chart_sizes import lettered
from layouts.packs import text
from loaders import access, meetings, sharing
from loaders.areas import crown_court_code
from loaders.audit import audit
from loaders.datasets import DATASETS
from loaders.measures import MEASURES, SUBGROUPS
from loaders.meetings import RecordError
from loaders.models import Meeting, MeetingAction, PackSnapshot, User
from loaders.plan import PolicePlan, load_plan
from loaders.refresh import london_today
from loaders.reports import REPORTS, ReportSpec
from presented.words import local_time

log = logging.getLogger(__name__)

FORMATS = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_NAMES = {"pdf": "PDF", "pptx": "PowerPoint", "xlsx": "Excel data appendix"}
CONTENT_FORMAT = 1  # bump when the content dict's shape changes, so old packs can still be read
# Drawn at this size, a chart prints 123 mm wide (PDF, beside its figures, two measures to a
# page) or 7 inches (slides), where 15 px text reads at about 7 to 10 points.
CHART_WIDTH, CHART_HEIGHT, CHART_SCALE = 720, 380, 2
CHART_TEXT_PX = 15
# Packs with a page per partnership court (open Crown Court cases at each court).
COURT_PAGE_REPORTS = ("effectiveness-efficiency", "lcjp-board")
COURT_MEASURE = "crown_open_cases"
COURT_SECTION = "Partnership Crown Courts"
# The force's own part of the executive reports, grouped under the Police and Crime Plan.
FORCE_PART = ("force", "police-demand")


class PackError(ValueError):
    """A pack that cannot be generated as asked; the message says why. Nothing is stored."""


# --- Who may generate and read --------------------------------------------------------------------


def opcc_only(report: ReportSpec) -> bool:
    """Force-restricted figures reach only the OPCC, so a report that may hold them is the OPCC's."""
    return "force_restricted" in report.classifications


def may_generate(rights: access.Rights, report: ReportSpec) -> bool:
    """OPCC analysts and administrators generate any report; a chair the report whose sections
    are all subgroups they chair (never an OPCC-only report)."""
    if rights.sees_all_data:
        return True
    if opcc_only(report) and not rights.sees_every_force:
        return False
    return access.chairs_whole_report(rights, report)


def may_read(rights: access.Rights, report: ReportSpec) -> bool:
    """The report's audience: its authors; the OPCC for an OPCC-only report; anyone signed in for
    a public meeting; otherwise those who may open every subgroup the report covers."""
    if rights.role not in access.ROLES:
        return False
    if may_generate(rights, report):
        return True
    if opcc_only(report):
        return rights.sees_every_force
    if report.public:
        return True
    return all(access.can_view_subgroup(rights, s.subgroup) for s in report.sections)


def may_open_snapshot(user, snapshot: PackSnapshot) -> bool:
    """A stored pack opens for a reader of its report who may see every measure in it, and small
    counts only for those who may see them."""
    report = REPORTS.get(snapshot.report_id)
    rights = rights_of(user)
    if report is None or not may_read(rights, report):
        return False
    if not all(can_view_measure(user, m) for m in snapshot.measure_ids or []):
        return False
    return snapshot.small_numbers_hidden or sees_small_numbers(user)


def generatable_reports(user) -> list[ReportSpec]:
    rights = rights_of(user)
    return [r for r in REPORTS.values() if may_generate(rights, r)]


# --- What goes in ---------------------------------------------------------------------------------


def audience_may_see(report: ReportSpec, dataset_id: str, register: dict) -> bool:
    """By the dataset's classification as the data-sharing register holds it (it may tighten the
    registry's); a public meeting takes a dataset only if it is public or the register says it may
    be published."""
    dataset = DATASETS.get(dataset_id)
    if dataset is None:
        return False
    entry = register.get(dataset_id)
    classification = entry.classification if entry else dataset.classification
    if report.public:
        return classification == "public" or bool(entry and entry.may_publish)
    return classification in report.classifications


def pack_measure_ids(report: ReportSpec, user, register: dict) -> tuple[list[str], int]:
    """The report's measures (agenda order) its audience and this user may see, and how many of
    the report's measures were left out."""
    candidates = report.measure_ids()
    kept = [
        m
        for m in candidates
        if audience_may_see(report, MEASURES[m].dataset_id, register) and can_view_measure(user, m)
    ]
    return kept, len(candidates) - len(kept)


def agenda_sections(report: ReportSpec, measure_ids: list[str], plan: PolicePlan) -> list[dict]:
    """Headings with their measures: the force's measures under the Plan's questions when the
    report covers the force, every other measure under its subgroup's name."""
    sections: list[dict] = []
    placed: set[str] = set()
    if any(s.subgroup == "force" for s in report.sections):
        force_part = {m for m in measure_ids if MEASURES[m].subgroup in FORCE_PART}
        for question in plan.questions:
            ids = [m for m in question.measure_ids if m in force_part]
            if ids:
                sections.append({"heading": question.question, "measure_ids": ids})
                placed.update(ids)
    for section in report.sections:
        ids = [
            m for m in measure_ids if MEASURES[m].subgroup == section.subgroup and m not in placed
        ]
        if ids:
            sections.append({"heading": SUBGROUPS[section.subgroup].name, "measure_ids": ids})
            placed.update(ids)
    return sections


def _json_value(value):
    """Table cells as JSON: numbers as numbers, gaps as None, anything else as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) or hasattr(value, "item"):
        number = float(value)
        return None if math.isnan(number) else number
    return str(value)


def _action(action: MeetingAction, meeting_titles: dict[int, str], today: date) -> dict:
    entry = {
        "id": action.id,
        "measure_id": action.measure_id,
        "measure_title": MEASURES[action.measure_id].title,
        "title": action.title,
        "owner": action.owner,
        "due": action.due_date.isoformat(),
        "status": action.status,
        "status_label": meetings.ACTION_STATUSES.get(action.status, action.status),
        "closed": action.status in meetings.CLOSED_STATUSES,
        "overdue": meetings.is_overdue(action, today),
        "meeting": meeting_titles.get(action.meeting_id, ""),
        "signal": action.signal or "",
        "update_note": action.update_note or "",
        "raised_by": action.raised_by,
    }
    entry["line"] = text.action_line(entry)
    return entry


def _source(brief: MeasureBrief, timezone: str) -> dict:
    prov = brief.provenance
    source = {
        "dataset_id": prov.dataset_id,
        "title": prov.title,
        "publisher": prov.publisher,
        "publication_url": prov.publication_url,
        "vintage_id": prov.vintage_id,
        "content_hash": prov.content_hash,
        "short_hash": prov.short_hash,
        "loaded_at": local_time(prov.loaded_at, timezone) if prov.loaded_at else None,
        "loaded_at_utc": prov.loaded_at.isoformat() if prov.loaded_at else None,
        "period_latest": prov.period_latest.isoformat() if prov.period_latest else None,
        "is_demo": prov.is_demo,
    }
    source["line"] = text.source_line(source)
    return source


def measure_entry(
    brief: MeasureBrief,
    section: str,
    *,
    hide_small: bool,
    threshold: int,
    timezone: str,
    meeting_titles: dict[int, str],
    today: date,
) -> dict:
    """Everything a pack prints about one measure, as JSON."""
    spec = brief.spec
    table = brief.table
    rows = [[_json_value(v) for v in row] for row in table.itertuples(index=False, name=None)]
    presented = brief.presented
    chart_note = ""
    if not brief.has_figures:
        chart_note = "No figures are loaded for this measure yet."
    elif brief.figure is None:
        chart_note = presented.chart_withheld
    periods = [r[0] for r in rows if r and r[0]]
    source = _source(brief, timezone)
    commentary = None
    if brief.commentary is not None and brief.commentary.published_text:
        view = brief.commentary
        commentary = {
            "text": view.published_text,
            "by": view.published_by or "",
            "at": local_time(view.published_at, timezone),
            "version": view.version,
            "period_end": view.period_end.isoformat(),
        }
    summary = brief.summary or chart_note
    return {
        "id": spec.id,
        "title": spec.title,
        "subgroup": spec.subgroup,
        "section": section,
        "unit": spec.unit,
        "definition": spec.definition,
        "has_figures": brief.has_figures,
        "area_code": brief.area_code,
        "area_name": brief.area_name,
        "period_end": brief.period_end.isoformat() if brief.period_end else None,
        "period_label": presented.period.label if brief.has_figures else None,
        "status": presented.status.kind if brief.has_figures else None,
        "tile": dict(brief.texts),
        "summary": summary,
        "reading": brief.reading,
        "variation": brief.variation,
        "signal": brief.signal,
        "suppressed": brief.suppressed,
        "chart": brief.figure is not None,
        "chart_note": chart_note,
        "alt": text.chart_alt(
            spec.title,
            brief.area_name,
            periods[0] if periods else "",
            periods[-1] if periods else "",
            summary,
        ),
        "table": {"columns": [str(c) for c in table.columns], "rows": rows},
        "sheet": "",
        "commentary": commentary,
        "actions": [_action(a, meeting_titles, today) for a in brief.actions],
        "source": source,
        "source_line": source["line"],
    }


def check_request(report_id, user, meeting_id=None) -> tuple[ReportSpec, Meeting | None]:
    """The report and meeting, if `user` (signed in) may generate its pack: NotAuthorised or
    PackError otherwise. Checked when Generate is pressed and again as the pack is built."""
    report = REPORTS.get(report_id) if isinstance(report_id, str) else None
    if report is None:
        raise PackError(f"There is no report {str(report_id)[:60]!r}.")
    if not may_generate(rights_of(user), report):
        raise NotAuthorised(f"may not generate the {report.id} pack")
    signed_in = flask_login.current_user
    if getattr(signed_in, "id", None) != getattr(user, "id", None):
        raise NotAuthorised("a pack is generated only as the signed-in user")
    with data.session_factory()() as session:
        meeting = _meeting(session, report, meeting_id)
    return report, meeting


def start_pack_job(report_id, user, meeting_id=None) -> int:
    """Check the request now (a refusal or a bad choice is said at once), then build the pack in
    a background thread as the same user; returns the job id the page polls (loaders.meetings)."""
    report, meeting = check_request(report_id, user, meeting_id)
    meeting_id = meeting.id if meeting else None
    job_id = meetings.start_job(data.session_factory(), report.id, meeting_id, user.id)
    thread = threading.Thread(
        target=_run_job,
        args=(flask.current_app._get_current_object(), job_id, user.id, report.id, meeting_id),
        kwargs={"address": flask.request.remote_addr or ""},
        name=f"lcjp-pack-{job_id}",
        daemon=True,
    )
    thread.start()
    return job_id


def _run_job(server, job_id: int, user_id: int, report_id: str, meeting_id, address: str) -> None:
    """Build the pack inside a request of its own, signed in as the user who asked (every right
    is checked again there), and record how it ended."""
    factory = server.extensions["lcjp"].session_factory
    try:
        with server.test_request_context(
            "/_dash-update-component", method="POST", environ_base={"REMOTE_ADDR": address}
        ):
            with factory() as session:
                user = session.get(User, user_id)
            if user is None or not user.active:
                raise NotAuthorised("the user who asked is no longer active")
            flask_login.login_user(user)
            snapshot_id = build_pack(report_id, user, meeting_id)
        meetings.finish_job(factory, job_id, snapshot_id=snapshot_id)
    except NotAuthorised as refused:
        log.info("pack job %s refused: %s", job_id, refused)
        meetings.finish_job(
            factory, job_id, snapshot_id=None, message="You may not generate this report's pack."
        )
    except (PackError, RecordError) as problem:
        meetings.finish_job(factory, job_id, snapshot_id=None, message=str(problem))
    except Exception as problem:  # a renderer or the database failing: say so
        log.exception("pack job %s failed", job_id)
        meetings.finish_job(
            factory,
            job_id,
            snapshot_id=None,
            message=f"Something went wrong while drawing it ({str(problem)[:300]}).",
        )


def assemble(report_id: str, user, meeting_id: int | None = None) -> tuple[dict, dict]:
    """The pack's content dict and its figures (measure id → Plotly figure), as `user` sees them.

    Runs inside a request signed in as `user`: the figures are read through the same
    rights-filtered cache as every screen."""
    report, meeting = check_request(report_id, user, meeting_id)
    settings = services().settings
    timezone = settings.timezone
    factory = data.session_factory()
    with factory() as session:
        register = {e.dataset_id: e for e in sharing.entries(session)}
        # Actions name the meeting that raised them, whichever body it was.
        titles = {m.id: m.title for m in meetings.meetings(session)}
        previous = meetings.previous_meeting(session, meeting) if meeting else None
    measure_ids, excluded = pack_measure_ids(report, user, register)
    if not measure_ids:
        raise PackError(
            f"None of the {report.title}'s measures may go in a pack for its audience that you "
            "may also see, so there is nothing to generate."
        )
    plan = load_plan(settings.plan_file, MEASURES)
    sections = agenda_sections(report, measure_ids, plan)
    ordered = [m for section in sections for m in section["measure_ids"]]
    heading_of = {m: s["heading"] for s in sections for m in s["measure_ids"]}
    hide_small = not sees_small_numbers(user) or not opcc_only(report)
    threshold = data.suppression_threshold()
    today = london_today(timezone)
    all_events = timeline_events()
    measures, figures = [], {}
    entry_args = {
        "hide_small": hide_small,
        "threshold": threshold,
        "timezone": timezone,
        "meeting_titles": titles,
        "today": today,
    }
    for measure_id in ordered:
        brief = measure_brief(measure_id, hide_small_numbers=hide_small, all_events=all_events)
        entry = measure_entry(brief, heading_of[measure_id], **entry_args)
        measures.append(entry)
        if entry["chart"]:
            figures[measure_id] = brief.figure
    court_ids = _court_pages(report, ordered, measures, figures, hide_small, all_events, entry_args)
    if court_ids:
        sections.append({"heading": COURT_SECTION, "measure_ids": court_ids})
    for measure, name in zip(
        (m for m in measures if m["has_figures"]),
        text.sheet_names([m["title"] for m in measures if m["has_figures"]]),
        strict=True,
    ):
        measure["sheet"] = name
    with factory() as session:
        logged = meetings.actions(session, ordered)
    logged.sort(key=lambda a: (a.status in meetings.CLOSED_STATUSES, a.due_date, a.id))
    generated = datetime.now(UTC)
    content = {
        "format": CONTENT_FORMAT,
        "report": {
            "id": report.id,
            "title": report.title,
            "cadence": report.cadence,
            "meeting": report.meeting,
            "audience": report.audience,
            "public": report.public,
        },
        "meeting": (
            {"id": meeting.id, "title": meeting.title, "date": meeting.meeting_date.isoformat()}
            if meeting
            else None
        ),
        "previous_meeting": (
            {"id": previous.id, "title": previous.title, "date": previous.meeting_date.isoformat()}
            if previous
            else None
        ),
        "period_label": text.reporting_period(measures),
        "generated_at": generated.isoformat(),
        "generated_at_local": local_time(generated, timezone),
        "generated_by": user.username,
        "small_numbers_hidden": hide_small,
        "suppression_threshold": threshold,
        "excluded_count": excluded,
        "demo": any(m["source"]["is_demo"] for m in measures),
        "sections": sections,
        "measures": measures,
        # Exceptions are measures' headline figures; a court page states its own reading.
        "exceptions": [m["id"] for m in measures if m["signal"] and not m.get("court")],
        "actions": [_action(a, titles, today) for a in logged],
        "provenance": _provenance(measures),
    }
    content["reference"] = _reference(report, generated, content)
    return content, figures


def _court_pages(
    report: ReportSpec,
    ordered: list[str],
    measures: list[dict],
    figures: dict,
    hide_small: bool,
    all_events,
    entry_args: dict,
) -> list[str]:
    """A page per partnership Crown Court (config `crown_courts`) in the E&E and LCJP Board
    packs: open cases at that court, from the same presented figure as the court page. Each is
    added after the measure's own page and keyed `<measure>@<court area code>`; its actions stay
    on the measure's own page. Returns the keys added."""
    if report.id not in COURT_PAGE_REPORTS or COURT_MEASURE not in ordered:
        return []
    added = []
    for court in data.lcjp().get("crown_courts", ()):
        code = crown_court_code(court)
        brief = measure_brief(
            COURT_MEASURE, hide_small_numbers=hide_small, all_events=all_events, area_code=code
        )
        if not brief.has_figures or brief.area_code != code:
            continue
        entry = measure_entry(brief, COURT_SECTION, **entry_args)
        key = f"{COURT_MEASURE}@{code}"
        entry.update(
            id=key,
            measure_id=COURT_MEASURE,
            court=court,
            title=f"{MEASURES[COURT_MEASURE].title}: {court} Crown Court",
            actions=[],
        )
        entry["alt"] = entry["alt"].replace(MEASURES[COURT_MEASURE].title, entry["title"], 1)
        measures.append(entry)
        if entry["chart"]:
            figures[key] = brief.figure
        added.append(key)
    return added


def _meeting(session, report: ReportSpec, meeting_id) -> Meeting | None:
    if meeting_id in (None, ""):
        return None
    try:
        meeting = session.get(Meeting, int(meeting_id))
    except (TypeError, ValueError):
        meeting = None
    if meeting is None:
        raise PackError(f"There is no meeting {str(meeting_id)[:40]!r}.")
    if meeting.report_id != report.id:
        raise PackError(f"“{meeting.title}” is not a meeting of the {report.meeting}.")
    return meeting


def _provenance(measures: list[dict]) -> list[dict]:
    """Each dataset behind the pack once: which vintage, when loaded, its content hash."""
    seen: dict[str, dict] = {}
    for measure in measures:
        source = measure["source"]
        seen.setdefault(
            source["dataset_id"],
            {
                k: source[k]
                for k in (
                    "dataset_id",
                    "title",
                    "publisher",
                    "vintage_id",
                    "content_hash",
                    "loaded_at_utc",
                    "is_demo",
                )
            },
        )
    return list(seen.values())


def _reference(report: ReportSpec, generated: datetime, content: dict) -> str:
    """A reference printed on every file before the pack is stored (its row id is not yet known):
    the report, the moment and a short fingerprint of what it holds."""

    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    initials = "".join(word[0] for word in report.id.split("-")).upper()
    return f"{initials}-{generated:%Y%m%d-%H%M%S}-{digest[:6]}"


# --- Charts ---------------------------------------------------------------------------------------

_PNG_CACHE: OrderedDict[str, bytes] = OrderedDict()
_PNG_CACHE_SIZE = 256
_SERVER_LOCK = threading.Lock()  # guards the count of packs using the chart server
_RENDER_LOCK = threading.Lock()  # kaleido's sync server answers one caller at a time
_CACHE_LOCK = threading.Lock()
_server_users = 0


@contextmanager
def chart_server():
    """Keep one headless Chromium (kaleido) open while charts are drawn; nested and concurrent
    uses share it, and the last one out stops it."""
    global _server_users
    with _SERVER_LOCK:
        if _server_users == 0:
            kaleido.start_sync_server(silence_warnings=True)
        _server_users += 1
    try:
        yield
    finally:
        with _SERVER_LOCK:
            _server_users -= 1
            if _server_users == 0:
                kaleido.stop_sync_server(silence_warnings=True)


def _print_ready(figure: go.Figure) -> go.Figure:
    """Paper lettering on every text (ticks, legend, event labels), the axes making room for
    their labels and the legend in rows below them, clear of them (layouts/chart_sizes.py)."""
    printed = lettered(figure, CHART_TEXT_PX, paper=(CHART_WIDTH, CHART_HEIGHT))
    printed.update_layout(paper_bgcolor="white", plot_bgcolor="white", width=None, height=None)
    return printed


def chart_pngs(figures: dict[str, go.Figure]) -> dict[str, bytes]:
    """Each figure drawn once as PNG; a figure drawn before (same data, same vintage) is reused."""
    keyed = {}
    for measure_id, figure in figures.items():
        printed = _print_ready(figure)
        keyed[measure_id] = (hashlib.sha256(printed.to_json().encode()).hexdigest(), printed)
    pngs: dict[str, bytes] = {}
    with _CACHE_LOCK:
        for key, _figure in keyed.values():
            if key in _PNG_CACHE:
                _PNG_CACHE.move_to_end(key)
                pngs[key] = _PNG_CACHE[key]
    missing = {key: fig for key, fig in keyed.values() if key not in pngs}
    if missing:
        with chart_server():
            for key, figure in missing.items():
                with _RENDER_LOCK, warnings.catch_warnings():
                    # plotly passes options the shared server ignores; it says so on every call
                    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
                    pngs[key] = pio.to_image(
                        figure,
                        format="png",
                        width=CHART_WIDTH,
                        height=CHART_HEIGHT,
                        scale=CHART_SCALE,
                    )
        with _CACHE_LOCK:
            for key in missing:
                _PNG_CACHE[key] = pngs[key]
            while len(_PNG_CACHE) > _PNG_CACHE_SIZE:
                _PNG_CACHE.popitem(last=False)
    return {measure_id: pngs[key] for measure_id, (key, _figure) in keyed.items()}


# --- Generating and freezing ----------------------------------------------------------------------


def build_pack(report_id: str, user, meeting_id: int | None = None) -> int:
    """Generate the report's pack as `user` (signed in), store it as presented, return its id.

    NotAuthorised when the user may not generate the report; PackError for a report or meeting
    that does not exist. Either way nothing is stored."""
    # WeasyPrint and python-pptx take a second or two to import: only a pack needs them.
    from layouts.packs.pdf import pack_pdf
    from layouts.packs.slides import pack_pptx
    from layouts.packs.workbook import pack_xlsx

    started = time.perf_counter()
    content, figures = assemble(report_id, user, meeting_id)
    charts = chart_pngs(figures)
    pdf = pack_pdf(content, charts)
    pptx = pack_pptx(content, charts)
    xlsx = pack_xlsx(content)
    report = REPORTS[content["report"]["id"]]
    snapshot_id = meetings.save_snapshot(
        data.session_factory(),
        report_id=report.id,
        meeting_id=content["meeting"]["id"] if content["meeting"] else None,
        period_label=content["period_label"],
        audience=report.audience,
        # The measures themselves (a court page is a view of its measure): who may open it.
        measure_ids=list(dict.fromkeys(m.get("measure_id", m["id"]) for m in content["measures"])),
        content=content,
        pdf=pdf,
        pptx=pptx,
        xlsx=xlsx,
        by=user.username,
    )
    seconds = round(time.perf_counter() - started, 1)
    audit(
        "pack_generated",
        {
            "report": report.id,
            "snapshot": snapshot_id,
            "reference": content["reference"],
            "meeting": content["meeting"]["id"] if content["meeting"] else None,
            "measures": len(content["measures"]),
            "charts": len(charts),
            "seconds": seconds,
        },
    )
    log.info("pack %s (%s) generated in %.1f s", snapshot_id, report.id, seconds)
    return snapshot_id


def file_name(snapshot: PackSnapshot, kind: str) -> str:
    reference = snapshot.reference
    return f"{snapshot.report_id}-pack-{snapshot.id}{'-' + reference if reference else ''}.{kind}"
