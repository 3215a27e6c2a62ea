"""Organisation units (with codes), their locations and counters with opening hours, and the
staff logins that appear as `medewerker` in the CRM status history.

Only the historic city hall (Grote Markt 23, protected monument since 1973) is a verified
address; the other locations are plausible places on real street names and are forced to exist
in the synthetic address register so every `adres_id` resolves.
"""

from __future__ import annotations

from pathlib import Path

from .common import address_text, ascii_slug, rng_for, write_json
from .geography import Geography
from .names import NamePicker

# code, naam, omschrijving, bovenliggend
UNITS = [
    ("STAD", "Stad Tienen", "Het gemeentebestuur van Tienen (NIS 24107).", None),
    ("OCMW", "OCMW Tienen", "Openbaar centrum voor maatschappelijk welzijn van Tienen.", None),
    ("DIR", "Algemene directie", "Algemeen directeur, secretariaat en beleidsondersteuning.", "STAD"),
    ("ONTH", "Onthaal", "Centraal onthaal en telefooncentrale in het stadhuis.", "DIR"),
    ("COMM", "Communicatie", "Stadsmagazine, website, sociale media en persrelaties.", "DIR"),
    ("PERS", "Personeel en organisatie", "Personeelsbeleid, vacatures en loonadministratie.", "DIR"),
    ("ICT", "ICT", "Informatica, e-loket en digitale dienstverlening.", "DIR"),
    ("ARCH", "Stadsarchief", "Archief van stad en OCMW, opzoekingen en raadpleging.", "DIR"),
    ("FIN", "Financiën", "Budget, boekhouding, belastingen en retributies.", "STAD"),
    ("DEP-BW", "Departement Burger en Welzijn", "Burgerzaken en welzijn.", "STAD"),
    ("BURG", "Burgerzaken", "Bevolking, burgerlijke stand, identiteitsdocumenten, rijbewijzen en reispassen.", "DEP-BW"),
    ("OCMW-SOC", "Sociale dienst", "Leefloon, huurtoelage, schuldbemiddeling, energiefonds en thuiszorg (Sociaal Huis).", "OCMW"),
    ("WELZ", "Welzijn en zorg", "Seniorenbeleid, thuiszorg, maaltijden aan huis en dienstencentra.", "OCMW"),
    ("DEP-RO", "Departement Ruimte", "Omgeving, wonen, milieu, mobiliteit en openbare werken.", "STAD"),
    ("OMG", "Omgeving", "Omgevingsvergunningen, stedenbouwkundige inlichtingen en ruimtelijke planning.", "DEP-RO"),
    ("WON", "Wonen", "Woonkwaliteit, conformiteitsattesten en woonadvies.", "DEP-RO"),
    ("MIL", "Milieu", "Afval, natuur, energie en milieupremies.", "DEP-RO"),
    ("MOB", "Mobiliteit", "Parkeren, verkeer en fietsbeleid.", "DEP-RO"),
    ("WEG", "Openbare Werken", "Wegen, riolering, openbaar domein, groen en straatverlichting.", "DEP-RO"),
    ("DEP-VT", "Departement Vrije Tijd", "Cultuur, sport, jeugd, toerisme en evenementen.", "STAD"),
    ("CULT", "Cultuur", "Cultuurcentrum, academie, erfgoed en verenigingen.", "DEP-VT"),
    ("BIB", "Bibliotheek", "Stedelijke openbare bibliotheek.", "DEP-VT"),
    ("SPORT", "Sport", "Sportdienst, sporthallen en zwembad.", "DEP-VT"),
    ("JEUGD", "Jeugd", "Jeugdwerk, speelpleinwerking en kinderopvang.", "DEP-VT"),
    ("TOER", "Toerisme", "Toeristische dienst en stadsbezoek.", "DEP-VT"),
    ("EVE", "Evenementen", "Evenementenloket: vergunningen en materiaal voor evenementen.", "DEP-VT"),
    ("ECON", "Lokale economie", "Ondernemersloket, markten, horeca en handel.", "STAD"),
]

# id, naam, (straatnaam, huisnummer) or None, adres_tekst when not in the register.
# Stadhuis: verified. The others: plausible synthetic placements on real street names.
LOCATIONS = [
    ("LOC-STADHUIS", "Stadhuis", ("Grote Markt", "23"), None),
    ("LOC-TOREKE", "Museum Het Toreke en toeristisch infokantoor", ("Grote Markt", "6"), None),
    ("LOC-ADMIN", "Administratief centrum", ("Veemarkt", "2"), None),
    ("LOC-SOCHUIS", "Sociaal Huis", ("Kliniekstraat", "20"), None),
    ("LOC-KRUISBOOG", "Cultuurcentrum De Kruisboog", ("Sint-Jorisplein", "20"), None),
    ("LOC-BIB", "Stadsbibliotheek", ("Wolmarkt", "1"), None),
    ("LOC-SPORT", "Sportcentrum", ("Leuvenselaan", "20"), None),
    ("LOC-WERKPLAATS", "Stedelijke werkplaats", ("Ambachtenlaan", "12"), None),
    ("LOC-MOBIEL", "Mobiel loket deelgemeenten", None, "Wisselende locatie in de deelgemeenten"),
]
REQUIRED_ADDRESSES = [loc[2] for loc in LOCATIONS if loc[2] is not None]

DAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
WEEK = DAYS[:5]


def _slots(days, van, tot, afspraak=False):
    return [{"dag": d, "van": van, "tot": tot, "op_afspraak": afspraak} for d in days]


# id, naam, dienst, locatie, openingsuren (synthetic but typical of a Flemish town hall)
COUNTERS = [
    ("LOK-SNELBALIE", "Snelbalie Burgerzaken", "BURG", "LOC-STADHUIS",
     _slots(WEEK, "08:30", "12:00") + _slots(["woensdag"], "13:30", "16:00")),
    ("LOK-BURG-AFSPRAAK", "Burgerzaken op afspraak", "BURG", "LOC-STADHUIS",
     _slots(WEEK, "08:30", "12:00", True) + _slots(["maandag", "dinsdag", "donderdag"], "13:30", "16:00", True)
     + _slots(["dinsdag"], "16:00", "19:00", True) + _slots(["zaterdag"], "09:00", "12:00", True)),
    ("LOK-ONTHAAL", "Onthaal stadhuis", "ONTH", "LOC-STADHUIS",
     _slots(WEEK, "08:30", "12:00") + _slots(WEEK, "13:00", "16:30")),
    ("LOK-OMG", "Omgevingsloket", "OMG", "LOC-ADMIN",
     _slots(WEEK, "08:30", "12:00", True) + _slots(["dinsdag"], "16:00", "19:00", True)),
    ("LOK-WON", "Woonloket", "WON", "LOC-ADMIN", _slots(["maandag", "woensdag"], "09:00", "12:00")),
    ("LOK-MIL", "Milieuloket", "MIL", "LOC-ADMIN",
     _slots(WEEK, "08:30", "12:00") + _slots(["woensdag"], "13:30", "16:00")),
    ("LOK-FIN", "Loket Financiën", "FIN", "LOC-ADMIN", _slots(WEEK, "09:00", "12:00", True)),
    ("LOK-SOC", "Onthaal Sociaal Huis", "OCMW-SOC", "LOC-SOCHUIS",
     _slots(WEEK, "08:30", "12:00") + _slots(["maandag", "donderdag"], "13:30", "16:00", True)),
    ("LOK-WELZ", "Zorgloket", "WELZ", "LOC-SOCHUIS", _slots(["dinsdag", "donderdag"], "09:00", "12:00")),
    ("LOK-TOER", "Toeristisch infokantoor", "TOER", "LOC-TOREKE",
     _slots(DAYS[1:], "10:00", "17:00")),
    ("LOK-CULT", "Ticketbalie De Kruisboog", "CULT", "LOC-KRUISBOOG",
     _slots(["dinsdag", "woensdag", "donderdag", "vrijdag"], "13:00", "17:00") + _slots(["zaterdag"], "10:00", "12:00")),
    ("LOK-EVE", "Evenementenloket", "EVE", "LOC-KRUISBOOG", _slots(WEEK, "09:00", "12:00", True)),
    ("LOK-BIB", "Uitleenbalie bibliotheek", "BIB", "LOC-BIB",
     _slots(["maandag", "woensdag", "vrijdag"], "13:00", "19:00") + _slots(["dinsdag", "donderdag"], "13:00", "17:00")
     + _slots(["zaterdag"], "09:00", "13:00")),
    ("LOK-SPORT", "Sportonthaal", "SPORT", "LOC-SPORT", _slots(WEEK, "09:00", "12:00") + _slots(WEEK, "13:00", "21:00")),
    ("LOK-WEG", "Technische dienst", "WEG", "LOC-WERKPLAATS", _slots(WEEK, "08:00", "12:00")),
    ("LOK-ECON", "Ondernemersloket", "ECON", "LOC-ADMIN", _slots(["dinsdag", "donderdag"], "09:00", "12:00", True)),
    ("LOK-MOBIEL", "Mobiel loket", "BURG", "LOC-MOBIEL", _slots(["donderdag"], "09:00", "11:30", True)),
]

# staff per unit that handles CRM dossiers (logins: first letter + surname)
STAFF_UNITS = {"BURG": 14, "OMG": 8, "MIL": 5, "EVE": 3, "ONTH": 4, "WON": 3, "OCMW-SOC": 12}


def build_organisation(seed: int, geo: Geography) -> dict:
    diensten = []
    for i, (code, naam, omschrijving, parent) in enumerate(UNITS):
        diensten.append({"code": code, "naam": naam, "omschrijving": omschrijving,
                         "email": "info@tienen.be" if code == "STAD" else (
                             "info@ocmwtienen.be" if code == "OCMW" else f"{ascii_slug(naam)}@tienen.be"),
                         "telefoon": "016 80 57 00" if code in ("STAD", "ONTH") else f"016 80 {57 + i // 10:02d} {10 + i:02d}",
                         "bovenliggend": parent})
    locaties = []
    for loc_id, naam, where, text in LOCATIONS:
        if where is None:
            locaties.append({"id": loc_id, "naam": naam, "adres_id": None, "adres_tekst": text})
        else:
            adres_id = geo.lookup(*where)
            locaties.append({"id": loc_id, "naam": naam, "adres_id": adres_id, "adres_tekst": address_text(where[0], where[1], None)})
    loketten = [{"id": i, "naam": n, "dienst": d, "locatie": loc, "openingsuren": hours}
                for i, n, d, loc, hours in COUNTERS]
    return {"diensten": diensten, "locaties": locaties, "loketten": loketten}


def build_staff(seed: int) -> dict[str, list[tuple[str, str]]]:
    """unit code -> [(login, full name)], deterministic per seed, logins unique."""
    rng = rng_for(seed, "staff")
    names = NamePicker(rng)
    seen: set[str] = set()
    staff: dict[str, list[tuple[str, str]]] = {}
    for code, n in STAFF_UNITS.items():
        people = []
        while len(people) < n:
            sex = "M" if rng.random() < 0.4 else "V"
            first, last = names.given(sex), names.surname()
            login = ascii_slug(first)[0] + ascii_slug(last)
            if login in seen:
                continue
            seen.add(login)
            people.append((login, f"{first} {last}"))
        staff[code] = people
    return staff


def write_organisation(org: dict, out: Path) -> dict[str, int]:
    write_json(out / "organisatie" / "organisatie.json", org)
    return {"diensten": len(org["diensten"]), "locaties": len(org["locaties"]), "loketten": len(org["loketten"])}
