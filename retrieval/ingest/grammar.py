"""Word classes the scope rules read: a little French grammar, as word lists (folded: no case, no accents).

The annotation pipeline has no part-of-speech tagger (a statistical tagger would cost more than the
whole annotation), so the scope of a cue is read from closed classes of words that are easy to list —
determiners, prepositions, conjunctions, pronouns, auxiliaries — plus a few open classes that matter
for clinical text:

- ``TEST_NOUNS``: examinations whose *result* a following "négatif" gives ("sérologie VIH négative"
  negates VIH, not the test that was done); ``GENERIC_TESTS`` are words for "the work-up" that are
  never negated themselves ("le bilan infectieux était négatif");
- ``ACT_NOUNS``: treatments and procedures, whose "de la ..." complement is the thing treated, not
  part of what is refused or doubted ("radiothérapie de la lésion surrénalienne : à discuter");
- ``OBSERVED_NOUNS``: things seen on an image or at examination, which a doubt about their nature
  does not make hypothetical ("micronodule non spécifique, à surveiller");
- ``EXISTENCE_VERBS``: participles that say whether something was found or done, whose negation
  negates their subject ("aucune adénopathie n'a été retrouvée", "le scanner n'a pu être réalisé");
- verb forms, from edsnlp's conjugation table (715 verbs): finite forms and present participles end
  a noun phrase ("sans bouffées de chaleur évoluant depuis 2 ans"), minus the forms that are also
  common clinical nouns ("masse", "récidive", "contrôle").
"""

from __future__ import annotations

from functools import cache

from retrieval.ingest.words import fold

DETERMINERS = {
    "le", "la", "les", "l'", "un", "une", "des", "du", "de", "d'", "au", "aux", "ce", "cet", "cette",
    "ces", "son", "sa", "ses", "leur", "leurs", "notre", "nos", "votre", "vos", "mon", "ma", "mes",
    "tout", "toute", "tous", "toutes", "quelque", "quelques", "plusieurs", "certains", "certaines",
    "autre", "autres", "chaque", "meme",
}  # fmt: skip
ARTICLES = {
    "le",
    "la",
    "les",
    "l'",
    "un",
    "une",
    "ce",
    "cet",
    "cette",
    "ces",
    "son",
    "sa",
    "ses",
    "leur",
    "leurs",
}
DE = {"de", "d'", "du", "des"}
# prepositions that end a noun phrase in a cue's scope ("pas de nodule a l'examen")
PREPOSITIONS = {
    "à", "au", "aux", "en", "dans", "par", "pour", "sur", "sous", "avec", "chez", "vers", "entre",
    "apres", "avant", "depuis", "pendant", "lors", "devant", "derriere", "selon", "malgre", "contre",
    "dès", "jusqu'", "jusque", "via", "face", "outre", "parmi", "hormis", "sauf", "excepte", "durant",
    "concernant", "quant", "envers", "puisqu'", "lorsqu'", "vu",
}  # fmt: skip
CONJUNCTIONS = {"et", "ou"}
CLAUSE_BREAKS = {
    "mais", "or", "car", "donc", "puis", "ainsi", "alors", "cependant", "toutefois", "pourtant", "neanmoins",
    "qui", "que", "qu'", "dont", "où", "lorsque", "quand", "comme", "tandis", "bien", "afin", "parce",
    "puisque", "si", "s'il", "s'ils", "sinon", "soit", "tel", "telle", "tels", "telles", "notamment",
    "ensuite", "enfin", "aussi", "egalement", "meme", "seulement", "en revanche",
}  # fmt: skip
PRONOUNS = {
    "il", "elle", "ils", "elles", "on", "nous", "vous", "je", "j'", "tu", "se", "s'", "y", "en", "lui",
    "leur", "me", "m'", "te", "t'", "ceci", "cela", "ca", "celui", "celle", "ceux", "celles", "c'",
}  # fmt: skip
# between "ne" and "pas": pronouns and auxiliaries of the negated verb
CLITICS = {
    "se",
    "s'",
    "y",
    "en",
    "le",
    "la",
    "les",
    "l'",
    "lui",
    "leur",
    "me",
    "m'",
    "te",
    "t'",
    "nous",
    "vous",
}
COPULAS = {
    "est", "sont", "etait", "etaient", "fut", "furent", "sera", "seront", "soit", "soient", "serait",
    "seraient", "reste", "restent", "restait", "restaient", "demeure", "demeurent", "semble", "semblent",
    "semblait", "paraît", "parait", "paraissent", "apparait", "apparaît", "revient", "reviennent",
    "revenu", "revenue", "revenus", "revenues", "revenait", "etre", "ete", "s'est", "s'averait",
    "s'avere", "s'averent", "avere", "averee", "averes", "averees", "a", "ont", "avait", "avaient",
}  # fmt: skip
AUXILIARIES = {
    "a", "ont", "avait", "avaient", "aura", "auront", "aurait", "auraient", "eu", "est", "sont", "etait",
    "etaient", "fut", "furent", "sera", "seront", "ete", "etre", "avoir", "ayant", "etant", "pu", "peut",
    "peuvent", "pouvait", "pouvaient", "pourra", "pourront", "su", "fait", "faite", "faits", "faites", "dû",
    "du", "doit", "doivent", "devait", "s'est", "se", "s'", "y",
}  # fmt: skip
# participles that say something was (not) found, seen or done: a negated one negates its subject
EXISTENCE_VERBS = {
    fold(w)
    for stem in (
        "retrouvé", "observé", "noté", "vu", "visualisé", "identifié", "décelé", "détecté", "objectivé",
        "constaté", "réalisé", "effectué", "fait", "pratiqué", "évoqué", "posé", "envoyé", "instauré",
        "trouvé", "relevé", "mentionné", "décrit", "documenté", "individualisé", "mis", "prouvé", "affirmé",
        "démontré", "montré", "diagnostiqué", "découvert", "signalé", "rapporté", "recherché", "dosé",
        "prescrit", "administré", "débuté", "entrepris", "proposé", "indiqué", "retenu", "envisagé",
        "programmé", "prélevé", "palpé", "perçu", "entendu", "ausculté", "isolé", "cultivé", "confirmé",
    )
    for w in (stem, stem + "e", stem + "s", stem + "es")
} | {"mise", "mises", "faits", "vus", "vues", "vue"}  # fmt: skip
EXISTENCE_ADJECTIVES = {
    fold(w)
    for stem in ("visible", "palpable", "décelable", "identifiable", "individualisable", "mesurable",
                 "présent", "retrouvable", "perceptible", "détectable", "évident", "patent")
    for w in (stem, stem + "s", stem + "e", stem + "es")
}  # fmt: skip
TEST_NOUNS = {
    fold(w)
    for w in (
        "sérologie", "sérologies", "culture", "cultures", "hémoculture", "hémocultures", "coproculture",
        "coprocultures", "uroculture", "ECBU", "ECBC", "prélèvement", "prélèvements", "PCR", "RT-PCR",
        "recherche", "recherches", "dosage", "dosages", "bilan", "bilans", "examen", "examens", "étude",
        "études", "analyse", "analyses", "biopsie", "biopsies", "cytologie", "cytologies", "histologie",
        "immunohistochimie", "IHC", "FISH", "CISH", "SISH", "hybridation", "test", "tests", "scanner",
        "scanners", "TDM", "tomodensitométrie", "IRM", "TEP", "PET", "TEP-TDM", "TEP-scanner", "échographie",
        "échographies", "radiographie", "radiographies", "radio", "scintigraphie", "mammographie",
        "coloscopie", "fibroscopie", "endoscopie", "gastroscopie", "bronchoscopie", "fibroscopie",
        "cystoscopie", "myélogramme", "caryotype", "séquençage", "panel", "NGS", "ponction", "ponctions",
        "frottis", "BOM", "curage", "exploration", "explorations", "contrôle", "contrôles", "anamnèse",
        "IDR", "intradermoréaction", "quantiféron", "antigénémie", "électrophorèse", "immunofixation",
        "cytométrie", "immunophénotypage", "liquide", "LCR", "ECG", "EEG", "EMG", "électromyogramme",
        "angioscanner", "artériographie", "doppler", "écho", "examens", "évaluation", "réévaluation",
        "consultation", "expertise", "relecture", "génotypage", "typage", "profil", "épreuve", "résultat",
        "résultats", "taux", "recherche", "ganglion sentinelle", "TEP-FDG", "Coombs",
    )
}  # fmt: skip
# the work-up itself: never negated by its result ("le bilan infectieux était négatif")
GENERIC_TESTS = {
    fold(w)
    for w in ("bilan", "bilans", "examen", "examens", "étude", "études", "analyse", "analyses",
              "recherche", "recherches", "exploration", "explorations", "anamnèse", "contrôle", "contrôles",
              "évaluation", "réévaluation", "consultation", "expertise", "relecture", "résultat", "résultats",
              "profil", "taux", "épreuve", "test", "tests")
}  # fmt: skip
ACT_NOUNS = {
    fold(w)
    for w in (
        "radiothérapie", "chimiothérapie", "radiochimiothérapie", "chirurgie", "exérèse", "résection",
        "ablation", "biopsie", "biopsies", "ponction", "curage", "mastectomie", "tumorectomie", "colectomie",
        "gastrectomie", "néphrectomie", "prostatectomie", "hystérectomie", "lobectomie", "pneumonectomie",
        "hépatectomie", "duodénopancréatectomie", "pancréatectomie", "cystectomie", "thyroïdectomie",
        "irradiation", "curiethérapie", "hormonothérapie", "immunothérapie", "thérapie", "traitement",
        "greffe", "autogreffe", "allogreffe", "embolisation", "radiofréquence", "cryothérapie", "drainage",
        "intervention", "opération", "reprise", "stéréotaxie", "reconstruction", "gastrostomie",
        "transfusion", "infiltration", "cimentoplastie", "vertébroplastie", "dérivation", "stomie",
        "surveillance", "prise en charge", "nutrition", "exploration", "endoscopie", "coloscopie",
    )
}  # fmt: skip
OBSERVED_NOUNS = {
    fold(w)
    for stem in (
        "nodule", "micronodule", "masse", "lésion", "image", "opacité", "formation", "épaississement",
        "fixation", "hyperfixation", "foyer", "prise", "plage", "zone", "adénopathie", "ganglion", "kyste",
        "tuméfaction", "infiltration", "anomalie", "aspect", "hypermétabolisme", "hyperdensité",
        "hypodensité", "hyposignal", "hypersignal", "épanchement", "calcification", "microcalcification",
        "condensation", "lacune", "ostéolyse", "plaque", "tache", "signal", "rehaussement",
        "élévation", "augmentation",
    )
    for w in (stem, stem + "s")
}  # fmt: skip
# adjectives that make an observed thing an interpretation ("lésion secondaire" is a metastasis)
INTERPRETIVE = {
    fold(w)
    for stem in ("secondaire", "métastatique", "tumoral", "tumorale", "maligne", "malin", "néoplasique",
                 "cancéreux", "cancéreuse", "suspect", "suspecte", "récidivant", "récidivante")
    for w in (stem, stem + "s")
}  # fmt: skip
NUMBER_WORDS = {"un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix"}


@cache
def conjugated(*verbs: str) -> tuple[list[str], list[str]]:
    """(finite forms, infinitive and present participle; past participles) of some of edsnlp's verbs,
    as written (accents kept): the hypothesis verbs "évoquer", "suspecter"... in every tense."""
    from edsnlp.utils.resources import get_verbs

    table = get_verbs(list(verbs))
    active = [t for t, tense in zip(table.term, table.tense, strict=True) if tense != "Participe Passé"]
    past = [t for t, tense in zip(table.term, table.tense, strict=True) if tense == "Participe Passé"]
    return active, past


@cache
def verb_forms() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(finite forms and present participles, past participles, infinitives) of edsnlp's 715 verbs, folded.

    Finite forms that are also frequent clinical nouns or adjectives are left out: a noun phrase must
    not stop at "masse", "récidive" or "contrôle".
    """
    from edsnlp.utils.resources import get_verbs

    table = get_verbs()
    finite_modes = {"Indicatif", "Subjonctif", "Conditionnel", "Imperatif"}
    finite = {fold(t) for t, m in zip(table.term, table["mode"], strict=True) if m in finite_modes}
    finite |= {
        fold(t) for t, tense in zip(table.term, table.tense, strict=True) if tense == "Participe Présent"
    }
    past = {fold(t) for t, tense in zip(table.term, table.tense, strict=True) if tense == "Participe Passé"}
    infinitive = {fold(t) for t, m in zip(table.term, table["mode"], strict=True) if m == "Infinitif"}
    finite -= NOUN_LIKE_VERB_FORMS
    finite -= past
    return frozenset(finite), frozenset(past), frozenset(infinitive)


# verb forms that are, in reports, mostly nouns or adjectives (folded)
NOUN_LIKE_VERB_FORMS = {
    fold(w)
    for w in (
        "masse", "masses", "reste", "restes", "porte", "récidive", "récidives", "contrôle", "contrôles",
        "signe", "signes", "dose", "doses", "date", "dates", "forme", "formes", "chute", "chutes", "analyse",
        "analyses", "note", "notes", "montre", "marche", "aide", "aides", "charge", "charges", "règle",
        "règles", "mesure", "mesures", "pose", "recherche", "recherches", "échographie", "échographies",
        "limite", "limites", "présente", "présentes", "suite", "suites", "cours", "greffe", "greffes",
        "rechute", "rechutes", "trouble", "troubles", "cause", "causes", "type", "types", "coupe",
        "coupes", "plaque", "plaques", "image", "images", "taille", "tailles", "compte", "arrêt", "appel",
        "accord", "regard", "soin", "soins", "travail", "contact", "cure", "cures", "biopsie", "biopsies",
        "ponction", "fixe", "marque", "marques", "tache", "taches", "lésion", "fissure", "fracture",
        "rupture", "ligne", "lignes", "prise", "prises", "reprise", "mise", "sortie", "entrée", "venue",
        "atteinte", "atteintes", "conduite", "perte", "pertes", "vue", "vues", "issue", "durée", "dépistage",
        "bilan", "examen", "demande", "demandes", "réponse", "réponses", "consulte", "traite", "stade",
        "grade", "score", "scores", "groupe", "groupes", "classe", "classes", "zone", "zones", "foyer",
        "palpe", "touche", "toucher", "support", "transfert", "relais", "rappel", "retour", "passage",
        "départ", "début", "fin", "contraste", "drainage", "infiltre", "ulcère", "ulcères", "nécrose",
        "fibrose", "sténose", "thrombose", "embolie", "protocole", "guide", "épreuve", "épreuves", "associe",
        "complique", "évolue", "persiste", "lymphome", "tumeur", "cellules", "cellule", "marge", "marges",
        "poumon", "foie", "rein", "os", "peau", "ventre", "tête", "bras", "jambe", "jambes",
    )
}  # fmt: skip
