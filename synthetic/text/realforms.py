"""Turns of phrase of real French reports that a naive qualifier gets wrong, written with their truth.

The generator's first sentences were written the way edsnlp's rules read French, so a perfect score
on them said little about real reports (issue 13: on real cases, the same rules negated
"carcinome bronchique" in "carcinome bronchique non à petites cellules"). These forms keep the
synthetic figures honest about what real letters say:

- "non" inside a compound term, which negates nothing: "cancer bronchique non à petites
  cellules", "lymphome malin non hodgkinien", "diabète non insulinodépendant", "patient
  non-fumeur"; and "non" that negates the next word only: "cancer du sein non métastatique";
- negative test results, which negate the finding, not the test: "biopsie du lit tumoral négative
  pour une récidive", "recherche de mutation BRCA négative", "aucune localisation secondaire n'a
  été retrouvée", "le scanner ne met pas en évidence de lésion secondaire";
- conditional and hedged phrasing: "pourrait correspondre à", "il s'agirait d'", "compatible avec
  ..., sous réserve de", "on ne peut exclure".

Each function draws from the context's generator, so a patient's text stays a function of the seed.
"""

from __future__ import annotations

from synthetic.model import Tumour
from synthetic.text.builder import TextBuilder
from synthetic.text.common import Ctx

COMPOUND_SHARE = 0.3  # share of eligible disease names written with their compound "non ..." term


def compound_suffix(ctx: Ctx, tumour: Tumour, form: str) -> str:
    """ " non à petites cellules" after a non-small-cell lung cancer, " malin non hodgkinien" after a
    lymphoma, or nothing: the disease stays affirmed."""
    if tumour.site == "lung" and tumour.histology_group != "small_cell_carcinoma":
        if form in ("cancer bronchique", "carcinome bronchique", "cancer du poumon"):
            if ctx.rng.chance(COMPOUND_SHARE):
                return " non à petites cellules"
    elif tumour.site in ("dlbcl", "follicular") and form == "lymphome" and ctx.rng.chance(COMPOUND_SHARE):
        return " malin non hodgkinien"
    return ""


def not_metastatic(b: TextBuilder, ctx: Ctx) -> None:
    """ "... non métastatique": the disease is affirmed, the metastasis negated."""
    b.raw(" non ").mention("metastasis", "métastatique", negated=True)


def diabetes_type(b: TextBuilder, ctx: Ctx, form: str) -> None:
    """ "diabète non insulinodépendant" / "diabète de type 2 non insulino-requérant": still diabetes."""
    if form == "diabète" and ctx.rng.chance(0.5):
        b.raw(ctx.rng.pick([" non insulinodépendant", " non insulino-requérant", " non insulinotraité"]))


def never_smoker(b: TextBuilder, ctx: Ctx) -> None:
    if ctx.rng.chance(0.5):
        b.add(ctx.rng.pick(["Patient non-fumeur.\n", "Non-fumeur, pas d'exposition professionnelle.\n"]))


def negated_met(b: TextBuilder, ctx: Ctx, adj: str, kind: int) -> None:
    """Negated metastasis in the words of examinations and their results (kinds 0-3)."""
    if kind == 0:
        b.add("Le scanner ne met pas en évidence de ").mention(
            "metastasis", "lésion secondaire", negated=True
        )
        b.raw(f" {adj}. ")
    elif kind == 1:
        b.add("Aucune ").mention("metastasis", "localisation secondaire", negated=True)
        b.raw(f" {adj} ").add("n'a été retrouvée. ")
    elif kind == 2:
        b.add("Biopsie négative pour une ").mention("metastasis", "métastase", negated=True).raw(f" {adj}. ")
    else:
        b.add("Le bilan d'extension n'a pas montré de ").mention("metastasis", "métastase", negated=True)
        b.raw(f" {adj}. ")


def no_recurrence_result(b: TextBuilder, ctx: Ctx, kind: int) -> None:
    """A negative result for a recurrence (kinds 0-1): the biopsy was done, the recurrence is negated."""
    if kind == 0:
        b.add("Biopsie du lit tumoral négative pour une ").mention(
            "local_recurrence", "récidive", negated=True
        )
        b.raw(". ")
    else:
        b.add("Recherche de ").mention("local_recurrence", "récidive locale", negated=True)
        b.add(" négative sur les biopsies de la cicatrice. ")


def no_brca(b: TextBuilder, ctx: Ctx) -> None:
    """ "Recherche de mutation BRCA négative": the test was done, the mutation is negated."""
    b.add("Consultation d'oncogénétique : recherche de ").mention(
        "brca_mutation", "mutation BRCA", negated=True
    )
    b.add(" négative (panel constitutionnel).\n")


def conditional_alarm(b: TextBuilder, ctx: Ctx, kind: int) -> None:
    """Hedged findings in the conditional and the words of real reports (kinds 0-4)."""
    rng = ctx.rng
    if kind == 0:
        b.add(f"Image costale de {rng.randint(5, 12)} mm qui pourrait correspondre à une ")
        b.mention("metastasis", "localisation secondaire", hypothetical=True).add(
            " osseuse, contrôle prévu. "
        )
    elif kind == 1:
        b.add("Prise de contraste au contact de la cicatrice : il s'agirait d'une ")
        b.mention("local_recurrence", "récidive locale", hypothetical=True).add(" débutante. ")
    elif kind == 2:
        b.add("Nodule hépatique de 8 mm, aspect compatible avec une ")
        b.mention("metastasis", "lésion secondaire", hypothetical=True).add(", sous réserve de l'IRM. ")
    elif kind == 3:
        b.add("Hypodensité hépatique infracentimétrique : on ne peut exclure une ")
        b.mention("metastasis", "métastase", hypothetical=True).raw(". ")
    else:
        b.add("Image lacunaire vertébrale évoquant une ")
        b.mention("metastasis", "métastase", hypothetical=True).add(" ; scintigraphie osseuse demandée. ")
