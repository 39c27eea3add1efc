"""IPP (identifiant permanent du patient), the hospital's own patient number.

Formats differ from one hospital to the next (8 to 10 digits, sometimes a letter prefix or a
year and a sequence): after a label ("IPP", "n° patient", "dossier n°") any such code is taken;
without a label, only shapes that are unusual in clinical prose (a letter prefix followed by
at least six digits, or ten digits starting with 0 but not a phone number) are taken, at a
score that needs a context word to pass.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from privacy.recognizers._base import FrPatternRecognizer

_CODE = r"(?:[A-Z]{1,4}[\-/ ]?)?\d{2,}(?:[\-/ ]?[A-Z]{0,2}\d{2,}){0,3}(?![\w])"
_LABEL = (
    r"(?:IPP|I\.P\.P\.|n°\s?IPP|identifiant(?:\s+permanent)?(?:\s+du)?\s+patient|n°\s?patient"
    r"|num[ée]ro\s+(?:de\s+)?patient|n°\s?(?:de\s+)?dossier|dossier\s+n°|NIP|MRN|patient\s+id"
    r"|n°\s?(?:de\s+)?s[ée]jour|num[ée]ro\s+de\s+s[ée]jour|NDA|hospital\s+(?:no|number|n°|num)\.?"
    r"|hosp\.?\s*(?:no|number)\.?|unit\s+(?:no|number)\.?|case\s+(?:no|number)\.?|chart\s+(?:no|number)\.?"
    r"|record\s+(?:no|number)\.?|medical\s+record\s+number|RM\s+(?:no|number)\.?)"
)


class IppRecognizer(FrPatternRecognizer):
    """Hospital patient numbers, by their label or their shape."""

    ENTITY = "IPP"
    PATTERNS = [
        Pattern("ipp_labelled", rf"(?<=(?<!\w){_LABEL}\s*(?:n°|no|:|#)?\s*:?\s*){_CODE}", 0.9),
        Pattern("ipp_prefixed", r"(?<![\w\-])[A-Z]{2,4}[\-]?\d{6,12}(?![\w])", 0.4),
        Pattern("ipp_digits", r"(?<![\w\-+.])\d{8,10}(?![\w\-])", 0.2),
    ]
    CONTEXT = ["ipp", "patient", "dossier", "identifiant", "nip", "mrn"]
