"""Postal addresses outside the French pattern: British and American ("221B Baker Street, London NW1
6XE", "Flat 3, 17 Wellington Road, Manchester M14 6BL", "88 Beacon St, Apt 4, Boston, MA 02108"),
continental with the street first and the number after ("Rua Augusta 45, 1100-053 Lisboa", "Via Roma
10, 00184 Roma", "Avenue Louise 231, 1050 Ixelles"), postcodes with a town alone ("Chicago, IL 60614",
"Cambridge CB1 2AD"), French ones typed in lower case ("4 impasse du moulin 24200 sarlat-la-canéda"),
and the building lines that open an address ("Bât. C, Résidence les Pins,", "Appt 112,").

Parts on consecutive lines or separated by a comma are joined into one region by the redactor.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from privacy.recognizers._base import FrPatternRecognizer

_CAP = r"\p{Lu}[\p{L}\p{M}'’\-]*"
_WORDS = rf"(?:{_CAP}[ \t]+){{0,3}}"
_EN_WAY = (r"(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Drive|Dr|Court|Ct|Close|Way|Place|Pl|Crescent|Cres"
           r"|Terrace"
           r"|Gardens|Gdns|Square|Sq|Boulevard|Blvd|Hill|Row|Mews|Walk|Grove|Park|Parade|Highway|Hwy)\.?")
_UNIT = r"(?:Flat|Apt|Apartment|Unit|Suite|Appt|Appartement|Bât\.?|Bâtiment|Batiment|Esc\.?|Escalier)"
_UK_PC = r"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"
_US_ZIP = r"[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?"
_TOWN = rf"{_CAP}(?!\d)(?:[ \t\-]+{_CAP}(?!\d)){{0,2}}"  # never the start of a postcode ("NW1")
_EN_STREET = (rf"(?<![\w])(?:{_UNIT}[ \t]+[\w\-]+,[ \t]*)?\d{{1,4}}[A-Za-z]?[ \t]+{_WORDS}{_EN_WAY}"
              rf"(?:,[ \t]*{_UNIT}[ \t]+[\w\-]+)?(?:,[ \t]*{_TOWN}){{0,3}}"
              rf"(?:,?[ \t]*(?:{_UK_PC}|{_US_ZIP}))?")
_TOWN_UK_PC = rf"(?<![\w]){_TOWN},?[ \t]+{_UK_PC}(?![\w])"
_TOWN_US_ZIP = rf"(?<![\w]){_TOWN},[ \t]*{_US_ZIP}(?![\w])"
_CONT_WAY = (r"(?:Rua|Via|Viale|Piazza|Largo|Calle|Carrer|Avenida|Paseo|Plaza|Travessa|Rue|Avenue|Chemin"
             r"|Boulevard"
             r"|Place|Quai|Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Laan|Straat|Plein|Kade|Steenweg|Ulica"
             r"|ul\.)")
# A continental street written as one word ("Bahnhofstrasse 45", "Keizersgracht 12", "Masarykova 27").
_CONT_WORD = (r"\p{Lu}[\p{Ll}\p{M}]+(?:stra(?:ss|ß)e|str\.|gasse|weg|platz|allee|ring|damm|ufer|laan|straat"
              r"|gracht|plein|dreef|steenweg|kade|singel|ova|ská|ského|ego|owa)")
_CONT_WAY_ANY = (r"(?i:rua|via|viale|vicolo|corso|piazza|largo|calle|carrer|avenida|av\.|paseo|plaza|travessa"
                 r"|praça|praca|alameda|rambla|ronda|camino|estrada|strada|str\.|calea|bulevardul|aleja|al\."
                 r"|ulica|ul\.|utca|náměstí|nám\.|rruga|derb|chaussée|steenweg|straat|laan|avenue|rue|c/)")
_CONT_AFTER_WAY = (r"(?:\p{Lu}[\p{Ll}\p{M}]+[ \t]+)(?:Markt|Plein|Straat|Laan|Weg|Gracht|Kade|Dreef|Lei"
                   r"|Ring|Platz|Gasse|Allee|Strasse|Straße|Steenweg|Street)")  # "Grote Markt 12"
_CONT_STREET2 = (rf"(?<![\w])(?:{_CONT_WAY_ANY}[ \t]+(?:[\p{{L}}\p{{M}}'’.\-]+[ \t]+){{0,4}}"
                 rf"|{_CONT_WORD}[ \t]+|{_CONT_AFTER_WAY}[ \t]+)"
                 r"\d{1,4}[a-zA-Z]?(?:/\d{1,4})?(?![\w])")
# A British street without a number before a town and postcode ("Chapel Lane, Harrowfield HX4 9QT").
_EN_STREET_TOWN = rf"(?<![\w]){_WORDS}{_CAP}[ \t]+{_EN_WAY},[ \t]*{_TOWN},?[ \t]+{_UK_PC}(?![\w])"
# A lieu-dit or hamlet before a postcode, in any case ("lieu-dit les grandes bruyères, 18340 plaimpied").
_LIEU_DIT = (r"(?<![\w])(?i:lieu-dit|lieudit|hameau|quartier)[ \t]+[^,\n]{2,40},[ \t]*\d{5}[ \t]+"
             r"[\p{L}'’\-]+(?:[ \t]+[\p{L}'’\-]+)?")
# A Vietnamese address: number and street, ward/district, city ("23 Nguyễn Huệ, Quận 1, TP. Hồ Chí Minh").
_VN = (r"(?<![\w])\d{1,4}[A-Z]?(?:/\d{1,4})?[ \t]+\p{Lu}[\p{L}\p{M}]*(?:[ \t]+\p{Lu}[\p{L}\p{M}]*){0,3}"
       r"(?:,[ \t]*(?:Phường|P\.|Quận|Q\.|Huyện|Xã)[ \t]*[\p{L}\p{M}\d ]{1,25}){1,2}"
       r"(?:,[ \t]*(?:(?:TP\.?|Thành phố|Tỉnh)[ \t]*)?\p{Lu}[\p{L}\p{M}]*"
       r"(?:[ \t]+\p{Lu}[\p{L}\p{M}]*){0,3})?")
# A North African or West African district and its city ("Hay Hassani, Casablanca", "Cité Keur Gorgui,
# Dakar", "Derb Sidi Bouloukat, Marrakech").
_DISTRICT_CITY = (r"(?<![\w])(?i:hay|douar|derb|quartier|cit[ée])[ \t]+\p{Lu}[\p{L}\p{M}'’\-]+"
                  r"(?:[ \t]+\p{Lu}[\p{L}\p{M}'’\-]+){0,2}(?:,[ \t]*[^,\n]{1,25}){0,2},[ \t]*"
                  r"\p{Lu}[\p{L}\p{M}'’\-]+(?:[ \t]+\d{5})?")
_CONT_PC_TOWN = rf"(?:\d{{4}}(?:-\d{{3}})?|\d{{5}})[ \t]+{_TOWN}"
_CONT_STREET = (rf"(?<![\w]){_CONT_WAY}[ \t]+(?:[\p{{L}}\p{{M}}'’\-]+[ \t]+){{0,4}}\d{{1,4}}[a-zA-Z]?"
                rf"(?:,[ \t]*{_CONT_PC_TOWN})?(?![\w])")
_FR_VOIE_LOWER = (r"(?i:rue|avenue|av\.|boulevard|bd|impasse|allée|allee|chemin|place|route|quai|cours|square"
                  r"|passage|lotissement|résidence|residence|hameau|lieu-dit|clos|sentier|voie|cité|cite)")
_LWORD = r"[\p{Ll}\p{M}'’\-]+"
_FR_LOWER = (rf"(?<![\w])\d{{1,4}}(?:[ \t]?(?:bis|ter))?,?[ \t]+{_FR_VOIE_LOWER}[ \t]+"
             rf"(?:{_LWORD}[ \t]+){{0,4}}"
             rf"{_LWORD}(?:,?[ \t]*\d{{5}}[ \t]+{_LWORD}(?:[ \t]+{_LWORD})?)?")
_BUILDING = (rf"(?<![\w])(?:(?:{_UNIT}|Résidence|Residence|Lotissement|Lieu-dit|Hameau|Domaine|Villa"
             rf"|Immeuble)[ \t]+[\p{{L}}\p{{M}}\d'’\-]+(?:[ \t]+[\p{{L}}\p{{M}}\d'’\-]+){{0,3}}"
             rf"[ \t]*[,\n][ \t]*){{1,3}}"
             rf"(?=\d{{1,4}}[ \t,]|{_UNIT}|Résidence)")


class IntlAddressRecognizer(FrPatternRecognizer):
    """British, American and continental addresses, lower-case French ones, building lines."""

    ENTITY = "ADDRESS"
    CASE_SENSITIVE = True
    PATTERNS = [
        Pattern("en_street", _EN_STREET, 0.7),
        Pattern("town_uk_postcode", _TOWN_UK_PC, 0.7),
        Pattern("town_us_zip", _TOWN_US_ZIP, 0.7),
        Pattern("continental_street", _CONT_STREET, 0.65),
        Pattern("fr_street_lower", _FR_LOWER, 0.65),
        Pattern("building_line", _BUILDING, 0.6),
        Pattern("continental_street_any", _CONT_STREET2, 0.6),
        Pattern("en_street_town_postcode", _EN_STREET_TOWN, 0.7),
        Pattern("lieu_dit_postcode", _LIEU_DIT, 0.65),
        Pattern("vietnamese_address", _VN, 0.65),
        Pattern("district_city", _DISTRICT_CITY, 0.6),
    ]
    CONTEXT = ["address", "adresse", "domicile", "home", "lives", "demeurant", "domicilié", "domiciliée"]
