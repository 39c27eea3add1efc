"""NIR (numéro de sécurité sociale), which is also the INS matricule used in health records.

15 characters: sex (1, 2; 3, 7, 8 for temporary and foreign-born numbers), year (2), month (2;
20-42 and 50-99 exist for unknown months), department + commune (5: ``75 112``, Corsica
``2A 004``/``2B 033``, overseas ``971 12``), order (3), key (2). The key is ``97 - (n mod 97)``
where ``n`` is the first 13 digits, with 2A read as 19 and 2B as 18. A hit whose key checks is
certain; one whose key does not is kept only with a context word nearby (a typo in a NIR is
still a NIR).

>>> nir_key_ok("2 61 03 75 112 345 56")
True
>>> nir_key_ok("1 84 12 2A 004 017 32")
True
"""

from __future__ import annotations

from typing import Any

import regex as re
from presidio_analyzer import Pattern, RecognizerResult

from privacy.recognizers._base import FrPatternRecognizer, RecognizerContext, set_score

_SEP = r"[ .\u00a0]?"
_NIR = (
    r"(?<![\w.])[12378]" + _SEP + r"\d{2}" + _SEP + r"(?:0[1-9]|1[0-2]|[2-9]\d)" + _SEP
    + r"(?:(?:\d{2}|2[AB])" + _SEP + r"\d{3}|\d{3}" + _SEP + r"\d{2})" + _SEP
    + r"\d{3}" + _SEP + r"\d{2}(?![\w])"
)
_INVALID_KEY_SCORE = 0.3  # below the threshold unless a context word lifts it


def nir_key_ok(candidate: str) -> bool:
    """True when the last two digits are the NIR key of the first thirteen characters."""
    chars = re.sub(r"[^0-9AaBb]", "", candidate).upper()
    if len(chars) != 15:
        return False
    body, key = chars[:13], chars[13:]
    body = body[:5] + body[5:7].replace("2A", "19").replace("2B", "18") + body[7:]
    if not body.isdigit() or not key.isdigit():
        return False
    return 97 - int(body) % 97 == int(key)


class NirRecognizer(FrPatternRecognizer):
    """French social security number / INS matricule, validated by its key."""

    ENTITY = "NIR"
    PATTERNS = [Pattern("nir", _NIR, 0.5)]
    CONTEXT = ["nir", "ins", "matricule", "sécurité", "securite", "sociale", "ss", "insee", "assuré",
               "immatriculation", "numéro"]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for res in results:
            ok = nir_key_ok(text[res.start:res.end])
            set_score(res, 1.0 if ok else _INVALID_KEY_SCORE, ok)
        return results

    @classmethod
    def create(cls, ctx: RecognizerContext) -> NirRecognizer:
        return cls()
