"""Known events and series breaks: drawn on every affected chart and kept out of SPC limits.

Two kinds:

- **event**: a period (start to end, both inclusive: `end` is the last day affected). Drawn as a
  shaded band. With `exclude_from_baseline`, every period that overlaps it by even one day is left
  out of the SPC baseline (still drawn and still tested against the rules), so a lockdown quarter
  cannot drag the mean or widen the limits.
- **series_break**: a date after which figures are not comparable with those before. Drawn as a
  vertical line; the SPC limits are recalculated from the period that contains the date.

The built-in registry below covers what every LCJP meets. Dates that differ by area (when your
forces adopted the two-tier out-of-court framework, when your courts moved to Common Platform) are
configuration: set `event_dates` in the LCJP settings, e.g.
`{"oocd-two-tier": "2023-04-01", "common-platform": "2021-06-07"}`. Administrators add their own
events in the app (the /admin/events page); those are stored in the `timeline_event` table.

Which measures an event affects is matched by measure id, subgroup or dataset; ids may be
shell-style patterns (`crown_*`), so measures added to the registry later are covered too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fnmatch import fnmatchcase

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loaders.datasets import DATASETS
from loaders.db import transaction
from loaders.measures import MEASURES, SUBGROUPS
from loaders.models import TimelineEvent

KINDS = {"event": "Event (a period)", "series_break": "Series break (a date)"}
CUSTOM_PREFIX = "custom-"


class EventError(ValueError):
    """An event could not be added, changed or removed; the message says why."""


@dataclass(frozen=True)
class Event:
    """A known event or series break and the measures it affects."""

    id: str
    title: str
    kind: str
    start: date
    end: date | None = None
    measures: tuple[str, ...] = ()  # measure ids or patterns; ("*",) means every measure
    subgroups: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()  # dataset ids or patterns
    exclude_from_baseline: bool = False
    description: str = ""
    source: str = ""
    built_in: bool = True
    applies_to: str = ""  # the scope in words, where patterns would read badly

    @property
    def rebases(self) -> bool:
        """A series break recalculates the SPC limits from its date."""
        return self.kind == "series_break"

    @property
    def last_day(self) -> date:
        return self.end or self.start

    @property
    def when(self) -> str:
        """'23 Mar 2020 to 3 Jul 2020', or one date for a series break."""
        if self.kind == "series_break" or self.end in (None, self.start):
            return day_label(self.start)
        return f"{day_label(self.start)} to {day_label(self.end)}"

    @property
    def scope(self) -> str:
        """Which measures, in words, for the admin list and chart notes."""
        if self.applies_to:
            return self.applies_to
        if "*" in self.measures:
            return "All measures"
        parts = [f"{SUBGROUPS[s].name if s in SUBGROUPS else s} (subgroup)" for s in self.subgroups]
        parts += [f"{DATASETS[d].title if d in DATASETS else d} (dataset)" for d in self.datasets]
        parts += [MEASURES[m].title if m in MEASURES else m for m in self.measures]
        return "; ".join(parts) or "No measures"

    def affects(self, measure_id: str) -> bool:
        """True if this event bears on the measure (by id, pattern, subgroup or dataset)."""
        if any(fnmatchcase(measure_id, pattern) for pattern in self.measures):
            return True
        spec = MEASURES.get(measure_id)
        if spec is None:
            return False
        return spec.subgroup in self.subgroups or any(
            fnmatchcase(spec.dataset_id, pattern) for pattern in self.datasets
        )

    def overlaps(self, period_start: date, period_end: date) -> bool:
        """True if any day of the period falls within the event."""
        return _day(period_start) <= self.last_day and _day(period_end) >= self.start


# --- The built-in registry -------------------------------------------------------------------

BUILTIN_EVENTS: tuple[Event, ...] = (
    Event(
        id="covid-lockdown-1",
        title="First COVID-19 lockdown",
        kind="event",
        start=date(2020, 3, 23),
        end=date(2020, 7, 3),
        measures=("*",),
        exclude_from_baseline=True,
        applies_to="All measures",
        description=(
            "Stay-at-home order announced 23 March 2020. The end used is 3 July 2020, the last day "
            "before the main easing: the Health Protection (Coronavirus, Restrictions) (England) "
            "(No. 2) Regulations 2020 replaced the lockdown regulations on 4 July 2020 (pubs, "
            "restaurants and most services reopened)."
        ),
        source="https://www.legislation.gov.uk/uksi/2020/684/contents",
    ),
    Event(
        id="covid-lockdown-2",
        title="Second COVID-19 lockdown (England)",
        kind="event",
        start=date(2020, 11, 5),
        end=date(2020, 12, 1),
        measures=("*",),
        exclude_from_baseline=True,
        applies_to="All measures",
        description=(
            "The Health Protection (Coronavirus, Restrictions) (England) (No. 4) Regulations 2020 "
            "were in force from 5 November 2020 and expired on 2 December 2020, when the tier "
            "system returned; the last day of lockdown used is 1 December 2020. Courts stayed open."
        ),
        source="https://www.legislation.gov.uk/uksi/2020/1200/contents",
    ),
    Event(
        id="covid-lockdown-3",
        title="Third COVID-19 lockdown (England)",
        kind="event",
        start=date(2021, 1, 6),
        end=date(2021, 4, 11),
        measures=("*",),
        exclude_from_baseline=True,
        applies_to="All measures",
        description=(
            "National lockdown in law from 6 January 2021. Schools reopened on 8 March (step 1) "
            "and the stay-at-home rule ended on 29 March, but non-essential retail, and with it "
            "much of the everyday activity behind crime figures, reopened only on 12 April 2021 "
            "(step 2 of the roadmap). The end used is 11 April 2021, the last day before step 2."
        ),
        source="https://www.gov.uk/government/publications/covid-19-response-spring-2021",
    ),
    Event(
        id="oocd-two-tier",
        title="Two-tier out-of-court disposal framework",
        kind="series_break",
        start=date(2022, 4, 28),
        measures=("*oocd*", "*out_of_court*", "*caution*", "*community_resolution*"),
        datasets=("*oocd*", "*out_of_court*"),
        applies_to="Out-of-court disposal measures (cautions, community resolutions)",
        description=(
            "Six adult out-of-court disposals give way to two tiers (community resolution and "
            "conditional caution; in statute, the community and diversionary cautions of Part 6 of "
            "the Police, Crime, Sentencing and Courts Act 2022). Forces moved on different dates, "
            "many before the Act. The default date is the Act's Royal Assent, 28 April 2022; set "
            "the date your forces adopted the framework in the LCJP configuration (event_dates: "
            "oocd-two-tier)."
        ),
        source="https://www.legislation.gov.uk/ukpga/2022/32/part/6",
    ),
    Event(
        id="common-platform",
        title="Common Platform go-live",
        kind="series_break",
        start=date(2020, 9, 1),
        measures=("crown_*", "magistrates_*", "mags_*", "*trial*"),
        datasets=("moj_ccsq*", "hmcts_*"),
        applies_to="Court measures (Crown Court and magistrates' courts, trials)",
        description=(
            "HMCTS's Common Platform case management system replaced Libra and XHIBIT court by "
            "court: the first courts (Derby) went live in September 2020 and every criminal court "
            "was on it by August 2023. Court figures recorded on the two systems are not fully "
            "comparable. The default break is the first go-live, 1 September 2020; set your own "
            "courts' go-live date in the LCJP configuration (event_dates: common-platform)."
        ),
        source=(
            "https://www.lawgazette.co.uk/commentary-and-opinion/"
            "common-platform-is-a-strong-foundation-for-the-future/5116873.article"
        ),
    ),
)


def builtin_events(event_dates: Mapping[str, str | date] | None = None) -> list[Event]:
    """The built-in registry with any configured dates applied (`{event id: ISO date}`)."""
    known = {event.id: event for event in BUILTIN_EVENTS}
    unknown = set(event_dates or {}) - set(known)
    if unknown:
        raise EventError(f"event_dates names unknown events: {', '.join(sorted(unknown))}")
    events = []
    for event in BUILTIN_EVENTS:
        configured = (event_dates or {}).get(event.id)
        if configured is None:
            events.append(event)
            continue
        start = _parse_date(configured, f"event_dates[{event.id}]")
        if event.end is not None and start > event.end:
            raise EventError(f"event_dates[{event.id}] is after the event's end ({event.end})")
        events.append(replace(event, start=start))
    return events


# --- What an event means for a measure's chart -------------------------------------------------


def events_for(measure_id: str, events: Iterable[Event] | None = None) -> list[Event]:
    """Events and series breaks that affect a measure, oldest first."""
    pool = builtin_events() if events is None else events
    return sorted((e for e in pool if e.affects(measure_id)), key=lambda e: (e.start, e.id))


def spc_options_for(
    measure_id: str, periods, events: Iterable[Event] | None = None
) -> tuple[tuple[pd.Timestamp, ...], tuple[pd.Timestamp, ...]]:
    """(rebase_at, exclude) for `loaders.spc.spc`, as period ends.

    `periods` is a frame with period_start and period_end columns (an observations frame) or
    (start, end) pairs. A series break rebases at the period that contains its date (or the first
    period after it); an event excluded from baselines excludes every period it overlaps.
    """
    spans = sorted(_spans(periods))
    if not spans:
        return (), ()
    rebase_at: set[pd.Timestamp] = set()
    exclude: set[pd.Timestamp] = set()
    for event in events_for(measure_id, events):
        if event.rebases:
            first = next((end for _start, end in spans if end >= event.start), None)
            if first is not None and first > spans[0][1]:
                rebase_at.add(pd.Timestamp(first))
        elif event.exclude_from_baseline:
            exclude.update(pd.Timestamp(end) for start, end in spans if event.overlaps(start, end))
    return tuple(sorted(rebase_at)), tuple(sorted(exclude))


def _spans(periods) -> list[tuple[date, date]]:
    if isinstance(periods, pd.DataFrame):
        if periods.empty:
            return []
        pairs = zip(periods["period_start"], periods["period_end"], strict=True)
    else:
        pairs = periods
    return sorted({(_day(start), _day(end)) for start, end in pairs})


def day_label(day: date) -> str:
    """'23 Mar 2020': no leading zero, month abbreviated."""
    return f"{day.day} {day:%b %Y}"


def _day(value) -> date:
    return value.date() if isinstance(value, pd.Timestamp) else value


# --- Administrators' events, stored in the database --------------------------------------------


def custom_events(session: Session) -> list[Event]:
    rows = session.scalars(sa.select(TimelineEvent).order_by(TimelineEvent.start_date)).all()
    return [_from_row(row) for row in rows]


def list_events(session_factory: sessionmaker, lcjp: Mapping | None = None) -> list[Event]:
    """Built-in events (with the LCJP's configured dates) and administrators' events, by date."""
    with session_factory() as session:
        stored = custom_events(session)
    builtins = builtin_events((lcjp or {}).get("event_dates"))
    return sorted(builtins + stored, key=lambda e: (e.start, e.id))


def add_event(
    session_factory: sessionmaker,
    *,
    title: str,
    kind: str,
    start: date | str,
    end: date | str | None = None,
    all_measures: bool = False,
    measures: Sequence[str] = (),
    subgroups: Sequence[str] = (),
    datasets: Sequence[str] = (),
    exclude_from_baseline: bool = False,
    description: str = "",
    source: str = "",
    created_by: str = "",
) -> Event:
    """Validate and store an administrator's event; nothing is written if any field is wrong."""
    title = (title or "").strip()
    if not title:
        raise EventError("Give the event a title.")
    if len(title) > 200:
        raise EventError("The title must be 200 characters or fewer.")
    if kind not in KINDS:
        raise EventError("Choose whether this is an event (a period) or a series break (a date).")
    start_date = _parse_date(start, "The start date")
    end_date = _parse_date(end, "The end date") if end not in (None, "") else None
    if kind == "series_break":
        if end_date is not None:
            raise EventError("A series break is a single date: leave the end date empty.")
        exclude_from_baseline = False
    elif end_date is None:
        end_date = start_date
    elif end_date < start_date:
        raise EventError("The end date is before the start date.")
    for values, registry, noun in (
        (measures, MEASURES, "measure"),
        (subgroups, SUBGROUPS, "subgroup"),
        (datasets, DATASETS, "dataset"),
    ):
        unknown = [v for v in values if v not in registry]
        if unknown:
            raise EventError(f"Unknown {noun}: {', '.join(unknown)}.")
    if not (all_measures or measures or subgroups or datasets):
        raise EventError("Choose which measures the event affects.")
    source = (source or "").strip()
    if len(source) > 500:
        raise EventError("The source must be 500 characters or fewer.")
    with transaction(session_factory) as session:
        row = TimelineEvent(
            title=title,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
            all_measures=bool(all_measures),
            measures=[] if all_measures else list(measures),
            subgroups=[] if all_measures else list(subgroups),
            datasets=[] if all_measures else list(datasets),
            exclude_from_baseline=bool(exclude_from_baseline),
            description=(description or "").strip(),
            source=source,
            created_by=created_by,
        )
        session.add(row)
        session.flush()
        return _from_row(row)


def delete_event(session_factory: sessionmaker, event_id: str) -> None:
    """Remove an administrator's event; built-in events are part of the code and stay."""
    if not event_id.startswith(CUSTOM_PREFIX):
        raise EventError("Built-in events cannot be deleted; change their dates in configuration.")
    number = event_id.removeprefix(CUSTOM_PREFIX)
    if not number.isdigit():
        raise EventError("No such event.")
    with transaction(session_factory) as session:
        row = session.get(TimelineEvent, int(number))
        if row is None:
            raise EventError("No such event; it may already have been deleted.")
        session.delete(row)


def _from_row(row: TimelineEvent) -> Event:
    return Event(
        id=f"{CUSTOM_PREFIX}{row.id}",
        title=row.title,
        kind=row.kind,
        start=row.start_date,
        end=row.end_date if row.kind == "event" else None,
        measures=("*",) if row.all_measures else tuple(row.measures or ()),
        subgroups=tuple(row.subgroups or ()),
        datasets=tuple(row.datasets or ()),
        exclude_from_baseline=row.exclude_from_baseline,
        description=row.description,
        source=row.source,
        built_in=False,
    )


def _parse_date(value, what: str) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise EventError(f"{what} must be a date such as 2024-04-01.") from None
