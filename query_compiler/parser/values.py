"""Turn matched numeric and time expressions into Criteria values, following the binding
conventions of query_compiler.criteria: ages in completed years with inclusive bounds ("plus de 70"
is min 70, "moins de 40" is max 39), durations in months, dates inclusive.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from query_compiler.parser.terminology import Terminology

ROMAN = {"i": "I", "ii": "II", "iii": "III", "iv": "IV", "0": "0", "1": "I", "2": "II", "3": "III", "4": "IV"}
ROMAN_ORDER = ["0", "I", "II", "III", "IV"]
GRADE = {"1": 1, "2": 2, "3": 3, "4": 4, "i": 1, "ii": 2, "iii": 3, "iv": 4}


def op_kind(term: Terminology, match_text: str, op: str | None) -> str | None:
    """The comparison ('gt', 'ge', 'lt', 'le', 'eq') named by the op group or the matched words."""
    if op:
        return term.ops.get(op.strip())
    found = None
    for words, kind in sorted(term.ops.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"(?<![a-z]){re.escape(words)}(?![a-z])", match_text):
            found = kind
            break
    return found


def bound_years(kind: str | None, n: int) -> tuple[int | None, int | None]:
    """Age bounds in completed years for 'over 70', 'under 40', 'at 50'..."""
    if kind in ("gt", "ge"):
        return n, None
    if kind == "lt":
        return None, n - 1
    if kind == "le":
        return None, n
    return n, n


def bound_count(kind: str | None, n: int) -> tuple[int | None, int | None]:
    """Bounds for counts (treatment lines): "plus de 2" is at least 3."""
    if kind == "gt":
        return n + 1, None
    if kind == "lt":
        return None, max(n - 1, 0)
    if kind == "le":
        return None, n
    return n, None


def months(n: float, unit: str) -> float:
    return n * 12 if unit.startswith(("an", "ann", "year", "yr", "decade")) else n


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def parse_date(term: Terminology, text: str) -> tuple[date, date]:
    """A date expression → the first and last day it covers ("2017" → 2017-01-01..2017-12-31)."""
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
    if m:
        d = date(int(m[3]), int(m[2]), int(m[1]))
        return d, d
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return d, d
    m = re.fullmatch(r"(1er|\d{1,2})\s+([a-z]+)\s+(\d{4})", text)
    if m and m[2] in term.months:
        d = date(int(m[3]), term.months[m[2]], 1 if m[1] == "1er" else int(m[1]))
        return d, d
    m = re.fullmatch(r"([a-z]+)\s+(?:(\d{1,2}),?\s+)?(\d{4})", text)
    if m and m[1] in term.months:
        y, mo = int(m[3]), term.months[m[1]]
        if m[2]:
            d = date(y, mo, int(m[2]))
            return d, d
        return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if m:
        y, mo = int(m[2]), int(m[1])
        return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
    return _year_bounds(int(text))


def date_window(term: Terminology, kind: str, groups: dict, today: date) -> tuple[date | None, date | None]:
    """(from, to) for a date mention of the given pattern kind."""
    if kind in ("date_range", "date_either"):
        return parse_date(term, groups["d1"])[0], parse_date(term, groups["d2"])[1]
    cue = groups.get("_match", "").strip()
    if kind == "date_from":
        first, last = parse_date(term, groups["d"])
        if cue.startswith(("apres", "after", "posterieur", "post", ">")) and not cue.startswith(">="):
            return last + timedelta(days=1), None  # "after 2020" starts in 2021
        return first, None
    if kind == "date_to":
        first, last = parse_date(term, groups["d"])
        if cue.startswith(("jusqu", "until", "up to", "<=")):
            return None, last  # "jusqu'en 2017" includes 2017
        return None, first - timedelta(days=1)
    if kind == "date_in":
        return parse_date(term, groups["d"])
    # date_last: "in the last 5 years"
    n = term.number(groups["n"]) if "n" in groups else 1.0
    unit = groups.get("unit", "year")
    if unit.startswith("decade"):
        n, unit = n * 10, "years"
    delta = relativedelta(months=int(months(n or 1, unit)))
    return today - delta, None


def stage_list(groups: dict) -> list[str]:
    a = ROMAN[groups["a"]] + (groups.get("sa") or "").upper()
    if "b" not in groups:
        return [a]
    b = ROMAN[groups["b"]] + (groups.get("sb") or "").upper()
    if groups.get("sep") in ("-", "a", "to") and a in ROMAN_ORDER and b in ROMAN_ORDER:
        i, j = ROMAN_ORDER.index(a), ROMAN_ORDER.index(b)
        return ROMAN_ORDER[min(i, j) : max(i, j) + 1]
    return [a, b]


def grade_list(groups: dict) -> list[int]:
    if "word" in groups:
        return [1, 2] if groups["word"].startswith(("bas", "low")) else [3, 4]  # two-tier grading
    a = GRADE[groups["a"]]
    if "b" not in groups:
        return [a]
    b = GRADE[groups["b"]]
    if groups.get("sep") in ("-", "a", "to"):
        return list(range(min(a, b), max(a, b) + 1))
    return sorted({a, b})
