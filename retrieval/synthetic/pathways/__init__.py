"""The disease pathways and how often each occurs in a cancer centre's file.

Weights are rough shares of a French comprehensive cancer centre's active file, tilted so that the
rare cohorts of the use cases (neuroendocrine tumours, myeloma turning into leukaemia) exist in a
demo-sized corpus. ``SECOND`` says which cancer can follow which (a second primary).
"""

from __future__ import annotations

from retrieval.synthetic.pathways.breast import Breast
from retrieval.synthetic.pathways.lung import Lung
from retrieval.synthetic.pathways.myeloid import AML, Myeloma
from retrieval.synthetic.pathways.solid import SolidDisease
from retrieval.synthetic.rng import Rng

BREAST, LUNG, MYELOMA, AML_ = Breast(), Lung(), Myeloma(), AML()

PATHWAYS: list[tuple[SolidDisease, float]] = [
    (BREAST, 0.30),
    (LUNG, 0.13),
    (MYELOMA, 0.04),
    (AML_, 0.012),
]

SECOND: dict[str, list[tuple[SolidDisease, float]]] = {
    "breast": [(BREAST, 0.45), (LUNG, 0.25), (AML_, 0.05)],
    "lung": [(LUNG, 0.4), (BREAST, 0.2)],
    "myeloma": [(LUNG, 0.3), (BREAST, 0.3)],
    "aml": [(LUNG, 0.3), (BREAST, 0.3)],
}


def choose(rng: Rng) -> SolidDisease:
    return rng.weighted(PATHWAYS)


def choose_second(rng: Rng, first: SolidDisease, sex: str) -> SolidDisease | None:
    options = [
        (d, w) for d, w in SECOND.get(first.site, []) if d.female_share not in ((0.0 if sex == "F" else 1.0),)
    ]
    return rng.weighted(options) if options else None
