"""One compile function per Criteria atom, found by type in ``ATOM_COMPILERS``.

Each function returns either a ``Cond`` (a condition on the patient row ``p``, for facts stored on
the patient: sex, vital status, centre, age today) or a ``Source``: the records that satisfy the
atom (a tumour, a treatment line, a text segment...), each with its patient and its date. The
compiler turns a Source into ``p.id IN (SELECT patient_id ...)``, or joins two Sources on the
patient for a time relation; the engine reads a Source's rows to show which facts matched.

Semantics (shared with ``query_compiler.reference``, which re-implements them in Python):
codes are prefixes (``C50`` matches ``C50.4`` in ``icd10`` or ``topography``); stage ``III``
matches ``IIIA`` but not ``IV``; ``metastatic`` is metastatic at diagnosis or a metastasis event
of that tumour; ongoing is ``end_date IS NULL``; treatment lines are distinct (tumour, line) pairs
of systemic classes; ages are completed years; a month is 30.4375 days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sqlglot import exp

from query_compiler import criteria as C
from query_compiler import terms as T
from query_compiler.dialects import fn
from retrieval.vocab import SYSTEMIC_CLASSES

DAYS_PER_MONTH = 30.4375
FLAGS = ("negated", "hypothetical", "family", "history")
GROUPS_FILE = Path(__file__).with_name("terminology") / "histology.yaml"


class UnsupportedCriterion(ValueError):
    """A criterion the compiler cannot express; says which one instead of dropping it."""


@dataclass
class Cond:
    """A condition on the patient row ``p`` (never NULL)."""

    expr: exp.Expression


@dataclass
class Source:
    """Records satisfying an atom: ``SELECT <patient>, <date>, <ref> FROM ... WHERE ...``.

    ``patients()`` and ``instances()`` build on the query in place (no copies: compiling is on the
    latency path); call one of them once per Source.
    """

    query: exp.Select  # FROM / JOIN / WHERE (/ GROUP BY) only, no projection
    patient: exp.Expression
    date: exp.Expression | None = None
    ref: exp.Expression | None = None  # what matched: a code, a drug, a segment id...

    def patients(self) -> exp.Select:
        return self.query.select(self.patient, copy=False)

    def instances(self) -> exp.Select:
        return self.query.select(
            exp.alias_(self.patient, "patient_id", copy=False),
            exp.alias_(self.date if self.date is not None else exp.Null(), "d", copy=False),
            exp.alias_(self.ref if self.ref is not None else exp.Null(), "ref", copy=False),
            copy=False,
        )


@dataclass
class Ctx:
    """Compilation state: dialect, bound parameters, the reference date for 'today'."""

    dialect: Any
    reference_date: Any
    params: dict[str, Any] = field(default_factory=dict)

    def param(self, value: Any) -> exp.Placeholder:
        name = f"p{len(self.params) + 1}"
        if hasattr(value, "isoformat") and not isinstance(value, str):
            value = self.dialect.date_value(value)
        self.params[name] = value
        return exp.Placeholder(this=name)

    def any_of(self, column: exp.Expression, values: list[Any]) -> exp.Expression:
        if len(values) == 1:
            return exp.EQ(this=column, expression=self.param(values[0]))
        return column.isin(*[self.param(v) for v in values], copy=False)

    def between(self, column: exp.Expression, lo: Any, hi: Any) -> list[exp.Expression]:
        out: list[exp.Expression] = []
        if lo is not None:
            out.append(exp.GTE(this=column, expression=self.param(lo)))
        if hi is not None:
            out.append(exp.LTE(this=column, expression=self.param(hi)))
        return out

    def prefix(self, column: exp.Expression, code: str) -> exp.Expression:
        head = fn("substr", column, exp.Literal.number(1), exp.Literal.number(len(code)))
        return exp.EQ(this=head, expression=self.param(code))


def col(name: str, table: str) -> exp.Column:
    return exp.column(name, table=table)


def _and(conds: list[exp.Expression]) -> exp.Expression | None:
    return exp.and_(*conds, copy=False) if conds else None


def _or(conds: list[exp.Expression]) -> exp.Expression:
    return exp.or_(*conds, copy=False)


def _query(table: str, alias: str, conds: list[exp.Expression]) -> exp.Select:
    q = exp.select().from_(exp.to_table(table).as_(alias), copy=False)
    where = _and(conds)
    return q.where(where, copy=False) if where is not None else q


# -- patient --------------------------------------------------------------------------------------
def compile_sex(a: C.Sex, ctx: Ctx) -> Cond:
    return Cond(exp.EQ(this=col("sex", "p"), expression=ctx.param(a.value)))


def compile_vital_status(a: C.VitalStatus, ctx: Ctx) -> Cond:
    dead = col("death_date", "p")
    return Cond(dead.is_(exp.Null()).not_(copy=False) if a.value == "deceased" else dead.is_(exp.Null()))


def compile_centre(a: C.Centre, ctx: Ctx) -> Cond:
    return Cond(ctx.any_of(col("centre_id", "p"), a.ids))


def compile_age(a: C.Age, ctx: Ctx) -> Cond | Source:
    if a.at == "today":  # at the reference date, or at death for a deceased patient
        at = exp.func("COALESCE", col("death_date", "p"), ctx.param(ctx.reference_date))
        years = ctx.dialect.completed_years(at, col("birth_date", "p"))
        return Cond(exp.paren(exp.and_(*ctx.between(years, a.min, a.max), copy=False), copy=False))
    if a.at == "diagnosis":
        conds = ctx.between(col("age_at_diagnosis", "t"), a.min, a.max)
        return Source(
            _query("tumours", "t", conds),
            col("patient_id", "t"),
            col("diagnosis_date", "t"),
            col("icd10", "t"),
        )
    years = ctx.dialect.completed_years(col("date", "e"), col("birth_date", "pp"))
    conds = [exp.EQ(this=col("type", "e"), expression=ctx.param(a.event)), *ctx.between(years, a.min, a.max)]
    q = (
        exp.select()
        .from_(exp.to_table("events").as_("e"), copy=False)
        .join(
            exp.to_table("patients").as_("pp"),
            on=exp.EQ(this=col("id", "pp"), expression=col("patient_id", "e")),
            copy=False,
        )
        .where(exp.and_(*conds, copy=False), copy=False)
    )
    return Source(q, col("patient_id", "e"), col("date", "e"), col("type", "e"))


def compile_survival(a: C.Survival, ctx: Ctx) -> Source:
    """Months from the first diagnosis to death, or to the last news when alive."""
    end = exp.func("COALESCE", col("death_date", "pp"), col("last_news_date", "pp"))
    days = ctx.dialect.days_between(end, exp.func("MIN", col("diagnosis_date", "t")))
    lo = a.min_months * DAYS_PER_MONTH if a.min_months is not None else None
    hi = a.max_months * DAYS_PER_MONTH if a.max_months is not None else None
    q = (
        exp.select()
        .from_(exp.to_table("tumours").as_("t"), copy=False)
        .join(
            exp.to_table("patients").as_("pp"),
            on=exp.EQ(this=col("id", "pp"), expression=col("patient_id", "t")),
            copy=False,
        )
        .group_by(col("patient_id", "t"), col("death_date", "pp"), col("last_news_date", "pp"), copy=False)
        .having(exp.and_(*ctx.between(days, lo, hi), copy=False), copy=False)
    )
    return Source(q, col("patient_id", "t"))


# -- tumour ---------------------------------------------------------------------------------------
@cache
def group_morphologies() -> dict[str, tuple[str, ...]]:
    """Histology group → ICD-O-3 morphology prefixes, from the terminology (empty if absent)."""
    if not GROUPS_FILE.exists():
        return {}
    import yaml

    data = yaml.safe_load(GROUPS_FILE.read_text(encoding="utf-8")) or {}
    return {str(k): tuple(str(v) for v in vals) for k, vals in (data.get("groups") or {}).items()}


def _stage(ctx: Ctx, column: exp.Expression, value: str) -> exp.Expression:
    """``III`` matches ``III``, ``IIIA``, ``IIIC`` but not ``IV`` (next character is not I or V)."""
    nxt = fn("substr", column, exp.Literal.number(len(value) + 1), exp.Literal.number(1))
    return exp.paren(
        exp.or_(
            exp.EQ(this=column, expression=ctx.param(value)),
            exp.and_(
                ctx.prefix(column, value),
                nxt.isin(exp.Literal.string("I"), exp.Literal.string("V"), copy=False).not_(copy=False),
                copy=False,
            ),
            copy=False,
        ),
        copy=False,
    )


def _metastasis_of_tumour() -> exp.Select:
    return (
        exp.select(col("tumour_id", "me"))
        .from_(exp.to_table("events").as_("me"), copy=False)
        .where(
            exp.and_(
                exp.EQ(this=col("type", "me"), expression=exp.Literal.string("metastasis")),
                col("tumour_id", "me").is_(exp.Null()).not_(copy=False),
                copy=False,
            ),
            copy=False,
        )
    )


def compile_tumour(a: C.Tumour, ctx: Ctx) -> Source:
    t = "t"
    conds: list[exp.Expression] = []
    if a.site:
        conds.append(
            _or(
                [
                    c
                    for code in a.site
                    for c in (ctx.prefix(col("icd10", t), code), ctx.prefix(col("topography", t), code))
                ]
            )
        )
    if a.histology:
        conds.append(_or([ctx.prefix(col("morphology", t), code) for code in a.histology]))
    if a.histology_group:
        alts = [ctx.any_of(col("histology_group", t), a.histology_group)]
        for g in a.histology_group:
            alts += [ctx.prefix(col("morphology", t), code) for code in group_morphologies().get(g, ())]
        conds.append(_or(alts))
    if a.laterality:
        conds.append(exp.EQ(this=col("laterality", t), expression=ctx.param(a.laterality)))
    if a.grade:
        conds.append(ctx.any_of(col("grade", t), a.grade))
    if a.stage:
        conds.append(_or([_stage(ctx, col("stage", t), s) for s in a.stage]))
    for name in ("t", "n", "m"):
        values = getattr(a, name)
        if values:
            conds.append(_or([ctx.prefix(col(name, t), v) for v in values]))
    if a.metastatic_at_diagnosis is not None:
        conds.append(
            exp.EQ(
                this=col("metastatic_at_diagnosis", t),
                expression=exp.Literal.number(int(a.metastatic_at_diagnosis)),
            )
        )
    if a.metastatic is not None:
        later = col("id", t).isin(query=_metastasis_of_tumour(), copy=False)
        at_dx = exp.EQ(this=col("metastatic_at_diagnosis", t), expression=exp.Literal.number(1))
        either = exp.paren(exp.or_(at_dx, later, copy=False), copy=False)
        conds.append(either if a.metastatic else exp.not_(either, copy=False))
    conds += ctx.between(col("age_at_diagnosis", t), a.age_min, a.age_max)
    conds += ctx.between(col("diagnosis_date", t), a.diagnosed_from, a.diagnosed_to)
    if a.rank == "first":
        conds.append(exp.EQ(this=col("rank", t), expression=exp.Literal.number(1)))
    elif a.rank == "subsequent":
        conds.append(exp.GT(this=col("rank", t), expression=exp.Literal.number(1)))
    return Source(
        _query("tumours", t, conds), col("patient_id", t), col("diagnosis_date", t), col("icd10", t)
    )


def compile_event(a: C.Event, ctx: Ctx) -> Source:
    conds = [exp.EQ(this=col("type", "e"), expression=ctx.param(a.type))]
    if a.sites:
        conds.append(ctx.any_of(col("site", "e"), a.sites))
    conds += ctx.between(col("date", "e"), a.date_from, a.date_to)
    ref = exp.func("COALESCE", col("site", "e"), col("type", "e"))
    return Source(_query("events", "e", conds), col("patient_id", "e"), col("date", "e"), ref)


# -- biomarker, treatment, stays, biobank ---------------------------------------------------------
def compile_biomarker(a: C.Biomarker, ctx: Ctx) -> Source:
    b = "b"
    conds = [exp.EQ(this=exp.Upper(this=col("marker", b)), expression=ctx.param(a.marker))]
    if a.status:
        conds.append(exp.EQ(this=col("status", b), expression=ctx.param(a.status)))
    if a.alteration:
        conds.append(exp.EQ(this=exp.Upper(this=col("alteration", b)), expression=ctx.param(a.alteration)))
    if a.op is not None:
        ops = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ}
        conds.append(ops[a.op](this=col("value", b), expression=ctx.param(a.value)))
    ref = exp.func("COALESCE", col("alteration", b), col("status", b), col("marker", b))
    return Source(_query("biomarkers", b, conds), col("patient_id", b), col("date", b), ref)


def compile_treatment(a: C.Treatment, ctx: Ctx) -> Source:
    tr = "tr"
    conds: list[exp.Expression] = []
    if a.classes:
        conds.append(ctx.any_of(col("class", tr), a.classes))
    if a.drugs:
        conds.append(ctx.any_of(exp.Lower(this=col("name", tr)), a.drugs))
    if a.atc:
        conds.append(_or([ctx.prefix(col("atc", tr), code) for code in a.atc]))
    conds += ctx.between(col("line", tr), a.line_min, a.line_max)
    if a.ongoing is not None:
        ended = col("end_date", tr).is_(exp.Null())
        conds.append(ended if a.ongoing else ended.not_(copy=False))
    conds += ctx.between(col("start_date", tr), a.started_from, a.started_to)
    ref = exp.func("COALESCE", col("name", tr), col("class", tr))
    return Source(_query("treatments", tr, conds), col("patient_id", tr), col("start_date", tr), ref)


def compile_treatment_lines(a: C.TreatmentLines, ctx: Ctx) -> Source | Cond:
    """Distinct (tumour, line) pairs of systemic treatments; 0 lines is a possible count."""
    lines = (
        exp.select(col("patient_id", "tr"), col("tumour_id", "tr"), col("line", "tr"))
        .distinct()
        .from_(exp.to_table("treatments").as_("tr"), copy=False)
        .where(
            exp.and_(
                ctx.any_of(col("class", "tr"), list(SYSTEMIC_CLASSES)),
                col("line", "tr").is_(exp.Null()).not_(copy=False),
                copy=False,
            ),
            copy=False,
        )
    )
    count = exp.Count(this=exp.Star())

    def having(cond: exp.Expression) -> exp.Select:
        return (
            exp.select(col("patient_id", "x"))
            .from_(lines.subquery("x"), copy=False)
            .group_by(col("patient_id", "x"), copy=False)
            .having(cond, copy=False)
        )

    if not a.min:  # zero lines allowed: patients NOT having more than max
        if a.max is None:
            return Cond(exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(1)))
        return Cond(
            col("id", "p")
            .isin(query=having(exp.GT(this=count, expression=ctx.param(a.max))), copy=False)
            .not_(copy=False)
        )
    q = having(exp.and_(*ctx.between(count, a.min, a.max), copy=False))
    return Source(exp.select().from_(q.subquery("lc"), copy=False), col("patient_id", "lc"))


def compile_stay_diagnosis(a: C.StayDiagnosis, ctx: Ctx) -> Source:
    conds = [_or([ctx.prefix(col("code", "sd"), code) for code in a.codes])]
    conds += ctx.between(col("admission_date", "st"), a.date_from, a.date_to)
    q = (
        exp.select()
        .from_(exp.to_table("stay_diagnoses").as_("sd"), copy=False)
        .join(
            exp.to_table("stays").as_("st"),
            on=exp.EQ(this=col("id", "st"), expression=col("stay_id", "sd")),
            copy=False,
        )
        .where(exp.and_(*conds, copy=False), copy=False)
    )
    return Source(q, col("patient_id", "sd"), col("admission_date", "st"), col("code", "sd"))


def compile_biobank(a: C.Biobank, ctx: Ctx) -> Source:
    conds = [exp.EQ(this=col("available", "sa"), expression=exp.Literal.number(1))]
    if a.sample_types:
        conds.append(ctx.any_of(col("type", "sa"), a.sample_types))
    if a.conservation:
        conds.append(ctx.any_of(col("conservation", "sa"), a.conservation))
    return Source(
        _query("samples", "sa", conds), col("patient_id", "sa"), col("date", "sa"), col("type", "sa")
    )


# -- text -----------------------------------------------------------------------------------------
def compile_text(a: C.Text, ctx: Ctx) -> Source:
    """Segments matching any term, whose qualifier flags are allowed, in the wanted documents."""
    parsed = [T.parse_term(term) for term in a.terms]
    d = ctx.dialect
    conds = [d.text_match(ctx.param(d.text_query(parsed)), "s")]
    conds += [exp.EQ(this=col(f, "s"), expression=exp.Literal.number(0)) for f in FLAGS if f not in a.include]
    if d.fts_table:
        q = (
            exp.select()
            .from_(exp.to_table(d.fts_table), copy=False)
            .join(
                exp.to_table("segments").as_("s"),
                on=exp.EQ(this=col("id", "s"), expression=col("rowid", d.fts_table)),
                copy=False,
            )
        )
    else:
        q = exp.select().from_(exp.to_table("segments").as_("s"), copy=False)
    q = q.join(
        exp.to_table("documents").as_("doc"),
        on=exp.EQ(this=col("id", "doc"), expression=col("document_id", "s")),
        copy=False,
    )
    if a.doc_types:
        conds.append(ctx.any_of(col("type", "doc"), a.doc_types))
    conds += ctx.between(col("date", "doc"), a.date_from, a.date_to)
    return Source(
        q.where(exp.and_(*conds, copy=False), copy=False),
        col("patient_id", "s"),
        col("date", "doc"),
        col("id", "s"),
    )


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
