"""Fake but natural values for pseudonymised exports.

A real name becomes a fake one chosen by a keyed hash of (patient, folded word): the same
name in the same patient's documents always gets the same fake name, the same name in another
patient's documents a different one, and nobody without the secret can map back. First names
are replaced by first names of the same sex when the sex of the name is known, surnames by
surnames; case style (DUPONT, Dupont) and particles (de, Le, Da) are kept.
"""

from __future__ import annotations

from functools import lru_cache

from privacy.keys import keyed_int
from privacy.text import WORD_RE, fold

_PARTICLES = frozenset("de du des d la le les van von der da di del mac mc ben el al".split())


@lru_cache(maxsize=1)
def _lists() -> tuple[list[str], list[str], list[str], frozenset[str], frozenset[str]]:
    from faker.providers.person.fr_FR import Provider

    female = sorted({n for n in Provider.first_names_female if " " not in n})
    male = sorted({n for n in Provider.first_names_male if " " not in n})
    last = sorted({n for n in Provider.last_names if " " not in n and "'" not in n})
    return female, male, last, frozenset(fold(n) for n in female), frozenset(fold(n) for n in male)


def first_name_keys() -> frozenset[str]:
    """Folded French first names (both sexes): a word after a title that is one of these is
    followed by a surname ("Dr Michelle Masse": "Masse" is the surname, not the clinical word)."""
    _, _, _, female_keys, male_keys = _lists()
    return female_keys | male_keys


def fake_word(word: str, key: bytes) -> str:
    """The surrogate of one name word (hyphenated parts are replaced one by one)."""
    if "-" in word:
        return "-".join(fake_word(part, key) for part in word.split("-"))
    folded = fold(word)
    if folded in _PARTICLES or len(word) <= 1:
        return word
    female, male, last, female_keys, male_keys = _lists()
    pool = female if folded in female_keys else male if folded in male_keys else last
    fake = pool[keyed_int("surrogate-name", folded, key=key) % len(pool)]
    if word.isupper() and len(word) > 1:
        return fake.upper()
    if word.islower():
        return fake.lower()
    return fake


def fake_name(text: str, key: bytes) -> str:
    """Replace every word of a name, keeping spaces, punctuation and initials as they are."""
    return WORD_RE.sub(lambda m: fake_word(m.group(), key), text)
