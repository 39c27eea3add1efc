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

_CODE = (r"(?-i:(?:(?=[A-Z\d]*\d)[A-Z\d]{1,7}(?:[\-/.][A-Z\d]{2,}){1,3}"  # "RX7-440913", "P25.03318"
         r"|(?:[A-Z]{1,4}[\-/ ]?)?\d{2,}(?:[\-/ ]?[A-Z]{0,2}\d{2,}){0,3}))(?![\w])")
# What a stay, request or file number is called: "N° de demande", "Dossier génétique n°", "Clinic no.",
# "Demande N°", "ID patient", "numéro de dossier est le".
_THING = (r"(?:dossier|demande|examen|pr[ée]l[èe]vement|hospitalisation|venue|admission|[ée]pisode|s[ée]jour"
          r"|patient|clinic|lab|laboratory|request|specimen|accession|referral|episode|visit|encounter)")
_LABEL = (
    r"(?:IPP|I\.P\.P\.|n°\s?IPP|identifiant(?:\s+permanent)?(?:\s+du)?\s+patient|n°\s?patient"
    r"|num[ée]ro\s+(?:de\s+)?patient|n°\s?(?:de\s+)?dossier|dossier\s+n°|NIP|MRN|patient\s+id"
    r"|n°\s?(?:de\s+)?s[ée]jour|num[ée]ro\s+de\s+s[ée]jour|NDA|hospital\s+(?:no|number|n°|num)\.?"
    r"|hosp\.?\s*(?:no|number)\.?|unit\s+(?:no|number)\.?|case\s+(?:no|number)\.?|chart\s+(?:no|number)\.?"
    r"|record\s+(?:no|number)\.?|medical\s+record\s+number|RM\s+(?:no|number)\.?"
    rf"|(?:n°|no\.?|num[ée]ro|number)\s*(?:de\s+|du\s+|d['’]\s*|of\s+)?{_THING}"
    rf"|{_THING}(?:\s+\p{{L}}{{3,}})?\s+(?:n°|no\.?|nr\.?|num[ée]ro|number|#)|ID\s+patient|IEP)"
    r"(?:\s+est(?:\s+le)?|\s+is)?"
)


class IppRecognizer(FrPatternRecognizer):
    """Hospital patient numbers, by their label or their shape."""

    ENTITY = "IPP"
    PATTERNS = [
        Pattern("ipp_labelled", rf"(?<!\w){_LABEL}\s*(?:n°|no|:|#)?\s*:?\s*\K{_CODE}", 0.9),
        Pattern("ipp_prefixed", r"(?<![\w\-])[A-Z]{2,4}[\-]?\d{6,12}(?![\w])", 0.4),
        Pattern("ipp_digits", r"(?<![\w\-+.])\d{8,10}(?![\w\-])", 0.2),
    ]
    CONTEXT = ["ipp", "patient", "dossier", "identifiant", "nip", "mrn"]

    def accept(self, text: str, result) -> bool:  # noqa: ANN001
        # A labelled code needs four digits ("Dossier n° 2019-004512" yes, "n° de demande : urgent" no).
        return sum(c.isdigit() for c in text[result.start:result.end]) >= 4
