"""Organisation: units, locations and counters with opening hours (JSON)."""

from __future__ import annotations

from pathlib import Path

from graph_server.ingest.extract.common import ExtractContext, read_json
from graph_server.ingest.records import Extract, RejectedRecord, SourceError

DAYS = {"maandag": "Monday", "dinsdag": "Tuesday", "woensdag": "Wednesday", "donderdag": "Thursday",
        "vrijdag": "Friday", "zaterdag": "Saturday", "zondag": "Sunday"}


def _time(value: str) -> str:
    value = (value or "").strip()
    return f"{value}:00" if len(value) == 5 else value


def extract(folder: Path, ctx: ExtractContext) -> Extract:
    path = folder / "organisatie.json"
    data = read_json(path)
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("diensten", "locaties", "loketten")):
        raise SourceError(f"{path}: expected an object with lists 'diensten', 'locaties' and 'loketten'")
    out = Extract("organisatie")
    for kind, key in (("diensten", "code"), ("locaties", "id"), ("loketten", "id")):
        for index, item in enumerate(data[kind]):
            out.records_read += 1
            if not isinstance(item, dict) or not item.get(key):
                out.rejected.append(RejectedRecord("organisatie", f"organisatie/{kind}/#{index}", f"organisatie.json: {kind}[{index}] has no {key}"))
                continue
            record = f"organisatie/{kind}/{item[key]}"
            if kind == "diensten":
                out.table("dienst").append({"bron_record": record, "code": item["code"], "naam": item.get("naam") or "",
                                            "omschrijving": item.get("omschrijving") or "", "email": item.get("email") or "",
                                            "telefoon": item.get("telefoon") or "", "bovenliggend": item.get("bovenliggend") or ""})
            elif kind == "locaties":
                row = {"bron_record": record, "locatie_id": item["id"], "naam": item.get("naam") or ""}
                text = item.get("adres_tekst")
                found = ctx.link_address(record, text, row)
                if found.adres_id is None and item.get("adres_id"):
                    # The organisation application stores the register id itself: trust it.
                    row.update(adres_id=item["adres_id"], adres_zekerheid=1.0, adres_methode="register-id")
                out.table("locatie").append(row)
            else:
                out.table("loket").append({"bron_record": record, "loket_id": item["id"], "naam": item.get("naam") or "",
                                           "dienst": item.get("dienst") or "", "locatie": item.get("locatie") or ""})
                for position, hours in enumerate(item.get("openingsuren") or [], start=1):
                    out.table("openingsuren").append({
                        "loket_id": item["id"], "nr": position, "dag": DAYS.get(str(hours.get("dag", "")).lower(), hours.get("dag", "")),
                        "van": _time(hours.get("van")), "tot": _time(hours.get("tot")),
                        "op_afspraak": "true" if hours.get("op_afspraak") else "false"})
    return out
