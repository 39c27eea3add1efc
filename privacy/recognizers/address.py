"""Postal addresses: a street ("12 rue des Lilas", "5, avenue Jean Jaurès", "3 bis bd Victor Hugo")
optionally followed by a postcode and a town ("75012 Paris", "69003 LYON CEDEX 03"), or a
postcode and town on their own line.

Street names are capitalised words joined by French particles (de, du, des, d', la, le, l',
aux, sur, sous...). Without a house number, a street is only taken near a context word
("domicile", "demeurant", "adresse"), because "rue" alone appears in clinical text ("la rue
de la douleur" never, but "ruelle", "cours" and "place" do).
"""

from __future__ import annotations

from presidio_analyzer import Pattern, RecognizerResult

from privacy.recognizers._base import FrPatternRecognizer
from privacy.text import fold

_UP = r"[A-ZÀ-ÖØ-Þ]"
_VOIE = (
    r"(?i:rue|avenue|av\.|bd|boulevard|blvd|place|pl\.|allée|allee|impasse|imp\.|chemin|ch\.|route|rte"
    r"|quai|cours|square|sq\.|passage|rond-point|faubourg|fg|villa|résidence|residence|lotissement"
    r"|lieu-dit|hameau|voie|sentier|cité|cite|parvis|esplanade|promenade|montée|montee|traverse"
    r"|domaine|clos|mail|chaussée|chaussee|ruelle|venelle|cour|galerie|terrasse|sente|square)"
)
_PART = r"(?:de|du|des|d'|d’|la|le|les|l'|l’|aux|au|sur|sous|lès|lez|saint|sainte)"
_NAMEW = rf"(?:{_UP}[\w'’.\-]*|\d+(?:e|er|ème|eme)?)"
_NUM = r"\d{1,4}(?:\s?(?i:bis|ter|quater|[a-d])(?!\w))?"
_STREET_NAME = rf"(?:{_PART}\s?)*{_NAMEW}(?:[ \-](?:{_PART}[ ]?)*{_NAMEW}){{0,5}}"
_POSTCODE = r"(?:0[1-9]|[1-8]\d|9[0-5]|97|98)\d{3}"
# A town: an optional leading article or saint ("Le Mans", "Saint Clairedan", "Da Costa"), then one
# capitalised word whose parts may be hyphenated ("Bonnet-la-Forêt", "LYON"); never a run of
# capitalised words across a line ("Guérin Date de la RCP" stops at "Guérin"); CEDEX kept.
_TOWN = (
    r"(?:(?:Le|La|Les|Saint|Sainte|St|Ste|Da|De|Du|Des|Dos|Das|Di|Del|LE|LA|LES|SAINT|SAINTE)[ \-])?"
    rf"{_UP}[\w'’]{{2,}}(?:-[\w'’]+)*(?:[ ]+(?i:cedex)(?:[ ]+\d{{1,2}})?)?"
)
_CP_TOWN = rf"(?<!\d){_POSTCODE}[ \t]{{1,2}}{_TOWN}"  # a town is on the postcode's line
_STREET = rf"(?<![\w])(?:{_NUM},?\s+)?{_VOIE}\s+{_STREET_NAME}"
# A town then its postcode, at the end of a phrase ("Bordeaux 33000", "SAINT-ÉTIENNE 42100,").
_TOWN_CP = rf"(?<![\w]){_UP}[\w'’]{{2,}}(?:[ \-]{_UP}[\w'’]+){{0,2}}[ \t]+{_POSTCODE}(?=[ \t]*(?:$|[,.;)\n]))"
_FULL = rf"(?<![\w]){_NUM},?\s+{_VOIE}\s+{_STREET_NAME}(?:\s*[,\n\-–]?\s*{_CP_TOWN})?"
_STREET_TOWN = rf"{_STREET}\s*[,\n\-–]?\s*{_CP_TOWN}"


class FrAddressRecognizer(FrPatternRecognizer):
    """French postal addresses (street, postcode + town)."""

    ENTITY = "ADDRESS"
    CASE_SENSITIVE = True  # street and town names are capitalised; particles are matched in place
    PATTERNS = [
        Pattern("fr_street_with_number", _FULL, 0.75),
        Pattern("fr_street_postcode_town", _STREET_TOWN, 0.75),
        Pattern("fr_postcode_town", _CP_TOWN, 0.6),
        Pattern("fr_town_postcode", _TOWN_CP, 0.6),
        Pattern("fr_street_without_number", _STREET, 0.3),
    ]
    CONTEXT = ["domicile", "domicilié", "domiciliée", "demeurant", "demeure", "habite", "adresse",
               "résidant", "résidente", "réside", "vit"]

    def __init__(self, *args, clinical_words: frozenset[str] = frozenset(), **kwargs) -> None:  # noqa: ANN002,ANN003
        super().__init__(*args, **kwargs)
        self.clinical_words = clinical_words

    @classmethod
    def create(cls, ctx):  # noqa: ANN001,ANN206
        return cls(clinical_words=ctx.clinical_words)

    def accept(self, text: str, result: RecognizerResult) -> bool:
        # "75 Hôpital" is not a town: a postcode + town whose first word is clinical vocabulary.
        if result.analysis_explanation and result.analysis_explanation.pattern_name == "fr_postcode_town":
            town = text[result.start:result.end].split(maxsplit=1)[1:]
            if town and fold(town[0].split()[0]) in self.clinical_words:
                return False
        if result.analysis_explanation and result.analysis_explanation.pattern_name == "fr_town_postcode":
            from privacy.recognizers._names import default_common_words, english_words, is_place

            word = text[result.start:result.end].split()[0]
            key = fold(word)
            forms = {key, key[:-1] if key.endswith(("s", "x")) else key}
            if len(word) <= 3 and word.isupper() or forms & self.clinical_words or not is_place(word) and (
                    forms & default_common_words() or forms & english_words()):
                return False  # "Leucocytes 12000.", "Plaquettes 15000,": a lab value, not a town
        return True
