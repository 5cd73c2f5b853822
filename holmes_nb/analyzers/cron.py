"""A small standard-cron reader for CronJob checks: validate a schedule, find its next run time.

parse_schedule("*/15 9-17 * * MON-FRI")   # CronSchedule, or raises ValueError("...")
next_run(parse_schedule("0 3 * * *"), after)  # the first run strictly after ``after`` (UTC)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {
    m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)
}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)


@dataclass(frozen=True)
class CronSchedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool  # day of month is *
    any_weekday: bool  # day of week is *


def parse_schedule(text: str) -> CronSchedule:
    """Parse a CronJob schedule (5 fields or a @macro; a leading CRON_TZ=/TZ= is skipped)."""
    spec = str(text or "").strip()
    if spec.startswith(("CRON_TZ=", "TZ=")):
        spec = spec.split(None, 1)[1] if " " in spec else ""
    spec = _MACROS.get(spec.lower(), spec)
    if spec.startswith("@every "):
        raise ValueError("@every is not a standard cron schedule")
    parts = spec.split()
    if len(parts) != 5:
        raise ValueError(f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}")
    sets = [_field(p, *f) for p, f in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in sets[4])
    return CronSchedule(sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] in ("*", "?"), parts[4] in ("*", "?"))


def _field(text: str, name: str, lo: int, hi: int, names: dict[str, int]) -> frozenset[int]:
    out: set[int] = set()
    for item in text.split(","):
        rng, _, step_text = item.partition("/")
        step = _number(step_text, name, {}) if step_text else 1
        if step < 1:
            raise ValueError(f"{name}: step must be positive")
        if rng in ("*", "?"):
            start, end = lo, hi
        elif "-" in rng:
            a, b = rng.split("-", 1)
            start, end = _number(a, name, names), _number(b, name, names)
        else:
            start = _number(rng, name, names)
            end = hi if step_text else start
        if not (lo <= start <= hi and lo <= end <= hi) or start > end:
            raise ValueError(f"{name}: {item!r} is outside {lo}-{hi}")
        out.update(range(start, end + 1, step))
    return frozenset(out)


def _number(text: str, name: str, names: dict[str, int]) -> int:
    key = text.strip().upper()
    if key in names:
        return names[key]
    if not key.isdigit():
        raise ValueError(f"{name}: {text!r} is not a number")
    return int(key)


def next_run(s: CronSchedule, after: datetime, *, horizon_days: int = 400) -> datetime | None:
    """The first scheduled minute strictly after ``after`` (None within ``horizon_days``: never)."""
    start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = start.replace(hour=0, minute=0)
    for _ in range(horizon_days):
        if day.month in s.months and _day_matches(s, day):
            for h in sorted(s.hours):
                for m in sorted(s.minutes):
                    t = day.replace(hour=h, minute=m)
                    if t >= start:
                        return t
        day += timedelta(days=1)
    return None


def _day_matches(s: CronSchedule, day: datetime) -> bool:
    dom, dow = day.day in s.days, (day.isoweekday() % 7) in s.weekdays
    if s.any_day or s.any_weekday:  # cron: when one of them is *, the other decides
        return dom and dow
    return dom or dow
