"""SQL dialects for compiled criteria: SQLite is the base, PostgreSQL and Spark small overrides.

As in sqlglot, a dialect changes settings, not code: how to subtract dates, how to count completed
years, how full-text search is written, and how date parameters are bound. The compiler never
branches on the dialect name; it asks the dialect object.

All render named parameters as ``:name`` (the Store turns them into ``%(name)s`` for psycopg;
Spark SQL binds ``:name`` itself), so a compiled query shown to a referent reads the same way on
every database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.dialects.spark import Spark
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

    def text_condition(self, ctx: Any, parsed: list[T.Term], segment_alias: str) -> exp.Expression:
        """Segments (``segment_alias``) whose text matches any of the terms."""
        return self.text_match(ctx.param(self.text_query(parsed)), segment_alias)

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


@dataclass(frozen=True)
class SparkDialect(Dialect):
    """Spark SQL over the Parquet warehouse: ``datediff``, ``year`` and ``date_format`` for dates,
    and text search through the word table ``terms`` (``retrieval.spark.terms``) instead of a
    full-text index. Spark plans ``IN (subquery)`` as hash semi-joins, so every atom's patients are
    computed once (no per-candidate checks) and counts per patient are one aggregate.
    """

    name: str = "spark"
    sqlglot: Any = Spark
    dates_as_text: bool = False
    per_candidate: bool = False
    correlated_aggregates: bool = False

    def days_between(self, later: exp.Expression, earlier: exp.Expression) -> exp.Expression:
        return fn("datediff", later, earlier)

    def _year(self, d: exp.Expression) -> exp.Expression:
        return fn("year", d)

    def _month_day(self, d: exp.Expression) -> exp.Expression:
        return fn("date_format", d, exp.Literal.string("MM-dd"))

    def text_condition(self, ctx: Any, parsed: list[T.Term], segment_alias: str) -> exp.Expression:
        """``s.id IN (segments holding a term)``: words looked up in ``terms`` (sorted by word, so
        Parquet skips the rest); the one-word terms together in one scan, a phrase as a self-join
        on the next position, ``NEAR`` as a join of the groups in one segment with FTS5's rule."""
        words = [t.toks[0] for t in parsed if isinstance(t, T.Phrase) and len(t.toks) == 1]
        parts: list[exp.Select] = []
        if words:
            exact = [w.text for w in words if not w.prefix]
            word = exp.column("word", table="tw")
            found = [ctx.any_of(word, list(dict.fromkeys(exact)))] if exact else []
            found += [ctx.prefix(word.copy(), w.text) for w in words if w.prefix]
            parts.append(
                exp.select(exp.column("segment_id", table="tw"))
                .from_(exp.to_table("terms").as_("tw"), copy=False)
                .where(exp.or_(*found, copy=False), copy=False)
            )
        for k, term in enumerate(parsed):
            if isinstance(term, T.Phrase) and len(term.toks) == 1:
                continue
            q = self._phrase(ctx, term, f"t{k}") if isinstance(term, T.Phrase) else self._near(ctx, term, k)
            seg = exp.column("segment_id", table=f"m{k}")
            parts.append(exp.select(seg).from_(q.subquery(f"m{k}"), copy=False))
        found_q: exp.Query = parts[0]
        for q in parts[1:]:
            found_q = exp.union(found_q, q, distinct=False, copy=False)
        return exp.column("id", table=segment_alias).isin(query=found_q, copy=False)

    @staticmethod
    def _word(ctx: Any, alias: str, tok: T.Tok) -> exp.Expression:
        word = exp.column("word", table=alias)
        return ctx.prefix(word, tok.text) if tok.prefix else exp.EQ(this=word, expression=ctx.param(tok.text))

    def _phrase(self, ctx: Any, phrase: T.Phrase, name: str) -> exp.Select:
        """``(segment_id, s, e)``: where the phrase starts and ends in each segment holding it."""
        first = f"{name}w0"
        pos = exp.column("pos", table=first)
        q = exp.select(
            exp.alias_(exp.column("segment_id", table=first), "segment_id"),
            exp.alias_(pos, "s"),
            exp.alias_(exp.Add(this=pos.copy(), expression=exp.Literal.number(len(phrase.toks) - 1)), "e"),
        ).from_(exp.to_table("terms").as_(first), copy=False)
        conds = [self._word(ctx, first, phrase.toks[0])]
        for i, tok in enumerate(phrase.toks[1:], start=1):
            alias = f"{name}w{i}"
            on = exp.and_(
                _same_segment(alias, first),
                exp.EQ(
                    this=exp.column("pos", table=alias),
                    expression=exp.Add(this=exp.column("pos", table=first), expression=exp.Literal.number(i)),
                ),
            )
            q = q.join(exp.to_table("terms").as_(alias), on=on, copy=False)
            conds.append(self._word(ctx, alias, tok))
        return q.where(exp.and_(*conds, copy=False), copy=False)

    def _near(self, ctx: Any, near: T.Near, k: int) -> exp.Select:
        groups = [f"t{k}g{i}" for i in range(len(near.phrases))]
        q = exp.select(exp.alias_(exp.column("segment_id", table=groups[0]), "segment_id")).from_(
            self._phrase(ctx, near.phrases[0], groups[0]).subquery(groups[0]), copy=False
        )
        for g, phrase in zip(groups[1:], near.phrases[1:], strict=True):
            on = _same_segment(g, groups[0])
            q = q.join(self._phrase(ctx, phrase, g).subquery(g), on=on, copy=False)
        starts = [exp.column("s", table=g) for g in groups]
        ends = [exp.column("e", table=g) for g in groups]
        gap = exp.Sub(
            this=exp.Sub(this=fn("greatest", *starts), expression=fn("least", *ends)),
            expression=exp.Literal.number(1),
        )
        return q.where(exp.LTE(this=gap, expression=ctx.param(near.distance)), copy=False)


def _same_segment(a: str, b: str) -> exp.Expression:
    return exp.EQ(this=exp.column("segment_id", table=a), expression=exp.column("segment_id", table=b))


DIALECTS: dict[str, Dialect] = {"sqlite": Dialect(), "postgres": PostgresDialect(), "spark": SparkDialect()}


def get_dialect(name: str) -> Dialect:
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"Unknown SQL dialect {name!r}: use 'sqlite', 'postgres' or 'spark'.") from None
