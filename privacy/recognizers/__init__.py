"""French recognisers, one per file. ``ALL_RECOGNIZERS`` is the only list: the engine builds
its registry from it and a test checks that every module of this folder is in it.

Entities are the identifier types of the corpus truth (``retrieval.vocab.IdentifierType``):
PERSON, DATE_OF_BIRTH, DATE, NIR, IPP, PHONE, EMAIL, ADDRESS.
"""

from __future__ import annotations

from privacy.recognizers._base import FrPatternRecognizer, RecognizerContext
from privacy.recognizers.address import FrAddressRecognizer
from privacy.recognizers.date import FrDateRecognizer
from privacy.recognizers.email import FrEmailRecognizer
from privacy.recognizers.first_name import FirstNameRecognizer
from privacy.recognizers.header_name import HeaderNameRecognizer
from privacy.recognizers.intl_address import IntlAddressRecognizer
from privacy.recognizers.intl_phone import IntlPhoneRecognizer
from privacy.recognizers.ipp import IppRecognizer
from privacy.recognizers.labelled_address import LabelledAddressRecognizer
from privacy.recognizers.name_markers import NameMarkerRecognizer
from privacy.recognizers.nir import NirRecognizer
from privacy.recognizers.patient_identifiers import PatientIdentifierRecognizer
from privacy.recognizers.person_ner import NerPersonRecognizer
from privacy.recognizers.phone import FrPhoneRecognizer
from privacy.recognizers.registry_names import RegistryNameRecognizer
from privacy.recognizers.title_name import TitleNameRecognizer

ALL_RECOGNIZERS: list[type] = [
    NirRecognizer,
    IppRecognizer,
    FrPhoneRecognizer,
    FrEmailRecognizer,
    FrDateRecognizer,
    FrAddressRecognizer,
    TitleNameRecognizer,
    RegistryNameRecognizer,
    PatientIdentifierRecognizer,
    NerPersonRecognizer,
    FirstNameRecognizer,
    HeaderNameRecognizer,
    IntlPhoneRecognizer,
    IntlAddressRecognizer,
    LabelledAddressRecognizer,
    NameMarkerRecognizer,
]

ENTITIES = ("PERSON", "DATE_OF_BIRTH", "DATE", "NIR", "IPP", "PHONE", "EMAIL", "ADDRESS")


def standing_recognizers(ctx: RecognizerContext) -> list:
    """Instances of every recogniser that does not depend on the text's patient."""
    return [cls.create(ctx) for cls in ALL_RECOGNIZERS if not getattr(cls, "AD_HOC", False)]


__all__ = ["ALL_RECOGNIZERS", "ENTITIES", "FrPatternRecognizer", "RecognizerContext",
           "standing_recognizers"]
