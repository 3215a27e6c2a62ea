"""Citizen reports: a JSON dump of the reporting API."""

from __future__ import annotations

from pathlib import Path

from graph_server.ingest.extract.common import ExtractContext, code, point_wkt, json_records
from graph_server.ingest.records import Extract


def extract(folder: Path, ctx: ExtractContext) -> Extract:
    out = Extract("meldingen")
    for item in json_records(folder / "meldingen.json", "meldingen", out):
        record = f"meldingen/melding/{item['id']}"
        melder = item.get("melder") if isinstance(item.get("melder"), dict) else {}
        location = item.get("locatie") if isinstance(item.get("locatie"), dict) else {}
        lon, lat = location.get("lon"), location.get("lat")
        row = {
            "bron_record": record, "melding_id": item["id"], "type": code(item.get("type")),
            "beschrijving": item.get("beschrijving") or "", "status": code(item.get("status")),
            "aangemaakt": item.get("aangemaakt") or "", "gewijzigd": item.get("gewijzigd") or "",
            "melder_key": ctx.pseudonymiser.person_key(melder.get("rijksregisternummer")) or "",
            "melder_naam": melder.get("naam") or "",
            "lon": lon if lon is not None else "", "lat": lat if lat is not None else "",
            "punt_node": "punt" if lon is not None and lat is not None else "",
            "wkt": point_wkt(lon, lat) if lon is not None and lat is not None else "",
        }
        found = ctx.link_address(record, item.get("adres"), row)
        row["deelgemeente_key"] = ctx.deelgemeente(found.adres_id, lon, lat)
        out.table("melding").append(row)
    return out
