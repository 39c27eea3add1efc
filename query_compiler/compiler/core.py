"""Criteria → sqlglot expression → SQL text with bound parameters, for SQLite or PostgreSQL.

The tree compiles to ``SELECT p.id FROM patients p WHERE <condition>``: boolean nodes become
AND / OR / NOT, each atom becomes either a condition on ``p`` or ``p.id IN (SELECT patient_id
FROM <its records>)`` (see ``query_compiler.compiler.atoms``), and a time relation joins the records of
both sides on the patient with a condition on the days between their dates. Every user value is
a bound parameter (``:p1``...); nothing typed by a person is ever spliced into the SQL text.

>>> from query_compiler.criteria import All, Sex, Tumour
>>> q = compile_criteria(All(items=[Sex(value="F"), Tumour(site=["C50"])]))
>>> q.sql
'SELECT p.id FROM patients AS p WHERE p.id IN (SELECT t.patient_id FROM tumours AS t WHERE (t.icd10 >= :p1 \
AND t.icd10 < :p2) OR (t.topography >= :p3 AND t.topography < :p4)) AND p.sex = :p5'
>>> q.params
{'p1': 'C50', 'p2': 'C51', 'p3': 'C50', 'p4': 'C51', 'p5': 'F'}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlglot import exp

from query_compiler import criteria as C
from query_compiler.compiler.atoms import ATOM_COMPILERS, compile_atom
from query_compiler.compiler.dialects import Dialect, get_dialect
from query_compiler.compiler.sources import DAYS_PER_MONTH, Cond, Ctx, Source, UnsupportedCriterion, col

__all__ = [
    "ATOM_COMPILERS",
    "CompiledQuery",
    "Compiler",
    "UnsupportedCriterion",
    "compile_criteria",
]


@dataclass(frozen=True)
class CompiledQuery:
    """SQL text with ``:name`` parameters, ready for ``Store.query(sql, params)``."""

    sql: str
    params: dict[str, Any]
    dialect: str

    def pretty(self) -> str:
        import sqlglot

        return sqlglot.transpile(
            self.sql,
            read=get_dialect(self.dialect).sqlglot,
            write=get_dialect(self.dialect).sqlglot,
            pretty=True,
        )[0]


class Compiler:
    """Compiles trees for one dialect and one reference date ('today'); shares parameter numbering
    between the criteria and whatever the engine adds (scope, paging), so names never collide."""

    def __init__(self, dialect: str | Dialect = "sqlite", reference_date: date | None = None) -> None:
        self.dialect = get_dialect(dialect) if isinstance(dialect, str) else dialect
        self.ctx = Ctx(self.dialect, reference_date or date.today())

    # -- public ------------------------------------------------------------------------------
    def condition(self, node: C.Node, per_patient: bool = False) -> exp.Expression:
        """A boolean expression over the patient row ``p`` (never NULL).

        ``per_patient``: the expression is only evaluated for patients that already passed a
        narrowing condition, so record atoms are checked with ``EXISTS`` on patient_id indexes
        instead of computing their whole patient set (see ``_all``).
        """
        if isinstance(node, C.All):
            return self._all(node.items, per_patient)
        if isinstance(node, C.AnyOf):  # sqlglot parenthesises nested AND / OR itself
            return exp.or_(*[self.condition(i, per_patient) for i in node.items], copy=False)
        if isinstance(node, C.Not):
            return exp.not_(self.condition(node.item, per_patient), copy=False)
        if isinstance(node, C.Sequence):
            return col("id", "p").isin(query=self.sequence(node), copy=False)
        out = compile_atom(node, self.ctx)
        if isinstance(out, Cond):
            return out.expr
        if per_patient:
            return out.exists()
        return col("id", "p").isin(query=out.patients(), copy=False)

    def _all(self, items: list[C.Node], per_patient: bool) -> exp.Expression:
        """AND: with ``dialect.per_candidate``, the most narrowing atom (``driver_rank``) gives the
        patient set once, and every other item is checked only for those patients, cheapest first."""
        if len(items) == 1:
            return self.condition(items[0], per_patient)
        driver = None
        if self.dialect.per_candidate and not per_patient:
            ranked = [(r, k) for k, item in enumerate(items) if (r := driver_rank(item)) is not None]
            driver = items[min(ranked)[1]] if ranked else None
        parts = [self.condition(driver)] if driver is not None else []
        rest = sorted((i for i in items if i is not driver), key=check_cost) if driver is not None else items
        parts += [self.condition(i, per_patient or driver is not None) for i in rest]
        return exp.and_(*parts, copy=False)

    def select(self, node: C.Node) -> exp.Select:
        """``SELECT p.id FROM patients p WHERE <condition>`` (the engine adds the scope)."""
        return (
            exp.select(col("id", "p"))
            .from_(exp.to_table("patients").as_("p"), copy=False)
            .where(self.condition(node), copy=False)
        )

    def source(self, atom: C.Node) -> Source | Cond:
        return compile_atom(atom, self.ctx)

    def param(self, value: Any) -> exp.Placeholder:
        return self.ctx.param(value)

    def render(self, expression: exp.Expression) -> CompiledQuery:
        return CompiledQuery(self.dialect.render(expression), dict(self.ctx.params), self.dialect.name)

    # -- time relations ----------------------------------------------------------------------
    def sequence(self, node: C.Sequence) -> exp.Select:
        """Patients with a ``first`` record and a ``then`` record whose dates satisfy the relation."""
        sides = []
        for atom in (node.first, node.then):
            src = compile_atom(atom, self.ctx)
            if not isinstance(src, Source) or src.date is None:
                raise UnsupportedCriterion(
                    f"A time relation needs a dated criterion; '{atom.kind}' has no date."
                )
            sides.append(src.instances())
        a, b = sides
        gap = self.dialect.days_between(col("d", "b"), col("d", "a"))
        conds: list[exp.Expression] = []
        lo = node.min_months * DAYS_PER_MONTH if node.min_months is not None else None
        hi = node.max_months * DAYS_PER_MONTH if node.max_months is not None else None
        zero = exp.Literal.number(0)
        if node.relation == "after":
            conds.append(exp.GTE(this=gap, expression=zero))
            size = gap
        elif node.relation == "before":
            conds.append(exp.LTE(this=gap, expression=zero))
            size = self.dialect.days_between(col("d", "a"), col("d", "b"))
        else:
            size = exp.Abs(this=gap)
        conds += self.ctx.between(size, lo, hi)
        return (
            exp.select(col("patient_id", "a"))
            .from_(a.subquery("a"), copy=False)
            .join(
                b.subquery("b"),
                on=exp.EQ(this=col("patient_id", "b"), expression=col("patient_id", "a")),
                copy=False,
            )
            .where(exp.and_(*conds, copy=False), copy=False)
        )


def driver_rank(node: C.Node) -> int | None:
    """How well an atom narrows the patients when computed first (lower is better); None when it
    cannot lead an AND (conditions on the patient row, counts per patient, boolean nodes)."""
    if isinstance(node, (C.Biomarker, C.Sequence)):
        return 1
    if isinstance(node, C.Tumour):
        fields = [
            node.histology,
            node.histology_group,
            node.site,
            node.stage,
            node.grade,
            node.t,
            node.n,
            node.m,
            node.laterality,
            node.metastatic is not None,
            node.metastatic_at_diagnosis is not None,
            node.age_min is not None or node.age_max is not None,
            node.diagnosed_from or node.diagnosed_to,
            node.rank,
        ]
        return 1 if node.histology or node.histology_group else (2 if sum(map(bool, fields)) >= 2 else 3)
    if isinstance(node, C.Event):
        return 2 if node.sites or node.date_from or node.date_to else 3
    if isinstance(node, C.Treatment):
        narrowing = [node.line_min, node.line_max, node.ongoing, node.started_from, node.started_to]
        return 2 if node.drugs or node.atc or any(v is not None for v in narrowing) else 4
    if isinstance(node, (C.StayDiagnosis, C.Age)) and not (isinstance(node, C.Age) and node.at == "today"):
        return 3
    if isinstance(node, C.Text):
        return 5
    if isinstance(node, C.Biobank):
        return 6
    return None


def check_cost(node: C.Node) -> int:
    """Order of the per-patient checks after the driver: patient columns first, counts last."""
    if isinstance(node, (C.Sex, C.VitalStatus, C.Centre)) or (isinstance(node, C.Age) and node.at == "today"):
        return 0
    if isinstance(node, (C.Survival, C.TreatmentLines)):
        return 9
    if isinstance(node, (C.All, C.AnyOf, C.Not)):
        return 7
    if isinstance(node, C.Sequence):
        return 8
    return 1 + (driver_rank(node) or 5)


def compile_criteria(
    node: C.Node | dict | str, dialect: str = "sqlite", reference_date: date | None = None
) -> CompiledQuery:
    """Compile a Criteria tree (or its JSON) to SQL for ``dialect`` ('sqlite' or 'postgres').

    ``reference_date`` is 'today' for ages today (default: the real today).
    Raises CriteriaError for invalid criteria and UnsupportedCriterion for what cannot be compiled.
    """
    tree = C.parse_criteria(node)
    compiler = Compiler(dialect, reference_date)
    return compiler.render(compiler.select(tree))
