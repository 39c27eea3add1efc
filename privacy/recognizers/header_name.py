"""Names at the start of a header line, without title or label: "DUPONT JEAN-PIERRE né le ...",
"Lefebvre-Dubois Marie-Claire, 58 ans", "KOWALSKI, ANNA     DOB ...".

Identity headers put the name first and then a birth date, an age or a wide gap before the next
field. A line start followed by two to four name-shaped words (capitals or capitalised) and one of
those signs is a name when the words are not vocabulary ("COMPTE RENDU OPÉRATOIRE  " is not) or
the name lexicons know one of them.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, RecognizerResult

from privacy.recognizers._base import FrPatternRecognizer
from privacy.recognizers._names import (
    TITLE_WORDS,
    is_clinical,
    is_first_name,
    is_last_name,
    is_ordinary,
    is_place,
)
from privacy.text import fold, words

_W = r"\p{Lu}[\p{L}\p{M}'’]*(?:-\p{Lu}[\p{L}\p{M}'’]*)*"
_PART = r"(?:de|du|des|da|dos|das|di|del|van|von|der|den|le|la|ben|el|al|ould|DE|DU|DA|DOS|LE|LA|VAN|BEN|EL)"
_RUN = rf"{_W}(?:[ \t]+(?:{_PART}[ \t]+)?{_W}){{1,3}}"
_AFTER = (r"(?=[ \t]*,[ \t]*\d{1,3}[ \t]*(?:ans|an|yo|y/o|years?|M|F)\b"
          r"|[ \t]*,?[ \t]+(?i:n[ée]e?|née?\(e\)|DDN|DOB|born|d\.o\.b\.?)\b"
          r"|[ \t]*,[ \t]*\d{1,2}[./-]\d{1,2}[./-]\d{2,4}"
          r"|[ \t]*\((?i:n°|no\b|nip|ipp|mrn|dob|ddn|n[ée]e?\b|\d)"
          r"|[ \t]{3,}|\t)")
# A numbered or bulleted list line ("3. OKAFOR Chinwe Adaeze (n° patient ...)", "- DUPONT Jean, 64 ans").
_LINE_START = r"(?m)^[ \t]*(?:\d{1,2}[.)][ \t]+|[-•*–][ \t]+)?\K"


class HeaderNameRecognizer(FrPatternRecognizer):
    """A name that opens a header line, recognised by what follows it."""

    ENTITY = "PERSON"
    CASE_SENSITIVE = True
    PATTERNS = [
        Pattern("header_name", rf"{_LINE_START}{_RUN}{_AFTER}", 0.7),
        Pattern("header_surname_comma_first", rf"{_LINE_START}{_W},[ \t]+{_W}(?:[ \t]+{_W}){{0,2}}{_AFTER}",
                0.7),
    ]
    CONTEXT: list[str] = []

    def __init__(self, *args, common_words: frozenset[str] = frozenset(), **kwargs) -> None:  # noqa: ANN002,ANN003
        super().__init__(*args, **kwargs)
        self.common_words = common_words

    @classmethod
    def create(cls, ctx):  # noqa: ANN001,ANN206
        return cls(common_words=getattr(ctx, "common_words", frozenset()))

    def accept(self, text: str, result: RecognizerResult) -> bool:
        spans = words(text[result.start:result.end])
        while spans and fold(spans[0][2]).rstrip(".") in TITLE_WORDS:  # "Mme Jeanne Vasseur, née le"
            result.start += spans[1][0] if len(spans) > 1 else spans[0][1]
            spans = words(text[result.start:result.end])
        toks = [w for _s, _e, w in spans if len(w) > 1]
        if not toks or any(is_clinical(w) or is_place(w) for w in toks):
            return False
        lexicon = any(is_first_name(w) or is_last_name(w) for w in toks)
        unknown = [w for w in toks if not is_ordinary(w, self.common_words)]
        return lexicon or len(unknown) >= 1 and len(unknown) * 2 >= len(toks)
