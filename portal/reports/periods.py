"""Fortnights and date ranges, in India Standard Time.

A fortnight runs from the 1st to the 15th, or from the 16th to the last day of the month.
A period covers whole days: from 00:00 of its first day to the end of its last day, IST.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.utils import timezone

from portal import clock


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


@dataclass(frozen=True, order=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def begins_at(self) -> datetime.datetime:
        return day_start(self.start)

    @property
    def ends_at(self) -> datetime.datetime:
        """The last instant of the period: anything stamped before the next day's 00:00 IST."""
        return day_start(self.end + datetime.timedelta(days=1)) - datetime.timedelta(microseconds=1)

    def cut(self, now: datetime.datetime | None = None) -> datetime.datetime:
        """The instant the period's figures are counted at: its end, or now if it has not ended."""
        now = now or clock.now()
        return min(now, self.ends_at)

    def has_ended(self, now: datetime.datetime | None = None) -> bool:
        return (now or clock.now()) > self.ends_at

    @property
    def is_fortnight(self) -> bool:
        return fortnight_of(self.start) == self

    @property
    def slug(self) -> str:
        return self.start.isoformat()

    def label(self) -> str:
        return f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"

    def previous(self) -> "Period":
        return fortnight_of(self.start - datetime.timedelta(days=1))

    def next(self) -> "Period":
        return fortnight_of(self.end + datetime.timedelta(days=1))


def fortnight_of(day: datetime.date) -> Period:
    if day.day <= 15:
        return Period(day.replace(day=1), day.replace(day=15))
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=16), day.replace(day=last))


def current_fortnight() -> Period:
    return fortnight_of(clock.today())


def last_ended_fortnight() -> Period:
    return current_fortnight().previous()


def fortnight_from_slug(slug: str) -> Period | None:
    """The fortnight that starts on `slug` (YYYY-MM-DD, the 1st or the 16th), else None."""
    try:
        start = datetime.date.fromisoformat(slug)
    except (TypeError, ValueError):
        return None
    period = fortnight_of(start)
    return period if period.start == start else None


def recent_fortnights(count: int, *, include_current: bool = True) -> list[Period]:
    """The last `count` fortnights, newest first."""
    period = current_fortnight() if include_current else last_ended_fortnight()
    periods = []
    for _ in range(count):
        periods.append(period)
        period = period.previous()
    return periods
