"""When each dataset is due: standard crontab expressions read the way cron reads them.

APScheduler 3 numbers weekdays from Monday (0 = Monday) and ANDs day-of-month with
day-of-week; cron numbers them from Sunday (0 and 7 = Sunday) and ORs the two when both are
restricted. A schedule copied from a crontab ("0 10 * * 4", Thursdays) must mean the same
here, so expressions are translated before APScheduler sees them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from loaders.datasets import DatasetSpec

CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class ScheduleError(ValueError):
    """A cron expression that cannot be read; the message names the dataset and the field."""


def schedule_for(spec: DatasetSpec, overrides: dict[str, str] | None = None) -> str:
    """The dataset's cron expression: SCHEDULE_<ID> from configuration, else the registry's."""
    return (overrides or {}).get(spec.id) or spec.schedule


def _weekday_numbers(part: str) -> set[int]:
    """Cron weekday numbers (0 = Sunday) named by one comma-separated item such as 1-5/2."""
    body, _, step_text = part.partition("/")
    step = int(step_text) if step_text else 1
    if body == "*":
        first, last = 0, 6
    elif "-" in body:
        first_text, last_text = body.split("-", 1)
        first, last = int(first_text), int(last_text)
    else:
        first = int(body)
        last = 6 if step_text else first
    if not (0 <= first <= 7 and 0 <= last <= 7 and first <= last and step > 0):
        raise ValueError(f"'{part}' is not a weekday range (0-7, 0 and 7 are Sunday)")
    return {day % 7 for day in range(first, last + 1, step)}


def _weekday_field(field: str) -> str:
    """Translate a cron day-of-week field into APScheduler's weekday names."""
    if field == "*" or not any(ch.isdigit() for ch in field):
        return field  # '*' and names (mon-fri) already mean the same in both
    days: set[int] = set()
    names: list[str] = []
    for part in field.lower().split(","):
        if part[:1].isdigit() or part.startswith("*"):
            days |= _weekday_numbers(part)
        else:
            names.append(part)
    return ",".join([CRON_WEEKDAYS[d] for d in sorted(days)] + names)


def cron_trigger(
    expression: str, timezone: str = "Europe/London", dataset_id: str = ""
) -> BaseTrigger:
    """An APScheduler trigger that fires exactly when cron would for `expression`."""
    fields = expression.split()
    where = f" for {dataset_id}" if dataset_id else ""
    if len(fields) != 5:
        raise ScheduleError(
            f"schedule '{expression}'{where} must have 5 fields: minute hour day month weekday"
        )
    minute, hour, day, month, weekday = fields
    zone = ZoneInfo(timezone)
    try:
        weekday = _weekday_field(weekday)

        def make(day_field: str, weekday_field: str) -> CronTrigger:
            return CronTrigger(
                minute=minute,
                hour=hour,
                day=day_field,
                month=month,
                day_of_week=weekday_field,
                timezone=zone,
            )

        if day != "*" and weekday != "*":
            # cron fires when EITHER the day of month OR the weekday matches.
            return OrTrigger([make(day, "*"), make("*", weekday)])
        return make(day, weekday)
    except ValueError as error:
        raise ScheduleError(f"schedule '{expression}'{where} cannot be read: {error}") from error


def next_due(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The first time after `now` the schedule fires."""
    return trigger.get_next_fire_time(None, now + timedelta(microseconds=1))


def latest_due(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The last time at or before `now` the schedule fired: the due time a run catches up on.

    Looks back a little further each time until a firing is found, so an every-minute schedule
    and a once-a-year one both cost a handful of steps.
    """
    lookback = timedelta(hours=1)
    while lookback <= timedelta(days=800):
        fire = trigger.get_next_fire_time(None, now - lookback)
        if fire is not None and fire <= now:
            latest = fire
            while True:
                following = trigger.get_next_fire_time(latest, latest + timedelta(microseconds=1))
                if following is None or following > now:
                    return latest
                latest = following
        lookback *= 4
    return None
