"""The parts around a street that a street pattern does not reach, joined to an address already found.

A street is the strong sign of an address; what surrounds it is weak alone ("appt 23", "BP 412",
"2F1", "Quận 1", "Montréal (Québec) H3A 1H6") but certain next to it. So once the recognisers have
found an ADDRESS region, it grows:

- to the right over unit and delivery parts ("appt 5", "ap. 4", "3º Dto", "bte 3", "BP 1757",
  "CS 70025"), district words before a postcode ("Bela Vista"), and a postcode with its town in the
  forms of many countries ("4000-450 Porto", "00-514 Warszawa", "602 00 Brno", "H3A 1H6", "São
  Paulo - SP, 01310-200", "Dijon Cedex 2");
- to the left over building lines that open an address ("Résidence Le Clos Fleuri, Bât. B, Appt
  12,", "lieu-dit les grandes bruyères,", "hameau de la croix,", "2F1,", "Villa 112, Cité ...,").

Only ADDRESS regions grow; a part never starts an address on its own.
"""

from __future__ import annotations

import regex

from privacy.recognizers._names import PLACES
from privacy.text import fold

_L = r"[\p{L}\p{M}'’]"
_WORD = rf"{_L}+(?:-{_L}+)*"
_UNIT = (r"(?:(?i:appartement|apartamento|appt|apto|app\.?|apt\.?|ap\.|bo[iî]te|bte|bus|escalier|esc\.?"
         r"|bâtiment|batiment|bât\.?|bat\.?|bt|porte|étage|etage|flat|suite|unit|m\.|lok\.?|piso|dpto|imm\.?"
         r"|immeuble|n[°º])"
         r"[ \t]*(?:n[°º][ \t]*)?[\w\-]{1,5}(?:[ \t]+n[°º][ \t]*\d{1,4})?"
         r"|\d{1,2}[º°ª](?:[ \t]*(?:(?i:dto|dta|esq|izq|izda|dcha|dcho|andar|piso|puerta|pta|étage|etage"
         r"|floor)|\p{Lu}{1,3})\.?)?"
         r"|(?i:BP|CS|TSA|B\.P\.|PO[ \t]+Box|Postfach)[ \t]*\d{1,6})(?![\w])")
_PC = (r"(?:(?:CH|B|L|D|F|A|I|E|P|NL|MC)-)?(?:\d{2}-\d{3}|\d{3}[ \t]\d{2}|\d{4}-\d{3}|\d{5}-\d{3}|\d{4,6}"
       r"|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2})")
_TOWN = (rf"{_WORD}(?:[ \t]+(?:{_WORD})){{0,3}}(?:[ \t]+\((?:{_WORD})(?:[ \t]+{_WORD})?\))?"
         r"(?:[ \t]+(?i:cedex)(?:[ \t]+\d{1,2})?)?")
_PC_TOWN = rf"{_PC}[ \t]+{_TOWN}"
_TOWN_PC = rf"{_TOWN}(?:[ \t]*-[ \t]*[A-Z]{{2}})?(?:,?[ \t]+|[ \t]*\n[ \t]*){_PC}(?![\w])"
# Arrondissements written after the city ("8 rue Pasteur, Lyon 3e"), a bare postcode after a state
# ("Fitzroy VIC 3065").
_ARRONDISSEMENT = r"(?:Paris|Lyon|Marseille|PARIS|LYON|MARSEILLE)[ \t]+\d{1,2}(?:e|er|ème|eme)(?![\w])"
_BARE_PC = r"[ \t]+\d{4,5}(?![\w])"
_DISTRICT = rf"\p{{Lu}}{_L}*(?:[ \t]+\p{{Lu}}{_L}*){{0,2}}"
_SEP = r"(?:[ \t]*,[ \t]*|[ \t]*\n[ \t]*|[ \t]+)"
_NUMBER_TAIL = r"(?:/\d{1,4}[a-zA-Z]?)?(?:[ \t]+(?i:m\.|bte|bus|ap\.|apt\.?)[ \t]*\d{1,4}(?![\w]))?"
TAIL = regex.compile(
    rf"{_NUMBER_TAIL}(?:{_SEP}{_UNIT})*"
    rf"(?:(?:{_SEP}{_DISTRICT}){{0,2}}{_SEP}(?:{_PC_TOWN}|{_TOWN_PC}|{_ARRONDISSEMENT})|{_BARE_PC})?"
)
_PC_FIRST = regex.compile(rf"{_NUMBER_TAIL}(?:{_SEP}{_UNIT})*(?:{_SEP}{_PC_TOWN})")
_HEAD_PART = (r"(?:(?i:lieu-dit|lieudit|hameau|r[ée]sidence|cit[ée]|villa|immeuble|domaine|lotissement"
              r"|quartier|b[âa]t\.?|b[âa]timent|bt|appt|apt\.?|flat|imm\.?|bp|cs|tsa)"
              r"[ \t]+[\w'’\-]+(?:[ \t]+[\w'’\-]+){0,4}|\d{1,2}F\d{1,2})")
HEAD = regex.compile(rf"(?:{_HEAD_PART}[ \t]*(?:,|[ \t][-–])[ \t]*)+$")
# A place name opening a line before a postcode and town ("Le Bourg, 24560 Issigeac", "La Ferme des
# Trois Chênes, 71250 Cluny"): capitalised words, no digit, then a comma.
_PLACE_HEAD = regex.compile(r"(?:^|(?<=:[ \t]))[ \t]*\K\p{Lu}[\p{L}\p{M}'’\-]*"
                            r"(?:[ \t]+[\p{L}\p{M}'’\-]+){0,5}[ \t]*,[ \t]*$", regex.MULTILINE)
_STARTS_WITH_PC = regex.compile(rf"{_PC}[ \t]+\p{{L}}")
# A country after an address is left out (it says little and reads as narrative).
COUNTRIES = frozenset("""
france portugal espagne spain italie italy allemagne germany belgique belgium suisse switzerland maroc
algerie tunisie senegal vietnam pologne poland roumanie romania turquie turkey angleterre england ecosse
scotland irlande ireland india china chine europe africa afrique asia asie america amerique
""".split())
_CITY_AFTER = regex.compile(r"[ \t]*,[ \t]*(\p{Lu}[\p{L}\p{M}'’\-]+)(?![\w])")


def grow(text: str, start: int, end: int) -> tuple[int, int]:
    """The region ``[start, end)`` of an address widened over its unit, delivery, postcode and
    building parts."""
    m = _PC_FIRST.match(text, end) or TAIL.match(text, end)
    if m and m.end() > end:
        tail = text[end:m.end()]
        # A tail of units only must not swallow the next line's first word ("\nSuite du traitement").
        if "\n" not in tail or regex.search(r"\d", tail):
            end = m.end()
    city = _CITY_AFTER.match(text, end)
    # "Rue 12, n° 4, Casablanca": a known city closes the address
    if city and fold(city.group(1)) in PLACES and fold(city.group(1)) not in COUNTRIES:
        end = city.end()
    line_start = text.rfind("\n", 0, start) + 1
    h = HEAD.search(text, max(line_start, start - 120), start)
    if h:
        start = h.start()
    elif _STARTS_WITH_PC.match(text, start):
        p = _PLACE_HEAD.search(text, max(line_start, start - 60), start)
        if p:
            start = p.start()
    return start, end
