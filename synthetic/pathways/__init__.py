"""The disease pathways and how often each occurs in a cancer centre's file.

Weights are rough shares of a French comprehensive cancer centre's active file, tilted so that the
rare cohorts of the use cases (neuroendocrine tumours, myeloma turning into leukaemia) exist in a
demo-sized corpus. ``SECOND`` says which cancer can follow which (a second primary).
"""

from __future__ import annotations

from synthetic.pathways.breast import Breast
from synthetic.pathways.digestive import Colorectal, Pancreas
from synthetic.pathways.lung import Lung
from synthetic.pathways.lymphoid import CLL, Lymphoma
from synthetic.pathways.myeloid import AML, Myeloma
from synthetic.pathways.net import NET
from synthetic.pathways.ovary import Ovary
from synthetic.pathways.prostate import Prostate
from synthetic.pathways.skin_kidney import Kidney, Melanoma
from synthetic.pathways.solid import SolidDisease
from synthetic.rng import Rng

BREAST, LUNG, COLORECTAL, PANCREAS = Breast(), Lung(), Colorectal(), Pancreas()
MELANOMA, KIDNEY, OVARY, PROSTATE = Melanoma(), Kidney(), Ovary(), Prostate()
NET_RECTUM, NET_PANCREAS, NET_SMALL_BOWEL, NET_LUNG = (
    NET("rectum"),
    NET("pancreas"),
    NET("small_bowel"),
    NET("lung"),
)
MYELOMA, AML_, CLL_, DLBCL, FOLLICULAR = Myeloma(), AML(), CLL(), Lymphoma("dlbcl"), Lymphoma("follicular")

PATHWAYS: list[tuple[SolidDisease, float]] = [
    (BREAST, 0.31),
    (LUNG, 0.12),
    (COLORECTAL, 0.09),
    (PROSTATE, 0.07),
    (MELANOMA, 0.035),
    (KIDNEY, 0.03),
    (OVARY, 0.03),
    (PANCREAS, 0.02),
    (NET_RECTUM, 0.008),
    (NET_PANCREAS, 0.01),
    (NET_SMALL_BOWEL, 0.007),
    (NET_LUNG, 0.005),
    (MYELOMA, 0.045),
    (AML_, 0.012),
    (CLL_, 0.02),
    (DLBCL, 0.025),
    (FOLLICULAR, 0.015),
]

SECOND: dict[str, list[tuple[SolidDisease, float]]] = {
    "breast": [
        (BREAST, 0.35),
        (COLORECTAL, 0.15),
        (LUNG, 0.12),
        (OVARY, 0.08),
        (MELANOMA, 0.06),
        (AML_, 0.04),
        (KIDNEY, 0.05),
        (DLBCL, 0.05),
    ],
    "lung": [(LUNG, 0.3), (COLORECTAL, 0.15), (PROSTATE, 0.2), (KIDNEY, 0.1), (BREAST, 0.15)],
    "colorectal": [(COLORECTAL, 0.2), (BREAST, 0.2), (PROSTATE, 0.2), (LUNG, 0.15), (KIDNEY, 0.1)],
    "prostate": [(COLORECTAL, 0.3), (LUNG, 0.3), (KIDNEY, 0.15), (MELANOMA, 0.1), (CLL_, 0.1)],
    "melanoma": [(MELANOMA, 0.4), (BREAST, 0.2), (PROSTATE, 0.2), (KIDNEY, 0.1), (CLL_, 0.1)],
    "kidney": [(PROSTATE, 0.3), (LUNG, 0.2), (COLORECTAL, 0.2), (BREAST, 0.2)],
    "ovary": [(BREAST, 0.6), (COLORECTAL, 0.2), (AML_, 0.1)],
    "pancreas": [(COLORECTAL, 0.5), (BREAST, 0.5)],
    "net": [(COLORECTAL, 0.3), (BREAST, 0.3), (PROSTATE, 0.2), (LUNG, 0.2)],
    "myeloma": [(PROSTATE, 0.3), (BREAST, 0.3), (COLORECTAL, 0.2)],
    "aml": [(BREAST, 0.5), (PROSTATE, 0.5)],
    "cll": [(MELANOMA, 0.3), (LUNG, 0.2), (PROSTATE, 0.2), (BREAST, 0.2), (KIDNEY, 0.1)],
    "dlbcl": [(AML_, 0.15), (LUNG, 0.25), (BREAST, 0.3), (COLORECTAL, 0.2)],
    "follicular": [(DLBCL, 0.2), (LUNG, 0.2), (BREAST, 0.3), (COLORECTAL, 0.2)],
}


PRIOR: list[tuple[SolidDisease, float]] = [
    (BREAST, 0.4),
    (COLORECTAL, 0.2),
    (PROSTATE, 0.2),
    (MELANOMA, 0.12),
    (KIDNEY, 0.08),
]


def choose_prior(rng: Rng, sex: str) -> SolidDisease:
    impossible = 0.0 if sex == "F" else 1.0
    return rng.weighted([(d, w) for d, w in PRIOR if d.female_share != impossible])


def choose(rng: Rng) -> SolidDisease:
    return rng.weighted(PATHWAYS)


def choose_second(rng: Rng, first: SolidDisease, sex: str) -> SolidDisease | None:
    """A second primary compatible with the first cancer and with the patient's sex."""
    impossible = 0.0 if sex == "F" else 1.0
    options = [(d, w) for d, w in SECOND.get(first.site, []) if d.female_share != impossible]
    return rng.weighted(options) if options else None
