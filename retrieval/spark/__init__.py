"""Spark support of the store: Parquet tables in a warehouse, read with Spark SQL.

``url`` (store URLs), ``session`` (one JVM per process), ``schema`` (tables, layout, types),
``warehouse`` (versioned Parquet tables switched atomically), ``store`` (``SparkStore``: routes
each statement to Spark or to the small SQL store beside it), ``terms`` (the word table that
serves full-text search), ``copy`` (bulk copy of a SQLite or PostgreSQL store), ``annotate``
(distributed annotation job) and ``similar`` (patient facts and vectors computed on Spark).
"""
