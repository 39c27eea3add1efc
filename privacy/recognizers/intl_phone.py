"""Telephone numbers outside the French format: international numbers of any country
("+44 20 7946 0958", "+351 21 123 4567", "+1 312-555-0187", "0044 ..."), British and Irish
national numbers ("07700 900123", "020 7946 0321", "0117 496 0123") and North American ones
("(617) 555-0123", "617-555-0123").

An international number is a + or 00 prefix, a country code and 6 to 13 more digits in groups;
its shape is specific enough. A national number needs groups of digits with separators (a bare run
of digits is a lab value or a drug code).
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import Pattern, RecognizerResult

from privacy.recognizers._base import FrPatternRecognizer

_G = r"[ .\-\u00a0]?"
_INTL = r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:" + _G + r"\(0\))?(?:" + _G + r"\(?\d{1,5}\)?){2,6}(?![\d])"
_UK = r"(?<![\w+.\-/])0\d{2,4}[ \-]\d{3,4}[ \-]?\d{3,4}(?!\d|[/.\-]\d)"
_NANP = r"(?<![\w+])(?:1[\-. ])?(?:\(\d{3}\)[ ]?|\d{3}[\-.])\d{3}[\-.]\d{4}(?![\d])"
_UK_MOBILE_COMPACT = r"(?<![\w+.\-/])07\d{9}(?![\w])"
_FR_TRUNK = r"(?<![\w+])\(0\)[ .\-\u00a0]?[1-9](?:[ .\-\u00a0]?\d{2}){4}(?![\d])"  # "(0)1 23 45 67 89"
# After a telephone label any group of digits is a number, extensions included ("poste 2145",
# "DECT 54321", "phone 555-0134", "téléphone : 33 6 12 34 56 78").
_PHONE_LABEL = (r"(?i:t[ée]l[ée]phone|t[ée]l\.?|phone|ph\.|mob\.?|mobile|cell|portable|fax|poste|dect|ext\."
                r"|joignable\s+au|rappeler\s+au|appeler\s+au|call\s+on|ring)")
_LABELLED = (rf"(?<!\w){_PHONE_LABEL}[ \t]*(?:n°|no\.?|:|#)?[ \t]*\K"
             r"(?:\+|00)?\(?\d[\d \u00a0.\-()]{2,18}\d"
             r"(?![\d/,]|\.\d|[ \t]*(?:%|mg|ml|g|kg|mm|cm|h|j|jours?|days?)\b)")


class IntlPhoneRecognizer(FrPatternRecognizer):
    """International numbers, and British/Irish and North American national numbers."""

    ENTITY = "PHONE"
    PATTERNS = [
        Pattern("intl_phone", _INTL, 0.8),
        Pattern("uk_phone_national", _UK, 0.6),
        Pattern("nanp_phone", _NANP, 0.7),
        Pattern("uk_mobile_compact", _UK_MOBILE_COMPACT, 0.6),
        Pattern("fr_trunk_prefix", _FR_TRUNK, 0.7),
        Pattern("labelled_phone", _LABELLED, 0.6),
    ]
    CONTEXT = ["tel", "tél", "phone", "mobile", "portable", "call", "contact", "reached", "fax", "joignable",
               "numéro", "number", "home"]

    def accept(self, text: str, result: RecognizerResult) -> bool:
        digits = len(re.sub(r"\D", "", text[result.start:result.end]))
        if result.analysis_explanation and result.analysis_explanation.pattern_name == "labelled_phone":
            return 4 <= digits <= 15
        return 9 <= digits <= 15
