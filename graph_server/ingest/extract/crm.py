"""Case management: dossiers, their status history and contacts, from the CRM's SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from graph_server.ingest.extract.common import ExtractContext, code, open_sqlite
from graph_server.ingest.records import Extract, RejectedRecord, SourceError

TABLES = {
    "contact": ["id", "rijksregisternummer", "voornaam", "achternaam", "email", "adres_tekst"],
    "dossier": ["id", "dossiernummer", "type", "status", "geopend", "afgesloten", "behandelende_dienst",
                "aanvrager_id", "adres_tekst", "omschrijving"],
    "statushistoriek": ["id", "dossier_id", "status", "tijdstip"],
}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def extract(folder: Path, ctx: ExtractContext) -> Extract:
    path = folder / "crm.sqlite"
    out = Extract("crm")
    connection = open_sqlite(path, TABLES)
    try:
        person_of_contact: dict[int, str] = {}
        for row in connection.execute("SELECT * FROM contact ORDER BY id"):
            record = f"crm/contact/{row['id']}"
            out.records_read += 1
            key = ctx.pseudonymiser.person_key(row["rijksregisternummer"])
            if key is None:
                out.rejected.append(RejectedRecord("crm", record, "rijksregisternummer ontbreekt of is ongeldig (controlecijfer)"))
                continue
            person_of_contact[row["id"]] = key
            person = {"bron_record": record, "persoon_key": key, "voornaam": _text(row["voornaam"]),
                      "achternaam": _text(row["achternaam"]), "email": _text(row["email"])}
            ctx.link_address(record, row["adres_tekst"], person)
            out.table("persoon").append(person)

        numbers: dict[int, str] = {}
        for row in connection.execute("SELECT * FROM dossier ORDER BY id"):
            number = _text(row["dossiernummer"])
            record = f"crm/dossier/{number or '#' + str(row['id'])}"
            out.records_read += 1
            if not number:
                out.rejected.append(RejectedRecord("crm", record, "dossiernummer ontbreekt: het dossier kan geen identificator krijgen"))
                continue
            numbers[row["id"]] = number
            dossier = {
                "bron_record": record, "dossiernummer": number, "type": code(row["type"]),
                "status": code(row["status"]), "geopend": _text(row["geopend"]), "afgesloten": _text(row["afgesloten"]),
                "dienst": _text(row["behandelende_dienst"]), "omschrijving": _text(row["omschrijving"]),
                "aanvrager_key": person_of_contact.get(row["aanvrager_id"], ""),
            }
            ctx.link_address(record, row["adres_tekst"], dossier)
            out.table("dossier").append(dossier)

        for row in connection.execute("SELECT * FROM statushistoriek ORDER BY dossier_id, tijdstip, id"):
            number = numbers.get(row["dossier_id"])
            if number is None:
                continue  # belongs to a dossier rejected above; its record carries the reason
            out.table("stap").append({"dossiernummer": number, "stap_id": row["id"], "status": code(row["status"]),
                                      "tijdstip": _text(row["tijdstip"])})
    except sqlite3.DatabaseError as exc:
        raise SourceError(f"{path}: not a readable SQLite database ({exc})") from None
    finally:
        connection.close()
    return out
