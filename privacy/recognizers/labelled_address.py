"""Addresses announced by a label, whatever their shape: "ADRESSE : LES TERRASSES DU LAC, 5 RUE DES
MOUETTES, ...", "Adresse en Algérie : Cité 500 Logements, Bt 14 n° 3, Bab Ezzouar, 16311 Alger",
"Home: Hauptstraße 17, 69117 Heidelberg", "vit à Villa 112, Cité Keur Gorgui, Dakar", "domiciliée
45, boulevard Zerktouni, 20250 Casablanca".

Street patterns know French, British, American and some continental forms; a label ("adresse",
"domicile", "domicilié(e)", "demeurant", "habite", "vit à", "address", "home") says an address
follows, in any country's form. The value runs from after the label to the end of the phrase (a
line end, a parenthesis, a semicolon, a dash between spaces, a sentence end, a wide gap, a phone or
"et"/"and") and is kept when it has a digit or a street, building or place word, and is not a
sentence (at most 12 words).
"""

from __future__ import annotations

from typing import Any

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from privacy.recognizers._base import RecognizerContext

# Labels that need a colon ("Adresse : ...", "Home: ..."; "je vous adresse ce patient" is a verb) and
# labels that do not ("domiciliée 45, boulevard Zerktouni", "vit à Villa 112, ...").
_COLON_LABEL = (r"(?:adresse(?:\s+(?:habituelle|personnelle|postale|actuelle|en\s+\p{L}+|au\s+\p{L}+"
                r"|à\s+l['’]étranger))?|r[ée]sidence\s+habituelle|domicile(?:\s+habituel)?"
                r"|(?:home|postal|contact|current|permanent|uk|french|usual)?\s*address|home)"
                r"(?:\s*\([^)\n]{1,20}\))?[ \t]*:[ \t]*")
_FREE_LABEL = (r"(?:(?:nouvelle|ancienne)\s+adresse(?:\s+est)?[ \t]*:?|domicili[ée]e?(?:\s+(?:au|à))?"
               r"|demeurant(?:\s+(?:au|à))?|habite(?:\s+(?:au|à))?|vit(?:\s+(?:au|à))?|lives\s+at)[ \t]+")
_LABEL = regex.compile(rf"(?<!\w)(?i:(?P<colon>{_COLON_LABEL})|(?P<free>{_FREE_LABEL}))")
_END = regex.compile(
    r"[ \t]*(?:\n|\(|\)|;|[ \t][—–-][ \t]|(?<=\p{L}{3}|\d)\.(?:\s|$)|[ \t]{3,}|\t"
    r"|,?[ \t]+(?:et|and|où|where|pendant|during|depuis|since)[ \t]"
    r"|,?[ \t]*(?i:t[ée]l|tel|phone|mobile|portable|fax|e-?mail)\b|,?[ \t]*(?<!\w)(?:\+|00)\d"
    r"|,[ \t]*0\d(?:[ .]?\d\d){4}(?!\d))")
# An address has a street or building word, a postcode, or a house number before a capitalised name;
# "Domicile : seul, 2 étages" or "Home: lives alone, 3 steps" is a social history, not an address.
_ADDRESS_WORD = regex.compile(
    r"(?i:\b(?:rue|avenue|av|bd|boulevard|all[ée]e|impasse|chemin|route|place|quai|cours|square|cit[ée]"
    r"|r[ée]sidence|lieu-dit|hameau|villa|b[âa]t|appt|lotissement|street|road|lane|flat|via|rua|calle"
    r"|avenida|strasse|straße|strada|ul|derb|hay|quartier)\b)"
    r"|(?<![\d,.])\d{4,5}(?![\d,.])|\b[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}\b"
    r"|^\d{1,4}(?:[ \t]*,)?[ \t]+\p{Lu}")
_MAX_WORDS = 12


class LabelledAddressRecognizer(EntityRecognizer):
    """What follows an address label, up to the end of the phrase."""

    ENTITY = "ADDRESS"
    PATTERNS: list = []
    CONTEXT: list[str] = []
    AD_HOC = False
    SCORE = 0.6

    def __init__(self, supported_language: str = "fr") -> None:
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__,
                         supported_language=supported_language, context=[])

    @classmethod
    def create(cls, ctx: RecognizerContext) -> LabelledAddressRecognizer:
        return cls()

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        results = []
        for label in _LABEL.finditer(text):
            start = label.end()
            if start >= len(text) or not (text[start].isalnum()):
                continue
            if label.group("free") and not (text[start].isdigit() or text[start].isupper()
                                            or _ADDRESS_WORD.match(text, start)):
                continue
            stop = _END.search(text, start, min(len(text), start + 160))
            end = stop.start() if stop else min(len(text), start + 160)
            value = text[start:end].rstrip(" ,")
            if len(value) < 4 or len(value.split()) > _MAX_WORDS or not _ADDRESS_WORD.search(value):
                continue
            results.append(self._result(start, start + len(value)))
        return results

    def _result(self, start: int, end: int) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=self.name, original_score=self.SCORE, pattern_name="address_label", pattern=None,
            validation_result=None, textual_explanation="The phrase after an address label")
        return RecognizerResult(self.ENTITY, start, end, self.SCORE, analysis_explanation=explanation,
                                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
