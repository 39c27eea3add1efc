"""Sentences that carry concept mentions, with the four qualifiers known by construction.

Sentences are written the way edsnlp's rule-based qualifiers read French (cue words close to the
concept, no comma or "et" between them, one qualifier per sentence), so that a correct annotator
agrees with the truth: "Pas de métastase hépatique." (negated), "Suspicion de récidive locale."
(hypothetical), "Mère traitée pour un cancer du sein." (family), "Antécédent de diabète." (history).
Affirmed sentences avoid every cue word: no "si", "soit", "risque", "non", "négatif", "famille"...
"""

from __future__ import annotations

from functools import lru_cache

from synthetic.catalogue import DRUGS, METASTASIS_CODES, PROCEDURES
from synthetic.model import Regimen, Tumour
from synthetic.text import realforms
from synthetic.text.builder import TextBuilder
from synthetic.text.check import find_forms
from synthetic.text.common import Ctx, put_date

SITE_CONCEPT = {
    "breast": "breast_cancer",
    "lung": "lung_cancer",
    "colorectal": "colorectal_cancer",
    "prostate": "prostate_cancer",
    "ovary": "ovarian_cancer",
    "melanoma": "melanoma",
    "kidney": "kidney_cancer",
    "net": "neuroendocrine_tumour",
    "myeloma": "myeloma",
    "aml": "aml",
    "cll": "cll",
    "dlbcl": "lymphoma",
    "follicular": "lymphoma",
    "pancreas": "pancreatic_cancer",
}
NET_ORIGIN = {
    "rectum": " du rectum",
    "pancreas": " du pancréas",
    "small_bowel": " de l'iléon",
    "lung": " bronchique",
}
LATERALITY = {"left": "gauche", "right": "droit", "bilateral": "bilatéral"}
FAMILY_FORMS = {
    "breast_cancer": ["cancer du sein"],
    "ovarian_cancer": ["cancer de l'ovaire"],
    "colorectal_cancer": ["cancer colorectal", "cancer du côlon"],
    "lung_cancer": ["cancer du poumon", "cancer bronchique"],
    "prostate_cancer": ["cancer de la prostate"],
    "kidney_cancer": ["cancer du rein"],
    "melanoma": ["mélanome"],
    "lymphoma": ["lymphome"],
    "myeloma": ["myélome"],
}
COMORBIDITY_FORMS = {
    "hypertension": ["HTA", "hypertension artérielle"],
    "diabetes": ["diabète de type 2", "diabète"],
    "thrombosis": ["thrombose", "embolie pulmonaire"],
}
RESPONSE_FORMS = {
    "complete": ("complete_response", ["réponse complète", "rémission complète"]),
    "very_good": ("very_good_response", ["très bonne réponse partielle", "très bonne réponse"]),
    "partial": ("partial_response", ["réponse partielle"]),
}
SITE_NOUN = {
    "bone": "osseuses",
    "liver": "hépatiques",
    "lung": "pulmonaires",
    "brain": "cérébrales",
    "lymph_node": "ganglionnaires",
    "peritoneum": "péritonéales",
    "pleura": "pleurales",
    "adrenal": "surrénaliennes",
    "skin": "cutanées",
    "other": "à distance",
}


HAEM_SITES = ("myeloma", "aml", "cll", "dlbcl", "follicular")
FEMININE = ("néoplasie", "leucémie", "tumeur", "TNE", "LAM", "LLC", "K ")


def pick_form(ctx: Ctx, tumour: Tumour) -> str:
    return ctx.rng.pick(tumour.info["forms"])


def indef(form: str) -> str:
    """ "un" or "une" before a disease name."""
    return "une" if form.startswith(FEMININE[:-1]) else "un"


def agree(form: str, word: str) -> str:
    """Past participle agreeing with the disease name ("diagnostiqué" / "diagnostiquée")."""
    return word + "e" if form.startswith(FEMININE[:-1]) else word


def concept_of(tumour: Tumour) -> str:
    return tumour.info.get("concept") or SITE_CONCEPT[tumour.site]


def disease(
    b: TextBuilder, ctx: Ctx, tumour: Tumour, *, lateral: bool = True, form: str | None = None, **quals: bool
) -> str:
    """The tumour named by one of its surface forms ("cancer du sein gauche"); returns the form."""
    form = form or ctx.rng.pick(tumour.info["forms"])
    b.mention(concept_of(tumour), form, **quals)
    b.raw(realforms.compound_suffix(ctx, tumour, form))
    if (
        lateral
        and tumour.laterality
        and (tumour.site in ("breast", "lung", "kidney") or form == "cancer de l'ovaire")
    ):
        word = LATERALITY[tumour.laterality]
        if word == "droit" and form.startswith("néoplasie"):
            word = "droite"
        b.raw(" " + word)
    if tumour.site == "net" and lateral:
        b.raw(NET_ORIGIN[tumour.info["origin"]])
    return form


@lru_cache(maxsize=4096)
def _forms_in(text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple(find_forms(text))


def auto(b: TextBuilder, text: str) -> None:
    """Plain text that may contain surface forms (histology labels...): those become affirmed mentions."""
    pos = 0
    for start, end, concept in _forms_in(text):
        if start > pos:
            b.add(text[pos:start])
        b.mention(concept, text[start:end])
        pos = end
    if pos < len(text):
        b.add(text[pos:])


def treatment(b: TextBuilder, reg: Regimen) -> None:
    """A regimen's name; transplants are concept mentions themselves."""
    if "autologous_sct" in reg.items:
        b.mention("transplant", "autogreffe").raw(" de cellules souches hématopoïétiques")
    elif "allogeneic_sct" in reg.items:
        b.mention("transplant", "allogreffe").raw(" de cellules souches hématopoïétiques")
    elif reg.kind in ("surgery", "radiotherapy") and reg.items[0] in PROCEDURES:
        auto(b, PROCEDURES[reg.items[0]])
    else:
        auto(b, reg.label)


def drug_list(reg: Regimen) -> str:
    names = [DRUGS[i].fr for i in reg.items if i in DRUGS]
    return ", ".join(names)


def met_sentence(b: TextBuilder, ctx: Ctx, sites: list[str], start: bool = True) -> None:
    """Affirmed metastases: "Métastases hépatiques et osseuses." """
    rng = ctx.rng
    plural = rng.pick(["métastases", "lésions secondaires", "localisations secondaires"])
    b.mention("metastasis", plural.capitalize() if start else plural)
    words = [SITE_NOUN[s] for s in sites]
    b.raw(" " + (", ".join(words[:-1]) + " et " + words[-1] if len(words) > 1 else words[0]))


def negated_mets(b: TextBuilder, ctx: Ctx, absent_sites: list[str], limit: int = 2) -> int:
    """Negated metastases at sites free of disease: "Pas de métastase hépatique." """
    rng = ctx.rng
    sites = [
        s for s in absent_sites if s in ("liver", "bone", "lung", "brain", "adrenal", "peritoneum", "pleura")
    ]
    rng.shuffle(sites)
    n = 0
    for site in sites[:limit]:
        adj = METASTASIS_CODES[site][1]
        kind = rng.randint(0, 9)
        if kind >= 6:
            realforms.negated_met(b, ctx, adj, kind - 6)
        elif kind == 4:
            b.add("L'examen ne retrouve pas de ").mention("metastasis", "métastase", negated=True).raw(
                f" {adj}. "
            )
        elif kind == 5:
            b.add("Il n'existe aucune ").mention("metastasis", "localisation secondaire", negated=True)
            b.raw(f" {adj}. ")
        elif kind == 0:
            b.add("Pas de ").mention("metastasis", "métastase", negated=True).raw(f" {adj}. ")
        elif kind == 1:
            b.add("Absence de ").mention("metastasis", "lésion secondaire", negated=True).raw(f" {adj}. ")
        elif kind == 2:
            b.add("Pas de ").mention("metastasis", "localisation secondaire", negated=True).raw(f" {adj}. ")
        else:
            b.add("Aucune ").mention("metastasis", "lésion secondaire", negated=True).raw(f" {adj} visible. ")
        n += 1
    return n


def no_recurrence(b: TextBuilder, ctx: Ctx) -> None:
    rng = ctx.rng
    k = rng.randint(0, 5)
    if k >= 4:
        realforms.no_recurrence_result(b, ctx, k - 4)
    elif k == 0:
        b.add("Pas de signe clinique de ").mention("local_recurrence", "récidive", negated=True).raw(". ")
    elif k == 1:
        b.add("Absence de ").mention("local_recurrence", "récidive locale", negated=True).raw(". ")
    elif k == 2:
        b.add("Pas d'argument pour une ").mention(
            "local_recurrence", "récidive locorégionale", negated=True
        ).raw(". ")
    else:
        b.add("Examen sans ").mention("local_recurrence", "récidive", negated=True).raw(" décelable. ")


def false_alarm(b: TextBuilder, ctx: Ctx) -> None:
    """A hypothetical finding that later proves nothing (hypothetical mentions).

    One phrasing in sixteen carries no cue word a rule-based annotator knows ("... à confirmer"):
    clear to a reader, it keeps the qualifier evaluation from being perfect by construction.
    """
    rng = ctx.rng
    if rng.chance(1 / 16):
        b.add(f"Micronodule pulmonaire de {rng.randint(3, 6)} mm : ")
        b.mention("metastasis", "lésion secondaire", hypothetical=True).add(
            " à confirmer sur le prochain scanner. "
        )
        return
    k = rng.randint(0, 10)
    if k >= 6:
        realforms.conditional_alarm(b, ctx, k - 6)
    elif k == 4:
        b.add("Image lytique costale : hypothèse d'une ")
        b.mention("metastasis", "métastase", hypothetical=True).raw(" osseuse, scintigraphie demandée. ")
    elif k == 5:
        b.add("Ganglion axillaire de 9 mm : éventuelle ")
        b.mention("local_recurrence", "récidive locorégionale", hypothetical=True).raw(
            ", surveillance rapprochée. "
        )
    elif k == 0:
        b.add(f"Nodule pulmonaire infracentimétrique de {rng.randint(3, 8)} mm : possible ")
        b.mention("metastasis", "lésion secondaire", hypothetical=True).raw(", à contrôler. ")
    elif k == 1:
        b.add("Hyperfixation costale isolée : suspicion de ")
        b.mention("metastasis", "métastase", hypothetical=True).raw(" osseuse, contrôle prévu. ")
    elif k == 2:
        b.add("Lésion hépatique de petite taille, probable kyste biliaire ; une ")
        b.mention("metastasis", "localisation secondaire", hypothetical=True).raw(" est possible. ")
    else:
        b.add("Discrète prise de contraste : suspicion de ")
        b.mention("local_recurrence", "récidive locale", hypothetical=True).raw(", à confronter à l'IRM. ")


def response(b: TextBuilder, ctx: Ctx, reg: Regimen, *, long: bool = False) -> None:
    """The response to a regimen, affirmed; stable disease and progression have their own words."""
    rng = ctx.rng
    resp = reg.response or "stable"
    if resp == "complete" and ctx.enc.doc_type == "imaging" and rng.chance(0.2):
        b.add("Nette régression des anomalies hypermétaboliques : probable ")
        b.mention("complete_response", "réponse complète", hypothetical=True).add(
            " métabolique, à confirmer. "
        )
    elif resp in RESPONSE_FORMS:
        concept, forms = RESPONSE_FORMS[resp]
        b.add(rng.pick(["Aspect en faveur d'une ", "Évaluation : ", "On retient une "]))
        b.mention(concept, rng.pick(forms))
        if resp == "complete" and rng.chance(0.4):
            b.raw(" métabolique")
        b.raw(". ")
        if resp == "partial" and rng.chance(0.35):
            b.add("Persistance de lésions résiduelles, sans ").mention(
                "complete_response", "réponse complète", negated=True
            ).raw(" à ce stade. ")
        if long:
            b.add(
                rng.pick(
                    ["Il s'agit d'une ", "Nous notons une ", "Le patient présente une "]
                    if not ctx.female
                    else ["Il s'agit d'une ", "Nous notons une ", "La patiente présente une "]
                )
            )
            b.mention("long_response", rng.pick(["longue réponse", "réponse prolongée", "réponse durable"]))
            b.raw(f" sous {reg.label}. ")
    elif resp == "stable":
        b.add("Maladie stable selon RECIST. ")
    else:
        b.mention("progression", "Progression").add(" dès la première évaluation. ")


def history_block(b: TextBuilder, ctx: Ctx, about: Tumour | None) -> None:
    """Personal history: comorbidities, past smoking, earlier cancers (history mentions)."""
    p, rng = ctx.p, ctx.rng
    b.raw("Antécédents personnels :\n")
    wrote = False
    for c in p.comorbidities:
        form = rng.pick(COMORBIDITY_FORMS[c])
        b.add(rng.pick(["Antécédent d'" if form[0] in "hHaeé" else "Antécédent de ", "ATCD : "]))
        b.mention(c, form, history=True)
        realforms.diabetes_type(b, ctx, form)
        b.raw(".\n")
        wrote = True
    if p.smoker == "former":
        b.add("Antécédent de ").mention("smoking", "tabagisme", history=True)
        b.add(f" sevré ({rng.randint(10, 45)} PA).\n")
        wrote = True
    for t in ctx.state.tumours:
        if about is not None and t.id != about.id and t.diagnosis_date < about.diagnosis_date:
            b.add("Antécédent de ")
            disease(b, ctx, t, history=True)
            b.raw(" en ").raw(str(t.diagnosis_date.year)).add(", traité et suivi dans notre centre.\n")
            wrote = True
    if not wrote:
        b.add("Pas d'antécédent médical notable.\n")
    if p.smoker is None:
        realforms.never_smoker(b, ctx)
    if p.smoker == "current":
        b.add("Mode de vie : ").mention("smoking", "tabagisme").add(f" actif à {rng.randint(15, 50)} PA.\n")


def family_block(b: TextBuilder, ctx: Ctx) -> None:
    """Family history sentences (family mentions); the heading carries no history cue."""
    p, rng = ctx.p, ctx.rng
    b.raw("Famille :\n")
    if not p.family_history:
        b.add("Pas d'histoire familiale de cancer connue.\n")
        return
    for fh in p.family_history:
        form = rng.pick(FAMILY_FORMS.get(fh.concept, ["cancer"]))
        rel = fh.relation.capitalize()
        verb = "décédée" if fh.relation in ("mère", "sœur", "tante", "grand-mère", "cousine") else "décédé"
        treated = "traitée" if verb == "décédée" else "traité"
        if rng.chance(0.25):
            article = "sa" if fh.relation in ("mère", "sœur", "tante", "grand-mère", "cousine") else "son"
            b.add("Notion d'un " if form.startswith(("a", "e", "é", "i", "o", "u")) else "Notion de ")
            b.mention(fh.concept, form, family=True).add(f" chez {article} {fh.relation}.\n")
            continue
        if fh.deceased:
            b.add(f"{rel} {verb} d'un ").mention(fh.concept, form, family=True)
        else:
            b.add(f"{rel} {treated} pour un ").mention(fh.concept, form, family=True)
        b.raw(f" à {fh.age} ans.\n" if fh.age else ".\n")
    if p.flags.get("brca") and rng.chance(0.5):
        b.add("Sa sœur est porteuse d'une ").mention(
            "brca_mutation", f"mutation {p.flags['brca']}", family=True
        )
        b.raw(".\n")


def fertility(b: TextBuilder, ctx: Ctx) -> None:
    """What the announcement consultation says about fertility, by the patient's true outcome."""
    outcome, rng = ctx.p.flags.get("fertility"), ctx.rng
    if outcome == "done":
        b.add("Compte tenu du projet parental, la patiente est adressée en consultation d'")
        b.mention("fertility_preservation", "oncofertilité").add(" avant le début de la chimiothérapie. ")
    elif outcome == "declined":
        k = rng.randint(0, 2)
        if k == 0:
            b.add("Pas de ").mention("fertility_preservation", "préservation de la fertilité", negated=True)
            b.add(" souhaitée par la patiente, qui a déjà deux enfants. ")
        elif k == 1:
            b.add("La patiente ne souhaite pas de ")
            b.mention("fertility_preservation", "préservation de fertilité", negated=True).raw(". ")
        else:
            b.add("Absence de ").mention("fertility_preservation", "préservation ovocytaire", negated=True)
            b.add(" en raison de l'urgence thérapeutique. ")
    elif outcome == "discussed":
        k = rng.randint(0, 1)
        if k == 0:
            b.add("Une éventuelle ").mention(
                "fertility_preservation", "préservation de la fertilité", hypothetical=True
            )
            b.add(" sera rediscutée après la chimiothérapie. ")
        else:
            b.add("Possible ").mention(
                "fertility_preservation", "cryopréservation ovocytaire", hypothetical=True
            )
            b.add(" à discuter selon le souhait de la patiente. ")


def event_date(b: TextBuilder, ctx: Ctx, when) -> None:  # noqa: ANN001 - datetime.date
    b.raw(ctx.rng.pick(["le ", "en date du "]))
    put_date(b, when, ctx.rng)
