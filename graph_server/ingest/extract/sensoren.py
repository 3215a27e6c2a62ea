"""Sensors: the sensor list and hourly measurements (CSV)."""

from __future__ import annotations

from pathlib import Path

from graph_server.ingest.extract.common import ExtractContext, code, lambert_point_wkt, point_wkt, read_csv, to_wgs84
from graph_server.ingest.records import Extract, RejectedRecord

SENSOR_HEADER = ["sensor_id", "type", "naam", "x_lambert72", "y_lambert72", "grootheid", "eenheid", "geplaatst"]
MEASUREMENT_HEADER = ["sensor_id", "grootheid", "tijdstip", "waarde"]


def extract(folder: Path, ctx: ExtractContext | None) -> Extract:
    sensors_path, measurements_path = folder / "sensoren.csv", folder / "metingen.csv"
    out = Extract("sensoren")
    known: set[str] = set()
    for line, row in read_csv(sensors_path, SENSOR_HEADER):
        out.records_read += 1
        if row is None or not row["sensor_id"]:
            out.rejected.append(RejectedRecord("sensoren", f"sensoren/sensoren.csv#L{line}", f"sensoren.csv:{line}: wrong number of fields or no sensor_id"))
            continue
        record = f"sensoren/sensor/{row['sensor_id']}|{row['grootheid']}"
        try:
            x, y = float(row["x_lambert72"]), float(row["y_lambert72"])
        except ValueError:
            out.rejected.append(RejectedRecord("sensoren", record, f"sensoren.csv:{line}: coordinates are not numbers"))
            continue
        lon, lat = to_wgs84(x, y)
        known.add(row["sensor_id"])
        out.table("sensor").append({
            "bron_record": record, "sensor_id": row["sensor_id"], "type": code(row["type"]), "naam": row["naam"],
            "grootheid": code(row["grootheid"]), "eenheid": row["eenheid"], "geplaatst": row["geplaatst"],
            "lon": lon, "lat": lat, "wkt": point_wkt(lon, lat), "wkt_l72": lambert_point_wkt(x, y),
        })
    for line, row in read_csv(measurements_path, MEASUREMENT_HEADER):
        out.records_read += 1
        if row is None:
            out.rejected.append(RejectedRecord("sensoren", f"sensoren/metingen.csv#L{line}", f"metingen.csv:{line}: wrong number of fields"))
            continue
        stamp = "".join(ch for ch in row["tijdstip"][:16] if ch.isdigit())
        # The pointer is the export's own natural key, as staff would look the row up.
        record = f"sensoren/meting/{row['sensor_id']}|{row['grootheid']}|{row['tijdstip']}"
        if row["sensor_id"] not in known:
            out.rejected.append(RejectedRecord("sensoren", record, f"metingen.csv:{line}: unknown sensor {row['sensor_id']!r}"))
            continue
        out.table("meting").append({"bron_record": record, "sensor_id": row["sensor_id"], "grootheid": code(row["grootheid"]),
                                    "stempel": stamp, "tijdstip": row["tijdstip"], "waarde": row["waarde"]})
    return out
