"""The pure slot engine: explicit cases, daylight-saving changes and properties (hypothesis)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.availability import (
    DateOverride,
    SlotRules,
    WeeklyHours,
    free_slots,
    merge_intervals,
)

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def every_day(start: time, end: time, resource_id: int = 1) -> list[WeeklyHours]:
    return [WeeklyHours(resource_id, day, start, end) for day in range(7)]


def local(day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO).replace(fold=fold)


def run(**overrides):
    arguments = {
        "resource_ids": [1],
        "date_from": date(2026, 3, 2),
        "date_to": date(2026, 3, 2),
        "tz": OSLO,
        "rules": SlotRules(duration=30, interval=30),
        "now": NOW,
        "weekly_hours": every_day(time(9), time(12)),
    }
    arguments.update(overrides)
    return free_slots(**arguments)


def local_starts(slots) -> list[str]:
    return [slot.start.astimezone(OSLO).strftime("%H:%M") for slot in slots]


def test_opening_hours_with_a_break():
    weekly = [WeeklyHours(1, 0, time(9), time(11)), WeeklyHours(1, 0, time(12), time(13))]
    slots = run(weekly_hours=weekly, date_from=date(2026, 3, 2), date_to=date(2026, 3, 3))
    assert local_starts(slots) == ["09:00", "09:30", "10:00", "10:30", "12:00", "12:30"]


def test_bookings_with_buffers_and_busy_blocks_are_subtracted():
    day = date(2026, 3, 2)
    busy = {1: [(local(day, 9, 30), local(day, 10, 15)), (local(day, 11), local(day, 11, 5))]}
    rules = SlotRules(duration=30, interval=15, buffer_after=15)
    slots = run(busy=busy, rules=rules)
    # 09:00 would end 09:30 + 15 min buffer, touching the 09:30 block; 10:15 is the first free.
    assert local_starts(slots) == ["10:15", "11:15", "11:30"]


def test_minimum_notice_and_horizon():
    now = local(date(2026, 3, 2), 9, 10).astimezone(UTC)
    rules = SlotRules(duration=30, interval=30, minimum_notice=60, horizon_days=1)
    slots = run(now=now, rules=rules, date_to=date(2026, 3, 10))
    days = sorted({slot.start.astimezone(OSLO).date() for slot in slots})
    assert days == [date(2026, 3, 2), date(2026, 3, 3)]
    assert local_starts(slots)[:2] == ["10:30", "11:00"]


def test_past_dates_give_nothing():
    assert run(date_from=date(2026, 2, 1), date_to=date(2026, 2, 27)) == []


def test_closed_date_and_supplier_wide_holiday():
    day = date(2026, 3, 2)
    closed_for_one = [DateOverride(day, 1, True)]
    slots = run(
        resource_ids=[1, 2],
        weekly_hours=every_day(time(9), time(10), 1) + every_day(time(9), time(10), 2),
        overrides=closed_for_one,
    )
    assert {slot.resource_id for slot in slots} == {2}
    holiday = [DateOverride(day, None, True), DateOverride(day, 2, False, time(9), time(10))]
    assert run(resource_ids=[1, 2], overrides=holiday) == []


def test_different_opening_on_one_date_replaces_weekly_hours():
    day = date(2026, 3, 2)
    overrides = [DateOverride(day, None, False, time(14), time(15))]
    assert local_starts(run(overrides=overrides)) == ["14:00", "14:30"]
    # A resource's own override wins over the supplier-wide one.
    own = [*overrides, DateOverride(day, 1, False, time(8), time(8, 30))]
    assert local_starts(run(overrides=own)) == ["08:00"]


def test_spring_forward_keeps_nine_oclock_and_skips_the_missing_hour():
    # 2026-03-29: 02:00 CET jumps to 03:00 CEST in Europe/Oslo.
    day = date(2026, 3, 29)
    weekly = every_day(time(0), time(5)) + every_day(time(9), time(10))
    rules = SlotRules(duration=60, interval=60)
    slots = run(weekly_hours=weekly, rules=rules, date_from=day - timedelta(days=1), date_to=day)
    on_day = [s for s in slots if s.start.astimezone(OSLO).date() == day]
    assert local_starts(on_day) == ["00:00", "01:00", "03:00", "04:00", "09:00"]
    before = [s for s in slots if s.start.astimezone(OSLO).date() == day - timedelta(days=1)]
    assert local_starts(before)[-1] == "09:00"
    assert on_day[-1].start.astimezone(OSLO).utcoffset() == timedelta(hours=2)
    assert before[-1].start.astimezone(OSLO).utcoffset() == timedelta(hours=1)
    # Four real hours between 00:00 and 05:00 local on this day: four night slots, no more.
    assert len(on_day) == 5


def test_fall_back_offers_both_real_hours_once():
    # 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:00–03:00 happens twice.
    day = date(2026, 10, 25)
    weekly = every_day(time(0), time(5)) + every_day(time(9), time(10))
    rules = SlotRules(duration=60, interval=60)
    slots = run(
        weekly_hours=weekly,
        rules=rules,
        date_from=day,
        date_to=day + timedelta(days=1),
        now=datetime(2026, 10, 1, tzinfo=UTC),
    )
    on_day = [s for s in slots if s.start.astimezone(OSLO).date() == day]
    assert local_starts(on_day) == ["00:00", "01:00", "02:00", "02:00", "03:00", "04:00", "09:00"]
    starts = [slot.start for slot in on_day]
    assert len(set(starts)) == len(starts)  # distinct instants: nothing doubled
    assert [s.start.astimezone(OSLO).utcoffset().seconds // 3600 for s in on_day[2:4]] == [2, 1]
    next_day = [s for s in slots if s.start.astimezone(OSLO).date() == day + timedelta(days=1)]
    assert local_starts(next_day)[-1] == "09:00"


def test_dst_week_daily_nine_oclock_slot_every_day():
    weekly = every_day(time(9), time(9, 30))
    for first in (date(2026, 3, 26), date(2026, 10, 22)):
        slots = run(
            weekly_hours=weekly,
            date_from=first,
            date_to=first + timedelta(days=6),
            rules=SlotRules(duration=30, interval=30, horizon_days=365),
        )
        assert local_starts(slots) == ["09:00"] * 7


def test_merge_intervals():
    t = datetime(2026, 1, 1, tzinfo=UTC)
    h = timedelta(hours=1)
    merged = merge_intervals([(t + 3 * h, t + 4 * h), (t, t + h), (t + h, t + 2 * h)])
    assert merged == [(t, t + 2 * h), (t + 3 * h, t + 4 * h)]


# --- properties -------------------------------------------------------------------------------
BASE = datetime(2026, 3, 23, tzinfo=OSLO)  # the DST week, to make the properties harder
DAYS = 10


@st.composite
def scenarios(draw):
    weekly = []
    for weekday in range(7):
        cursor = draw(st.integers(0, 20)) * 30
        for _ in range(draw(st.integers(0, 3))):
            length = draw(st.integers(1, 12)) * 30
            if cursor + length > 24 * 60 - 1:
                break
            weekly.append(
                WeeklyHours(
                    1,
                    weekday,
                    time(cursor // 60, cursor % 60),
                    time((cursor + length) // 60, (cursor + length) % 60)
                    if cursor + length < 24 * 60
                    else time(23, 59),
                )
            )
            cursor += length + draw(st.integers(0, 6)) * 30
    busy = []
    for _ in range(draw(st.integers(0, 25))):
        start = BASE.astimezone(UTC) + timedelta(minutes=draw(st.integers(0, DAYS * 24 * 60)))
        busy.append((start, start + timedelta(minutes=draw(st.integers(1, 300)))))
    rules = SlotRules(
        duration=draw(st.sampled_from([15, 30, 45, 60, 90])),
        buffer_before=draw(st.sampled_from([0, 5, 10])),
        buffer_after=draw(st.sampled_from([0, 10, 15])),
        interval=draw(st.sampled_from([15, 30, 60])),
        minimum_notice=draw(st.sampled_from([0, 60, 24 * 60])),
        horizon_days=draw(st.integers(1, 30)),
    )
    now = BASE.astimezone(UTC) + timedelta(minutes=draw(st.integers(-2000, 3000)))
    return weekly, busy, rules, now


def opening_instants(weekly, day):
    """The day's openings as instants; intervals that touch (09–12, 12–17) are one opening."""
    joined = []
    for start, end in sorted(
        (row.start, row.end) for row in weekly if row.weekday == day.weekday()
    ):
        if joined and start == joined[-1][1]:
            joined[-1][1] = end
        else:
            joined.append([start, end])
    return [
        (
            datetime.combine(day, start, tzinfo=OSLO).astimezone(UTC),
            datetime.combine(day, end, tzinfo=OSLO).replace(fold=1).astimezone(UTC),
        )
        for start, end in joined
    ]


def slots_in_window(resource_ids, weekly, busy, rules, now):
    """The engine over the property tests' window: BASE's date and DAYS days after it."""
    return free_slots(
        resource_ids=resource_ids,
        date_from=BASE.date(),
        date_to=BASE.date() + timedelta(days=DAYS),
        tz=OSLO,
        rules=rules,
        now=now,
        weekly_hours=weekly,
        busy=busy,
    )


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_properties(scenario):
    weekly, busy, rules, now = scenario
    first, last = BASE.date(), BASE.date() + timedelta(days=DAYS)
    slots = slots_in_window([1], weekly, {1: busy}, rules, now)
    before = timedelta(minutes=rules.buffer_before)
    after = timedelta(minutes=rules.buffer_after)
    duration = timedelta(minutes=rules.duration)
    offered = {slot.start for slot in slots}
    assert len(offered) == len(slots), "a slot is doubled"
    for slot in slots:
        assert slot.end - slot.start == duration
        # Never overlaps a booking/busy block, buffers included.
        for busy_start, busy_end in busy:
            assert not (slot.start - before < busy_end and busy_start < slot.end + after)
        # Inside the opening hours of its own local date.
        day = slot.start.astimezone(OSLO).date()
        assert any(o <= slot.start and slot.end <= c for o, c in opening_instants(weekly, day))
        assert slot.start >= now + timedelta(minutes=rules.minimum_notice)
        assert day <= now.astimezone(OSLO).date() + timedelta(days=rules.horizon_days)
    # Completeness: every grid position that fits in free time is offered.
    step = timedelta(minutes=rules.interval)
    horizon_end = now.astimezone(OSLO).date() + timedelta(days=rules.horizon_days)
    day = first
    while day <= min(last, horizon_end):
        for opens, closes in opening_instants(weekly, day):
            start = opens
            while start + duration <= closes:
                fits = start >= now + timedelta(minutes=rules.minimum_notice) and not any(
                    start - before < b_end and b_start < start + duration + after
                    for b_start, b_end in busy
                )
                if fits:
                    assert start in offered, f"free slot {start} missing"
                start += step
        day += timedelta(days=1)


@settings(max_examples=60, deadline=None)
@given(st.lists(scenarios(), min_size=1, max_size=3), st.permutations([7, 3, 42]))
def test_several_resources_equal_each_resource_alone(per_resource, resource_ids):
    """Several resources in one call give exactly the single-resource answers, merged in
    (start, resource id) order, and with a sub-second busy edge never shrinking a busy span."""
    ids = resource_ids[: len(per_resource)]
    rules, now = per_resource[0][2], per_resource[0][3]
    weekly_all, busy_all, expected = [], {}, []
    for rid, (weekly, busy, _rules, _now) in zip(ids, per_resource, strict=True):
        weekly = [WeeklyHours(rid, row.weekday, row.start, row.end) for row in weekly]
        busy = [
            (start + timedelta(microseconds=500), end + timedelta(microseconds=500))
            for start, end in busy
        ]
        weekly_all += weekly
        busy_all[rid] = busy
        expected += slots_in_window([rid], weekly, {rid: busy}, rules, now)
    together = slots_in_window(ids, weekly_all, busy_all, rules, now)
    assert together == sorted(expected, key=lambda slot: (slot.start, slot.resource_id))
    for slot in together:
        for busy_start, busy_end in busy_all[slot.resource_id]:
            assert not (slot.start < busy_end and busy_start < slot.end)


def test_touching_opening_intervals_are_one_opening():
    """09–12 and 12–13 entered as two rows: a 45-minute service may start at 11:30."""
    weekly = [WeeklyHours(1, 0, time(9), time(12)), WeeklyHours(1, 0, time(12), time(13))]
    rules = SlotRules(duration=45, interval=15)
    starts = local_starts(run(weekly_hours=weekly, rules=rules))
    assert "11:30" in starts and "12:00" in starts and starts[-1] == "12:15"
    assert len(starts) == len(set(starts))
    override = [
        DateOverride(date(2026, 3, 2), 1, False, time(10), time(11)),
        DateOverride(date(2026, 3, 2), 1, False, time(11), time(12)),
    ]
    starts = local_starts(run(overrides=override, rules=rules))
    assert starts == ["10:00", "10:15", "10:30", "10:45", "11:00", "11:15"]
