"""SQL dialects for compiled criteria: SQLite is the base, PostgreSQL a small override of settings.

As in sqlglot, a dialect changes settings, not code: how to subtract dates, how to count completed
years, how full-text search is written, and how date parameters are bound. The compiler never
branches on the dialect name; it asks the dialect object.

Both render named parameters as ``:name`` (the Store turns them into ``%(name)s`` for psycopg),
so a compiled query shown to a referent reads the same way on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.dialects.sqlite import SQLite
from sqlglot.generators.postgres import PostgresGenerator

from query_compiler.criteria import terms as T


class TsMatch(exp.Expression, exp.Binary, exp.Predicate):
    """PostgreSQL full-text match ``tsvector @@ tsquery``."""


class _PgGenerator(PostgresGenerator):
    TRANSFORMS = {**PostgresGenerator.TRANSFORMS, TsMatch: lambda self, e: self.binary(e, "@@")}

    def placeholder_sql(self, expression: exp.Placeholder) -> str:
        return f":{expression.name}"


class CohortPostgres(Postgres):
    """sqlglot's PostgreSQL with ``:name`` placeholders and ``@@``."""

    Generator = _PgGenerator


def fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


@dataclass(frozen=True)
class Dialect:
    """SQLite settings; subclasses override what differs."""

    name: str = "sqlite"
    sqlglot: Any = SQLite
    dates_as_text: bool = True  # SQLite stores ISO text; psycopg wants date objects
    # Query shape (see query_compiler.compiler): in an AND, one atom's patients are computed once
    # and the other atoms are checked per remaining patient (EXISTS on patient_id indexes);
    # survival and line counts are computed per patient (SQLite evaluates subqueries as written,
    # so the shape matters; PostgreSQL prefers one hash aggregate for counts).
    per_candidate: bool = True
    correlated_aggregates: bool = True

    def date_value(self, value: date) -> Any:
        return value.isoformat() if self.dates_as_text else value

    def days_between(self, later: exp.Expression, earlier: exp.Expression) -> exp.Expression:
        """Whole days from ``earlier`` to ``later`` (negative when later is before)."""
        return exp.Sub(this=fn("julianday", later), expression=fn("julianday", earlier))

    def _year(self, d: exp.Expression) -> exp.Expression:
        return exp.cast(fn("strftime", exp.Literal.string("%Y"), d), "INTEGER")

    def _month_day(self, d: exp.Expression) -> exp.Expression:
        return fn("strftime", exp.Literal.string("%m-%d"), d)

    def completed_years(self, at: exp.Expression, birth: exp.Expression) -> exp.Expression:
        """Age in completed years at ``at``: year difference, minus one before the birthday."""
        before_birthday = exp.Case(
            ifs=[
                exp.If(
                    this=exp.LT(this=self._month_day(at), expression=self._month_day(birth)),
                    true=exp.Literal.number(1),
                )
            ],
            default=exp.Literal.number(0),
        )
        return exp.Sub(
            this=exp.Sub(this=self._year(at), expression=self._year(birth)),
            expression=exp.paren(before_birthday, copy=False),
        )

    def text_query(self, parsed: list[T.Term]) -> str:
        return T.fts5_query(parsed)

    def text_match(self, placeholder: exp.Expression, segment_alias: str) -> exp.Expression:
        """Segments whose text matches: ``s.id IN (rowids of the FTS5 match)``, computed once even
        inside a per-patient check."""
        fts = (
            exp.select(exp.column("rowid"))
            .from_("segments_fts", copy=False)
            .where(exp.Match(this=exp.column("segments_fts"), expression=placeholder), copy=False)
        )
        return exp.column("id", table=segment_alias).isin(query=fts, copy=False)

    def prefix_range(self, column: exp.Expression, lo: exp.Expression, hi: exp.Expression) -> exp.Expression:
        """``lo <= column < hi`` in code point order (SQLite's BINARY collation): uses the index."""
        return exp.and_(
            exp.GTE(this=column, expression=lo), exp.LT(this=column.copy(), expression=hi), copy=False
        )

    def render(self, expression: exp.Expression, pretty: bool = False) -> str:
        return expression.sql(dialect=self.sqlglot, pretty=pretty)


@dataclass(frozen=True)
class PostgresDialect(Dialect):
    """PostgreSQL: date arithmetic is subtraction, text search is ``tsv @@ tsquery``.

    The tsquery is given as tsquery *input text* (``CAST(:q AS tsquery)``), not through
    ``to_tsquery``: words are already folded exactly as ``cohort_tsvector()`` folds the segments
    (migration 0007), so no parser or dictionary can cut them differently from SQLite.
    """

    name: str = "postgres"
    sqlglot: Any = CohortPostgres
    dates_as_text: bool = False
    correlated_aggregates: bool = False  # a hash aggregate beats one subplan per patient

    def prefix_range(self, column: exp.Expression, lo: exp.Expression, hi: exp.Expression) -> exp.Expression:
        """Byte order whatever the database collation (``COLLATE "C"``, with matching indexes)."""
        c = exp.Collate(this=column, expression=exp.column("C", quoted=True))
        return exp.and_(exp.GTE(this=c, expression=lo), exp.LT(this=c.copy(), expression=hi), copy=False)

    def days_between(self, later: exp.Expression, earlier: exp.Expression) -> exp.Expression:
        return exp.paren(exp.Sub(this=later, expression=earlier), copy=False)

    def _year(self, d: exp.Expression) -> exp.Expression:
        return exp.cast(fn("date_part", exp.Literal.string("year"), d), "INTEGER")

    def _month_day(self, d: exp.Expression) -> exp.Expression:
        return fn("to_char", d, exp.Literal.string("MM-DD"))

    def text_query(self, parsed: list[T.Term]) -> str:
        return T.tsquery(parsed)

    def text_match(self, placeholder: exp.Expression, segment_alias: str) -> exp.Expression:
        return TsMatch(
            this=exp.column("tsv", table=segment_alias),
            expression=exp.cast(placeholder, exp.DataType.build("tsquery", udt=True)),
        )


DIALECTS: dict[str, Dialect] = {"sqlite": Dialect(), "postgres": PostgresDialect()}


def get_dialect(name: str) -> Dialect:
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"Unknown SQL dialect {name!r}: use 'sqlite' or 'postgres'.") from None
