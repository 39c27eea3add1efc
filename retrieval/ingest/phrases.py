"""Noun phrases and clauses for the qualifier rules: how far a cue reaches, read from word classes.

``Phrases`` holds the reading that ``scopes.Qualifiers`` builds on: where the noun phrase governed
by a preceding cue ends (``np_forward``), which phrase a following cue closes (``np_backward``, the
subject of a copula included), what a negative result negates (``finding``), and where a clause
ends (``clause_end``). The word classes are in ``grammar.py``; the choices are described in
``scopes.py`` and ``qualifiers.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.ingest import grammar as G
from retrieval.ingest import patterns as P
from retrieval.ingest.words import View, fold

NP_CAP = 12  # words a noun phrase may span after its cue
CLAUSE_CAP = 25
LIST_CONTINUATION = {"de", "d'", "du", "des", "ni", "aucun", "aucune", "d'aucun", "d'aucune"}
STOP_PUNCT = {",", ";", ":", ".", "(", ")", "[", "]", "!", "?", "…", "...", '"', "«", "»"}
GLUE_PUNCT = {"/", "+", "'"}
_RESULTS = ("négatif", "négative", "négatifs", "négatives", "positif", "positive", "positifs", "positives",
            "normal", "normale", "normaux", "normales")  # fmt: skip
# with their typing slips, as the negation cues have them: else "recherche de BRCA négaive" is
# negated by the cue and still doubted by "recherche de"
RESULT_WORDS = {fold(w) for w in (*_RESULTS, *P.with_typos(_RESULTS))}
ADVERBS = {fold(w) for w in ("très", "fortement", "plutôt", "surtout", "notamment", "également", "aussi",
                             "alors", "donc", "bien", "encore", "toujours", "vraiment", "clairement",
                             "formellement", "actuellement", "initialement", "finalement", "parfois",
                             "nettement", "franchement", "hautement", "assez", "peu", "plus",
                             "moins")}  # fmt: skip
ADJECTIVE_ENDINGS = ("ique", "iques", "al", "ale", "aux", "ales", "aire", "aires", "eux", "euse", "euses",
                     "if", "ive", "ifs", "ives", "ien", "ienne", "iens", "iennes", "e", "ee", "es", "ees",
                     "ant", "ante", "ants", "antes", "ent", "ente", "el", "elle", "els", "elles", "ine",
                     "in", "ins", "ines", "oire", "oires", "ier", "iere", "iers", "ieres")  # fmt: skip
# words that open a list of examples of what is negated ("aucun antécédent, en particulier la notion de ...")
EXAMPLE_OPENERS = {("en", "particulier"), ("notamment",), ("tel", "que"), ("telle", "que"), ("tels", "que"),
                   ("telles", "que"), ("comme",), ("y", "compris"), ("ni", "meme")}  # fmt: skip
# "pas d'argument (scanographique) pour / en faveur de X" negates X
ARGUMENT_NOUNS = {"argument", "arguments", "element", "elements", "signe", "signes", "image", "images"}
# participles that start a new statement about the patient ("sans antécédents, admis pour ...")
EVENT_PARTICIPLES = {fold(w) for stem in ("admis", "hospitalisé", "adressé", "transféré", "orienté", "référé",
                                          "évacué", "amené", "reçu")
                     for w in (stem, stem + "e", stem + "s", stem + "es")}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue as found in the text: word span in the view, the qualifier it gives, and its rule."""

    start: int
    end: int
    qualifier: str
    rule: str


class Phrases:
    """Noun-phrase and clause boundaries over a document view (verb forms loaded once)."""

    def __init__(self) -> None:
        self.finite, self.past, self.infinitive = G.verb_forms()

    # -- word classes ----------------------------------------------------------------------------
    def is_verb(self, w: str) -> bool:
        return w in self.finite

    def content(self, v: View, i: int) -> bool:
        """A word that can be part of a noun phrase's body (not grammar, not punctuation)."""
        if i >= len(v) or v.punct[i]:
            return False
        w = v.words[i]
        return not (
            w in G.DETERMINERS
            or w in G.PREPOSITIONS
            or w in G.CLAUSE_BREAKS
            or w in G.CONJUNCTIONS
            or w in ("ne", "n'", "ni", "non", "pas")
            or (w in G.PRONOUNS and w not in ("en",))
            or self.is_verb(w)
        )

    # -- noun phrases ----------------------------------------------------------------------------
    def np_forward(self, v: View, i: int, cap: int = NP_CAP, *, alternatives: bool = False) -> int:
        """End (exclusive) of the noun phrase(s) governed by a cue ending at ``i``; ``i`` if none.
        With ``alternatives`` (doubts), "X ou une Y" goes on: both are in doubt."""
        n = len(v)
        words, punct = v.words, v.punct
        if i >= n:
            return i
        sent = v.sent[i]
        j = i
        while j < n and not punct[j] and (words[j] in ADVERBS or words[j] in G.DETERMINERS):
            j += 1
        if j < n and words[j] == "en" and j + 1 < n and words[j + 1] in ("premier", "priorite"):
            j += 2 + (j + 2 < n and words[j + 2] == "lieu")
            while j < n and not punct[j] and words[j] in G.DETERMINERS:
                j += 1
        if j >= n or v.sent[j] != sent or not self.content(v, j):
            return i
        head = j
        act = words[head] in G.ACT_NOUNS
        if words[head] in self.infinitive:  # "sans pouvoir avoir un caryotype": the verb and its object
            while j + 1 < n and (words[j + 1] in self.infinitive or words[j + 1] in G.CLITICS):
                j += 1
            if j + 1 < n and (words[j + 1] in G.ARTICLES or words[j + 1] in G.DE):
                return self.np_forward(v, j + 1, cap)
            return j + 1
        j += 1
        budget = cap
        while j < n and budget > 0 and v.sent[j] == sent:
            budget -= 1
            w = words[j]
            nxt = words[j + 1] if j + 1 < n and v.sent[j + 1] == sent else ""
            opener = self._example_opener(words, j)
            if opener:
                j += opener
                while j < n and not punct[j] and words[j] in G.DETERMINERS:
                    j += 1
                budget = cap
                continue
            if punct[j]:
                if w == "," and (nxt in LIST_CONTINUATION or self._example_opener(words, j + 1)):
                    j += 1
                    budget = cap
                    continue
                if w in GLUE_PUNCT:
                    j += 1
                    continue
                break
            if w in G.DE:
                if act and (w in ("du", "des") or nxt in G.ARTICLES or nxt in ("la", "l'")):
                    break
                j += 2 if nxt in G.ARTICLES and w in ("de", "d'") else 1  # "de la", "d'une"
                continue
            if w == "à":
                if nxt and self.content(v, j + 1):
                    j += 1
                    continue
                break
            if words[head] in ARGUMENT_NOUNS and (w == "pour" or (w == "en" and nxt == "faveur")):
                j += 1 + (w == "en")  # "pas d'argument scanographique en faveur d'une récidive"
                continue
            if w in G.CONJUNCTIONS:
                if (
                    nxt in LIST_CONTINUATION
                    or (nxt and self.content(v, j + 1))
                    or (alternatives and w == "ou" and nxt in G.ARTICLES)
                ):
                    j += 2 if nxt in G.ARTICLES else 1
                    budget = cap
                    continue
                break
            if w == "ni":
                j += 1
                budget = cap
                continue
            if w in RESULT_WORDS or w in EVENT_PARTICIPLES:
                break
            if not self.content(v, j) and w not in ("aucun", "aucune"):
                if w in G.DETERMINERS and w not in G.ARTICLES and w not in G.DE and w not in G.PREPOSITIONS:
                    j += 1  # "pas de fièvre ni autre signe"
                    continue
                break
            j += 1
        while j > head + 1 and (punct[j - 1] or words[j - 1] in G.CONJUNCTIONS or words[j - 1] in G.DE):
            j -= 1
        return j

    @staticmethod
    def _example_opener(words: list[str], j: int) -> int:
        """Length of an "en particulier" / "notamment" / "tel que" at ``j`` (0 if none)."""
        for k in (2, 1):
            if tuple(words[j : j + k]) in EXAMPLE_OPENERS:
                return k
        return 0

    def np_backward(self, v: View, k: int) -> list[tuple[int, int]]:
        """Noun phrase(s) closed by a cue starting at ``k``: the subject of a copula, else the phrase
        just before; a subject is split into its conjuncts ("l'examen direct et la culture")."""
        words, punct = v.words, v.punct
        start_of_sentence = v.sentence_start(k) if k < len(v) else 0
        j = k - 1
        if j < start_of_sentence:
            return []
        subject = False
        while (
            j >= start_of_sentence
            and not punct[j]
            and (words[j] in G.COPULAS or words[j] in ADVERBS or words[j] in ("ete", "etre", "s'", "se"))
        ):
            subject = True
            j -= 1
        end = j + 1
        if end <= start_of_sentence:
            return []
        if subject:
            return self._subject(v, start_of_sentence, end)
        # attributive: the phrase right before the cue
        s = end
        while s > start_of_sentence:
            w = words[s - 1]
            if punct[s - 1] and w not in GLUE_PUNCT:
                break
            if w in G.ARTICLES or w in ("l'", "d'"):
                s -= 1
                break
            if w in G.DE or w == "à":
                before = words[s - 2] if s - 2 >= start_of_sentence else ""
                s -= 1
                if not before or not self.content(v, s - 1) or before in self.past:
                    break  # "a montré des bruits": an article, not a complement
                continue
            if self.content(v, s - 1) or w in GLUE_PUNCT or w in self.past:
                s -= 1
                if end - s > 8:
                    break
                continue
            break
        while s < end and (words[s] in G.DE or words[s] == "à"):
            s += 1
        return [(s, end)] if s < end else []

    def _subject(self, v: View, lo: int, end: int) -> list[tuple[int, int]]:
        words, punct = v.words, v.punct
        s = end
        commas: list[int] = []  # conjunct boundaries seen, right to left
        ands: list[int] = []
        while s > lo:
            w = words[s - 1]
            if punct[s - 1] and w != "," and w not in GLUE_PUNCT:
                break
            if w == ",":
                commas.append(s - 1)
            elif w in ("et", "ou"):
                ands.append(s - 1)
            elif (
                (w in G.CLAUSE_BREAKS and w != "ou")
                or w in ("ne", "n'", "il", "elle", "ils", "elles", "on", "nous", "vous", "c'")
                or self.is_verb(w)
                or end - s > 14
            ):
                # another clause: the subject is what follows the last list boundary, the safe reading
                # ("... mesurant 5 cm, 7 cm et 10 cm, une hypervascularisation et les ovaires ne sont
                # pas individualisables": only "les ovaires")
                seen = [*commas, *ands]
                cut = max(seen) if seen else None
                s = cut + 1 if cut is not None else end
                break
            s -= 1
        out = []
        a = s
        for x in range(s, end + 1):
            if x == end or words[x] in (",", "et", "ou"):
                b = x
                while a < b and (punct[a] or words[a] in G.DETERMINERS):
                    a += 1
                if a < b:
                    out.append((a, b))
                a = x + 1
        return out

    # -- the test-result convention --------------------------------------------------------------
    def finding(self, v: View, s: int, e: int) -> tuple[int, int] | None:
        """What a negative result negates in the phrase [s, e): the finding after the examination's
        name, the examination itself when named alone, nothing for the work-up words."""
        words = v.words
        tests = [x for x in range(s, e) if words[x] in G.TEST_NOUNS]
        if not tests:
            return (s, e)
        last = tests[-1]
        after = [
            x
            for x in range(last + 1, e)
            if not v.punct[x] and words[x] not in G.DETERMINERS and words[x] not in G.PREPOSITIONS
        ]
        nouns = [x for x in after if not words[x].endswith(ADJECTIVE_ENDINGS) or len(words[x]) <= 4]
        if nouns:
            return (nouns[0], e)
        if words[last] in G.GENERIC_TESTS:
            return None
        first = next((x for x in range(s, e) if words[x] not in G.GENERIC_TESTS and self.content(v, x)), last)
        return (first, e)

    def clause_end(self, v: View, i: int, *, stop_commas: bool = True) -> int:
        n = len(v)
        if i >= n:
            return i
        sent = v.sent[i]
        j = i
        while j < n and v.sent[j] == sent and j - i < CLAUSE_CAP:
            w = v.words[j]
            if v.punct[j] and w in STOP_PUNCT and (stop_commas or w != ","):
                break
            if w in ("mais", "car", "or", "puis", "cependant", "toutefois", "pourtant"):
                break
            j += 1
        return j
