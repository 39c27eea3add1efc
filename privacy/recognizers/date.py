"""French dates, numeric ("12/03/1961", "12.03.61", "1961-03-12") and written ("12 mars 1961",
"1er avril 2020", "mars 2020"). A date preceded by "né(e) le", "date de naissance", "DDN" is a
DATE_OF_BIRTH; every other one is a DATE. A match that is not a calendar date (31/02/2020) is
dropped. Bare years stay: "en 2015" is clinical history, not an identifier.
"""

from __future__ import annotations

from typing import Any

import regex as re
from presidio_analyzer import Pattern, RecognizerResult

from privacy.dates import MONTH_RE, WEEKDAY_RE, parse
from privacy.recognizers._base import FrPatternRecognizer
from privacy.text import fold

_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MON = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d{2}"
_NUMERIC = rf"(?<![\d/.\-])({_DAY})([/.\-]){_MON}\2(?:{_YEAR}|\d{{2}})(?![\d/\-]|\.\d)"
_ISO = rf"(?<![\d\-/.]){_YEAR}([-/.])(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])(?![\d\-/]|\.\d)"
_WRITTEN = (rf"(?<!\w)(?:1er|1ᵉʳ|premier|{_DAY}(?:st|nd|rd|th)?)[\s\-]+(?:{MONTH_RE})(?!\w)[\s\-]+"
            rf"{_YEAR}(?!\d)")
_WRITTEN_US = rf"(?<!\w)(?:{MONTH_RE})(?!\w)\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR}(?!\d)"
_US_NUMERIC = rf"(?<![\d/.\-])(?:0?[1-9]|1[0-2])([/.\-])(?:1[3-9]|2\d|3[01])\1{_YEAR}(?![\d/\-]|\.\d)"
# Without a year, only after a word that introduces a date ("le 4 novembre", "du 20/06").
_DATE_CUE = (r"(?<!\w)(?i:le|du|au|on|from|until|depuis|jusqu'au|jusqu’au|dès le|ce jour|jour|nuit du"
             rf"|{WEEKDAY_RE}\.?,?)\s\K")
_DAY_MONTH = rf"{_DATE_CUE}(?:1er|{_DAY})\s+(?:{MONTH_RE})(?!\w)(?!\s+\d)"
_NUM_DAY_MONTH = rf"{_DATE_CUE}(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])(?![\d/])"
# US day without a year after a weekday or "on": "Thursday, March 6", "on March 6".
_MONTH_DAY = rf"{_DATE_CUE}(?:{MONTH_RE})(?!\w)\s+{_DAY}(?:st|nd|rd|th)?(?![\w/:])(?!,?\s+\d)"
_MONTH_YEAR = rf"(?<!\w)(?:{MONTH_RE})(?!\w)\s+{_YEAR}(?!\d)"
_NUM_MONTH_YEAR = rf"(?<![\d/.,\-])(?:0[1-9]|1[0-2])[/.\-]{_YEAR}(?![\d/]|[.,]\d)"
# Written with a two-digit year ("12 Mar 25", "3 déc. 24") or "of" ("the 3rd of March 2025"), and a day
# and a month word without a cue when the month is written in full or the day is an ordinal ("MDT 3
# March", "14th Feb").
_WRITTEN_SHORT_YEAR = (rf"(?<!\w)(?:1er|{_DAY}(?:st|nd|rd|th)?)[\s\-]+(?:{MONTH_RE})(?:(?<=\w)\.)?[\s\-]+"
                       r"['’]?\d{2}"
                       r"(?![\w,.]\d|\d|[ \t]*(?:%|mg|ml|kg|g|mm|cm|ans|patients?|cycles?|doses?)\b)")
_OF_MONTH = rf"(?<!\w)(?:the\s+)?{_DAY}(?:st|nd|rd|th)?\s+of\s+(?:{MONTH_RE})(?!\w)(?:,?\s+{_YEAR})?"
_FULL_MONTHS = ("janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre"
                "|décembre|decembre|January|February|March|April|June|July|August|September|October|November"
                "|December")
_DAY_FULL_MONTH = (rf"(?<![\w/.,])(?:{_DAY}(?:st|nd|rd|th)?\s+(?:{_FULL_MONTHS})(?!\w)"
                   rf"|(?:1er|{_DAY})(?:st|nd|rd|th)\s+(?:{MONTH_RE})(?!\w))(?!\s+\d)")

_BIRTH_BEFORE = re.compile(
    r"(?:\bn[ee](?:e|\(e\))?\s+le|date\s+de\s+naissance|\bddn|\bnaissance|\bborn(?:\s+on)?"
    r"|date\s+of\s+birth|\bdob)\s*[:,]?\s*(?:le\s+)?$"
)


_WEEKDAY_BEFORE = re.compile(rf"(?<!\w){WEEKDAY_RE}\.?,?[ \t]+$", re.IGNORECASE)


class FrDateRecognizer(FrPatternRecognizer):
    """Calendar dates in French (and English month names); dates of birth by their context."""

    ENTITY = "DATE"
    PATTERNS = [
        Pattern("date_written", _WRITTEN, 0.85),
        Pattern("date_written_us", _WRITTEN_US, 0.8),
        Pattern("date_numeric_us", _US_NUMERIC, 0.6),
        Pattern("date_day_month", _DAY_MONTH, 0.6),
        Pattern("date_day_month_numeric", _NUM_DAY_MONTH, 0.55),
        Pattern("date_month_day", _MONTH_DAY, 0.55),
        Pattern("date_numeric", _NUMERIC, 0.6),
        Pattern("date_iso", _ISO, 0.6),
        Pattern("date_month_year", _MONTH_YEAR, 0.55),
        Pattern("date_month_year_numeric", _NUM_MONTH_YEAR, 0.5),
        Pattern("date_written_short_year", _WRITTEN_SHORT_YEAR, 0.6),
        Pattern("date_of_month", _OF_MONTH, 0.6),
        Pattern("date_day_full_month", _DAY_FULL_MONTH, 0.55),
    ]
    CONTEXT = ["date", "le", "né", "née", "naissance", "depuis", "du", "au"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supported_entities = ["DATE", "DATE_OF_BIRTH"]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        kept = []
        for res in results:
            if parse(text[res.start:res.end]) is None:
                continue
            weekday = _WEEKDAY_BEFORE.search(text, max(0, res.start - 12), res.start)
            if weekday:
                res.start = weekday.start()
            before = fold(text[max(0, res.start - 40):res.start])
            if _BIRTH_BEFORE.search(before):
                res.entity_type = "DATE_OF_BIRTH"
            kept.append(res)
        # A written day-month-year also contains a month-year hit: keep the longer one.
        kept.sort(key=lambda r: (r.start, -(r.end - r.start)))
        out: list[RecognizerResult] = []
        for res in kept:
            if out and res.start >= out[-1].start and res.end <= out[-1].end:
                continue
            out.append(res)
        return out
