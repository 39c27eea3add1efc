"""One compile function per Criteria atom, found by type in ``ATOM_COMPILERS``.

Each function returns a ``Cond`` (a condition on the patient row ``p``: sex, vital status, centre,
age today, and on SQLite the per-patient survival and line counts) or a ``Source``: the records
that satisfy the atom (a tumour, a treatment line, a text segment...), each with its patient and
date (see ``query_compiler.compiler.sources``).

Semantics (shared with ``tests.reference``, which re-implements them in Python):
codes are prefixes (``C50`` matches ``C50.4`` in ``icd10`` or ``topography``); stage ``III``
matches ``IIIA`` but not ``IV``; ``metastatic`` is metastatic at diagnosis or a metastasis event
of that tumour; ongoing is ``end_date IS NULL``; treatment lines are distinct (tumour, line) pairs
of systemic classes; ages are completed years; a month is 30.4375 days.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from query_compiler import criteria as C
from query_compiler.compiler.dialects import fn
from query_compiler.compiler.sources import (
    DAYS_PER_MONTH,
    FLAGS,
    Cond,
    Ctx,
    Source,
    UnsupportedCriterion,
    and_,
    col,
    eq,
    is_null,
    join,
    not_null,
    or_,
    select_from,
)
from query_compiler.criteria import terms as T
from retrieval.classifications import histology_groups
from retrieval.vocab import SYSTEMIC_CLASSES

__all__ = [
    "ATOM_COMPILERS",
    "DAYS_PER_MONTH",
    "FLAGS",
    "Cond",
    "Ctx",
    "Source",
    "UnsupportedCriterion",
    "compile_atom",
    "group_morphologies",
]


def _one(n: int) -> exp.Literal:
    return exp.Literal.number(n)


# -- patient --------------------------------------------------------------------------------------
def compile_sex(a: C.Sex, ctx: Ctx) -> Cond:
    return Cond(eq(col("sex", "p"), ctx.param(a.value)))


def compile_vital_status(a: C.VitalStatus, ctx: Ctx) -> Cond:
    dead = col("death_date", "p")
    return Cond(not_null(dead) if a.value == "deceased" else is_null(dead))


def compile_centre(a: C.Centre, ctx: Ctx) -> Cond:
    return Cond(ctx.any_of(col("centre_id", "p"), a.ids))


def compile_age(a: C.Age, ctx: Ctx) -> Cond | Source:
    if a.at == "today":  # at the reference date, or at death for a deceased patient
        at = exp.func("COALESCE", col("death_date", "p"), ctx.param(ctx.reference_date))
        years = ctx.dialect.completed_years(at, col("birth_date", "p"))
        return Cond(exp.paren(exp.and_(*ctx.between(years, a.min, a.max), copy=False), copy=False))
    if a.at == "diagnosis":
        q = select_from("tumours", "t", ctx.between(col("age_at_diagnosis", "t"), a.min, a.max))
        return Source(q, col("patient_id", "t"), col("diagnosis_date", "t"), col("icd10", "t"))
    years = ctx.dialect.completed_years(col("date", "e"), col("birth_date", "pp"))
    q = join(select_from("events", "e"), "patients", "pp", eq(col("id", "pp"), col("patient_id", "e")))
    conds = [eq(col("type", "e"), ctx.param(a.event)), *ctx.between(years, a.min, a.max)]
    return Source(
        q.where(and_(conds), copy=False), col("patient_id", "e"), col("date", "e"), col("type", "e")
    )


def compile_survival(a: C.Survival, ctx: Ctx) -> Cond | Source:
    """Months from the first diagnosis to death, or to the last news when alive (unknown: no match)."""
    lo = a.min_months * DAYS_PER_MONTH if a.min_months is not None else None
    hi = a.max_months * DAYS_PER_MONTH if a.max_months is not None else None
    if ctx.dialect.correlated_aggregates:
        first = (
            exp.select(exp.func("MIN", col("diagnosis_date", "t")))
            .from_(exp.to_table("tumours").as_("t"), copy=False)
            .where(eq(col("patient_id", "t"), col("id", "p")), copy=False)
        )
        end = exp.func("COALESCE", col("death_date", "p"), col("last_news_date", "p"))
        days = ctx.dialect.days_between(end, first.subquery(copy=False))
        inside = exp.paren(exp.and_(*ctx.between(days, lo, hi), copy=False), copy=False)
        return Cond(exp.func("COALESCE", inside, exp.false()))
    end = exp.func("COALESCE", col("death_date", "pp"), col("last_news_date", "pp"))
    days = ctx.dialect.days_between(end, exp.func("MIN", col("diagnosis_date", "t")))
    q = join(select_from("tumours", "t"), "patients", "pp", eq(col("id", "pp"), col("patient_id", "t")))
    q = q.group_by(col("patient_id", "t"), col("death_date", "pp"), col("last_news_date", "pp"), copy=False)
    return Source(
        q.having(exp.and_(*ctx.between(days, lo, hi), copy=False), copy=False), col("patient_id", "t")
    )


def compile_treatment_lines(a: C.TreatmentLines, ctx: Ctx) -> Cond | Source:
    """Distinct (tumour, line) pairs of systemic treatments; 0 lines is a possible count."""
    tumour = exp.cast(exp.func("COALESCE", col("tumour_id", "tr"), exp.Literal.number(-1)), "BIGINT")
    pair = exp.Add(
        this=exp.Mul(this=tumour, expression=exp.Literal.number(1000)), expression=col("line", "tr")
    )
    count = exp.Count(this=exp.Distinct(expressions=[pair]))
    systemic = [ctx.any_of(col("class", "tr"), list(SYSTEMIC_CLASSES)), not_null(col("line", "tr"))]
    if ctx.dialect.correlated_aggregates:
        n = (
            exp.select(count)
            .from_(exp.to_table("treatments").as_("tr"), copy=False)
            .where(and_([*systemic, eq(col("patient_id", "tr"), col("id", "p"))]), copy=False)
            .subquery(copy=False)
        )
        return Cond(exp.paren(exp.and_(*ctx.between(n, a.min, a.max), copy=False), copy=False))
    q = select_from("treatments", "tr", systemic).group_by(col("patient_id", "tr"), copy=False)
    if not a.min:  # zero lines allowed: patients NOT having more than max
        if a.max is None:
            return Cond(eq(_one(1), _one(1)))
        more = q.having(exp.GT(this=count, expression=ctx.param(a.max)), copy=False).select(
            col("patient_id", "tr"), copy=False
        )
        return Cond(exp.not_(col("id", "p").isin(query=more, copy=False), copy=False))
    return Source(
        q.having(exp.and_(*ctx.between(count, a.min, a.max), copy=False), copy=False), col("patient_id", "tr")
    )


# -- tumour ---------------------------------------------------------------------------------------
def group_morphologies() -> dict[str, tuple[str, ...]]:
    """Histology group → ICD-O-3 morphology prefixes (a group is a named range of codes)."""
    return histology_groups()


def _stage(ctx: Ctx, value: str) -> exp.Expression:
    """``III`` matches ``III``, ``IIIA``, ``IIIC`` but not ``IV`` (next character is not I or V)."""
    nxt = fn("substr", col("stage", "t"), exp.Literal.number(len(value) + 1), _one(1))
    roman = nxt.isin(exp.Literal.string("I"), exp.Literal.string("V"), copy=False)
    return exp.paren(
        or_(
            [
                eq(col("stage", "t"), ctx.param(value)),
                exp.and_(ctx.prefix(col("stage", "t"), value), exp.not_(roman, copy=False), copy=False),
            ]
        ),
        copy=False,
    )


def _metastasis_of_tumour() -> exp.Expression:
    """A metastasis event of this tumour (checked per tumour: index on events(tumour_id, type))."""
    q = select_from(
        "events",
        "me",
        [eq(col("tumour_id", "me"), col("id", "t")), eq(col("type", "me"), exp.Literal.string("metastasis"))],
    )
    return exp.Exists(this=q.select(exp.Literal.number(1), copy=False))


def compile_tumour(a: C.Tumour, ctx: Ctx) -> Source:
    t = "t"
    conds: list[exp.Expression] = []
    if a.site:
        conds.append(or_([ctx.prefix(col(c, t), code) for code in a.site for c in ("icd10", "topography")]))
    if a.histology:
        conds.append(or_([ctx.prefix(col("morphology", t), code) for code in a.histology]))
    if a.histology_group:
        alts = [ctx.any_of(col("histology_group", t), a.histology_group)]
        for g in a.histology_group:
            alts += [ctx.prefix(col("morphology", t), code) for code in group_morphologies().get(g, ())]
        conds.append(or_(alts))
    if a.laterality:
        conds.append(eq(col("laterality", t), ctx.param(a.laterality)))
    if a.grade:
        conds.append(ctx.any_of(col("grade", t), a.grade))
    if a.stage:
        conds.append(or_([_stage(ctx, s) for s in a.stage]))
    for name in ("t", "n", "m"):
        if getattr(a, name):
            conds.append(or_([ctx.prefix(col(name, t), v) for v in getattr(a, name)]))
    if a.metastatic_at_diagnosis is not None:
        conds.append(eq(col("metastatic_at_diagnosis", t), _one(int(a.metastatic_at_diagnosis))))
    if a.metastatic is not None:
        later = _metastasis_of_tumour()
        either = exp.paren(
            exp.or_(eq(col("metastatic_at_diagnosis", t), _one(1)), later, copy=False), copy=False
        )
        conds.append(either if a.metastatic else exp.not_(either, copy=False))
    conds += ctx.between(col("age_at_diagnosis", t), a.age_min, a.age_max)
    conds += ctx.between(col("diagnosis_date", t), a.diagnosed_from, a.diagnosed_to)
    if a.rank == "first":
        conds.append(eq(col("rank", t), _one(1)))
    elif a.rank == "subsequent":
        conds.append(exp.GT(this=col("rank", t), expression=_one(1)))
    return Source(
        select_from("tumours", t, conds), col("patient_id", t), col("diagnosis_date", t), col("icd10", t)
    )


def compile_event(a: C.Event, ctx: Ctx) -> Source:
    conds = [eq(col("type", "e"), ctx.param(a.type))]
    if a.sites:
        conds.append(ctx.any_of(col("site", "e"), a.sites))
    conds += ctx.between(col("date", "e"), a.date_from, a.date_to)
    ref = exp.func("COALESCE", col("site", "e"), col("type", "e"))
    return Source(select_from("events", "e", conds), col("patient_id", "e"), col("date", "e"), ref)


# -- biomarker, treatment, stays, biobank ---------------------------------------------------------
def compile_biomarker(a: C.Biomarker, ctx: Ctx) -> Source:
    b = "b"
    conds = [eq(exp.Upper(this=col("marker", b)), ctx.param(a.marker))]
    if a.status:
        conds.append(eq(col("status", b), ctx.param(a.status)))
    if a.alteration:
        conds.append(eq(exp.Upper(this=col("alteration", b)), ctx.param(a.alteration)))
    if a.op is not None:
        ops = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ}
        conds.append(ops[a.op](this=col("value", b), expression=ctx.param(a.value)))
    ref = exp.func("COALESCE", col("alteration", b), col("status", b), col("marker", b))
    return Source(select_from("biomarkers", b, conds), col("patient_id", b), col("date", b), ref)


def compile_treatment(a: C.Treatment, ctx: Ctx) -> Source:
    tr = "tr"
    conds: list[exp.Expression] = []
    if a.classes:
        conds.append(ctx.any_of(col("class", tr), a.classes))
    if a.drugs:
        conds.append(ctx.any_of(exp.Lower(this=col("name", tr)), a.drugs))
    if a.atc:
        conds.append(or_([ctx.prefix(col("atc", tr), code) for code in a.atc]))
    conds += ctx.between(col("line", tr), a.line_min, a.line_max)
    if a.ongoing is not None:
        conds.append(is_null(col("end_date", tr)) if a.ongoing else not_null(col("end_date", tr)))
    conds += ctx.between(col("start_date", tr), a.started_from, a.started_to)
    ref = exp.func("COALESCE", col("name", tr), col("class", tr))
    return Source(select_from("treatments", tr, conds), col("patient_id", tr), col("start_date", tr), ref)


def compile_stay_diagnosis(a: C.StayDiagnosis, ctx: Ctx) -> Source:
    conds = [or_([ctx.prefix(col("code", "sd"), code) for code in a.codes])]
    conds += ctx.between(col("admission_date", "st"), a.date_from, a.date_to)
    q = join(select_from("stay_diagnoses", "sd"), "stays", "st", eq(col("id", "st"), col("stay_id", "sd")))
    return Source(
        q.where(and_(conds), copy=False),
        col("patient_id", "sd"),
        col("admission_date", "st"),
        col("code", "sd"),
    )


def compile_biobank(a: C.Biobank, ctx: Ctx) -> Source:
    conds = [eq(col("available", "sa"), _one(1))]
    if a.sample_types:
        conds.append(ctx.any_of(col("type", "sa"), a.sample_types))
    if a.conservation:
        conds.append(ctx.any_of(col("conservation", "sa"), a.conservation))
    return Source(
        select_from("samples", "sa", conds), col("patient_id", "sa"), col("date", "sa"), col("type", "sa")
    )


# -- text -----------------------------------------------------------------------------------------
def compile_text(a: C.Text, ctx: Ctx) -> Source:
    """Segments matching any term, whose qualifier flags are allowed, in the wanted documents."""
    parsed = [T.parse_term(term) for term in a.terms]
    d = ctx.dialect
    conds = [d.text_condition(ctx, parsed, "s")]
    conds += [eq(col(f, "s"), exp.Literal.number(0)) for f in FLAGS if f not in a.include]
    q = select_from("segments", "s")
    if a.doc_types or a.date_from or a.date_to:
        q = join(q, "documents", "doc", eq(col("id", "doc"), col("document_id", "s")))
        if a.doc_types:
            conds.append(ctx.any_of(col("type", "doc"), a.doc_types))
        conds += ctx.between(col("date", "doc"), a.date_from, a.date_to)
    date = (
        exp.select(col("date", "dd"))
        .from_(exp.to_table("documents").as_("dd"), copy=False)
        .where(eq(col("id", "dd"), col("document_id", "s")), copy=False)
        .subquery(copy=False)
    )
    return Source(q.where(and_(conds), copy=False), col("patient_id", "s"), date, col("id", "s"))


ATOM_COMPILERS: dict[type[C.Node], Callable[[Any, Ctx], Cond | Source]] = {
    C.Sex: compile_sex,
    C.Age: compile_age,
    C.VitalStatus: compile_vital_status,
    C.Survival: compile_survival,
    C.Centre: compile_centre,
    C.Tumour: compile_tumour,
    C.Event: compile_event,
    C.Biomarker: compile_biomarker,
    C.Treatment: compile_treatment,
    C.TreatmentLines: compile_treatment_lines,
    C.StayDiagnosis: compile_stay_diagnosis,
    C.Text: compile_text,
    C.Biobank: compile_biobank,
}


def compile_atom(atom: C.Node, ctx: Ctx) -> Cond | Source:
    fn_ = ATOM_COMPILERS.get(type(atom))
    if fn_ is None:
        raise UnsupportedCriterion(f"The compiler cannot express a {type(atom).__name__!r} criterion.")
    return fn_(atom, ctx)
