"""French telephone numbers: ``06 12 34 56 78``, ``06.12.34.56.78``, ``0612345678``,
``+33 6 12 34 56 78``, ``+33 (0)6 12 34 56 78``, ``0033 6 12 34 56 78``.

Ten digits starting with 0 and a non-zero digit, or the +33/0033 prefix. The shape alone is
specific enough in French reports to mask; context words only raise certainty.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from privacy.recognizers._base import FrPatternRecognizer

_SEP = r"[ .\-\u00a0]?"
_PAIRS = r"(?:" + _SEP + r"\d{2}){4}"
_NATIONAL = r"(?<![\w+])0[1-9]" + _PAIRS + r"(?![\d])"
_INTERNATIONAL = r"(?<![\w+])(?:\+|00)33" + _SEP + r"(?:\(0\)" + _SEP + r")?[1-9]" + _PAIRS + r"(?![\d])"


class FrPhoneRecognizer(FrPatternRecognizer):
    """French landline and mobile numbers in national or international form."""

    ENTITY = "PHONE"
    PATTERNS = [
        Pattern("fr_phone_international", _INTERNATIONAL, 0.85),
        Pattern("fr_phone_national", _NATIONAL, 0.7),
    ]
    CONTEXT = ["tél", "tel", "téléphone", "telephone", "portable", "mobile", "fixe", "joindre",
               "joignable", "appeler", "numéro", "fax", "phone"]
