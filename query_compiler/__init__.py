"""From a question to a query, through a typed contract:

- ``criteria``: the Criteria model (the contract), its codes, text-term grammar and compact form;
- ``parser``: question → Criteria (terminology first, then the local LLM for what is left);
- ``compiler``: Criteria → SQL (sqlglot; SQLite, PostgreSQL) and → similar-patient facts;
- ``render``: Criteria → sentences in French or English;
- ``engine``: compiled Criteria run on a store inside a scope; saved queries and cohorts.

It imports only ``retrieval`` (the data model and the store); nothing here knows users or rights.
"""
