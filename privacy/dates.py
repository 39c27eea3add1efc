"""Reading and writing French dates in the form they were found.

The date-shift operator moves a date by a number of days and writes it back in the same shape
("12/03/1961" stays ``dd/mm/yyyy``, "1er avril 2020" stays written with "1er", "mars 2020"
stays month + year), so a shifted report reads like the original and intervals are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from privacy.text import fold

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]
_ABBR_FR = ["janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]
_ABBR_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

_MONTH_KEYS: dict[str, tuple[int, str]] = {}
for _i, (_full, _abbr) in enumerate(zip(MONTHS_FR, _ABBR_FR, strict=True), start=1):
    _MONTH_KEYS[fold(_full)] = (_i, "full")
    _MONTH_KEYS.setdefault(fold(_abbr), (_i, "abbr"))
    _MONTH_KEYS.setdefault(fold(_abbr) + ".", (_i, "abbr."))
for _i, _name in enumerate(MONTHS_EN, start=1):
    _MONTH_KEYS.setdefault(fold(_name), (_i, "en"))
for _i, _name in enumerate(_ABBR_EN, start=1):
    _MONTH_KEYS.setdefault(fold(_name), (_i, "en_abbr"))
    _MONTH_KEYS.setdefault(fold(_name) + ".", (_i, "en_abbr"))
_MONTH_KEYS.setdefault("sept", (9, "abbr"))

# Regex alternation of month words (longest first so "juillet" wins over "juil").
MONTH_RE = "|".join(
    sorted({*MONTHS_FR, *(a + r"\." for a in _ABBR_FR), *_ABBR_FR, "fevrier", "aout", "decembre",
            "fevr", "dec", *MONTHS_EN, *_ABBR_EN, "Sept"}, key=len, reverse=True)
)

_NUMERIC = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})([-/.])(\d{2})\2(\d{2})$")
_WRITTEN = re.compile(r"^(1er|1ᵉʳ|premier|\d{1,2})(?:st|nd|rd|th)?([\s\-]+)([^\W\d]+\.?)[\s\-]+['’]?"
                      r"(\d{4}|\d{2})$", re.IGNORECASE)
_WRITTEN_US = re.compile(r"^([^\W\d]+\.?)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", re.IGNORECASE)
_DAY_MONTH = re.compile(r"^(1er|\d{1,2})(?:st|nd|rd|th)?\s+([^\W\d]+\.?)$", re.IGNORECASE)
_NUM_DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})$")
_MONTH_DAY = re.compile(r"^([^\W\d]+\.?)\s+(\d{1,2})(?:st|nd|rd|th)?$", re.IGNORECASE)
NO_YEAR = 2000  # a leap year: any day and month given without a year exists in it
_MONTH_YEAR = re.compile(r"^([^\W\d]+\.?)\s+(\d{4})$", re.IGNORECASE)
_NUM_MONTH_YEAR = re.compile(r"^(\d{1,2})([/.\-])(\d{4})$")
_OF = re.compile(r"^(?:the\s+)?(\d{1,2}(?:st|nd|rd|th)?)\s+of\s+", re.IGNORECASE)  # "the 3rd of March"


@dataclass(frozen=True)
class FoundDate:
    """A parsed date with what is needed to write it again in the same shape."""

    value: date
    shape: str  # numeric | iso | written | month_year | num_month_year
    sep: str = "/"
    pad_day: bool = True
    pad_month: bool = True
    year_digits: int = 4
    first: str = ""  # "1er" spelling for day one, when written
    month_style: str = "full"
    capitalised: bool = False


def _year(y: str) -> int:
    if len(y) == 4:
        return int(y)
    n = int(y)
    return 2000 + n if n <= 30 else 1900 + n


# A weekday written before a date ("lundi 10 mars 2025", "Thursday, March 6", "Sat 8/3") belongs to
# the date's span; it is dropped when the date is read (a shifted date would give a wrong weekday).
WEEKDAY_RE = (r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday"
              r"|friday|saturday|sunday|lun|mer|jeu|ven|sam|dim|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)")
_WEEKDAY_PREFIX = re.compile(rf"^{WEEKDAY_RE}\.?,?\s+", re.IGNORECASE)


def parse(text: str) -> FoundDate | None:
    """Parse a date string found by the recogniser; None when it is not a real calendar date."""
    s = _OF.sub(r"\1 ", _WEEKDAY_PREFIX.sub("", " ".join(text.split())))
    try:
        if m := _NUMERIC.match(s):
            d, sep, mo, y = m.groups()
            if int(mo) > 12 and int(d) <= 12:  # month first ("04/23/2024"): US notes
                return FoundDate(date(_year(y), int(d), int(mo)), "numeric_us", sep, len(mo) == 2,
                                 len(d) == 2, len(y))
            return FoundDate(date(_year(y), int(mo), int(d)), "numeric", sep, len(d) == 2,
                             len(mo) == 2, len(y))
        if m := _ISO.match(s):
            return FoundDate(date(int(m[1]), int(m[3]), int(m[4])), "iso", m[2])
        if m := _WRITTEN.match(s):
            day_txt, gap, month_txt, y = m.groups()
            month = _MONTH_KEYS.get(fold(month_txt))
            if month is None:
                return None
            first = day_txt if not day_txt.isdigit() else ""
            day = 1 if first else int(day_txt)
            return FoundDate(date(_year(y), month[0], day), "written", "-" if "-" in gap else " ",
                             day_txt.startswith("0"), True, len(y), first, month[1], month_txt[:1].isupper())
        if m := _WRITTEN_US.match(s):
            month = _MONTH_KEYS.get(fold(m[1]))
            if month is None:
                return None
            return FoundDate(date(int(m[3]), month[0], int(m[2])), "written_us", " ", False, True, 4, "",
                             month[1], m[1][:1].isupper())
        if m := _DAY_MONTH.match(s):
            month = _MONTH_KEYS.get(fold(m[2]))
            if month is None:
                return None
            first = m[1] if not m[1].isdigit() else ""
            return FoundDate(date(NO_YEAR, month[0], 1 if first else int(m[1])), "day_month", " ",
                             m[1].startswith("0"), True, 0, first, month[1], m[2][:1].isupper())
        if m := _NUM_DAY_MONTH.match(s):
            return FoundDate(date(NO_YEAR, int(m[2]), int(m[1])), "num_day_month", "/", len(m[1]) == 2,
                             len(m[2]) == 2, 0)
        if (m := _MONTH_DAY.match(s)) and (month := _MONTH_KEYS.get(fold(m[1]))):
            return FoundDate(date(NO_YEAR, month[0], int(m[2])), "month_day", " ", False, True, 0, "",
                             month[1], m[1][:1].isupper())
        if m := _MONTH_YEAR.match(s):
            month = _MONTH_KEYS.get(fold(m[1]))
            if month is None:
                return None
            return FoundDate(date(int(m[2]), month[0], 15), "month_year", " ", True, True, 4, "",
                             month[1], m[1][:1].isupper())
        if m := _NUM_MONTH_YEAR.match(s):
            return FoundDate(date(int(m[3]), int(m[1]), 15), "num_month_year", m[2], True, len(m[1]) == 2)
    except ValueError:
        return None
    return None


def _month_word(month: int, style: str, capitalised: bool) -> str:
    if style == "en":
        word = MONTHS_EN[month - 1]
    elif style == "en_abbr":
        word = _ABBR_EN[month - 1]
    elif style.startswith("abbr"):
        word = _ABBR_FR[month - 1]
        if style == "abbr." and word != MONTHS_FR[month - 1]:
            word += "."
    else:
        word = MONTHS_FR[month - 1]
    return word[:1].upper() + word[1:] if capitalised else word


def render(found: FoundDate, value: date) -> str:
    """Write ``value`` in the shape of ``found``."""
    if found.shape == "numeric_us":
        d = f"{value.day:02d}" if found.pad_month else str(value.day)
        m = f"{value.month:02d}" if found.pad_day else str(value.month)
        y = f"{value.year:04d}" if found.year_digits == 4 else f"{value.year % 100:02d}"
        return f"{m}{found.sep}{d}{found.sep}{y}"
    if found.shape == "num_day_month":
        d = f"{value.day:02d}" if found.pad_day else str(value.day)
        m = f"{value.month:02d}" if found.pad_month else str(value.month)
        return f"{d}/{m}"
    if found.shape == "month_day":
        return f"{_month_word(value.month, found.month_style, found.capitalised)} {value.day}"
    if found.shape == "numeric":
        d = f"{value.day:02d}" if found.pad_day else str(value.day)
        m = f"{value.month:02d}" if found.pad_month else str(value.month)
        y = f"{value.year:04d}" if found.year_digits == 4 else f"{value.year % 100:02d}"
        return f"{d}{found.sep}{m}{found.sep}{y}"
    if found.shape == "iso":
        return value.isoformat().replace("-", found.sep)
    month = _month_word(value.month, found.month_style, found.capitalised)
    if found.shape in ("written", "day_month"):
        if value.day == 1 and found.month_style not in ("en", "en_abbr"):
            day = found.first or "1er"
        else:
            day = f"{value.day:02d}" if found.pad_day else str(value.day)
        if found.shape == "day_month":
            return f"{day} {month}"
        year = value.year if found.year_digits == 4 else f"{value.year % 100:02d}"
        return f"{day}{found.sep}{month}{found.sep}{year}"
    if found.shape == "written_us":
        return f"{month} {value.day}, {value.year}"
    if found.shape == "month_year":
        return f"{month} {value.year}"
    m = f"{value.month:02d}" if found.pad_month else str(value.month)
    return f"{m}{found.sep}{value.year}"


def shift(text: str, days: int) -> str | None:
    """The same date moved by ``days``, in the same shape; None if ``text`` is not a date."""
    found = parse(text)
    if found is None:
        return None
    return render(found, found.value + timedelta(days=days))
