"""SOQL date literals (TODAY, LAST_N_DAYS:n, ...) as half-open ranges of UTC dates."""

import datetime

_FIXED_DAYS = {"YESTERDAY": (-1, 0), "TODAY": (0, 1), "TOMORROW": (1, 2),
               "LAST_90_DAYS": (-90, 1), "NEXT_90_DAYS": (1, 91)}


def _week_start(day: datetime.date) -> datetime.date:
    # Weeks start on Sunday, as in the en_US locale of the sandbox user.
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


def _month_start(day: datetime.date, shift: int) -> datetime.date:
    months = day.year * 12 + day.month - 1 + shift
    return datetime.date(months // 12, months % 12 + 1, 1)


def _shift(day: datetime.date, count: int) -> datetime.date:
    """Return ``day`` moved by ``count`` days, held within the years 1 to 9999."""
    try:
        return day + datetime.timedelta(days=count)
    except OverflowError:
        return datetime.date.min if count < 0 else datetime.date.max


def date_range(name: str, count: int | None, today: datetime.date) -> tuple | None:
    """Return ``(start, end)`` dates of a named literal, end excluded; None if unknown."""
    days = datetime.timedelta(days=1)
    if name in _FIXED_DAYS and count is None:
        start, end = _FIXED_DAYS[name]
        return today + start * days, today + end * days

    if count is not None:
        if name == "LAST_N_DAYS":
            return _shift(today, -(count - 1)), today + days
        if name == "NEXT_N_DAYS":
            return today + days, _shift(today, count + 1)
        return None

    weeks = {"LAST_WEEK": -1, "THIS_WEEK": 0, "NEXT_WEEK": 1}
    if name in weeks:
        start = _week_start(today) + weeks[name] * 7 * days
        return start, start + 7 * days

    months = {"LAST_MONTH": -1, "THIS_MONTH": 0, "NEXT_MONTH": 1}
    if name in months:
        return _month_start(today, months[name]), _month_start(today, months[name] + 1)

    years = {"LAST_YEAR": -1, "THIS_YEAR": 0, "NEXT_YEAR": 1}
    if name in years:
        year = today.year + years[name]
        return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    return None
