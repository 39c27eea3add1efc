"""Consultation reports and letters, written from what the patient had lived by the visit date."""

from __future__ import annotations

from synthetic.model import Regimen, Tumour
from synthetic.rng import months_between
from synthetic.text import phrases as ph
from synthetic.text import realforms
from synthetic.text.builder import TextBuilder
from synthetic.text.common import Ctx, fr_month, patient_name, put_date, put_month
from synthetic.text.vocab import BIOLOGY, SYMPTOM, TOLERANCE, receptor_summary

# solid tumours whose announcement may say "non métastatique" when they are not
SOLID_NOT_METASTATIC = ("breast", "lung", "colorectal", "prostate", "kidney", "melanoma", "pancreas", "ovary")
LINE_WORDS = {
    1: "première",
    2: "deuxième",
    3: "troisième",
    4: "quatrième",
    5: "cinquième",
    6: "sixième",
    7: "septième",
}
SETTING_WORDS = {
    "neoadjuvant": "néoadjuvant",
    "adjuvant": "adjuvant",
    "curative": "à visée curative",
    "consolidation": "de consolidation",
    "maintenance": "d'entretien",
    "induction": "d'induction",
}


def intro(b: TextBuilder, ctx: Ctx, tumour: Tumour) -> None:
    """Who the patient is and what they are followed for (one affirmed disease mention)."""
    rng = ctx.rng
    patient_name(b, ctx, rng.pick(["title_last", "title_upper", "title_full"]))
    form = ph.pick_form(ctx, tumour)
    b.add(f", {ctx.age} ans, {ctx.e('suivi', 'suivie')} pour {ph.indef(form)} ")
    ph.disease(b, ctx, tumour, form=form)
    if tumour.site in SOLID_NOT_METASTATIC and not ctx.state.metastatic(tumour) and rng.chance(0.2):
        realforms.not_metastatic(b, ctx)
    summary = receptor_summary(ctx.p, tumour)
    if summary:
        b.raw(f" ({summary})")
    if tumour.stage and rng.chance(0.5):
        b.raw(f" de stade {tumour.stage}")
    b.add(f" {ph.agree(form, 'diagnostiqué')} en ")
    if rng.chance(0.5):
        put_month(b, tumour.diagnosis_date)
    else:
        b.raw(str(tumour.diagnosis_date.year))
    if ctx.state.metastatic(tumour):
        sites = ctx.state.met_sites(tumour)
        if sites:
            b.raw(". ")
            ph.met_sentence(b, ctx, sites)
        else:
            b.raw(", au stade ").mention("metastasis", "métastatique")
    b.raw(".\n")


def past_treatments(b: TextBuilder, ctx: Ctx, tumour: Tumour) -> None:
    regs = [
        r for r in ctx.state.regimens if r.tumour_id == tumour.id and r.end is not None and r.end < ctx.date
    ]
    if not regs:
        return
    b.raw("Traitements reçus :\n")
    seen: set[str] = set()
    for reg in regs[-5:]:
        if reg.label in seen:
            continue
        seen.add(reg.label)
        b.raw("- ")
        ph.treatment(b, reg)
        if reg.line:
            b.add(f" ({LINE_WORDS.get(reg.line, str(reg.line) + 'e')} ligne)")
        elif reg.setting in SETTING_WORDS and reg.kind == "systemic":
            b.raw(f" ({SETTING_WORDS[reg.setting]})")
        one_day = reg.end is not None and (reg.end - reg.start).days < 7
        b.raw(" en " if one_day else " " + de(fr_month(reg.start)))
        put_month(b, reg.start)
        if reg.end and not one_day:
            b.raw(" à ")
            put_month(b, reg.end)
        if reg.stop_reason == "progression":
            b.add(", arrêt pour ").mention("progression", "progression")
        elif reg.stop_reason == "toxicity":
            b.add(", arrêt pour toxicité")
        b.raw("\n")


def next_regimens(ctx: Ctx, tumour: Tumour, days: int = 120) -> list[Regimen]:
    """Treatments planned now: starting within ``days`` and before the disease next changes."""
    later = [e.date for e in ctx.p.events if e.tumour_id == tumour.id and (e.date - ctx.date).days > 20]
    horizon = min(later, default=None)
    return [
        r
        for r in ctx.p.regimens
        if r.tumour_id == tumour.id
        and 0 <= (r.start - ctx.date).days <= days
        and (horizon is None or r.start < horizon)
    ]


def de(word: str) -> str:
    """French elision: "d'avril", "de mars"."""
    return "d'" if word[:1].lower() in "aeiouyéè" else "de "


def plan(b: TextBuilder, ctx: Ctx, tumour: Tumour) -> None:
    regs = next_regimens(ctx, tumour)
    b.raw("\nConduite à tenir :\n")
    if not regs:
        b.add(
            ctx.rng.pick(
                [
                    "Surveillance clinique et radiologique.",
                    "Poursuite de la surveillance.",
                    "Prochain rendez-vous dans six mois avec bilan d'imagerie.",
                ]
            )
        )
        return
    first = regs[0]
    b.add("Nous proposons ")
    b.raw({"surgery": "une ", "radiotherapy": "une "}.get(first.kind, "un traitement par "))
    ph.treatment(b, first)
    if first.kind == "systemic" and first.setting in SETTING_WORDS:
        b.raw(f" {SETTING_WORDS[first.setting]}")
    for reg in regs[1:3]:
        if reg.label != first.label:
            b.add(", puis ")
            ph.treatment(b, reg)
    b.add(". Les modalités et effets indésirables ont été expliqués.")


def exam(b: TextBuilder, ctx: Ctx) -> None:
    rng = ctx.rng
    ecog = min(4, ctx.p.ecog + (1 if ctx.state.current and rng.chance(0.2) else 0))
    general = "état général conservé" if ecog <= 1 else "altération modérée de l'état général"
    weight = ctx.p.flags.get("weight", 65) + rng.randint(-3, 2)
    b.add(f"\nExamen clinique : {general}, ECOG {ecog}. Poids {weight} kg. ")
    b.add(
        rng.pick(
            [
                "Auscultation cardio-pulmonaire normale. ",
                "Abdomen souple, indolore. ",
                "Pas d'adénopathie périphérique palpable. ",
            ]
        )
    )


def social(b: TextBuilder, ctx: Ctx) -> None:
    """Social context and trusted person: relatives' names and phones, kept apart from concepts."""
    rng = ctx.rng
    couple = any(r.relation in ("époux", "épouse", "conjoint", "conjointe") for r in ctx.p.relatives)
    options = (
        ["vit en couple", "vit avec son conjoint"]
        if couple
        else ["vit seul" + ("e" if ctx.female else ""), "vit à domicile, autonome"]
    )
    if ctx.age >= 65:
        options.append("retraité" + ("e" if ctx.female else ""))
    b.add("\nContexte : " + rng.pick(options) + ". ")
    if ctx.p.relatives and rng.chance(0.7):
        rel = rng.pick(ctx.p.relatives)
        b.raw("Personne de confiance : ")
        b.raw(
            {
                "époux": "son époux ",
                "épouse": "son épouse ",
                "conjoint": "son conjoint ",
                "conjointe": "sa conjointe ",
                "fille": "sa fille ",
                "fils": "son fils ",
                "mère": "sa mère ",
                "père": "son père ",
                "sœur": "sa sœur ",
                "frère": "son frère ",
            }.get(rel.relation, "")
        )
        b.ident("PERSON", f"{rel.first_name} {rel.last_name}")
        if rel.phone:
            b.raw(", ").ident("PHONE", rel.phone)
        b.raw(".")
    b.raw("\n")


def announcement(b: TextBuilder, ctx: Ctx) -> None:
    tumour, rng = ctx.tumour, ctx.rng
    b.raw("Motif : ").add("consultation d'annonce et de proposition thérapeutique.\n\n")
    ph.history_block(b, ctx, tumour)
    b.raw("\n")
    ph.family_block(b, ctx)
    if tumour.site in ("breast", "ovary") and not ctx.p.flags.get("brca") and rng.chance(0.3):
        realforms.no_brca(b, ctx)
    social(b, ctx)
    b.raw("\nHistoire : ")
    patient_name(b, ctx, "title_last")
    b.add(" a consulté en ")
    put_month(b, tumour.diagnosis_date)
    b.add(f" pour {rng.pick(SYMPTOM.get(tumour.site, ['des symptômes']))}. ")
    form = ph.pick_form(ctx, tumour)
    b.add(f"Le bilan a conduit au diagnostic d'{ph.indef(form)} ")
    ph.disease(b, ctx, tumour, form=form)
    if tumour.site in SOLID_NOT_METASTATIC and not ctx.state.metastatic(tumour) and rng.chance(0.2):
        realforms.not_metastatic(b, ctx)
    summary = receptor_summary(ctx.p, tumour)
    b.raw(f" ({summary}). " if summary else ". ")
    if tumour.metastatic_at_diagnosis:
        b.add("Le bilan d'extension retrouve des ")
        ph.met_sentence(b, ctx, ctx.state.met_sites(tumour) or ["bone"], start=False)
        b.raw(".")
    elif tumour.site not in ph.HAEM_SITES:
        b.add("Bilan d'extension : ")
        ph.negated_mets(b, ctx, ["liver", "bone", "lung", "brain"], limit=rng.randint(1, 2))
    b.raw("\n")
    exam(b, ctx)
    if ctx.p.flags.get("fertility"):
        b.raw("\n")
        ph.fertility(b, ctx)
    plan(b, ctx, tumour)


def fertility_consult(b: TextBuilder, ctx: Ctx) -> None:
    """The oncofertility consultation of a patient who had her fertility preserved (affirmed mentions)."""
    rng, method = ctx.rng, ctx.p.flags.get("fertility_method", "oocytes")
    b.raw("Motif : ").add("consultation d'").mention("fertility_preservation", "oncofertilité")
    b.add(" avant chimiothérapie.\n\n")
    b.add(f"Patiente de {ctx.age} ans, nulligeste, adressée pour un ")
    ph.disease(b, ctx, ctx.tumour, form="cancer du sein" if ctx.tumour.site == "breast" else None)
    b.add(" nécessitant une chimiothérapie potentiellement gonadotoxique.\n")
    b.add(f"AMH {rng.randint(8, 40) / 10:.1f} ng/mL, compte des follicules antraux {rng.randint(6, 30)}.\n\n")
    if method == "oocytes":
        b.add("Réalisation d'une ").mention("fertility_preservation", "cryopréservation ovocytaire")
        b.add(f" après stimulation ovarienne : {rng.randint(5, 18)} ")
        b.mention("fertility_preservation", "ovocytes congelés").raw(". ")
    elif method == "embryos":
        b.add("Stimulation puis fécondation in vitro : ").raw(f"{rng.randint(2, 6)} ")
        b.mention("fertility_preservation", "embryons congelés").raw(". ")
    elif method == "ovarian_tissue":
        b.add("Prélèvement cœlioscopique de cortex ovarien : ").raw(f"{rng.randint(6, 14)} ")
        b.mention("fertility_preservation", "fragments ovariens").add(" cryoconservés. ")
    else:
        b.add("Ponction d'ovocytes immatures puis ").mention("fertility_preservation", "maturation in vitro")
        b.add(" (").mention("fertility_preservation", "MIV").add(
            f") : {rng.randint(3, 12)} ovocytes vitrifiés. "
        )
    b.add("La ").mention("fertility_preservation", "préservation de la fertilité")
    b.add(" a été réalisée sans complication, la chimiothérapie peut débuter.")


def treatment_start(b: TextBuilder, ctx: Ctx) -> None:
    tumour, reg, rng = ctx.tumour, ctx.regimen(), ctx.rng
    b.raw("Motif : ")
    if reg and reg.line:
        b.add(f"début de traitement de {LINE_WORDS.get(reg.line, str(reg.line) + 'e')} ligne.\n\n")
    else:
        b.add("début de traitement.\n\n")
    intro(b, ctx, tumour)
    past_treatments(b, ctx, tumour)
    exam(b, ctx)
    if reg:
        b.raw("\n\nDécision : ").add("début ce jour " + de(reg.label))
        ph.treatment(b, reg)
        if reg.kind == "systemic" and ph.drug_list(reg) and reg.label != ph.drug_list(reg):
            b.raw(f" ({ph.drug_list(reg)})")
        b.raw(". ")
        if rng.chance(0.3):
            b.add("Pas de ").mention("neutropenia", "neutropénie fébrile", negated=True).add(
                " lors des cures précédentes. "
            )
    b.add(rng.pick(["Bilan biologique satisfaisant. ", "Consentement recueilli. ", ""]))


def on_treatment(b: TextBuilder, ctx: Ctx) -> None:
    tumour, reg, rng = ctx.tumour, ctx.regimen(), ctx.rng
    b.raw("Motif : ").add("consultation de suivi sous traitement.\n\n")
    intro(b, ctx, tumour)
    if reg is not None:
        months = int(months_between(reg.start, ctx.date))
        b.add("Traitement en cours : ")
        ph.treatment(b, reg)
        b.add(" depuis ")
        put_month(b, reg.start)
        b.add(f" ({months} mois). ")
        ph.response(b, ctx, reg, long=months >= 18)
        b.add(rng.pick(TOLERANCE))
        b.add(
            rng.pick(BIOLOGY).format(
                pnn=rng.randint(15, 60) / 10, hb=rng.randint(98, 145) / 10, plt=rng.randint(120, 380)
            )
        )
    exam(b, ctx)
    b.add("\n\nConduite à tenir : poursuite du traitement à l'identique.")


def followup(b: TextBuilder, ctx: Ctx) -> None:
    tumour, rng = ctx.tumour, ctx.rng
    if tumour is None:
        tumour = ctx.state.tumours[-1]
    if ctx.enc.doc_type == "letter":
        b.raw("\n")
    else:
        b.raw("Motif : ").add("consultation de surveillance.\n\n")
    intro(b, ctx, tumour)
    past_treatments(b, ctx, tumour)
    current = [r for r in ctx.state.current if r.tumour_id == tumour.id and r.kind == "systemic"]
    b.raw("\n")
    if current:
        reg = current[-1]
        b.add("Actuellement sous ")
        ph.treatment(b, reg)
        b.add(" depuis ")
        put_month(b, reg.start)
        b.raw(". ")
        if reg.line and reg.response:
            ph.response(b, ctx, reg, long=months_between(reg.start, ctx.date) >= 18)
    relapsing = ctx.state.metastatic(tumour) or ctx.state.had(tumour, "local_recurrence")
    haem = tumour.site in ("myeloma", "aml", "cll", "dlbcl", "follicular")
    if haem and not current:
        b.add("Bilan biologique stable, pas de signe clinique d'évolutivité. ")
    elif not relapsing and not haem:
        ph.no_recurrence(b, ctx)
        if rng.chance(0.4):
            b.add("Patient" + ("e" if ctx.female else "") + " en ")
            b.mention("complete_response", "rémission complète").raw(". ")
    exam(b, ctx)
    if not haem and rng.chance(0.2):
        ph.false_alarm(b, ctx)
    if current:
        b.add("\n\nConduite à tenir : poursuite du traitement, réévaluation dans trois mois.")
    else:
        b.add(
            "\n\nConduite à tenir : "
            + rng.pick(
                [
                    "surveillance dans six mois.",
                    "revoir dans un an.",
                    "revoir avec un bilan d'imagerie dans six mois.",
                ]
            )
        )


def event_consult(b: TextBuilder, ctx: Ctx) -> None:
    """Haematology: progression or relapse seen in the laboratory, told in a consultation."""
    tumour, rng = ctx.tumour, ctx.rng
    event = ctx.enc.data.get("event", "progression")
    b.raw("Motif : ").add("réévaluation de la maladie.\n\n")
    intro(b, ctx, tumour)
    past_treatments(b, ctx, tumour)
    concept = "relapse" if event == "relapse" else "progression"
    word = "rechute" if event == "relapse" else "progression"
    if tumour.site == "aml":
        b.add(f"\nLe myélogramme retrouve {rng.randint(8, 60)} % de blastes, en faveur d'une ").mention(
            concept, word
        )
        b.raw(". ")
    elif tumour.site == "cll":
        b.add(f"\nLymphocytose à {rng.randint(30, 200)} G/L et majoration du syndrome tumoral : ")
        if concept == "progression":
            b.mention(concept, "progression de la maladie").raw(". ")
        else:
            b.mention(concept, word).add(" de la maladie. ")
    elif tumour.site in ("dlbcl", "follicular"):
        b.add("\nRéapparition d'adénopathies périphériques, en faveur d'une ").mention(concept, word).raw(
            ". "
        )
    else:
        b.add("\nRéascension du pic monoclonal confirmant une ").mention(concept, word)
        b.add(" biologique. ")
    exam(b, ctx)
    plan(b, ctx, tumour)


def evaluation_consult(b: TextBuilder, ctx: Ctx) -> None:
    """Haematology: the response to a line, judged on blood and marrow tests."""
    tumour, reg, rng = ctx.tumour, ctx.regimen(), ctx.rng
    b.raw("Motif : ").add("évaluation de la réponse au traitement.\n\n")
    intro(b, ctx, tumour)
    if reg is not None:
        b.add(f"Bilan après {max(1, int(months_between(reg.start, ctx.date)))} mois de ")
        ph.treatment(b, reg)
        b.raw(" : ")
        b.add(
            {
                "myeloma": "électrophorèse des protéines sériques et chaînes légères libres. ",
                "aml": "myélogramme de réévaluation. ",
                "cll": "hémogramme et examen clinique. ",
            }.get(tumour.site, "bilan clinique et biologique. ")
        )
        ph.response(b, ctx, reg)
    exam(b, ctx)
    b.add(
        "\n\nConduite à tenir : "
        + rng.pick(["poursuite du traitement.", "poursuite du traitement, bilan dans trois mois."])
    )


def rt_consult(b: TextBuilder, ctx: Ctx) -> None:
    tumour, reg = ctx.tumour, ctx.regimen()
    b.raw("Motif : ").add("consultation de radiothérapie.\n\n")
    intro(b, ctx, tumour)
    if reg:
        b.add("Indication de ")
        ph.treatment(b, reg)
        b.add(f" à la dose de {reg.info.get('dose', '50 Gy')}, début prévu le ")
        put_date(b, reg.start, ctx.rng, "num")
        b.raw(". ")
    b.add("Les effets secondaires (radiodermite, asthénie) ont été expliqués.")


WRITERS = {
    "announcement": announcement,
    "fertility": fertility_consult,
    "treatment_start": treatment_start,
    "on_treatment": on_treatment,
    "followup": followup,
    "event_consult": event_consult,
    "evaluation": evaluation_consult,
    "rt_consult": rt_consult,
}
