"""The slot engine: a pure function from plain data to free slots. No ORM, no clock.

Inputs are local wall-clock opening hours (weekly intervals and date exceptions) plus absolute
busy intervals (bookings' blocked intervals, external busy blocks). Each local date's opening
intervals are turned into absolute instants in the supplier's time zone, so a 09:00 opening
stays at 09:00 local time on both sides of a daylight-saving change. Slots are then stepped in
absolute time from each opening's start: in the repeated autumn hour both real hours are
offered (distinct instants, none doubled) and the skipped spring hour simply does not exist.

Complexity: busy intervals are sorted and merged once per resource (O(m log m)). For each
opening interval the free grid positions are found arithmetically, one step per busy interval
that reaches into it (never one per candidate), and added as runs; a single integer sort orders
the result. The whole run is O((n + m) log(n + m) + slots), with the per-slot part in C.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import repeat
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import holidays

# Aware datetimes, or POSIX seconds (the selector reads them so from PostgreSQL: cheaper).
Interval = tuple[datetime, datetime] | tuple[int, int]


def _as_seconds(intervals: Iterable[Interval]) -> list[tuple[int, int]]:
    """Busy intervals as POSIX seconds; a fractional second widens the interval, never shrinks."""
    return [
        (start, end)
        if type(start) is int and type(end) is int
        else (math.floor(_timestamp(start)), math.ceil(_timestamp(end)))
        for start, end in intervals
    ]


def _timestamp(value: datetime | int) -> float:
    return value if isinstance(value, int) else value.timestamp()


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


T = TypeVar("T", int, datetime, time)


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """One opening interval on a weekday (0 = Monday), local wall-clock time.

    `resource_id=None` is the supplier's own week. A resource with weekly hours of its own
    keeps only those (a weekday it has no row for is its day off); a resource with none
    follows the supplier's week.
    """

    resource_id: int | None
    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class DateOverride:
    """A date that differs from the weekly hours.

    `resource_id=None` applies to every resource. A closed override removes the date; open
    overrides (start/end set) replace that date's weekly hours. Resource-specific overrides win
    over supplier-wide openings, but a supplier-wide closed day (a holiday) closes everyone.
    """

    date: date
    resource_id: int | None
    is_closed: bool
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True, slots=True)
class SlotRules:
    """A service's timing rules, all in minutes except the horizon (days)."""

    duration: int
    buffer_before: int = 0
    buffer_after: int = 0
    interval: int = 15
    minimum_notice: int = 0
    horizon_days: int = 60


class Slot(NamedTuple):
    """A free slot; a tuple so that building and sorting thousands of them stays cheap."""

    start: datetime
    resource_id: int
    end: datetime


@dataclass(frozen=True, slots=True)
class FreeSlots:
    """Free slots as parallel columns, sorted by (start, resource id): POSIX-second starts and
    resource ids, all `duration` seconds long. The API writes JSON straight from these numbers;
    `as_slots()` gives Slot tuples with datetimes for everyone else."""

    starts: list[int]
    resource_ids: list[int]
    duration: int

    def __len__(self) -> int:
        return len(self.starts)

    def as_slots(self) -> list[Slot]:
        duration = self.duration
        instants = {s: _utc(s) for s in {*self.starts, *(s + duration for s in self.starts)}}
        # tuple.__new__ builds the named tuples in C: NamedTuple's own __new__ is a Python call
        # per slot, and a 62-day range holds thousands of slots.
        return list(
            map(
                tuple.__new__,
                repeat(Slot),
                zip(
                    map(instants.__getitem__, self.starts),
                    self.resource_ids,
                    [instants[start + duration] for start in self.starts],
                    strict=True,
                ),
            )
        )


NO_FREE_SLOTS = FreeSlots(starts=[], resource_ids=[], duration=0)


def local_instant(day: date, wall_clock: time, tz: ZoneInfo, *, fold: int) -> datetime:
    """The absolute (UTC) instant of a local wall-clock time; fold picks the repeated hour.

    Always UTC: arithmetic and comparison between datetimes sharing a ZoneInfo are wall-clock
    operations in Python, which would double or lose slots around a daylight-saving change.
    """
    return datetime.combine(day, wall_clock, tzinfo=tz).replace(fold=fold).astimezone(UTC)


def opening_wall_clock(
    *,
    resource_id: int,
    day: date,
    weekly: Mapping[int, Sequence[tuple[time, time]]],
    overrides: Mapping[date, Sequence[DateOverride]],
) -> list[tuple[time, time]]:
    """A resource's opening intervals on one local date, as sorted, merged wall-clock pairs.

    `weekly` (weekday → intervals) must already be merged: free_slots merges it once per
    resource, not once per date.
    """
    rows = overrides.get(day, ())
    if any(row.is_closed and row.resource_id is None for row in rows):
        return []
    own = [row for row in rows if row.resource_id == resource_id]
    chosen = own or [row for row in rows if row.resource_id is None]
    if chosen:
        if any(row.is_closed for row in chosen):
            return []
        return merge_intervals((row.start, row.end) for row in chosen if row.start and row.end)
    return weekly.get(day.weekday(), [])


@functools.cache
def _public_holidays_of_year(year: int) -> frozenset[date]:
    # Computed by the `holidays` library (Easter-based days move every year); cached per year,
    # so the slot engine pays for a year once per process and never asks the database.
    return frozenset(holidays.country_holidays("NO", years=year))


def norwegian_public_holidays(first: date, last: date) -> list[date]:
    """Norwegian public holidays (Sundays not counted as such) in [first, last], sorted."""
    return sorted(
        day
        for year in range(first.year, last.year + 1)
        for day in _public_holidays_of_year(year)
        if first <= day <= last
    )


def public_holiday_closures(
    *, holiday_dates: Iterable[date], overrides: Sequence[DateOverride], resource_ids: Iterable[int]
) -> list[DateOverride]:
    """Closed overrides for public holidays, weaker than the supplier's own date exceptions.

    A supplier-wide exception on the holiday (say, open 10–14 on Easter Monday) decides the day
    for everyone; a staff member's own exception decides it for them; everyone else is closed.
    Per-resource closures (not one supplier-wide one) are what let those exceptions win.
    """
    taken: dict[date, set[int | None]] = defaultdict(set)
    for row in overrides:
        taken[row.date].add(row.resource_id)
    closures = []
    for day in holiday_dates:
        if None in taken[day]:
            continue
        closures.extend(
            DateOverride(date=day, resource_id=rid, is_closed=True)
            for rid in resource_ids
            if rid not in taken[day]
        )
    return closures


def merge_intervals(intervals: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """Sort and merge overlapping or touching intervals: O(m log m)."""
    merged: list[list[T]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _date_range(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def free_slots(**arguments: Any) -> list[Slot]:
    """free_slot_table's answer as Slot tuples (start, resource_id, end) with UTC datetimes."""
    return free_slot_table(**arguments).as_slots()


Week = dict[int, list[tuple[time, time]]]  # weekday -> merged wall-clock intervals


def merged_weeks(weekly_hours: Iterable[WeeklyHours]) -> dict[int | None, Week]:
    """Weekly intervals by owner (a resource id, or None for the supplier's week), merged."""
    weeks: dict[int | None, Week] = defaultdict(lambda: defaultdict(list))
    for row in weekly_hours:
        weeks[row.resource_id][row.weekday].append((row.start, row.end))
    # 09–12 and 12–17 is one opening, not two with a break: a slot may run across 12:00.
    for by_weekday in weeks.values():
        for weekday, intervals in by_weekday.items():
            by_weekday[weekday] = merge_intervals(intervals)
    return weeks


def week_of(weeks: Mapping[int | None, Week], resource_id: int) -> Week:
    """The week a resource works: its own hours replace the supplier's for the whole week (a
    weekday without a row is its day off); a resource with none follows the supplier's."""
    return weeks.get(resource_id) or weeks.get(None) or {}


def free_slot_table(
    *,
    resource_ids: Sequence[int],
    date_from: date,
    date_to: date,
    tz: ZoneInfo,
    rules: SlotRules,
    now: datetime,
    weekly_hours: Iterable[WeeklyHours],
    overrides: Iterable[DateOverride] = (),
    busy: Mapping[int, Iterable[Interval]] | None = None,
) -> FreeSlots:
    """Free slots per resource over the local dates [date_from, date_to] (inclusive).

    A slot [start, end) lies inside one opening interval; its blocked interval
    [start - buffer_before, end + buffer_after) overlaps no busy interval of that resource;
    start >= now + minimum notice; its local date is at most `horizon_days` after today.
    Candidates step by `interval` minutes from each opening's start. Sorted by (start, resource).
    """
    if rules.duration <= 0 or rules.interval <= 0:
        raise ValueError("duration and interval must be positive")
    # Integer POSIX seconds inside the loop: several times cheaper than datetime arithmetic,
    # and unambiguous across daylight-saving changes.
    duration = rules.duration * 60
    step = rules.interval * 60
    before = rules.buffer_before * 60
    after = rules.buffer_after * 60
    now = now.astimezone(UTC)
    earliest = int(now.timestamp()) + rules.minimum_notice * 60
    last_day = min(date_to, now.astimezone(tz).date() + timedelta(days=rules.horizon_days))
    first_day = max(date_from, now.astimezone(tz).date())
    if first_day > last_day:
        return NO_FREE_SLOTS

    weeks = merged_weeks(weekly_hours)
    by_date: dict[date, list[DateOverride]] = defaultdict(list)
    for row in overrides:
        by_date[row.date].append(row)
    busy = busy or {}
    # Each free start is encoded as start * width + rank (rank: the resource's place by id), so
    # one integer sort orders slots by (start, resource) and whole runs of free starts are added
    # as `range` objects, without a Python step per candidate.
    resource_ids_by_rank = sorted(set(resource_ids))
    width = len(resource_ids_by_rank)
    rank = {rid: position for position, rid in enumerate(resource_ids_by_rank)}
    keys: list[int] = []
    opening_seconds: dict[tuple[date, time, time], tuple[int, int]] = {}
    days = [(day, day.weekday()) for day in _date_range(first_day, last_day)]
    reach_after = duration + after
    for resource_id in resource_ids_by_rank:
        merged = merge_intervals(_as_seconds(busy.get(resource_id, ())))
        ends = [end for _, end in merged]
        busy_count = len(merged)
        position = rank[resource_id]
        resource_weekly = week_of(weeks, resource_id)
        index = 0  # openings come in time order, so the busy list is swept once per resource
        for day, weekday in days:
            if day in by_date:
                intervals = opening_wall_clock(
                    resource_id=resource_id, day=day, weekly=resource_weekly, overrides=by_date
                )
            else:  # no exception that day: the week decides, as opening_wall_clock would say
                intervals = resource_weekly.get(weekday)
                if not intervals:
                    continue
            for open_time, close_time in intervals:
                key = (day, open_time, close_time)
                seconds = opening_seconds.get(key)
                if seconds is None:  # resources mostly share their hours
                    seconds = opening_seconds[key] = (
                        int(local_instant(day, open_time, tz, fold=0).timestamp()),
                        int(local_instant(day, close_time, tz, fold=1).timestamp()),
                    )
                opens, closes = seconds
                first = opens
                # Skip ahead to the first grid position that respects the minimum notice.
                if first < earliest:
                    first = opens + -((opens - earliest) // step) * step
                count = (closes - duration - first) // step + 1  # candidates first + k * step
                if count <= 0:
                    continue
                # Runs [lo, hi) of k whose candidate s = first + k * step is free. Busy
                # [b0, b1) blocks s when s - before < b1 and b0 < s + reach_after: a
                # contiguous run of k. Busy intervals ending by `first - before` reach no
                # candidate here (nor in any later opening).
                index = bisect.bisect_right(ends, first - before, index)
                # Free starts go in encoded (see above) as ranges: k -> base + k * stride.
                base = first * width + position
                stride = step * width
                free_from = 0
                for later in range(index, busy_count):
                    busy_start, busy_end = merged[later]
                    blocked_from = (busy_start - reach_after - first) // step + 1
                    if blocked_from >= count:
                        break
                    if blocked_from > free_from:
                        keys.extend(
                            range(base + free_from * stride, base + blocked_from * stride, stride)
                        )
                    blocked_to = -((first - busy_end - before) // step)  # ceiling division
                    if blocked_to > free_from:
                        free_from = blocked_to
                        if free_from >= count:
                            break
                if free_from < count:
                    keys.extend(range(base + free_from * stride, base + count * stride, stride))
    keys.sort()
    return FreeSlots(
        starts=[key // width for key in keys],
        resource_ids=[resource_ids_by_rank[key % width] for key in keys],
        duration=duration,
    )
