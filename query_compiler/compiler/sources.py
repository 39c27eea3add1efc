"""Building blocks of compiled atoms: ``Cond`` and ``Source``, the compilation context, helpers.

A ``Cond`` is a condition on the patient row ``p`` that is never NULL (so NOT works). A
``Source`` is the set of records satisfying an atom (tumours, treatment lines, text segments...),
each with its patient, its date and what matched. The compiler uses a Source in one of three
ways: ``patients()`` for ``p.id IN (...)`` (computed once), ``exists()`` for a per-patient check
``EXISTS (... AND patient_id = p.id)`` (cheap when few patients remain to check), and
``instances()`` for time relations and matched facts. All three build on the query in place (no
copies: compiling is on the latency path), so call one of them once per Source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

DAYS_PER_MONTH = 30.4375
FLAGS = ("negated", "hypothetical", "family", "history")


class UnsupportedCriterion(ValueError):
    """A criterion the compiler cannot express; says which one instead of dropping it."""


def col(name: str, table: str) -> exp.Column:
    return exp.column(name, table=table)


def and_(conds: list[exp.Expression]) -> exp.Expression | None:
    return exp.and_(*conds, copy=False) if conds else None


def or_(conds: list[exp.Expression]) -> exp.Expression:
    return exp.or_(*conds, copy=False)


def is_null(e: exp.Expression) -> exp.Expression:
    return exp.Is(this=e, expression=exp.Null())


def not_null(e: exp.Expression) -> exp.Expression:
    return exp.not_(is_null(e), copy=False)


def select_from(table: str, alias: str, conds: list[exp.Expression] | None = None) -> exp.Select:
    q = exp.select().from_(exp.to_table(table).as_(alias), copy=False)
    where = and_(conds or [])
    return q.where(where, copy=False) if where is not None else q


def join(q: exp.Select, table: str, alias: str, on: exp.Expression) -> exp.Select:
    return q.join(exp.to_table(table).as_(alias), on=on, copy=False)


def eq(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.EQ(this=a, expression=b)


@dataclass
class Cond:
    """A condition on the patient row ``p`` (never NULL)."""

    expr: exp.Expression


@dataclass
class Source:
    """Records satisfying an atom: ``SELECT <patient>, <date>, <ref> FROM ... WHERE ...``."""

    query: exp.Select  # FROM / JOIN / WHERE (/ GROUP BY) only, no projection
    patient: exp.Expression
    date: exp.Expression | None = None
    ref: exp.Expression | None = None  # what matched: a code, a drug, a segment id...

    def patients(self) -> exp.Select:
        return self.query.select(self.patient, copy=False)

    def _lookups_only(self) -> None:
        """Membership tests on record ids (``s.id IN (FTS matches)``, ``t.id IN (metastases)``)
        become ``(x.id + 0) IN (...)``: same meaning, but SQLite then looks each id up in the list
        computed once, instead of walking the whole list for every patient checked."""
        for node in list(self.query.find_all(exp.In)):
            if isinstance(node.this, exp.Column) and node.this.name == "id" and node.args.get("query"):
                node.set(
                    "this", exp.paren(exp.Add(this=node.this, expression=exp.Literal.number(0)), copy=False)
                )

    def exists(self) -> exp.Expression:
        """``EXISTS`` one record of the patient row ``p`` (uses the patient_id indexes)."""
        self._lookups_only()
        q = self.query.select(exp.Literal.number(1), copy=False)
        return exp.Exists(this=q.where(eq(self.patient.copy(), col("id", "p")), copy=False))

    def for_patients(self, ids: list[exp.Expression]) -> Source:
        """Only the records of these patients (matched facts of one page), read by patient."""
        self._lookups_only()
        self.query = self.query.where(self.patient.copy().isin(*ids, copy=False), copy=False)
        return self

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
            return eq(column, self.param(values[0]))
        return column.isin(*[self.param(v) for v in values], copy=False)

    def between(self, column: exp.Expression, lo: Any, hi: Any) -> list[exp.Expression]:
        out: list[exp.Expression] = []
        if lo is not None:
            out.append(exp.GTE(this=column, expression=self.param(lo)))
        if hi is not None:
            out.append(exp.LTE(this=column.copy() if lo is not None else column, expression=self.param(hi)))
        return out

    def prefix(self, column: exp.Expression, code: str) -> exp.Expression:
        """``column`` starts with ``code``, as an index-friendly range ``[code, next)`` where
        ``next`` is ``code`` with its last character incremented (code point order)."""
        upper = code[:-1] + chr(ord(code[-1]) + 1)
        return self.dialect.prefix_range(column, self.param(code), self.param(upper))
