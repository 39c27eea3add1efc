"""Names introduced by a title (Mme, M., Dr, Pr, Madame, Docteur...), a header label ("Nom :",
"Patient :", "Médecin traitant :"), a birth-name marker ("née", "épouse") or a relative ("sa fille
Claire"). The title is not part of the span: it is not identifying and it keeps the redacted
text readable ("Mme <NOM>").

Matching is case-sensitive: a name is capitalised or in capitals ("Dr Martin", "Mme DUPONT
Jeanne", "Pr J.-P. Le Gall"); "le docteur de garde" is not a name.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, RecognizerResult

from privacy.recognizers._base import FrPatternRecognizer
from privacy.surrogates import first_name_keys
from privacy.text import fold, words

_UP = r"[A-ZÀ-ÖØ-Þ]"
_LOW = r"[a-zß-öø-ÿ]"
_TOK = rf"{_UP}(?:{_LOW}|{_UP}|['’]{_UP})+(?:-{_UP}(?:{_LOW}|{_UP})+)*"
_INITIAL = rf"{_UP}\.(?:-{_UP}\.)?"
_PARTICLE = r"(?:de la|de|du|des|d'|d’|van der|van|von|Le|La|De|Du|Da|Di|Del|Van|Von|Mac|Mc|Ben|El|Al)"
_TITLES = (
    r"(?:M\.|MM\.|Mr\.?|Mrs\.?|Ms\.?|Mme|Mmes|Mlle|Mlles|Madame|Monsieur|Mademoiselle|Dr\.?|Drs|Dre"
    r"|Docteur|Docteure|Pr\.?|Pre|Professeur|Professeure|Prof\.?|Me|Maître|Miss)"
)
_SP = r"[ \t\u00a0]"  # names never run across a line break ("Dr LEBON\nOncologie médicale")
_NAME = (
    rf"(?!{_TITLES}(?:\s|$))(?:{_INITIAL}{_SP}?)?(?:{_PARTICLE}{_SP}?)?{_TOK}"
    rf"(?:{_SP}(?:{_INITIAL}{_SP}?)?(?:{_PARTICLE}{_SP}?)?{_TOK}){{0,3}}"
)
_LABELS = (
    r"(?i:nom|prénom|prenom|nom de naissance|nom d'usage|nom marital|patient|patiente"
    r"|médecin traitant|medecin traitant|médecin référent|médecin|destinataire|correspondant"
    r"|personne de confiance|personne à prévenir|signé|signe|rédigé par|redige par|dicté par)"
)
_RELATIVES = (
    r"(?i:sa|son|ses|leur)\s(?i:fille|fils|mère|mere|père|pere|époux|epoux|épouse|epouse|mari|femme"
    r"|sœur|soeur|frère|frere|conjoint|conjointe|compagnon|compagne|nièce|niece|neveu|tante|oncle"
    r"|cousin|cousine|petite-fille|petit-fils|belle-fille|gendre|grand-mère|grand-père|fille aînée"
    r"|fils aîné)"
)


def is_first_name(word: str, name_index=None) -> bool:  # noqa: ANN001
    """A registry first name, or a French first name of the surrogate lists ("Michelle")."""

    key = fold(word)
    return key in first_name_keys() or (name_index is not None and key in name_index.first_names)


class TitleNameRecognizer(FrPatternRecognizer):
    """A capitalised name right after a title, a header label, "née"/"épouse" or a relative."""

    ENTITY = "PERSON"
    CASE_SENSITIVE = True
    PATTERNS = [
        Pattern("title_name", rf"(?<=(?<!\w){_TITLES}{_SP}{{1,2}}){_NAME}", 0.85),
        Pattern("label_name", rf"(?<=(?<!\w){_LABELS}{_SP}?:{_SP}*(?:{_TITLES}{_SP})?){_NAME}", 0.8),
        Pattern("birth_name", rf"(?<=(?<!\w)(?i:née|nee|né|épouse|epouse|ép\.|veuve|vve){_SP}){_NAME}", 0.8),
        Pattern("relative_name", rf"(?<=(?<!\w){_RELATIVES},?{_SP}){_NAME}", 0.7),
    ]
    CONTEXT: list[str] = []

    def __init__(self, *args, clinical_words: frozenset[str] = frozenset(), name_index=None,  # noqa: ANN001,ANN002
                 **kwargs) -> None:  # noqa: ANN003
        super().__init__(*args, **kwargs)
        self.clinical_words = clinical_words
        self.name_index = name_index

    @classmethod
    def create(cls, ctx):  # noqa: ANN001,ANN206
        return cls(clinical_words=ctx.clinical_words, name_index=ctx.name_index)

    def accept(self, text: str, result: RecognizerResult) -> bool:
        """Cut trailing clinical words ("Dr Martin Oncologie" → "Dr Martin") unless the registry
        knows the word as a name or it is in capitals ("Dr Amélie Masse", "Dr Amélie MASSE");
        drop all-clinical hits."""
        toks = words(text[result.start:result.end])
        keep_to = None
        for k, (_start, end, word) in enumerate(toks):
            known = self.name_index is not None and word in self.name_index
            after_first_name = k == 1 and is_first_name(toks[0][2], self.name_index)
            if (fold(word) in self.clinical_words and len(word) > 2 and not known and not word.isupper()
                    and not after_first_name):
                break
            keep_to = end
        if keep_to is None:
            return False
        result.end = result.start + keep_to
        return True
