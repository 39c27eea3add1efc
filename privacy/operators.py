"""Anonymisation strategies as tiny named Presidio operators, chosen per entity by ``STRATEGIES``.

- ``typed_placeholder``: ``<NOM>``, ``<DATE>``, ``<NIR>``... (French) or ``<NAME>``... (English),
  for display;
- ``pseudonym``: a consistent fake name per patient, for exports;
- ``date_shift``: the date moved by the patient's shift (same shape, intervals kept); falls back
  to the placeholder when the text is not a parsable date.
"""

from __future__ import annotations

from presidio_anonymizer.operators import Operator, OperatorType

from privacy import dates
from privacy.surrogates import fake_name

PLACEHOLDERS: dict[str, dict[str, str]] = {
    "fr": {
        "PERSON": "<NOM>", "DATE_OF_BIRTH": "<DATE_NAISSANCE>", "DATE": "<DATE>", "NIR": "<NIR>",
        "IPP": "<IPP>", "PHONE": "<TEL>", "EMAIL": "<EMAIL>", "ADDRESS": "<ADRESSE>",
    },
    "en": {
        "PERSON": "<NAME>", "DATE_OF_BIRTH": "<BIRTH_DATE>", "DATE": "<DATE>", "NIR": "<SSN>",
        "IPP": "<PATIENT_ID>", "PHONE": "<PHONE>", "EMAIL": "<EMAIL>", "ADDRESS": "<ADDRESS>",
    },
}


def placeholder(entity: str, lang: str = "fr") -> str:
    table = PLACEHOLDERS.get(lang, PLACEHOLDERS["fr"])
    return table.get(entity, f"<{entity}>")


class _Anonymize(Operator):
    def operator_type(self) -> OperatorType:
        return OperatorType.Anonymize

    def validate(self, params: dict | None = None) -> None:
        pass


class TypedPlaceholder(_Anonymize):
    """``<NOM>`` and friends, in the reader's language."""

    def operate(self, text: str, params: dict | None = None) -> str:
        params = params or {}
        return placeholder(params.get("entity_type", ""), params.get("lang", "fr"))

    def operator_name(self) -> str:
        return "typed_placeholder"


class Pseudonym(_Anonymize):
    """Same real name → same fake name for one patient (key derived from the secret and patient)."""

    def operate(self, text: str, params: dict | None = None) -> str:
        params = params or {}
        return fake_name(text, bytes.fromhex(params["key"]))

    def validate(self, params: dict | None = None) -> None:
        if not params or "key" not in params:
            raise ValueError("The pseudonym operator needs the patient's key.")

    def operator_name(self) -> str:
        return "pseudonym"


class DateShift(_Anonymize):
    """Move a date by the patient's shift in days and write it in the same shape."""

    def operate(self, text: str, params: dict | None = None) -> str:
        params = params or {}
        shifted = dates.shift(text, int(params.get("days", 0)))
        if shifted is None:
            return placeholder(params.get("entity_type", "DATE"), params.get("lang", "fr"))
        return shifted

    def operator_name(self) -> str:
        return "date_shift"


OPERATORS: list[type[Operator]] = [TypedPlaceholder, Pseudonym, DateShift]

# Which operator each entity gets, per mode (entities not listed use DEFAULT).
STRATEGIES: dict[str, dict[str, str]] = {
    "placeholder": {"DEFAULT": "typed_placeholder"},
    "pseudonym": {"DEFAULT": "typed_placeholder", "PERSON": "pseudonym"},
}
# With shift_dates=True, these entities are shifted instead (a date of birth is shifted only in
# pseudonymised exports; on screen it stays masked).
SHIFTED: dict[str, tuple[str, ...]] = {
    "placeholder": ("DATE",),
    "pseudonym": ("DATE", "DATE_OF_BIRTH"),
}
