"""Cross-centre counts: only counts leave a centre, and a small count can never be read.

The rule (for every centre other than the user's own):

1. Threshold. A count below ``min_count`` (settings, default 10), zero included, shows as
   "< 10".
2. Rounding. A count at or above the threshold is rounded to the nearest multiple of 5 (never
   below the threshold): 10-12 → 10, 13-17 → 15. The same patient set always gives the same
   figure, so repeating a query teaches nothing.
3. Differencing guard. Every released cell is remembered with its exact patient set
   (``released_counts``, compressed ids). A new cell whose set differs from any set already
   released for that centre, to anyone, by between 1 and ``min_count - 1`` patients is
   withheld ("withheld: too close to an earlier result"). So count(A) and count(A and not x)
   cannot both be obtained when x holds fewer than ``min_count`` patients, whoever asks and in
   whichever order.

Limits, stated for the DPO: a combination of three or more queries with large differences
(A, (A minus x) plus Z, Z) is not caught by the pairwise guard; rounding then leaves an
uncertainty of several patients on x, and every such query is in the audit trail.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from dataclasses import dataclass
from typing import Any, Literal

from retrieval.store import now_iso

Status = Literal["exact", "released", "small", "withheld"]
BASE = 5


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
        if self.status == "withheld":
            return ("non communiqué : trop proche d'un résultat déjà donné (protection contre la "
                    "différenciation)" if fr else "withheld: too close to an earlier result "
                    "(protection against differencing)")
        if self.status == "released":
            return f"environ {self.display} (arrondi à 5)" if fr else f"about {self.display} (rounded to 5)"
        return self.display

    @property
    def count(self) -> int | None:
        """The released number (None when suppressed or withheld); ``display`` is what to show."""
        return self.value

    def to_dict(self) -> dict[str, Any]:
        return {"centre_id": self.centre_id, "display": self.display, "value": self.value,
                "status": self.status}


def rounded(n: int, min_count: int) -> int:
    return max(min_count, BASE * round(n / BASE))


def encode_members(ids: list[int]) -> str:
    ordered = sorted(set(ids))
    deltas = [b - a for a, b in zip([0, *ordered][: len(ordered)], ordered, strict=True)]
    raw = ",".join(map(str, deltas)).encode("ascii")
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def decode_members(text: str) -> set[int]:
    raw = zlib.decompress(base64.b64decode(text)).decode("ascii")
    out, cur = set(), 0
    for part in raw.split(","):
        if part:
            cur += int(part)
            out.add(cur)
    return out


def set_hash(ids: list[int] | set[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(set(ids)))).encode("ascii")).hexdigest()


def release_cell(store: Any, username: str, centre_id: str, ids: list[int], criteria_hash: str,
                 min_count: int) -> ReleasedCell:
    """Decide what one other centre's count shows, remembering what was released."""
    members = set(ids)
    n = len(members)
    digest = set_hash(members)
    same = store.query("SELECT released FROM released_counts WHERE centre_id = :c AND set_hash = :h LIMIT 1",
                       {"c": centre_id, "h": digest})
    if same:
        return _cell(centre_id, same[0]["released"], n, min_count)
    near = store.query(
        "SELECT members FROM released_counts WHERE centre_id = :c AND size > :lo AND size < :hi",
        {"c": centre_id, "lo": n - min_count, "hi": n + min_count},
    )
    for row in near:
        other = decode_members(row["members"])
        diff = len(members ^ other)
        if 0 < diff < min_count:
            return ReleasedCell(centre_id, "—", None, "withheld")
    shown = f"< {min_count}" if n < min_count else str(rounded(n, min_count))
    store.execute(
        "INSERT INTO released_counts (centre_id, username, criteria_hash, set_hash, size, members, released,"
        " created_at) VALUES (:c, :u, :q, :h, :n, :m, :r, :t)",
        {"c": centre_id, "u": username, "q": criteria_hash, "h": digest, "n": n,
         "m": encode_members(list(members)), "r": shown, "t": now_iso()},
    )
    return _cell(centre_id, shown, n, min_count)


def _cell(centre_id: str, shown: str, n: int, min_count: int) -> ReleasedCell:
    if shown.startswith("<"):
        return ReleasedCell(centre_id, shown, None, "small")
    return ReleasedCell(centre_id, shown, int(shown), "released")
