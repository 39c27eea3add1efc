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

Family and history keep edsnlp's proposition reading, with dates and relatives (``history.py``).
"""

from __future__ import annotations

from datetime import date
from functools import cache

from retrieval.ingest import grammar as G
from retrieval.ingest import patterns as P
from retrieval.ingest.history import family_history
from retrieval.ingest.phrases import ADVERBS, RESULT_WORDS, Cue, Phrases
from retrieval.ingest.words import PhraseMatcher, View, split

NEG, HYP, FAM, HIST = 1, 2, 4, 8
BIT = {"negated": NEG, "hypothetical": HYP, "family": FAM, "history": HIST}
QUALIFIER_OF = {NEG: "negated", HYP: "hypothetical", FAM: "family", HIST: "history"}

POUVOIR = {"pu", "peut", "peuvent", "pouvait", "pouvaient", "pourra", "pourront", "su", "sait", "savait"}
# adverbial pairs between a negation and what it negates ("n'avait pas par ailleurs de rigidité")
_PAIRS = {("en", "evidence"), ("par", "ailleurs"), ("non", "plus"), ("en", "outre"),
          ("pour", "autant"), ("du", "tout"), ("non", "seulement"), ("a", "priori"),
          ("à", "priori")}  # fmt: skip
# with a typing slip in their long word, as the cues have ("ne met pas en évidecne de lésion")
SKIPPED_PAIRS = _PAIRS | {(a, slip) for a, b in _PAIRS for slip in P.with_typos([b])}


@cache
def lexicon() -> tuple[PhraseMatcher, PhraseMatcher, PhraseMatcher]:
    """Three matchers, so that a pseudo-cue of one qualifier never hides a cue of another ("sans
    particularité" is no doubt, and still a negation): negation, hypothesis, family and history."""
    from edsnlp.pipes.qualifiers.family import patterns as fam
    from edsnlp.pipes.qualifiers.history import patterns as hist
    from edsnlp.pipes.terminations import termination

    def typos(phrases: list[str]) -> list[str]:
        """Each phrase, and its variants with one slip in one of its long words ("pas d'arguument pour")."""
        out = list(phrases)
        for phrase in phrases:
            words = list(split(phrase))
            for k, word in enumerate(words):
                for variant in P.with_typos([word]):
                    out.append(" ".join([*words[:k], variant, *words[k + 1 :]]))
        return out

    negation = PhraseMatcher(
        {
            "neg_pre": typos(P.NEGATION_PRE),
            "neg_self": typos(P.NEGATION_PRE_SELF),
            "neg_post": typos(P.NEGATION_POST),
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
            "hyp_post": [*typos(P.HYPOTHESIS_POST), *past],
            "hyp_clause": typos(P.HYPOTHESIS_CLAUSE),
            "hyp_pseudo": P.HYPOTHESIS_PSEUDO,
            "confirm": P.CONFIRMATION,
        }
    )
    fam_hist = PhraseMatcher(
        {
            "family": typos([*fam.family, *P.FAMILY]),
            "history": typos([*hist.history, *P.HISTORY]),
            "hist_pre": P.HISTORY_OF,
            "present": P.PRESENT,
            "term": [*termination, *P.TERMINATION],
        }
    )
    return negation, hypothesis, fam_hist


class Qualifiers(Phrases):
    """The rules of this module over one document view; stateless between documents."""

    def __init__(self) -> None:
        super().__init__()
        self.neg_matcher, self.hyp_matcher, self.fh_matcher = lexicon()

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
        family_history(self, v, fam_hist, terms, flag, ref_year or date.today().year)
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
            flag(m.start, m.end, NEG, cue)  # "Absence de": the cue noun too, as E3C
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
                flag(m.start, m.end, HYP, cue)  # "Suspicion de": the cue noun too
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
                flag(colon + 1, self.clause_end(v, colon + 1, stop_commas=not hit), HYP, cue)
            elif colon is not None and not spans:  # "À discuter en RCP : radiothérapie de la lésion"
                flag(colon + 1, self.np_forward(v, colon + 1), HYP, cue)
            opener = self._example_opener(v.words, nxt)
            if opener:  # "était suspectée, notamment le diabète de type 1"
                flag(nxt + opener, self.np_forward(v, nxt + opener), HYP, cue)
        elif "hyp_clause" in labels:
            cue = Cue(m.start, m.end, "hypothetical", "hyp_clause")
            flag(nxt, self.clause_end(v, nxt), HYP, cue)

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
            if (
                j + 1 < n
                and not punct[j]
                and words[j + 1] in G.DE
                and self.content(v, j)
                and words[j] not in G.DE
            ):
                chain.append(j)  # "n'a pas moontré de": a word between the particle and "de" is its verb
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
