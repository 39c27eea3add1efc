"""E-mail addresses.

Presidio's stock e-mail recogniser validates the domain with ``tldextract``, which tries to
download the public-suffix list (it fails offline and logs a traceback). A plain pattern is as
good here: any ``local@domain.tld`` in a medical report is personal.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from privacy.recognizers._base import FrPatternRecognizer

_EMAIL = r"(?<![\w.+\-])[\w.+\-]*\w@[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,24}(?![\w])"


class FrEmailRecognizer(FrPatternRecognizer):
    """Anything shaped like an e-mail address."""

    ENTITY = "EMAIL"
    PATTERNS = [Pattern("email", _EMAIL, 0.9)]
    CONTEXT = ["mail", "courriel", "e-mail", "email", "adresse", "mél"]
