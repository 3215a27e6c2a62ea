"""Social-welfare files (restricted): one CSV row per file."""

from __future__ import annotations

from pathlib import Path

from graph_server.ingest.extract.common import ExtractContext, code, read_csv
from graph_server.ingest.records import Extract, RejectedRecord

HEADER = ["dossier_id", "rijksregisternummer", "voornaam", "achternaam", "adres_tekst", "steunvorm", "status",
          "geopend", "afgesloten", "maatschappelijk_werker"]


def extract(folder: Path, ctx: ExtractContext) -> Extract:
    path = folder / "dossiers.csv"
    out = Extract("sociaal")
    for line, row in read_csv(path, HEADER):
        out.records_read += 1
        if row is None:
            out.rejected.append(RejectedRecord("sociaal", f"sociaal/dossiers.csv#L{line}", f"dossiers.csv:{line}: wrong number of fields"))
            continue
        record = f"sociaal/dossier/{row['dossier_id'] or '#L' + str(line)}"
        key = ctx.pseudonymiser.person_key(row["rijksregisternummer"])
        if not row["dossier_id"] or key is None:
            out.rejected.append(RejectedRecord("sociaal", record, "dossier_id of rijksregisternummer ontbreekt of is ongeldig"))
            continue
        item = {"bron_record": record, "dossier_id": row["dossier_id"], "persoon_key": key,
                "voornaam": row["voornaam"], "achternaam": row["achternaam"], "steunvorm": code(row["steunvorm"]),
                "status": code(row["status"]), "geopend": row["geopend"], "afgesloten": row["afgesloten"],
                "maatschappelijk_werker": row["maatschappelijk_werker"]}
        ctx.link_address(record, row["adres_tekst"], item)
        out.table("dossier").append(item)
    return out
