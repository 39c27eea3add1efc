"""Letters to the family doctor: follow-up news, transplant and induction reports, death."""

from __future__ import annotations

from synthetic.text import phrases as ph
from synthetic.text.builder import TextBuilder
from synthetic.text.clinical import followup, intro, past_treatments
from synthetic.text.common import Ctx, doctor, patient_name, put_date


def letter_header(b: TextBuilder, ctx: Ctx) -> None:
    """A letter's head: sender, place and date, addressee, subject with the patient's identifiers."""
    rng, ident = ctx.rng, ctx.p.identity
    b.raw(f"{ctx.centre.name}\n{ctx.author.specialty.capitalize()}\n")
    doctor(b, ctx.author, rng)
    b.raw(f"\n\n{ctx.centre.city}, le ")
    put_date(b, ctx.date, rng, rng.pick(["long", "num"]))
    b.raw("\n\n")
    b.raw("Docteur ")
    first, last = ctx.p.gp
    b.ident("PERSON", f"{first} {last.upper()}" if rng.chance(0.6) else f"{first} {last}")
    b.raw("\nMédecin traitant\n\n")
    b.raw("Objet : ")
    patient_name(b, ctx, rng.pick(["title_upper", "title_full"]))
    b.raw(f", {'née' if ctx.female else 'né'} le ").ident("DATE_OF_BIRTH", _dob(ctx))
    b.raw(" - IPP ").ident("IPP", ident.ipp)
    if rng.chance(0.2):
        b.raw("\nAdresse : ").ident("ADDRESS", f"{ident.address}, {ident.postcode} {ident.city}")
    b.raw("\n\n")
    b.raw(rng.pick(["Cher Confrère,", "Chère Consœur, cher Confrère,", "Cher ami,"]) + "\n\n")


def _dob(ctx: Ctx) -> str:
    d = ctx.p.birth_date
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def followup_letter(b: TextBuilder, ctx: Ctx) -> None:
    b.add("J'ai revu en consultation ce jour votre patient" + ("e" if ctx.female else "") + ". ")
    followup(b, ctx)


def transplant(b: TextBuilder, ctx: Ctx) -> None:
    t, reg, rng = ctx.tumour, ctx.regimen(), ctx.rng
    b.add("Votre patient" + ("e" if ctx.female else "") + " ")
    patient_name(b, ctx, "title_last")
    b.add(" a été hospitalisé" + ("e" if ctx.female else "") + " dans l'unité de greffe. ")
    intro(b, ctx, t)
    past_treatments(b, ctx, t)
    if reg is not None:
        b.raw("\n")
        if "autologous_sct" in reg.items:
            b.add("Réalisation le ")
            put_date(b, reg.start, rng, "num")
            b.add(" d'une ").mention("transplant", "autogreffe")
            b.add(" de cellules souches hématopoïétiques après conditionnement par melphalan ")
            b.add("haute dose (200 mg/m²). ")
        else:
            b.add("Réalisation le ")
            put_date(b, reg.start, rng, "num")
            b.add(" d'une ").mention("transplant", "allogreffe")
            b.add(" de cellules souches hématopoïétiques (donneur non apparenté 10/10). ")
        b.add(f"Sortie d'aplasie à J{rng.randint(10, 16)}. ")
        if rng.chance(0.5):
            b.add("Épisode d'").mention("neutropenia", "aplasie fébrile").add(" traité par antibiothérapie. ")
        else:
            b.add("Pas de ").mention("neutropenia", "neutropénie fébrile", negated=True).add(
                " pendant l'aplasie. "
            )
        if reg.response in ph.RESPONSE_FORMS:
            b.add("Évaluation à J100 : ")
            concept, forms = ph.RESPONSE_FORMS[reg.response]
            b.mention(concept, rng.pick(forms)).raw(". ")
    b.add("\nTraitement de sortie et rendez-vous de suivi organisés.")


def induction_report(b: TextBuilder, ctx: Ctx) -> None:
    t, reg, rng = ctx.tumour, ctx.regimen(), ctx.rng
    b.add("Compte rendu d'hospitalisation pour chimiothérapie d'induction. ")
    intro(b, ctx, t)
    if t.info.get("secondary"):
        b.add("Il s'agit d'une ").mention("aml", "LAM secondaire").raw(". ")
        b.add("Antécédent de ").mention("myeloma", "myélome multiple", history=True).add(
            " traité par plusieurs lignes. "
        )
    b.add(f"Aplasie de {rng.randint(18, 30)} jours compliquée d'une ").mention(
        "neutropenia", "neutropénie fébrile"
    )
    b.raw(". ")
    if reg is not None and reg.response == "complete":
        b.add("Le myélogramme de fin d'induction montre une ").mention(
            "complete_response", "rémission complète"
        )
        b.raw(". ")
    else:
        b.add("Le myélogramme de fin d'induction montre une maladie réfractaire. ")
    b.add("Sortie avec une numération satisfaisante.")


def death(b: TextBuilder, ctx: Ctx) -> None:
    t, rng = ctx.tumour, ctx.rng
    b.add("J'ai le regret de vous informer du décès de ")
    patient_name(b, ctx, rng.pick(["title_upper", "title_full"]))
    b.add(", survenu le ")
    put_date(b, ctx.date, rng, rng.pick(["num", "long"]))
    b.add(rng.pick([" dans le service.", " à son domicile.", " en unité de soins palliatifs."]) + "\n")
    if t is not None and ctx.p.death_cause != "other":
        b.add("Le décès est survenu dans un contexte de ")
        form = ph.pick_form(ctx, t)
        b.mention("progression", "progression").add(f" d'{ph.indef(form)} ")
        ph.disease(b, ctx, t, form=form)
        b.add(" malgré les traitements. ")
    elif t is not None:
        b.add("Le décès n'est pas en lien avec la maladie cancéreuse, qui était contrôlée. ")
    b.add("Nous avons accompagné ses proches.")


WRITERS = {
    "followup": followup_letter,
    "transplant": transplant,
    "induction_report": induction_report,
    "death": death,
}
