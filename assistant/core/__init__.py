"""The one engine behind the chat and the CLI: a signed-in user's ``Session`` (``session``, with the
operations of ``operations``), what it returns (``results``), how rows are shown (``present``), and
words to Criteria for everyone (``understanding``). Import from the modules: this package face stays
empty so that ``cohort parse`` does not load the privacy layer it does not use.

>>> from assistant.core.session import Session               # doctest: +SKIP
>>> from privacy.users import require_user                  # doctest: +SKIP
>>> s = Session(store, require_user(store, "referent.clb"))  # doctest: +SKIP
>>> s.ask("femme ayant eu un cancer du sein métastatique à 50 ans").count   # doctest: +SKIP
"""
