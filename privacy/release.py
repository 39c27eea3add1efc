"""Cross-centre counts: only counts leave a centre, and an answer carries no sign of one patient.

The rule, for every centre other than the user's own (SHRINE-style obfuscation):

1. Noise. The true count ``n`` gets a whole number ``e`` drawn uniformly in [-5, 5] from an HMAC of
   the secret over (centre, canonical criteria): ``v = n + e``. The same criteria asked again, by
   anyone, get the same ``e`` (averaging repeated questions teaches nothing); different criteria
   get an independent ``e``.
2. Suppression. When ``v < min_count`` (settings, default 10) the cell shows "< 10". A true count
   of 4 or less (zero included) therefore always shows "< 10".
3. Rounding. Otherwise the cell shows ``v`` rounded to the nearest multiple of 5 (never below the
   threshold): "about 45".

Why this and not the earlier differencing guard: that guard withheld a count when its patient set
differed from an earlier released one by 1-9 patients, and that decision was itself read from the
data: "withheld" next to a number told that a patient of another centre matched (``ALL(breast;
NOT melanoma)``), and once an empty set had been released, "< 10" meant exactly 0 and "withheld"
1-9. Here every answer is a function of ``n + e`` only, with ``e`` independent of the patients:
two criteria whose sets differ by one patient give outputs whose distributions differ by at most
1/11 in total variation (the uniform noise shifted by one), whatever was asked before, so a single
pair of questions reveals at most that much about one person. There is no state and no refusal
that depends on the data.

Limits, stated for the DPO (also in SECURITY.md): the noise is bounded and independent between
*different* criteria, so someone who writes many equivalent criteria (the same set phrased in many
ways) can average the noise away: a few dozen variants per pair start to show a one-patient
difference. Every such question is in the audit trail with its criteria, and
``COHORT_RELEASE_BUDGET`` (default 200) caps the distinct cross-centre questions one user gets
answered per 24 hours. The own centre's count is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from privacy.keys import keyed_int

Status = Literal["exact", "released", "small"]
BASE = 5
NOISE = 5  # e is uniform in [-NOISE, NOISE]


@dataclass(frozen=True)
class ReleasedCell:
    centre_id: str
    display: str
    value: int | None
    status: Status

    def explain(self, lang: str = "fr", min_count: int = 10) -> str:
        """A sentence for the reader: why a number is or is not shown."""
        fr = lang == "fr"
        if self.status == "small":
            return (f"moins de {min_count} patients (effectif masqué)" if fr
                    else f"fewer than {min_count} patients (count hidden)")
        if self.status == "released":
            return (f"environ {self.display} (bruité, arrondi à 5)" if fr
                    else f"about {self.display} (noised, rounded to 5)")
        return self.display

    @property
    def count(self) -> int | None:
        """The released number (None when suppressed); ``display`` is what to show."""
        return self.value

    def to_dict(self) -> dict[str, Any]:
        return {"centre_id": self.centre_id, "display": self.display, "value": self.value,
                "status": self.status}


def rounded(n: int, min_count: int) -> int:
    return max(min_count, BASE * round(n / BASE))


def noise(centre_id: str, criteria_hash: str) -> int:
    """The cell's noise: uniform in [-NOISE, NOISE], fixed per (centre, criteria) by the secret."""
    return keyed_int("release-noise", centre_id, criteria_hash) % (2 * NOISE + 1) - NOISE


def release(centre_id: str, n: int, criteria_hash: str, min_count: int) -> ReleasedCell:
    """What one other centre's count shows: a function of ``n + noise`` only."""
    v = int(n) + noise(centre_id, criteria_hash)
    if v < min_count:
        return ReleasedCell(centre_id, f"< {min_count}", None, "small")
    shown = rounded(v, min_count)
    return ReleasedCell(centre_id, str(shown), shown, "released")
