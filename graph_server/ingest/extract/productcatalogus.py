"""Product catalogue (IPDC/LPDC-like JSON), flattened: one table per nested list."""

from __future__ import annotations

from pathlib import Path

from graph_server.ingest.extract.common import ExtractContext, code, json_records
from graph_server.ingest.records import Extract


def extract(folder: Path, ctx: ExtractContext | None) -> Extract:
    out = Extract("productcatalogus")
    for item in json_records(folder / "producten.json", "producten", out):
        pid = str(item["id"])
        days = item.get("doorlooptijd_dagen")
        out.table("product").append({
            "bron_record": f"productcatalogus/product/{pid}", "product_id": pid, "naam": item.get("naam") or "",
            "beschrijving": item.get("beschrijving") or "", "thema": item.get("thema") or "",
            "type": item.get("type") or "", "procedure": item.get("procedure") or "",
            "dienst": item.get("bevoegde_dienst") or "",
            "doorlooptijd": f"P{int(days)}D" if isinstance(days, (int, float)) else "",
        })
        for name, rows in (("doelgroep", item.get("doelgroepen")), ("trefwoord", item.get("trefwoorden")),
                           ("voorwaarde", item.get("voorwaarden"))):
            for position, value in enumerate(rows or [], start=1):
                out.table(name).append({"product_id": pid, "nr": position, "waarde": value, "code": code(value)})
        for position, cost in enumerate(item.get("kosten") or [], start=1):
            out.table("kost").append({"product_id": pid, "nr": position, "bedrag": cost.get("bedrag", ""),
                                      "valuta": cost.get("valuta") or "EUR", "omschrijving": cost.get("omschrijving") or ""})
        for position, evidence in enumerate(item.get("bewijsstukken") or [], start=1):
            out.table("bewijsstuk").append({"product_id": pid, "nr": position, "naam": evidence.get("naam") or "",
                                            "beschrijving": evidence.get("beschrijving") or ""})
        for position, channel in enumerate(item.get("kanalen") or [], start=1):
            out.table("kanaal").append({"product_id": pid, "nr": position, "type": code(channel.get("type")),
                                        "omschrijving": channel.get("omschrijving") or "", "url": channel.get("url") or ""})
    return out
