"""Pathology, imaging, operative and multidisciplinary-meeting reports."""

from __future__ import annotations

from synthetic.catalogue import HISTOLOGY_GROUPS, PROCEDURES
from synthetic.text import phrases as ph
from synthetic.text.builder import TextBuilder
from synthetic.text.clinical import LINE_WORDS, de, next_regimens, past_treatments
from synthetic.text.common import Ctx, doctor, fr_month, put_month
from synthetic.text.vocab import (
    BIOPSY,
    DX_EXAM,
    EVAL_EXAM,
    GRADE_WORD,
    PRIMARY_FINDING,
    SIDE,
    exam_site,
    marker_text,
    markers_of,
)

ALL_SITES = ["liver", "bone", "lung", "brain", "adrenal", "peritoneum", "pleura"]
HAEM_FINDINGS = {
    "myeloma": [
        "Lésions ostéolytiques multiples du rachis dorsal et du bassin, sans fracture vertébrale.",
        "Infiltration médullaire diffuse du rachis, quelques lésions focales hypermétaboliques.",
        "Lésion lytique de l'aile iliaque droite de 25 mm, pas de compression médullaire.",
    ],
    "dlbcl": [
        "Adénopathies hypermétaboliques sus et sous-diaphragmatiques (SUVmax 18).",
        "Masse ganglionnaire médiastinale hypermétabolique de 7 cm.",
    ],
    "follicular": [
        "Adénopathies modérément hypermétaboliques sus et sous-diaphragmatiques (SUVmax 6).",
        "Polyadénopathies axillaires et inguinales, splénomégalie modérée.",
    ],
    "cll": [
        "Adénopathies cervicales et axillaires centimétriques, splénomégalie homogène.",
        "Polyadénopathies profondes de petite taille.",
    ],
    "aml": ["Pas d'anomalie pleuro-parenchymateuse. Pas de foyer infectieux."],
}


# -- pathology ------------------------------------------------------------------------------------
def histology_line(b: TextBuilder, ctx: Ctx) -> None:
    t = ctx.tumour
    label = HISTOLOGY_GROUPS.get(t.histology_group or "", "tumeur maligne")
    ph.auto(b, label[0].upper() + label[1:])
    if t.grade and "grade" not in label:
        word = GRADE_WORD.get(t.site, "")
        b.raw(f" de grade {word} {t.grade}" if word else f" de grade {t.grade}")
    if t.morphology:
        b.raw(f" (ICD-O-3 {t.morphology})")
    b.raw(".\n")


def biomarker_lines(b: TextBuilder, ctx: Ctx) -> None:
    bms = [bm for bm in markers_of(ctx.p, ctx.tumour, ctx.date) if bm.marker not in ("BRCA1", "BRCA2", "PSA")]
    if not bms:
        return
    b.raw("Immunohistochimie / biologie moléculaire :\n")
    for bm in bms:
        text = marker_text(bm)
        if not text:
            text = f"{bm.marker} : " + {
                "negative": "négatif",
                "wild_type": "absence de mutation",
                "low": "faible",
                "equivocal": "équivoque",
            }.get(bm.status or "", "non évalué")
        b.raw(f"- {text}\n")


def biopsy(b: TextBuilder, ctx: Ctx) -> None:
    t, rng = ctx.tumour, ctx.rng
    relapse = ctx.enc.data.get("relapse")
    b.raw("Renseignements cliniques : ")
    if relapse:
        b.add("suspicion de ").mention("relapse", "rechute", hypothetical=True).add(
            ", biopsie d'une lésion à distance.\n"
        )
    else:
        b.add(f"lésion {rng.pick(['suspecte', 'de découverte récente'])}, bilan initial.\n")
    b.raw("Prélèvement : ").add(BIOPSY.get(t.site, "Biopsie tumorale") + ".\n\n")
    b.raw("Microscopie : ").add(
        rng.pick(["Prolifération tumorale infiltrante ", "Infiltration par une prolifération "])
    )
    b.add(
        rng.pick(["d'architecture massive", "agencée en travées et en tubes", "de cellules atypiques"])
        + ".\n"
    )
    histology_line(b, ctx)
    biomarker_lines(b, ctx)
    b.raw("\nConclusion : ")
    form = ph.pick_form(ctx, t)
    b.add("aspect en faveur d'" + ph.indef(form) + " ")
    ph.disease(b, ctx, t, form=form, lateral=False)
    if relapse:
        b.add(", de ").mention("metastasis", "localisation secondaire").add(" confirmée")
    b.raw(".")


def specimen(b: TextBuilder, ctx: Ctx) -> None:
    t, rng = ctx.tumour, ctx.rng
    reg = ctx.regimen()
    proc = PROCEDURES.get(reg.items[0], "pièce opératoire") if reg else "pièce opératoire"
    neo = any(r.setting == "neoadjuvant" and r.tumour_id == t.id for r in ctx.state.regimens)
    b.raw("Nature du prélèvement : ").add(f"pièce de {proc}.\n\n")
    b.raw("Macroscopie : ").add(
        f"tumeur de {t.info.get('size_mm', rng.randint(10, 60))} mm, à "
        f"{rng.randint(3, 15)} mm de la limite la plus proche.\n"
    )
    if neo and t.info.get("pcr"):
        b.raw("Microscopie : ").add(
            "absence de tumeur résiduelle infiltrante, remaniements fibro-inflammatoires.\n"
        )
        b.raw("\nConclusion : ypT0 N0, ").mention("complete_response", "réponse complète").add(
            " histologique."
        )
        return
    b.raw("Microscopie : ")
    histology_line(b, ctx)
    nodes = rng.randint(1, 3) if t.n and t.n != "N0" else 0
    b.add(f"Ganglions : {nodes} ganglion(s) envahi(s) sur {nodes + rng.randint(1, 12)} examinés.\n")
    b.add("Limites d'exérèse saines.\n")
    b.raw(f"\nConclusion : {'y' if neo else ''}p{t.t or 'T1'} {t.n or 'N0'}, ")
    form = ph.disease(b, ctx, t, lateral=False)
    b.add(f" {ph.agree(form, 'réséqué')} en totalité (R0).")


def molecular(b: TextBuilder, ctx: Ctx) -> None:
    t = ctx.tumour
    b.raw("Indication : ")
    ph.disease(b, ctx, t, lateral=False)
    b.raw(f", {'stade ' + t.stage if t.stage else 'bilan initial'}.\n")
    b.raw("Technique : ").add(
        "séquençage de nouvelle génération (panel de 50 gènes) sur ADN et ARN tumoraux.\n"
    )
    b.add(f"Cellularité tumorale estimée à {ctx.rng.randint(20, 80)} %.\n\n")
    biomarker_lines(b, ctx)


def marrow(b: TextBuilder, ctx: Ctx) -> None:
    t, rng = ctx.tumour, ctx.rng
    relapse = ctx.enc.data.get("relapse")
    b.raw("Prélèvement : ").add("myélogramme (ponction sternale) et biopsie ostéomédullaire.\n\n")
    if t.site == "myeloma":
        b.add(
            f"Infiltration plasmocytaire médullaire de {rng.randint(15, 70)} %, plasmocytes dystrophiques.\n"
        )
        b.add(f"Immunofixation : composant monoclonal {t.info.get('isotype', 'IgG kappa')}.\n")
    elif t.site == "cll":
        b.add(
            f"Lymphocytose sanguine à {rng.randint(6, 90)} G/L. Immunophénotypage : population B monoclonale "
        )
        b.add(f"CD5+ CD23+, score de Matutes {rng.randint(4, 5)}/5.\n")
    else:
        b.add(f"Moelle riche, {t.info.get('blasts', rng.randint(20, 80))} % de blastes myéloïdes, ")
        b.add("corps d'Auer présents.\n")
    biomarker_lines(b, ctx)
    b.raw("\nConclusion : ")
    form = ph.pick_form(ctx, t)
    b.add("infiltration médullaire par " + ph.indef(form) + " ")
    ph.disease(b, ctx, t, form=form)
    if relapse:
        b.add(" en ").mention("relapse", "rechute")
    b.raw(".")


# -- imaging --------------------------------------------------------------------------------------
def imaging(b: TextBuilder, ctx: Ctx) -> None:
    t, rng, kind = ctx.tumour, ctx.rng, ctx.enc.kind
    exam = (
        rng.pick(DX_EXAM.get(exam_site(t), ["TDM TAP"]))
        if kind == "dx_imaging"
        else EVAL_EXAM.get(t.site, "TDM TAP")
    )
    b.raw("Examen : ").add(exam + ".\n")
    b.raw("Indication : ")
    if kind == "dx_imaging":
        b.add("bilan d'une lésion récemment découverte.\n\n")
    else:
        form = ph.pick_form(ctx, t)
        b.add(
            {
                "surveillance": "surveillance d'",
                "evaluation": "évaluation sous traitement d'",
                "event_imaging": "réévaluation d'",
            }.get(kind, "bilan d'")
            + ph.indef(form)
            + " "
        )
        ph.disease(b, ctx, t, form=form)
        b.raw(".\n\n")
    b.raw("Résultats :\n")
    sites = ctx.state.met_sites(t)
    if kind == "dx_imaging":
        sites = sorted(
            {
                e.site
                for e in ctx.p.events
                if e.tumour_id == t.id and e.type == "metastasis" and e.date <= t.diagnosis_date and e.site
            }
        )
    event = ctx.enc.data.get("event")
    if t.site in HAEM_FINDINGS and kind in ("dx_imaging", "surveillance"):
        b.add(rng.pick(HAEM_FINDINGS[t.site]) + " ")
    elif kind == "event_imaging" and event == "relapse":
        b.add("Réapparition d'adénopathies hypermétaboliques (Deauville 5) en faveur d'une ")
        b.mention("relapse", "rechute").raw(". ")
    elif kind == "dx_imaging":
        size = t.info.get("size_mm", rng.randint(10, 60))
        finding = rng.pick(PRIMARY_FINDING.get(t.site, ["Lésion tissulaire de {size} mm."]))
        side, side_f = SIDE.get(t.laterality, SIDE[None])
        b.add(finding.format(size=size, side=side, side_f=side_f) + " ")
        if t.metastatic_at_diagnosis and sites:
            ph.met_sentence(b, ctx, sites)
            b.raw(". ")
        elif t.site not in ("aml", "cll"):
            ph.negated_mets(b, ctx, ALL_SITES, limit=2)
    elif kind == "evaluation":
        reg = ctx.regimen()
        if reg is not None:
            b.add("Comparaison avec l'examen " + de(fr_month(reg.start)))
            put_month(b, reg.start)
            b.raw(". ")
            ph.response(b, ctx, reg)
    elif kind == "event_imaging" and event == "local_recurrence":
        b.add("Prise de contraste nodulaire au niveau du site opératoire : suspicion de ")
        b.mention("local_recurrence", "récidive locale", hypothetical=True).raw(
            ", une biopsie est souhaitable. "
        )
    elif kind == "event_imaging" and event == "metastasis":
        new = ctx.enc.data.get("sites") or sites
        b.add("Apparition de ")
        ph.met_sentence(b, ctx, new, start=False)
        b.raw(". ")
        ph.negated_mets(b, ctx, [s for s in ALL_SITES if s not in sites], limit=1)
    elif kind == "event_imaging":
        if rng.chance(0.3):
            b.add("Examen demandé pour suspicion de ").mention(
                "progression", "progression", hypothetical=True
            )
            b.add(" clinique. ")
        b.add("Majoration des lésions cibles de " + str(rng.randint(25, 60)) + " % : ")
        b.mention(
            "progression", rng.pick(["progression", "progression tumorale", "progression de la maladie"])
        )
        b.raw(". ")
    else:  # surveillance
        if not ctx.state.metastatic(t):
            ph.negated_mets(b, ctx, ALL_SITES, limit=2)
            if not ctx.state.had(t, "local_recurrence") and rng.chance(0.6):
                ph.no_recurrence(b, ctx)
        if rng.chance(0.25):
            ph.false_alarm(b, ctx)
    if kind == "dx_imaging" and t.site not in HAEM_FINDINGS and rng.chance(0.12):
        ph.false_alarm(b, ctx)
    b.raw("\n\nConclusion : ").add(
        rng.pick(
            [
                "examen à confronter aux données cliniques.",
                "voir ci-dessus.",
                "compte rendu transmis au médecin référent.",
            ]
        )
    )


# -- operative ------------------------------------------------------------------------------------
def operative(b: TextBuilder, ctx: Ctx) -> None:
    t, rng, reg = ctx.tumour, ctx.rng, ctx.regimen()
    proc = PROCEDURES.get(reg.items[0], "intervention") if reg else "intervention"
    if ctx.enc.kind == "node_biopsy":
        proc = "biopsie-exérèse ganglionnaire"
    b.raw("Intervention : ")
    ph.auto(b, proc)
    b.raw(".\n")
    b.raw("Indication : ")
    ph.disease(b, ctx, t)
    b.raw(".\n")
    b.raw("Opérateur : ")
    doctor(b, ctx.author, rng)
    b.raw(". Anesthésie générale.\n\n")
    b.add("Installation en décubitus dorsal. " + rng.pick(["Incision ", "Abord "]) + "selon le tracé prévu. ")
    b.add("Exploration : pas d'anomalie en dehors de la lésion connue. ")
    b.add(f"Exérèse de la lésion avec une marge macroscopique de {rng.randint(5, 20)} mm, ")
    b.add("orientation de la pièce ")
    b.add("pour l'examen anatomopathologique. ")
    if reg and reg.info.get("node_procedure") == "sentinel_node_biopsy":
        b.add(f"Technique du ganglion sentinelle : {rng.randint(1, 3)} ganglion(s) prélevé(s). ")
    b.add("Hémostase soigneuse, fermeture plan par plan.\n\nSuites opératoires simples attendues.")
    if rng.chance(0.3):
        b.add(" Prélèvement congelé adressé à la tumorothèque.")


# -- multidisciplinary meeting --------------------------------------------------------------------
def mdt(b: TextBuilder, ctx: Ctx) -> None:
    t, rng = ctx.tumour, ctx.rng
    context = ctx.enc.data.get("context", "initial")
    b.raw("Participants : ")
    for k, doc in enumerate(ctx.colleagues[: rng.randint(3, 5)]):
        if k:
            b.raw(", ")
        doctor(b, doc, rng)
    b.raw("\nDossier présenté par ")
    doctor(b, ctx.author, rng)
    b.raw(".\n\nRésumé : ")
    from synthetic.text.clinical import intro

    intro(b, ctx, t)
    past_treatments(b, ctx, t)
    b.raw("\nQuestion posée : ")
    if context == "initial":
        b.add("proposition thérapeutique initiale.")
        if not t.metastatic_at_diagnosis and t.site not in ("myeloma", "aml", "cll", "dlbcl", "follicular"):
            b.add(" Bilan d'extension sans ").mention("metastasis", "lésion secondaire", negated=True).raw(
                "."
            )
    elif context == "local_recurrence":
        b.add("prise en charge d'une ").mention("local_recurrence", "récidive locale")
        b.add(rng.pick([" confirmée histologiquement.", " prouvée par biopsie."]))
    elif context == "metastasis":
        b.add("prise en charge d'une ").mention("relapse", "rechute").raw(" ").mention(
            "metastasis", "métastatique"
        )
        b.raw(".")
    else:
        reg = ctx.regimen()
        line = LINE_WORDS.get(reg.line, "nouvelle") if reg and reg.line else "nouvelle"
        b.add(f"choix du traitement de {line} ligne.")
    b.raw("\n\nProposition de la RCP : ")
    regs = next_regimens(ctx, t, days=150)
    if regs:
        ph.treatment(b, regs[0])
        if len(regs) > 1 and regs[1].label != regs[0].label:
            b.add(", puis ")
            ph.treatment(b, regs[1])
        b.raw(".")
    else:
        b.add("surveillance.")
    if rng.chance(0.25):
        b.add(" Inclusion dans un essai thérapeutique à discuter.")


WRITERS = {
    "biopsy": biopsy,
    "specimen": specimen,
    "molecular": molecular,
    "marrow": marrow,
    "dx_imaging": imaging,
    "surveillance": imaging,
    "evaluation": imaging,
    "event_imaging": imaging,
    "surgery": operative,
    "node_biopsy": operative,
    "mdt": mdt,
}
