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

_UP = r"\p{Lu}"  # any script with case: "Trần", "Đặng", "Wiśniewski"
_LOW = r"[\p{Ll}\p{M}]"
_TOK = rf"{_UP}(?:{_LOW}|{_UP}|['’]{_UP}|['’]{_LOW})+(?:-{_UP}(?:{_LOW}|{_UP})+)*"  # "Le Floc'h", "O'Brien"
_INITIAL = rf"{_UP}\.(?:-{_UP}\.)?"
_PARTICLE = (r"(?:de la|de|du|des|d'|d’|van der|van den|van|von|dos|das|da|do|di|del|della|ben|bin|ould|el|al"
             r"|Le|La|De|Du|Da|Di|Del|Van|Von|Mac|Mc|Ben|El|Al|Dos|Das|Ould)")
_TITLES = (
    r"(?:M\.|MM\.|Mr\.?|Mrs\.?|Ms\.?|Mme|Mmes|Mlle|Mlles|Madame|Monsieur|Mademoiselle|Dr\.?|Drs|Dre"
    r"|Docteur|Docteure|Pr\.?|Pre|Professeur|Professeure|Prof\.?|Me|Maître|Miss"
    r"|DR\.?|MME|MLLE|MADAME|MONSIEUR|DOCTEUR|PROFESSEUR)"
)
_SP = r"[ \t\u00a0]"  # names never run across a line break ("Dr LEBON\nOncologie médicale")
_NAME = (
    rf"(?!{_TITLES}(?:\s|$))(?:{_INITIAL}{_SP}?)?(?:{_PARTICLE}{_SP}?){{0,2}}{_TOK}"
    rf"(?:{_SP}(?:{_INITIAL}{_SP}?)?(?:{_PARTICLE}{_SP}?){{0,2}}{_TOK}){{0,3}}"
)
# After a title typed in lower case ("dr le goff", "M. jean-baptiste de la tour d'auvergne"): words in
# lower case, particles included, up to the end of the phrase.
_LWORD = r"\p{Ll}[\p{Ll}\p{M}'’\-]+"
_LOWER_NAME = rf"(?:(?:{_PARTICLE}){_SP}+)*{_LWORD}(?:{_SP}+(?:(?:{_PARTICLE}){_SP}+)*{_LWORD}){{0,4}}"
_LOWER_TITLES = r"(?:dr|docteur|pr|professeur|mme|madame|monsieur|mr|mrs|ms|M\.|Mme|Mr|Dr)"
_LABELS = (
    r"(?i:nom|prénom|prenom|nom de naissance|nom d'usage|nom marital|patient|patiente"
    r"|médecin traitant|medecin traitant|médecin référent|médecin|destinataire|correspondant"
    r"|personne de confiance|personne à prévenir|signé|signe|rédigé par|redige par|dicté par"
    r"|bénéficiaire|beneficiaire|concerne|assuré|assure|demandeur|prescripteur|opérateur|operateur"
    r"|aide|anesthésiste|anesthesiste|interne|externe|IDE|infirmière|infirmier|secrétaire|copie|cc"
    r"|name|patient name|full name|surname|first name|forename|next of kin|nok|attending|consultant"
    r"|registrar|referrer|referred by|referring clinician|clinician|gp|signed|dictated by|author|caller"
    r"|present|carer|interpreter|re|nurse|cns|keyworker|key worker|ward nurse"
    # care roles introducing a name ("Conseillère en génétique : Hélia Benarous", "Kinésithérapeute :")
    r"|conseill[èe]re?(?: en g[ée]n[ée]tique)?|kin[ée]sith[ée]rapeute|kin[ée]|di[ée]t[ée]ticien(?:ne)?"
    r"|psychologue|assistante? sociale?|radiologue|radioth[ée]rapeute|oncologue|chirurgien(?:ne)?"
    r"|pathologiste|anatomo-?pathologiste|pharmacien(?:ne)?|coordinat(?:rice|eur)|interpr[èe]te"
    r"|m[ée]decin r[ée]f[ée]rent|ide d['’]annonce|ide de coordination|cadre de sant[ée]|psychiatre"
    r"|physio(?:therapist)?|dietitian|dietician|social worker|genetic counsel+or|counsel+or|radiographer"
    r"|pharmacist|specialist nurse|occupational therapist|presented by|taken by|reviewed by|seen by"
    r"|typed by|validated by|valid[ée] par|vu par|revu par|relu par|contact)"
)
_RELATIVES = (
    r"(?:(?i:his|her|their|the\s+patient's)\s(?i:son|daughter|wife|husband|partner|mother|father|brother"
    r"|sister|mum|mom|dad|niece|nephew|aunt|uncle|cousin|granddaughter|grandson|daughter-in-law"
    r"|son-in-law|carer|friend|neighbour)"
    r"|(?i:oncle|tante|grand-mère|grand-père|cousin|cousine)\s(?i:maternel|maternelle|paternel|paternelle)"
    r"|(?i:sa|son|ses|leur)\s(?i:fille|fils|mère|mere|père|pere|époux|epoux|épouse|epouse|mari|femme"
    r"|sœur|soeur|frère|frere|conjoint|conjointe|compagnon|compagne|nièce|niece|neveu|tante|oncle"
    r"|cousin|cousine|petite-fille|petit-fils|belle-fille|gendre|grand-mère|grand-père|fille aînée"
    r"|fils aîné))"
)


_NOT_A_NAME = frozenset("le la les l de du des d un une the a an of".split())
def _is_lexicon_first_name(key: str) -> bool:
    from privacy.lexicons import is_first_name_key

    return is_first_name_key(key)


_PARTICLE_WORDS = frozenset("de la le les du des d van der den von dos das da do di del della ben "
                            "bin ould el al"
                            .split())


def is_first_name(word: str, name_index=None) -> bool:  # noqa: ANN001
    """A registry first name, or a French first name of the surrogate lists ("Michelle")."""

    key = fold(word)
    return key in first_name_keys() or (name_index is not None and key in name_index.first_names)


class TitleNameRecognizer(FrPatternRecognizer):
    """A capitalised name right after a title, a header label, "née"/"épouse" or a relative."""

    ENTITY = "PERSON"
    CASE_SENSITIVE = True
    PATTERNS = [
        Pattern("title_name", rf"(?<!\w){_TITLES}{_SP}{{1,2}}\K{_NAME}", 0.85),
        # one scan for both label forms ("Patient : Dupont Jeanne", "Patient: Kowalski, Daniel J.")
        Pattern("label_name", rf"(?<!\w){_LABELS}{_SP}?:{_SP}*(?:{_TITLES}{_SP})?\K"
                              rf"(?:{_TOK},{_SP}+(?={_TOK}))?{_NAME}(?:{_SP}{_INITIAL})?", 0.8),
        Pattern("birth_name", rf"(?<!\w)(?i:née|nee|né|épouse|epouse|ép\.|veuve|vve){_SP}\K{_NAME}", 0.8),
        Pattern("relative_name", rf"(?<!\w){_RELATIVES},?{_SP}\K{_NAME}", 0.7),
        Pattern("lower_title_name", rf"(?<!\w){_LOWER_TITLES}\.?{_SP}+\K{_LOWER_NAME}", 0.7),
    ]
    CONTEXT: list[str] = []

    def __init__(self, *args, clinical_words: frozenset[str] = frozenset(), name_index=None,  # noqa: ANN001,ANN002
                 common_words: frozenset[str] = frozenset(), **kwargs) -> None:  # noqa: ANN003
        super().__init__(*args, **kwargs)
        self.clinical_words = clinical_words
        self.name_index = name_index
        self.common_words = common_words

    @classmethod
    def create(cls, ctx):  # noqa: ANN001,ANN206
        return cls(clinical_words=ctx.clinical_words, name_index=ctx.name_index,
                   common_words=getattr(ctx, "common_words", frozenset()))

    def accept(self, text: str, result: RecognizerResult) -> bool:
        """Cut trailing clinical words ("Dr Martin Oncologie" → "Dr Martin") unless the registry
        knows the word as a name or it is in capitals ("Dr Amélie Masse", "Dr Amélie MASSE"); the
        first word after a title is its surname whatever it also means ("Mme Petit", "Dr Blanc").
        Lower-case names after a title stop at the first ordinary word ("mme est vue" is no name)."""
        toks = words(text[result.start:result.end])
        if all(fold(w) in _NOT_A_NAME for _, _, w in toks):
            return False  # "NÉE LE : 23/12/1956": the label's article, not a birth name
        pattern = result.analysis_explanation.pattern_name if result.analysis_explanation else ""
        if pattern == "lower_title_name":
            return self._accept_lower(text, result, toks)
        if pattern == "label_name" and self._ordinary_start(toks):
            return False  # "Objet : RDV de ...", "To: Breast Unit": a label followed by words, not a name
        keep_to = None
        lead = next((k for k, (_s, _e, w) in enumerate(toks) if fold(w) not in _PARTICLE_WORDS), 0)
        for k, (_start, end, word) in enumerate(toks):
            known = self.name_index is not None and word in self.name_index
            after_first_name = k == lead + 1 and (is_first_name(toks[lead][2], self.name_index)
                                                  or _is_lexicon_first_name(fold(toks[lead][2])))
            first_after_title = k == lead and pattern in ("title_name", "relative_name", "birth_name") \
                and fold(word) not in _NOT_A_NAME
            # "Mme Blanc Rose": a lexicon first name right after the surname ends the name, whatever else
            # the word means
            first_name_after_surname = k == lead + 1 and pattern in ("title_name", "label_name") \
                and _is_lexicon_first_name(fold(word)) and toks[lead][2][:1].isupper()
            if (fold(word) in self.clinical_words and len(word) > 2 and not known and not word.isupper()
                    and not after_first_name and not first_after_title and not first_name_after_surname):
                break
            keep_to = end
        if keep_to is None:
            return False
        result.end = result.start + keep_to
        return True

    def _ordinary_start(self, toks: list) -> bool:
        from privacy.lexicons import last_names
        from privacy.recognizers._names import english_words, is_acronym

        lead = [w for _s, _e, w in toks if fold(w) not in _PARTICLE_WORDS]
        if not lead:
            return True
        if len(toks) > 1 and fold(toks[0][2]) in _PARTICLE_WORDS and toks[0][2][:1].isupper():
            return False  # "Nom : DE LA TOUR", "Patient : Van der Berg": a particle opens a name
        word = lead[0]
        key = fold(word)
        if _is_lexicon_first_name(key) or key in last_names():
            return False
        return (is_acronym(word) or key in self.clinical_words or key in self._common()
                or key in english_words())

    def _common(self) -> frozenset[str]:
        if not self.common_words:
            from privacy.recognizers._names import default_common_words

            self.common_words = default_common_words()
        return self.common_words

    def _accept_lower(self, text: str, result: RecognizerResult, toks: list) -> bool:
        from privacy.lexicons import first_names, last_names
        from privacy.recognizers._names import english_words

        keep_to, named, run_of_ordinary = None, False, 0
        for _start, end, word in toks:
            key = fold(word)
            if key in _PARTICLE_WORDS:
                continue
            ordinary = key in self.clinical_words or key in self._common() or key in english_words()
            # an ordinary word is a name only as a first name ("marc") or after the name began
            lexicon = key in first_names() or (named or not ordinary) and key in last_names()
            if ordinary and not lexicon:
                run_of_ordinary += 1
                if not named or run_of_ordinary > 1:
                    break  # "mme est vue": no name; "dr le goff passe demain": stop after the name
                continue  # "de la tour d'auvergne": one ordinary word inside a name
            keep_to, named, run_of_ordinary = end, True, 0
        if not named or keep_to is None:
            return False
        result.end = result.start + keep_to
        return True
