"""Seeded random streams and date helpers.

Each patient gets its own streams, keyed by (corpus seed, patient id, purpose), so that patient k is
the same whatever the corpus size, and so that rewording a report template (text stream) does not
change anyone's clinical facts (clinical stream). String seeds go through SHA-512 inside
``random.Random``: stable across processes and Python runs, unlike ``hash()``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TypeVar

T = TypeVar("T")

MONTH_DAYS = 30.4375


class Rng(random.Random):
    """``random.Random`` with the few helpers the generator uses everywhere."""

    def chance(self, p: float) -> bool:
        return self.random() < p

    def pick(self, items: Sequence[T]) -> T:
        return items[self.randrange(len(items))]

    def weighted(self, pairs: Sequence[tuple[T, float]]) -> T:
        total = sum(w for _, w in pairs)
        x = self.random() * total
        for item, w in pairs:
            x -= w
            if x < 0:
                return item
        return pairs[-1][0]

    def between(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.random()

    def clipped_normal(self, mu: float, sigma: float, lo: float, hi: float) -> float:
        return min(hi, max(lo, self.gauss(mu, sigma)))

    def duration_months(self, median: float, shape: float = 1.2) -> float:
        """A Weibull time with the given median (months): the usual shape of time-to-event data."""
        scale = median / (math.log(2) ** (1 / shape))
        return self.weibullvariate(scale, shape)

    def date_between(self, lo: date, hi: date) -> date:
        span = (hi - lo).days
        return lo + timedelta(days=self.randint(0, max(0, span)))


def stream(seed: int, *keys: object) -> Rng:
    """An independent random stream for ``seed`` and a purpose (e.g. ``stream(7, "patient", 12, "text")``)."""
    return Rng(":".join(str(k) for k in (seed, *keys)))


def add_days(d: date, days: float) -> date:
    return d + timedelta(days=int(round(days)))


def add_months(d: date, months: float) -> date:
    return d + timedelta(days=int(round(months * MONTH_DAYS)))


def months_between(a: date, b: date) -> float:
    return (b - a).days / MONTH_DAYS


def age_on(birth: date, on: date) -> int:
    """Completed years, the convention of query_compiler.criteria."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def birth_date_for_age(rng: Rng, age: int, on: date) -> date:
    """A birth date such that the person is exactly ``age`` completed years old on ``on``."""
    latest = date(on.year - age, on.month, min(on.day, 28))
    candidate = latest - timedelta(days=rng.randint(1, 364))
    while age_on(candidate, on) != age:  # only on calendar edge cases
        candidate += timedelta(days=1 if age_on(candidate, on) > age else -1)
    return candidate
