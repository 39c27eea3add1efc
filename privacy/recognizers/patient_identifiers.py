"""The identifiers of the patient a text belongs to, looked up in the registry and matched
literally: IPP, NIR, phone numbers (the patient's and relatives'), e-mail, street address,
postcode + town, and the names of the patient and relatives (capitalised, anywhere: "Barbier
reviendra en juin" in Mme Barbier's own file is her name, whatever the dictionary says). Built
per call (ad hoc) when the caller says whose text it is, which is the case for every snippet
the product shows. Digits match whatever separators the text uses.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from privacy.recognizers._base import RecognizerContext


def _digits_pattern(value: str) -> str | None:
    chars = [c for c in value if c.isalnum()]
    if len(chars) < 6:
        return None
    return r"(?<![\w])" + r"[ .\-/\u00a0]?".join(re.escape(c) for c in chars) + r"(?![\w])"


def _phone_variants(value: str) -> list[str]:
    """A French number in any form: 0X XX.., +33 X.., 0033 (0)X.."""
    digits = "".join(c for c in value if c.isdigit())
    if digits.startswith("0033"):
        digits = digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if len(digits) != 9:
        pat = _digits_pattern(value)
        return [pat] if pat else []
    sep = r"[ .\-\u00a0]?"
    prefix = r"(?:(?:\+|00)33" + sep + r"(?:\(0\)" + sep + r")?|0)"
    return [r"(?<![\w+])" + prefix + sep.join(digits) + r"(?!\d)"]


def _text_pattern(value: str) -> str | None:
    words = value.split()
    if not words or len(value) < 5:
        return None
    return r"(?<![\w])" + r"[\s,]+".join(re.escape(w) for w in words) + r"(?![\w])"


def _name_pattern(name: str) -> str:
    parts = re.split(r"[\s\-]+", name)
    return r"(?<![\w])" + r"[\s\-]+".join(re.escape(p) for p in parts if p) + r"(?![\w])"


class PatientIdentifierRecognizer(EntityRecognizer):
    """Exact identifiers of one patient (ad hoc: built for the text's patient)."""

    ENTITY = "IPP"
    PATTERNS: list = []
    CONTEXT: list[str] = []
    AD_HOC = True
    SCORE = 0.95

    def __init__(self, identity: dict[str, Any] | None = None, phones: list[str] | None = None,
                 names: list[str] | None = None, supported_language: str = "fr") -> None:
        self.identity = identity or {}
        self.compiled: list[tuple[str, str, re.Pattern[str]]] = []
        ident = self.identity
        specs: list[tuple[str, str, str | None]] = [
            ("IPP", "ipp", _digits_pattern(ident.get("ipp") or "")),
            ("NIR", "nir", _digits_pattern(ident.get("nir") or "")),
            ("EMAIL", "email", _text_pattern(ident.get("email") or "")),
            ("ADDRESS", "address", _text_pattern(ident.get("address") or "")),
        ]
        if ident.get("postcode") and ident.get("city"):
            specs.append(("ADDRESS", "postcode_town", _text_pattern(f"{ident['postcode']} {ident['city']}")))
        for phone in [ident.get("phone"), *(phones or [])]:
            if phone:
                specs.extend(("PHONE", "phone", p) for p in _phone_variants(phone))
        people = [ident.get("first_name"), ident.get("last_name"), ident.get("birth_name"), *(names or [])]
        for person in {p.strip() for p in people if p and len(p.strip()) >= 3}:
            specs.append(("PERSON", "name", _name_pattern(person)))
        for entity, name, pattern in specs:
            if pattern:
                self.compiled.append((entity, name, re.compile(pattern, re.IGNORECASE)))
        super().__init__(supported_entities=sorted({e for e, _, _ in specs} | {"IPP"}),
                         name=type(self).__name__, supported_language=supported_language, context=[])

    @classmethod
    def create(cls, ctx: RecognizerContext) -> PatientIdentifierRecognizer:
        return cls()

    @classmethod
    def for_patient(cls, store: Any, patient_id: int) -> PatientIdentifierRecognizer | None:
        rows = store.query("SELECT * FROM identities WHERE patient_id = :p", {"p": patient_id})
        if not rows:
            return None
        relatives = store.query(
            "SELECT first_name, last_name, phone FROM relatives WHERE patient_id = :p", {"p": patient_id})
        phones = [r["phone"] for r in relatives if r["phone"]]
        names = [n for r in relatives for n in (r["first_name"], r["last_name"]) if n]
        return cls(rows[0], phones, names)

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        results = []
        for entity, name, rx in self.compiled:
            for m in rx.finditer(text):
                if entity == "PERSON" and not m.group()[:1].isupper():
                    continue  # "barbier" in lower case is the word, not Mme Barbier
                explanation = AnalysisExplanation(
                    recognizer=self.name, original_score=self.SCORE, pattern_name=f"patient_{name}",
                    pattern=None, validation_result=True,
                    textual_explanation=f"The patient's own {name} from the registry")
                results.append(RecognizerResult(
                    entity, m.start(), m.end(), self.SCORE, analysis_explanation=explanation,
                    recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                          RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return results
