"""Scopes of the four qualifiers, read the way a clinician reads a report.

``Qualifiers().run(view)`` takes a document as words (``words.View``) and returns one bit mask per
word (1 negated, 2 hypothetical, 4 family, 8 history) and, for each flagged word, the cue that
flagged it (``Cue``), so that ``cohort annotate`` can say *why*.

Negation and hypothesis (the cue lists and their kinds are in ``patterns.py``, the word classes in
``grammar.py``):

- a preceding cue ("pas de", "sans", "aucun", "suspicion de", "évoquant") governs the noun phrase
  after it: its head, adjectives and "de" complements, a list joined by "ni", "et de", ", de"; a
  preposition, a determiner, a verb, a relative pronoun or punctuation ends it ("Pas de nodule à
  l'examen" negates nodule, not examen; "sans antécédents pathologiques admis dans notre service"
  stops before "admis");
- a following cue ("négatif", "absent", "non retrouvé", "probable", "à confirmer") closes the noun
  phrase before it, or the subject when a copula comes between ("les marqueurs tumoraux étaient
  négatifs"). A result negates the *finding*, not the examination that was done: "sérologie VIH
  négative" negates VIH; an examination named alone takes the result ("hémocultures négatives"),
  except the words for the work-up itself ("le bilan infectieux était négatif");
- "ne ... pas" negates its verb and the object after it ("n'a pas montré de syndrome"); the subject
  too when the verb says whether something was found or done ("aucune adénopathie n'a été
  retrouvée", "le scanner n'a pu être réalisé");
- "non" + a word negates that word ("cancer du sein non métastatique"), never what precedes it;
  inside a compound term ("non à petites cellules", "non hodgkinien", "non-fumeur") it negates
  nothing;
- conditional verbs of judgment ("il s'agirait", "pourrait correspondre"), "si", "probablement"
  make the rest of their clause hypothetical; a confirmation in the sentence ("confirme",
  "diagnostic retenu") lifts them;
- pseudo-cues mask what they contain ("sans doute", "absence de contre-indication").

Family and history keep edsnlp's reading (a cue flags its whole proposition, a cue heading a list
with ":" reaches the end of the sentence), with two additions for history: a year at least
``YEARS_BACK`` years before the report's own date ("en 2012", a bare year) dates a past event ("AVC
ischémique en 2020", "Néphrectomie droite en 2008 pour carcinome rénal"), unless the proposition is
about a diagnosis or says it is current ("diagnostiqué en 2021, toujours en cours de traitement");
and "en rémission de X" makes X history, not the remission. About a relative is never the patient's
history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from retrieval.ingest import grammar as G
from retrieval.ingest import patterns as P
from retrieval.ingest.words import PhraseMatcher, View, fold

NEG, HYP, FAM, HIST = 1, 2, 4, 8
BIT = {"negated": NEG, "hypothetical": HYP, "family": FAM, "history": HIST}
QUALIFIER_OF = {NEG: "negated", HYP: "hypothetical", FAM: "family", HIST: "history"}

NP_CAP = 12  # words a noun phrase may span after its cue
CLAUSE_CAP = 25
LIST_CONTINUATION = {"de", "d'", "du", "des", "ni", "aucun", "aucune", "d'aucun", "d'aucune"}
STOP_PUNCT = {",", ";", ":", ".", "(", ")", "[", "]", "!", "?", "…", "...", '"', "«", "»"}
GLUE_PUNCT = {"/", "+", "'"}
RESULT_WORDS = {fold(w) for w in ("négatif", "négative", "négatifs", "négatives", "positif", "positive",
                                  "positifs", "positives", "normal", "normale", "normaux",
                                  "normales")}  # fmt: skip
ADVERBS = {fold(w) for w in ("très", "fortement", "plutôt", "surtout", "notamment", "également", "aussi",
                             "alors", "donc", "bien", "encore", "toujours", "vraiment", "clairement",
                             "formellement", "actuellement", "initialement", "finalement", "parfois",
                             "nettement", "franchement", "hautement", "assez", "peu", "plus",
                             "moins")}  # fmt: skip
ADJECTIVE_ENDINGS = ("ique", "iques", "al", "ale", "aux", "ales", "aire", "aires", "eux", "euse", "euses",
                     "if", "ive", "ifs", "ives", "ien", "ienne", "iens", "iennes", "e", "ee", "es", "ees",
                     "ant", "ante", "ants", "antes", "ent", "ente", "el", "elle", "els", "elles", "ine",
                     "in", "ins", "ines", "oire", "oires", "ier", "iere", "iers", "ieres")  # fmt: skip
POUVOIR = {"pu", "peut", "peuvent", "pouvait", "pouvaient", "pourra", "pourront", "su", "sait", "savait"}
MONTHS = {fold(m) for m in ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                            "septembre", "octobre", "novembre", "décembre")}  # fmt: skip
YEAR = re.compile(r"^(19|20)\d\d$")
DATE_IN_TEXT = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-]((?:19|20)\d\d)\b|\b\d{1,2}(?:er)? (?:janvier|février|fevrier|mars|avril|mai|"
    r"juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre) ((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# adverbial pairs between a negation and what it negates ("n'avait pas par ailleurs de rigidité")
SKIPPED_PAIRS = {("en", "evidence"), ("par", "ailleurs"), ("non", "plus"), ("en", "outre"),
                 ("pour", "autant"), ("du", "tout"), ("non", "seulement"), ("a", "priori"),
                 ("à", "priori")}  # fmt: skip
# words that open a list of examples of what is negated ("aucun antécédent, en particulier la notion de ...")
EXAMPLE_OPENERS = {("en", "particulier"), ("notamment",), ("tel", "que"), ("telle", "que"), ("tels", "que"),
                   ("telles", "que"), ("comme",), ("y", "compris"), ("ni", "meme")}  # fmt: skip
# words that bring the sentence back to the patient after a relative ("...; le patient présente ...")
SUBJECT_SWITCH = {";", "patient", "patiente", "patients", "patientes"}
# "pas d'argument (scanographique) pour / en faveur de X" negates X
ARGUMENT_NOUNS = {"argument", "arguments", "element", "elements", "signe", "signes", "image", "images"}
# participles that start a new statement about the patient ("sans antécédents, admis pour ...")
EVENT_PARTICIPLES = {fold(w) for stem in ("admis", "hospitalisé", "adressé", "transféré", "orienté", "référé",
                                          "évacué", "amené", "reçu")
                     for w in (stem, stem + "e", stem + "s", stem + "es")}  # fmt: skip
YEAR_CUT = {"apres", "avant", "depuis", "suite", "des"}  # "rechute après autogreffe en 2019"


_DIAGNOSED = [
    fold(w)
    for stem in ("diagnostiqué", "découvert", "révélé")
    for w in (stem, stem + "e", stem + "s", stem + "es")
]
DIAGNOSED = frozenset([*_DIAGNOSED, *P.with_typos(_DIAGNOSED)])


def _diagnosis(word: str) -> bool:
    """ "diagnostiqué", "découverte" (and their typing slips: "diagnotsiqué"): a dated diagnosis."""
    return word in DIAGNOSED


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue as found in the text: word span in the view, the qualifier it gives, and its rule."""

    start: int
    end: int
    qualifier: str
    rule: str


def reference_year(text: str) -> int:
    """The report's own year: its latest full date (a header, a signature), else the current year."""
    years = [int(a or b) for a, b in DATE_IN_TEXT.findall(text)]
    return max(years) if years else date.today().year


@cache
def lexicon() -> tuple[PhraseMatcher, PhraseMatcher, PhraseMatcher]:
    """Three matchers, so that a pseudo-cue of one qualifier never hides a cue of another ("sans
    particularité" is no doubt, and still a negation): negation, hypothesis, family and history."""
    from edsnlp.pipes.qualifiers.family import patterns as fam
    from edsnlp.pipes.qualifiers.history import patterns as hist
    from edsnlp.pipes.terminations import termination

    def typos(phrases: list[str]) -> list[str]:
        out = list(phrases)
        for phrase in phrases:
            first, _, rest = phrase.partition(" ")
            for variant in P.with_typos([first]):
                out.append(f"{variant} {rest}".strip())
        return out

    negation = PhraseMatcher(
        {
            "neg_pre": typos(P.NEGATION_PRE),
            "neg_self": typos(P.NEGATION_PRE_SELF),
            "neg_post": P.NEGATION_POST,
            "neg_pseudo": P.NEGATION_PSEUDO,
            "neg_non": ["non"],
        }
    )
    active, past = G.conjugated(*P.HYPOTHESIS_VERBS)
    hypothesis = PhraseMatcher(
        {
            "hyp_verb": active,
            "hyp_pre": typos(P.HYPOTHESIS_PRE),
            "hyp_self": typos(P.HYPOTHESIS_PRE_SELF),
            "hyp_post": [*P.HYPOTHESIS_POST, *past],
            "hyp_clause": P.HYPOTHESIS_CLAUSE,
            "hyp_pseudo": P.HYPOTHESIS_PSEUDO,
            "confirm": P.CONFIRMATION,
        }
    )
    family_history = PhraseMatcher(
        {
            "family": typos([*fam.family, *P.FAMILY]),
            "history": typos([*hist.history, *P.HISTORY]),
            "hist_pre": [
                "en rémission",
                "en rémission complète",
                "en RC",
                "guéri de",
                "guérie de",
                "guéri d'",
                "guérie d'",
                "rémission complète depuis",
            ],
            "present": P.PRESENT,
            "term": [*termination, *P.TERMINATION],
        }
    )
    return negation, hypothesis, family_history


class Qualifiers:
    """The rules of this module over one document view; stateless between documents."""

    def __init__(self) -> None:
        self.neg_matcher, self.hyp_matcher, self.fh_matcher = lexicon()
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
                # another clause: the subject starts after its last comma, else after its "et"
                cut = commas[-1] if commas else (ands[-1] if ands else None)
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

    # -- the rules -------------------------------------------------------------------------------
    def run(
        self, v: View, ref_year: int | None = None
    ) -> tuple[list[int], list[Cue], dict[tuple[int, int], int]]:
        """(mask per word, cues, {(word, bit): index of the cue that flagged it})."""
        n = len(v)
        masks = [0] * n
        cues: list[Cue] = []
        why: dict[tuple[int, int], int] = {}
        if not n:
            return masks, cues, why
        neg = self.neg_matcher(v.words)
        hyp = self.hyp_matcher(v.words)
        fh = self.fh_matcher(v.words)
        covered = [False] * n  # words inside a cue phrase: not the "ne" of a verbal negation
        pseudo = [False] * n
        for m in (*neg, *hyp):
            only_pseudo = m.labels <= {"neg_pseudo", "hyp_pseudo"}
            for x in range(m.start, m.end):
                covered[x] = True
                pseudo[x] = pseudo[x] or only_pseudo

        def flag(a: int, b: int, bit: int, cue: Cue) -> None:
            if a >= b:
                return
            if not cues or cues[-1] is not cue:
                cues.append(cue)
            idx = len(cues) - 1
            for x in range(a, min(b, n)):
                if not v.punct[x]:
                    masks[x] |= bit
                    why.setdefault((x, bit), idx)

        confirmed_sents = set()
        terms = []
        fam_hist = []
        for m in neg:
            self._negation(v, m, flag)
        self._verbal_negation(v, covered, pseudo, flag)
        for m in hyp:
            if "confirm" in m.labels:
                confirmed_sents.add(v.sent[m.start])
            self._hypothesis(v, m, flag, masks)
        for m in fh:
            if "term" in m.labels:
                terms.append(m.start)
            else:
                fam_hist.append(m)
        if confirmed_sents:
            for x in range(n):
                if masks[x] & HYP and v.sent[x] in confirmed_sents:
                    masks[x] &= ~HYP
        self._family_history(v, fam_hist, terms, masks, flag, ref_year or date.today().year)
        for x in range(n):
            if masks[x] & FAM and masks[x] & HIST:
                masks[x] &= ~HIST  # about a relative is not the patient's own history
        return masks, cues, why

    def _negation(self, v: View, m, flag) -> None:  # noqa: ANN001 - Match, closure
        labels = m.labels
        if "neg_pseudo" in labels:
            return
        if "neg_self" in labels:
            cue = Cue(m.start, m.end, "negated", "neg_pre")
            flag(m.start, m.start + 1, NEG, cue)
            flag(m.end, self.np_forward(v, m.end), NEG, cue)
        elif "neg_pre" in labels:
            cue = Cue(m.start, m.end, "negated", "neg_pre")
            flag(m.end, self.np_forward(v, m.end), NEG, cue)
        elif "neg_non" in labels:
            j = m.end
            if j < len(v) and self.content(v, j) and v.sent[j] == v.sent[m.start]:
                flag(j, j + 1, NEG, Cue(m.start, m.end, "negated", "neg_non"))
        elif "neg_post" in labels:
            cue = Cue(m.start, m.end, "negated", "neg_post")
            for s, e in self.np_backward(v, m.start):
                span = self.finding(v, s, e)
                if span:
                    flag(span[0], span[1], NEG, cue)
            if v.words[m.start] != ":":
                flag(m.start, m.end, NEG, cue)

    def _hypothesis(self, v: View, m, flag, masks: list[int]) -> None:  # noqa: ANN001
        labels = m.labels
        if "hyp_pseudo" in labels:
            return
        n = len(v)
        nxt = m.end
        pre = labels & {"hyp_pre", "hyp_self", "hyp_verb"}
        post = "hyp_post" in labels
        if pre and post:  # "possible toxicité" / "toxicité possible"; "évoque" / "évoqué"
            last = v.low[m.end - 1]
            if last.endswith(("é", "ée", "és", "ées")):
                pre = set()
            elif "hyp_verb" in labels or (nxt < n and self.content(v, nxt)):
                post = False
            else:
                pre = set()
        if pre:
            cue = Cue(m.start, m.end, "hypothetical", "hyp_pre")
            end = self.np_forward(v, nxt, alternatives=True)
            if end < n and v.words[end] in RESULT_WORDS:
                return  # "recherche de mutation BRCA négative": a result, not a doubt
            if "hyp_self" in labels:
                flag(m.start, m.start + 1, HYP, cue)
            if "hyp_verb" in labels:  # the verb of doubt is itself uncertain ("le tableau évoque ...")
                flag(m.start, m.end, HYP, cue)
            flag(nxt, end, HYP, cue)
        elif post:
            if masks[m.start] & NEG:
                return  # "n'avait jamais été évoqué": negated, not doubted
            cue = Cue(m.start, m.end, "hypothetical", "hyp_post")
            spans = self.np_backward(v, m.start)
            hit = False
            for s, e in spans:
                head = next((x for x in range(s, e) if self.content(v, x)), s)
                if v.words[head] in G.OBSERVED_NOUNS and not any(
                    v.words[x] in G.INTERPRETIVE for x in range(s, e)
                ):
                    continue  # a nodule is seen; its nature is what is doubted
                if v.words[head] in G.ACT_NOUNS and v.words[m.start].startswith("possible"):
                    continue  # "l'ablation en bloc était possible": feasible, not doubtful
                flag(s, e, HYP, cue)
                hit = True
            colon = next((x for x in range(nxt, min(n, nxt + 4)) if v.words[x] == ":"), None)
            if colon is not None and nxt < n and v.words[nxt] == ":":
                # "trois diagnostics ont été évoqués : un sarcome, une tumeur ovarienne ou ..."
                flag(colon + 1, self._clause_end(v, colon + 1, stop_commas=not hit), HYP, cue)
            elif colon is not None and not spans:  # "À discuter en RCP : radiothérapie de la lésion"
                flag(colon + 1, self.np_forward(v, colon + 1), HYP, cue)
            opener = self._example_opener(v.words, nxt)
            if opener:  # "était suspectée, notamment le diabète de type 1"
                flag(nxt + opener, self.np_forward(v, nxt + opener), HYP, cue)
        elif "hyp_clause" in labels:
            cue = Cue(m.start, m.end, "hypothetical", "hyp_clause")
            flag(nxt, self._clause_end(v, nxt), HYP, cue)

    def _clause_end(self, v: View, i: int, *, stop_commas: bool = True) -> int:
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

    def _verbal_negation(self, v: View, covered: list[bool], pseudo: list[bool], flag) -> None:  # noqa: ANN001
        """ne ... pas/plus/jamais/aucun/rien/ni: the verb, its object, and an existence subject."""
        words, punct, n = v.words, v.punct, len(v)
        for i in range(n):
            if words[i] not in ("ne", "n'") or covered[i]:
                continue
            particle = None
            for k in range(i + 1, min(n, i + 6)):
                if punct[k]:
                    break
                if words[k] in P.NEGATION_PARTICLES:
                    particle = k
                    break
            subject_from = v.sentence_start(i)
            if particle is None:
                before = range(max(v.sentence_start(i), i - 8), i)
                literary = any(words[k] in POUVOIR for k in range(i + 1, min(n, i + 4)))
                negative = [k for k in before if words[k] in P.NEGATIVE_SUBJECTS]
                if not literary and not negative:
                    continue
                if negative:
                    subject_from = negative[-1]
            if particle is not None and pseudo[particle]:
                continue
            cue = Cue(i, (particle or i) + 1, "negated", "neg_verb")
            stop = particle if particle is not None else i + 1
            group = [k for k in range(i + 1, stop) if words[k] not in G.CLITICS]
            j = stop + 1 if particle is not None else i + 1
            chain = []
            while j + 1 < n and (words[j], words[j + 1]) in SKIPPED_PAIRS:
                j += 2
            while (
                j < n
                and not punct[j]
                and (
                    words[j] in G.AUXILIARIES
                    or words[j] in self.past
                    or words[j] in ADVERBS
                    or words[j] in G.EXISTENCE_VERBS
                    or words[j] in self.infinitive
                )
            ):
                chain.append(j)
                j += 1
            for k in [*group, *chain]:
                flag(k, k + 1, NEG, cue)
            verbs = [words[k] for k in [*group, *chain]]
            if particle is not None and words[particle] in ("aucun", "aucune", "ni", "rien"):
                flag(particle + 1, self.np_forward(v, particle + 1), NEG, cue)
            elif j < n and (words[j] in G.DE or words[j] in ("aucun", "aucune", "d'aucun", "d'aucune")):
                flag(j, self.np_forward(v, j), NEG, cue)
            elif j < n and words[j] in G.ARTICLES and not any(w.startswith("empech") for w in verbs):
                flag(j, self.np_forward(v, j), NEG, cue)
            passive = any(w in ("ete", "etre", "est", "sont", "etait", "etaient", "fut") for w in verbs)
            exists = any(w in G.EXISTENCE_VERBS for w in verbs) and passive
            if not exists and j < n and words[j] in G.EXISTENCE_ADJECTIVES and passive:
                exists = True
                flag(j, j + 1, NEG, cue)
            if exists:
                for s, e in self._subject(v, subject_from, i):
                    flag(s, e, NEG, cue)

    def _family_history(self, v: View, found, terms, masks, flag, ref_year: int) -> None:  # noqa: ANN001
        """Proposition scope (edsnlp's): sentence starts and termination words bound propositions."""
        n = len(v)
        bounds = sorted({*v.starts, *terms, n})
        prop_of = [0] * n
        for p, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            for x in range(a, b):
                prop_of[x] = p
        present_props = {prop_of[m.start] for m in found if "present" in m.labels}
        for m in found:
            for label, bit in (("family", FAM), ("history", HIST)):
                if label not in m.labels:
                    continue
                cue = Cue(m.start, m.end, QUALIFIER_OF[bit], label)
                p = prop_of[m.start]
                flag(bounds[p], bounds[p + 1], bit, cue)
                if bit == FAM and self._opens_sentence(v, m.start):
                    # "Son frère, suivi pour une LAM, est en attente d'allogreffe": the sentence is about him
                    end = next(
                        (x for x in range(m.end, v.sentence_end(m.start)) if v.words[x] in SUBJECT_SWITCH),
                        v.sentence_end(m.start),
                    )
                    flag(m.start, end, bit, cue)
                after = v.words[m.end] if m.end < n else ""
                if after == ":" or (after == "," and m.end - m.start > 1):
                    flag(m.start, v.sentence_end(m.start), bit, cue)
            if "hist_pre" in m.labels:
                k = next(
                    (x for x in range(m.end, min(n, m.end + 6)) if v.words[x] in G.DE or v.punct[x]), None
                )
                if k is not None and not v.punct[k]:
                    flag(k, self.np_forward(v, k), HIST, Cue(m.start, m.end, "history", "hist_pre"))
        self._past_years(v, bounds, prop_of, present_props, flag, ref_year)

    @staticmethod
    def _opens_sentence(v: View, i: int) -> bool:
        start = v.sentence_start(i)
        return all(v.words[x] in G.DETERMINERS or v.punct[x] for x in range(start, i))

    def _past_years(self, v: View, bounds, prop_of, present_props, flag, ref_year: int) -> None:  # noqa: ANN001
        words, n = v.words, len(v)
        for i in range(n - 4):
            # "Il y a 10 ans, mélanome du dos traité par exérèse"
            if (
                words[i] == "il"
                and words[i + 1] == "y"
                and words[i + 2] == "a"
                and words[i + 4] in ("ans", "an")
            ):
                if not (words[i + 3].isdigit() or words[i + 3] in G.NUMBER_WORDS):
                    continue
                cue = Cue(i, i + 5, "history", "past_years")
                p = prop_of[i]
                if i == v.sentence_start(i) and i + 5 < n and words[i + 5] == ",":
                    flag(i + 6, v.sentence_end(i), HIST, cue)
                elif p not in present_props:
                    flag(bounds[p], bounds[p + 1], HIST, cue)
        for i in range(n):
            w = words[i]
            if not YEAR.match(w) or int(w) > ref_year - P.YEARS_BACK:
                continue
            # "en 2012", "en mars 2012"; a sentence that opens with it ("En 2012, embolie ...")
            # a bare year ("en 2012"): remote events are dated so; the current course of care is dated
            # to the month ("FOLFOX de mars à juin 2023", "autogreffe en janvier 2012")
            k = i - 1
            if k < 0 or words[k] != "en":
                continue
            p = prop_of[i]
            a, b = bounds[p], bounds[p + 1]
            if p in present_props or any(_diagnosis(words[x]) for x in range(a, b)):
                continue
            cut = max((x + 1 for x in range(a, k) if words[x] in YEAR_CUT), default=a)
            cue = Cue(k, i + 1, "history", "past_year")
            sent_start = v.sentence_start(i)
            if k == sent_start and i + 1 < n and words[i + 1] == ",":
                flag(i + 2, v.sentence_end(i), HIST, cue)
            else:
                flag(cut, b, HIST, cue)
