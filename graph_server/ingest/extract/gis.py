"""GIS: address points, buildings and parcels as GeoJSON in Lambert 72."""

from __future__ import annotations

from pathlib import Path

from graph_server.ingest.extract.common import (
    ExtractContext, lambert_point_wkt, point_wkt, polygon_wkts, read_json, slug, to_wgs84,
)
from graph_server.ingest.records import Extract, RejectedRecord, SourceError


def _features(path: Path) -> list[dict]:
    data = read_json(path)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise SourceError(f"{path}: not a GeoJSON FeatureCollection")
    crs = str(data.get("crs", {}).get("properties", {}).get("name", ""))
    if "31370" not in crs:
        raise SourceError(f"{path}: expected coordinates in Lambert 72 (EPSG:31370), found crs {crs or 'none'}")
    return data["features"]


def extract(folder: Path, ctx: ExtractContext | None) -> Extract:
    out = Extract("gis")
    for index, feature in enumerate(_features(folder / "adressen.geojson")):
        props = feature.get("properties") or {}
        record = f"gis/adres/{props.get('adres_id', f'#{index}')}"
        out.records_read += 1
        try:
            x, y = feature["geometry"]["coordinates"][:2]
            lon, lat = to_wgs84(float(x), float(y))
        except (KeyError, TypeError, ValueError):
            out.rejected.append(RejectedRecord("gis", record, "adressen.geojson: feature without a usable point geometry"))
            continue
        number = str(props.get("huisnummer") or "")
        box = props.get("busnummer") or ""
        label = f"{props.get('straatnaam', '')} {number}{' bus ' + box if box else ''}, {props.get('postcode', '')} {props.get('deelgemeente', '')}"
        out.table("adres").append({
            "bron_record": record, "adres_id": props.get("adres_id", ""), "straatnaam_id": props.get("straatnaam_id", ""),
            "straatnaam": props.get("straatnaam", ""), "huisnummer": number, "busnummer": box,
            "postcode": props.get("postcode", ""), "deelgemeente": props.get("deelgemeente", ""),
            "deelgemeente_key": slug(props.get("deelgemeente") or ""), "status": props.get("status", ""),
            "label": label.strip(), "lon": lon, "lat": lat,
            "wkt": point_wkt(lon, lat), "wkt_l72": lambert_point_wkt(x, y),
        })
    for name, table, key in (("gebouwen.geojson", "gebouw", "gebouw_id"), ("percelen.geojson", "perceel", "capakey")):
        for index, feature in enumerate(_features(folder / name)):
            props = feature.get("properties") or {}
            ident = props.get(key)
            record = f"gis/{table}/{ident if ident is not None else f'#{index}'}"
            out.records_read += 1
            try:
                wkt, wkt_l72 = polygon_wkts(feature["geometry"]["coordinates"])
            except (KeyError, TypeError, ValueError):
                out.rejected.append(RejectedRecord("gis", record, f"{name}: feature without a usable polygon"))
                continue
            row = {"bron_record": record, "wkt": wkt, "wkt_l72": wkt_l72, "status": props.get("status", "")}
            if table == "perceel":
                row.update(capakey=ident or "", perceel_key=(ident or "").replace("/", "_"))
            else:
                row.update(gebouw_id=ident if ident is not None else "")
            out.table(table).append(row)
            for adres_id in props.get("adres_ids") or []:
                out.table(f"{table}_adres").append({**{k: row[k] for k in row if k in ("gebouw_id", "perceel_key")}, "adres_id": adres_id})
    return out
