"""Criteria → sqlglot expression → SQL text with bound parameters, for SQLite or PostgreSQL.

The tree compiles to ``SELECT p.id FROM patients p WHERE <condition>``: boolean nodes become
AND / OR / NOT, each atom becomes either a condition on ``p`` or ``p.id IN (SELECT patient_id
FROM <its records>)`` (see ``query_compiler.atoms``), and a time relation joins the records of
both sides on the patient with a condition on the days between their dates. Every user value is
a bound parameter (``:p1``...); nothing typed by a person is ever spliced into the SQL text.

>>> from query_compiler.criteria import All, Sex, Tumour
>>> q = compile_criteria(All(items=[Sex(value="F"), Tumour(site=["C50"])]))
>>> q.sql
'SELECT p.id FROM patients AS p WHERE p.sex = :p1 AND p.id IN (SELECT t.patient_id FROM tumours AS t \
WHERE SUBSTR(t.icd10, 1, 3) = :p2 OR SUBSTR(t.topography, 1, 3) = :p3)'
>>> q.params
{'p1': 'F', 'p2': 'C50', 'p3': 'C50'}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlglot import exp

from query_compiler import criteria as C
from query_compiler.atoms import (
    ATOM_COMPILERS,
    DAYS_PER_MONTH,
    Cond,
    Ctx,
    Source,
    UnsupportedCriterion,
    col,
    compile_atom,
)
from query_compiler.dialects import Dialect, get_dialect

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
    def condition(self, node: C.Node) -> exp.Expression:
        """A boolean expression over the patient row ``p`` (never NULL)."""
        if isinstance(node, C.All):  # sqlglot parenthesises nested AND / OR itself
            return exp.and_(*[self.condition(i) for i in node.items], copy=False)
        if isinstance(node, C.AnyOf):
            return exp.or_(*[self.condition(i) for i in node.items], copy=False)
        if isinstance(node, C.Not):
            return exp.not_(self.condition(node.item), copy=False)
        if isinstance(node, C.Sequence):
            return col("id", "p").isin(query=self.sequence(node), copy=False)
        out = compile_atom(node, self.ctx)
        if isinstance(out, Cond):
            return out.expr
        return col("id", "p").isin(query=out.patients(), copy=False)

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
