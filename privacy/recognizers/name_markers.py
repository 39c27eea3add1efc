"""Names recognised by what surrounds them rather than by what they are, in any case and script:

- spelled out letter by letter for a phone call ("Bondarenko (B-O-N-D-A-R-E-N-K-O)");
- followed by an age and sex marker, the shape of ward lists and handovers ("o'brien, mary (80F)",
  "bed 9 - dmitri ivanov (54M)", "Kerhervé Pierre-Yves, 66 ans") when they open a line or follow a
  dash, a colon or a list number;
- a first name opening a sentence whose verb only a person does ("Rose rappellera demain");
- right after a relative's word, when no dictionary knows the word ("daughter-in-law Thu");
- listed after an attendance or copy label ("présents : aubert, le goff, rahmani (dermato), s.
  villeneuve", "cc: ...", "attendees: ..."): each item of the list is a name unless clinical
  vocabulary, an acronym or an institution explains it.
"""

from __future__ import annotations

from typing import Any

import regex
from presidio_analyzer import AnalysisExplanation, RecognizerResult

from privacy.recognizers._base import DictionaryAwareRecognizer
from privacy.recognizers._names import (
    TITLE_WORDS,
    in_institution,
    is_acronym,
    is_clinical,
    is_first_name,
    is_last_name,
    is_ordinary,
    is_place,
)
from privacy.text import fold

_L = r"[\p{L}\p{M}]"
_NWORD = rf"{_L}+(?:['’\-]{_L}+)*"
_SPELLED = regex.compile(r"(?<![\w\-])\p{Lu}(?:-\p{Lu}){3,}(?![\w\-])")
_AGE_SEX = (r"(?=[ \t]*\([ \t]*\d{1,3}[ \t]*(?:[MFmf]|ans|yo|y/o|years?)[ \t]*\)"
            r"|[ \t]*,[ \t]*\d{1,3}[ \t]*(?:ans|yo|y/o|years?[ \t]+old|[MF](?![\w])))")
_BEFORE_AGE = regex.compile(
    rf"(?:^|(?<=[-–—:•*][ \t]|\d[.)][ \t]|\t|(?<!\w)(?i:patient|patiente|pt|name|nom|re)[ \t]*:?[ \t]))"
    rf"[ \t]*\K{_NWORD}(?:,?[ \t]+{_NWORD}){{0,3}}{_AGE_SEX}",
    regex.MULTILINE)
_LIST_LABEL = regex.compile(
    r"(?<!\w)(?i:pr[ée]sents?|participants?|attendees?|attendance|absents?|excus[ée]s|invit[ée]s"
    r"|destinataires?|diffusion|copies?(?:\s+(?:à|a|to))?|cc)[ \t]*:[ \t]*")
# A relative's word right before a capitalised name ("daughter-in-law Thu", "gendre Karim", "Wife: Mai").
_RELATIVE = regex.compile(
    r"(?<!\w)(?i:fille|fils|[ée]pouse|[ée]poux|mari|femme|conjointe?|compagne|compagnon|m[èe]re|p[èe]re"
    r"|s[œo]eur|fr[èe]re|gendre|belle-fille|beau-fils|neveu|ni[èe]ce|petite?-(?:fille|fils)|tante|oncle"
    r"|cousine?|daughter(?:-in-law)?|son(?:-in-law)?|wife|husband|partner|mother|father|sister|brother"
    r"|mum|mom|nan|niece|nephew|aunt|uncle|cousin|carer|grand(?:daughter|son|mother|father))"
    rf"[ \t]*[,:]?[ \t]+\K\p{{Lu}}{_L}*(?:['’\-]{_L}+)*(?=[ \t]*[,.;:()]|[ \t]+\p{{Ll}}|$)",
    regex.MULTILINE)
# A first name (even an ordinary word: "Rose", "Claire", "Grace") opening a sentence whose verb is
# something only a person does ("Rose rappellera au ...", "Claire a appelé", "Grace phoned").
_PERSON_VERB = regex.compile(
    r"(?:^|(?<=[.!?;][ \t]{1,3}|\n))\K\p{Lu}[\p{Ll}\p{M}]+(?:-\p{Lu}[\p{Ll}\p{M}]+)?(?=[ \t]+(?:"
    r"rappell?e(?:ra)?|appelle(?:ra)?"
    r"|a[ \t]+(?:appel[ée]|t[ée]l[ée]phon[ée]|rappel[ée]|signal[ée]|demand[ée])"
    r"|viendra|passera|souhaite|demande|accompagne(?:ra)?|confirme|signale|t[ée]l[ée]phone(?:ra)?"
    r"|called|phoned|rang|will[ \t]+(?:call|ring|phone|bring|come)|asked|wants|visited|reports)\b)",
    regex.MULTILINE)
_ITEM_END = regex.compile(r"[,;\n]|[ \t]+(?:et|and|&)[ \t]+|$")
_ROLE = regex.compile(r"[ \t]*\([^)\n]{0,40}\)")


class NameMarkerRecognizer(DictionaryAwareRecognizer):
    """Spelled names, names before an age/sex marker, names in attendance and copy lists."""

    SCORE = 0.6

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        found = [(m.start(), m.end(), "spelled") for m in _SPELLED.finditer(text)]
        for m in _BEFORE_AGE.finditer(text):
            start, end = self._strip_titles(text, m.start(), m.end())
            if start < end and self._names(text[start:end]):
                found.append((start, end, "before_age"))
        for m in _RELATIVE.finditer(text):
            if self._names(m.group()) and not is_ordinary(m.group(), self.common_words):
                found.append((m.start(), m.end(), "relative"))
        for m in _PERSON_VERB.finditer(text):
            if is_first_name(m.group().split("-")[0]):  # the verb outweighs "rose", "pierre" as words
                found.append((m.start(), m.end(), "subject"))
        for label in _LIST_LABEL.finditer(text):
            found.extend(self._list(text, label.end()))
        return [self._result(s, e, how) for s, e, how in found]

    def _list(self, text: str, pos: int) -> list[tuple[int, int, str]]:
        """The items of an attendance list, up to the end of its line."""
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        out = []
        while pos < line_end:
            stop = _ITEM_END.search(text, pos, line_end)
            end = stop.start() if stop else line_end
            item_end = end
            role = _ROLE.search(text, pos, end)
            if role:
                item_end = role.start()
            start, item_end = self._strip_titles(text, pos, item_end)
            item = text[start:item_end]
            if item and len(item.split()) <= 4 and not in_institution(text, start) and self._names(item):
                out.append((start, item_end, "list"))
            pos = (stop.end() if stop else line_end) if end < line_end else line_end
            if stop is not None and stop.end() == stop.start():
                break
        return out

    def _strip_titles(self, text: str, start: int, end: int) -> tuple[int, int]:
        while start < end and text[start] in " \t":
            start += 1
        while end > start and text[end - 1] in " \t.,":
            end -= 1
        while True:
            m = regex.match(r"([\p{L}]+)\.?[ \t]+", text[start:end])
            if m and fold(m.group(1)) in TITLE_WORDS:
                start += m.end()
            else:
                return start, end

    def _names(self, phrase: str) -> bool:
        """Every word could be part of a name, and at least one is a name or no dictionary's word."""
        toks = regex.findall(_NWORD, phrase)
        if not toks or any(is_clinical(w) or is_place(w) or is_acronym(w) and len(w) > 1 for w in toks):
            return False
        strong = [w for w in toks if is_first_name(w) or is_last_name(w)
                  or len(w) > 2 and not is_ordinary(w, self.common_words)]
        return bool(strong) and len(strong) * 2 >= len([w for w in toks if len(w) > 2])

    def _result(self, start: int, end: int, how: str) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=self.name, original_score=self.SCORE, pattern_name=f"name_{how}", pattern=None,
            validation_result=None, textual_explanation="A name by its surroundings")
        return RecognizerResult(self.ENTITY, start, end, self.SCORE, analysis_explanation=explanation,
                                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
