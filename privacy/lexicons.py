"""Name lexicons for names the registry does not know: first and last names of many countries.

The registry deny-list catches the names a centre already holds; a visitor, a relative, a nurse
or a patient of another hospital is not there. These lists come from Faker's person providers (a
pinned dependency, offline), Latin-script locales only: French (France, Belgium, Switzerland,
Québec, Algeria), English (UK, Ireland, US, Nigeria, India, Pakistan), Portuguese, Spanish,
Italian, German, Dutch, Polish, Romanian, Vietnamese, Turkish and other European and African
locales (Ghana's Twi and Kenya's English since issue 12 round 2), the Russian, Ukrainian and Bulgarian
ones transliterated to Latin letters, and a short list of West African first names no locale has;
about 13,700 first names and 16,800 surnames, folded (no case, no accents) like every
name key of ``privacy``. A word that is also French or English vocabulary ("Rose", "Pierre",
"Grace", "Long") needs more evidence before it is masked (see ``recognizers/first_name.py``).
"""

from __future__ import annotations

from functools import lru_cache

import regex
from faker.providers.person import (
    az_AZ,
    bg_BG,
    cs_CZ,
    da_DK,
    de_AT,
    de_DE,
    en_GB,
    en_IE,
    en_IN,
    en_KE,
    en_NG,
    en_PK,
    en_US,
    es_ES,
    es_MX,
    et_EE,
    fi_FI,
    fr_BE,
    fr_CA,
    fr_CH,
    fr_DZ,
    fr_FR,
    ga_IE,
    ha_NG,
    hr_HR,
    hu_HU,
    id_ID,
    ig_NG,
    it_IT,
    lt_LT,
    lv_LV,
    nl_BE,
    nl_NL,
    no_NO,
    pl_PL,
    pt_BR,
    pt_PT,
    ro_RO,
    ru_RU,
    sk_SK,
    sl_SI,
    sv_SE,
    sw,
    tr_TR,
    tw_GH,
    uk_UA,
    vi_VN,
    yo_NG,
)

from privacy.text import fold

LOCALES = (
    fr_FR, fr_BE, fr_CH, fr_CA, fr_DZ, en_GB, en_US, en_IE, en_NG, en_IN, en_PK, ga_IE, pt_PT, pt_BR,
    es_ES, es_MX, it_IT, de_DE, de_AT, nl_NL, nl_BE, pl_PL, ro_RO, vi_VN, tr_TR, cs_CZ, hr_HR, sk_SK,
    sl_SI, hu_HU, da_DK, sv_SE, no_NO, fi_FI, ig_NG, yo_NG, ha_NG, sw, id_ID, az_AZ, lt_LT, lv_LV, et_EE,
    tw_GH, en_KE,
)
# Cyrillic locales, transliterated (Russian, Ukrainian, Bulgarian patients and relatives are written in
# Latin letters in a French or English note: "Oksana Bondarenko", "Dmitri Ivanov").
CYRILLIC_LOCALES = (ru_RU, uk_UA, bg_BG)
_CYR = dict(zip("абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя",
                ["a", "b", "v", "g", "g", "d", "e", "e", "ie", "zh", "z", "i", "i", "i", "i", "k", "l", "m",
                 "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
                 "iu", "ia"], strict=True))
# West and Central African first names common in France that no Faker locale lists (Wolof, Fula,
# Mandinka, Bambara, Soninke, Akan, Igbo, Yoruba, Lingala speakers).
AFRICAN_FIRST_NAMES = frozenset('''
aminata bintou awa fatou ndeye mariama kadiatou oumou ramatoulaye aissatou coumba khady adama mamadou
moussa ousmane ibrahima boubacar cheikh modou abdoulaye souleymane seydou lamine alioune babacar samba
demba amadou oumar sekou mamadi djibril fode saliou assane astou dieynaba fanta kadidia hawa salimata
rokia djeneba nafissatou yacine sokhna penda maimouna tidiane malick aliou bakary lassana karamoko
youssouf kwame kwaku kofi yaw akosua abena adwoa efua chinwe chidi chinedu ngozi nkechi obinna emeka
adaeze uchenna ifeoma tunde babatunde folake funmilayo yetunde oluwaseun segun tendai thabo sipho
nomvula zanele wanjiru achieng kamau mbalia niakale assetou mamadou-lamine ndeye-fatou fatoumata
kadiatou djenabou aissata binta sira nene oumy mame ousseynou pape serigne mouhamed mamadou-saliou
olumide olamide ayomide temitope babajide olufemi oluwatobi ayodele bamidele damilola opeyemi kayode
'''.split())
AFRICAN_LAST_NAMES = frozenset('''
diallo ndiaye diop sow fall faye sarr gueye cisse traore keita kone coulibaly camara toure diarra sylla
konate sangare dembele diakite kouyate mbaye kane niang seck thiam mendy sagna badji mensah owusu boateng
asante osei okafor okonkwo adeyemi mukendi tshibangu ilunga kabongo mbuyi nkulu makiese diouf ndour
sane sene tall wade ba sy bamba doumbia fofana sissoko soumare tounkara dramé drame kante
'''.split())


def _latin(name: str) -> str:
    return "".join(_CYR.get(c, c) for c in name.lower())
_LATIN = regex.compile(r"^[\p{Latin}'’\-]+$")
# Short or ambiguous entries that are far more often something else in a clinical note.
_NOT_NAMES = frozenset("""
an ba be bo da de di do du el en et ha he ho la le li lo ma me mi mo na ne no ou sa se si so ta te ti to
va ve vi ya yo al bi ca co cy ed ge gu hy ki ky lu ly mu ny ra re ro ru ry su sy tu ty wa we xi
april may june july august march avril juin mars
""".split())


def _names(attrs: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for loc in LOCALES:
        provider = loc.Provider
        for attr in attrs:
            values = getattr(provider, attr, None) or ()
            for name in values.keys() if isinstance(values, dict) else values:
                if _LATIN.match(name) and len(name) >= 2:
                    out.add(fold(name))
    for loc in CYRILLIC_LOCALES:
        provider = loc.Provider
        for attr in attrs + tuple(a + suffix for a in attrs if a == "last_names" for suffix in ("_male",
                                                                                                "_female")):
            values = getattr(provider, attr, None) or ()
            for name in values.keys() if isinstance(values, dict) else values:
                latin = _latin(name)
                if _LATIN.match(latin) and len(latin) >= 3:
                    out.add(fold(latin))
                    if latin.endswith(("iy", "yy")):  # "Dmitriy" is also written "Dmitri"
                        out.add(fold(latin[:-1]))
                    out.add(fold(latin.replace("iia", "ia").replace("iu", "yu")))  # "Kseniia", "Ksenia"
    out |= AFRICAN_FIRST_NAMES if "first_names" in attrs else AFRICAN_LAST_NAMES
    return frozenset(out - _NOT_NAMES)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Folded first names of every locale (compound ones split too: "jean-pierre" and "jean")."""
    names = _names(("first_names", "first_names_female", "first_names_male"))
    parts = {p for n in names for p in n.split("-") if len(p) >= 3}
    return frozenset(names | (parts - _NOT_NAMES))


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    return _names(("last_names",))


def is_first_name_key(key: str) -> bool:
    """A folded first name, compound ones included ("anne-laure": "anne" and "laure")."""
    names = first_names()
    return key in names or "-" in key and all(p in names for p in key.split("-") if p)
