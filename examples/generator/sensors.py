"""Sensors and hourly time series (`sensoren/sensoren.csv`, `sensoren/metingen.csv`).

4 air-quality stations (PM10 and NO2, PM2.5 on two), 2 noise meters (LAeq) and 4 traffic counters
(vehicles per hour): 16 series. Hours run from 2025-12-01T00:00 local time; scale 1 is one year
(8,760 hours), scale S is round(8760*S) hours with a minimum of 48. Values follow daily and weekly
traffic cycles, winter heating, school holidays and slow pollution episodes (AR(1) noise).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path

from .common import brussels_offset_hours, local_iso, rng_for, write_csv
from .dirt import DirtLog, assign
from .geography import Geography

START_UTC = datetime(2025, 11, 30, 23, 0)  # 2025-12-01T00:00+01:00
UNITS = {"PM10": "µg/m³", "PM2.5": "µg/m³", "NO2": "µg/m³", "LAeq": "dB(A)", "voertuigen": "voertuigen/uur"}
# unknown code per quantity: deterministic, so a dirty row keeps a unique record id
UNKNOWN_BY_GROOTHEID = {"PM10": "PM1", "PM2.5": "PM4", "NO2": "NOx", "LAeq": "LAmax", "voertuigen": "fietsers"}

# sensor_id, type, naam, straat, grootheden, traffic exposure / peak vehicles per hour, geplaatst
SENSORS = [
    ("LK-01", "luchtkwaliteit", "Luchtmeetpunt Grote Markt", "Grote Markt", ["PM10", "PM2.5", "NO2"], 0.6, "2023-03-14"),
    ("LK-02", "luchtkwaliteit", "Luchtmeetpunt Leuvensestraat", "Leuvensestraat", ["PM10", "NO2"], 1.0, "2023-03-14"),
    ("LK-03", "luchtkwaliteit", "Luchtmeetpunt Sint-Truidensesteenweg", "Sint-Truidensesteenweg", ["PM10", "PM2.5", "NO2"], 1.2, "2024-05-02"),
    ("LK-04", "luchtkwaliteit", "Luchtmeetpunt Oplinter (achtergrond)", "Oude Getestraat", ["PM10", "NO2"], 0.2, "2024-05-02"),
    ("GL-01", "geluid", "Geluidsmeter Grote Markt", "Grote Markt", ["LAeq"], 0.5, "2024-09-20"),
    ("GL-02", "geluid", "Geluidsmeter Aarschotsesteenweg", "Aarschotsesteenweg", ["LAeq"], 1.0, "2024-09-20"),
    ("VT-01", "verkeer", "Verkeersteller Leuvensestraat", "Leuvensestraat", ["voertuigen"], 650, "2022-11-07"),
    ("VT-02", "verkeer", "Verkeersteller Sint-Truidensesteenweg", "Sint-Truidensesteenweg", ["voertuigen"], 900, "2022-11-07"),
    ("VT-03", "verkeer", "Verkeersteller Aarschotsesteenweg", "Aarschotsesteenweg", ["voertuigen"], 750, "2023-06-19"),
    ("VT-04", "verkeer", "Verkeersteller Albertvest", "Albertvest", ["voertuigen"], 1100, "2023-06-19"),
]
SENSOR_HEADER = ["sensor_id", "type", "naam", "x_lambert72", "y_lambert72", "grootheid", "eenheid", "geplaatst"]
MEASUREMENT_HEADER = ["sensor_id", "grootheid", "tijdstip", "waarde"]


def n_hours(scale: float) -> int:
    return max(48, int(math.floor(8760 * scale + 0.5)))


def _traffic_shape(hour: float, weekday: int) -> float:
    """Relative traffic (weekday peak ~1.0)."""
    if weekday < 5:
        return (0.06 + 0.95 * math.exp(-((hour - 8) / 1.2) ** 2) + 0.9 * math.exp(-((hour - 17) / 1.6) ** 2)
                + 0.5 * math.exp(-((hour - 12.5) / 3.0) ** 2))
    top = 0.65 if weekday == 5 else 0.5
    return 0.05 + top * math.exp(-((hour - 14) / 3.5) ** 2)


def _holiday_factor(d: date) -> float:
    if d.month in (7, 8):
        return 0.82
    if (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day <= 3):
        return 0.75
    return 1.0


def _location(geo: Geography, street: str, where: float) -> tuple[float, float]:
    """A point on the pavement in front of the house at fraction `where` along the street."""
    s = geo.street_by_name[street]
    on_street = [a for a in geo.addresses if a.street is s]
    if on_street:
        a = on_street[int(len(on_street) * where)]
        return a.x - s.uy * 3.0, a.y + s.ux * 3.0  # on the pavement in front of a house
    return s.x0, s.y0


def build_sensors(seed: int, scale: float, geo: Geography, log: DirtLog, progress: bool = False):
    rng = rng_for(seed, "sensors")
    hours = n_hours(scale)
    times, local_hour, weekday, winter, holiday = [], [], [], [], []
    for h in range(hours):
        utc = START_UTC + timedelta(hours=h)
        local = utc + timedelta(hours=brussels_offset_hours(utc))
        times.append(local_iso(utc))
        local_hour.append(local.hour)
        weekday.append(local.weekday())
        doy = local.timetuple().tm_yday
        winter.append(0.5 * (1 + math.cos(2 * math.pi * (doy - 15) / 365.25)))
        holiday.append(_holiday_factor(local.date()))

    sensor_rows = []
    for sid, typ, naam, street, quantities, _, placed in SENSORS:
        x, y = _location(geo, street, 0.3 if typ == "verkeer" else 0.5)
        for q in quantities:
            sensor_rows.append([sid, typ, naam, round(x, 2), round(y, 2), q, UNITS[q], placed])
    # a sensor registered with swapped coordinates (outside the city)
    sensor_ids = [s[0] for s in SENSORS]
    bad_sensors = set(assign(rng, len(sensor_ids), [("outside_city", None)])["outside_city"])
    for i in sorted(bad_sensors):
        sid = sensor_ids[i]
        for row in sensor_rows:
            if row[0] == sid:
                row[3], row[4] = row[4], row[3]
        log.add("sensoren", "outside_city", sid)

    series = [(s, q) for s in SENSORS for q in s[4]]
    measurements: list[list] = []
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(series), desc="sensor series", unit="series", leave=False)
    for (sid, typ, naam, street, quantities, factor, _), q in series:
        srng = rng_for(seed, f"sensor-{sid}-{q}")
        ar_fast, ar_slow = 0.0, 0.0
        for h in range(hours):
            shape = _traffic_shape(local_hour[h], weekday[h]) * holiday[h]
            ar_fast = 0.85 * ar_fast + srng.gauss(0, 1)
            ar_slow = 0.97 * ar_slow + srng.gauss(0, 1)
            if q == "voertuigen":
                v = str(max(0, round(factor * shape * math.exp(srng.gauss(0, 0.12)))))
            elif q == "NO2":
                v = f"{max(2.0, 9 + 8 * winter[h] + 32 * factor * shape + 2.5 * ar_fast + 1.5 * ar_slow):.1f}"
            elif q == "PM10":
                v = f"{max(3.0, 13 + 9 * winter[h] + 5 * factor * shape + 1.2 * ar_fast + 1.8 * ar_slow):.1f}"
            elif q == "PM2.5":
                v = f"{max(1.5, 8 + 7 * winter[h] + 2.5 * factor * shape + 0.8 * ar_fast + 1.5 * ar_slow):.1f}"
            else:  # LAeq
                night_life = 5.0 if (street == "Grote Markt" and ((weekday[h] in (4, 5) and local_hour[h] >= 21)
                                                                  or (weekday[h] in (5, 6) and local_hour[h] <= 1))) else 0.0
                v = f"{43 + 22 * factor * math.sqrt(shape) + night_life + 1.2 * ar_fast:.1f}"
            measurements.append([sid, q, times[h], v])
        if bar:
            bar.update(1)
    if bar:
        bar.close()

    picks = assign(rng, len(measurements), [("invalid_date", None), ("unknown_code", None)])
    for i in picks["invalid_date"]:
        row = measurements[i]
        t = row[2]  # 2026-03-15T10:00:00+01:00 -> 15/03/2026 10:00+01:00 (unique per original)
        row[2] = f"{t[8:10]}/{t[5:7]}/{t[0:4]} {t[11:16]}{t[19:]}"
    for i in picks["unknown_code"]:
        measurements[i][1] = UNKNOWN_BY_GROOTHEID[measurements[i][1]]
    for kind in ("invalid_date", "unknown_code"):
        for i in picks[kind]:
            row = measurements[i]
            log.add("sensoren", kind, f"{row[0]}|{row[1]}|{row[2]}")
    log.ensure("sensoren", ["outside_city", "invalid_date", "unknown_code"])
    log.count("sensoren", "sensor", len(SENSORS))
    log.count("sensoren", "meting", len(measurements))
    return sensor_rows, measurements


def write_sensors(sensor_rows, measurements, out: Path) -> dict[str, int]:
    d = out / "sensoren"
    write_csv(d / "sensoren.csv", SENSOR_HEADER, sensor_rows)
    write_csv(d / "metingen.csv", MEASUREMENT_HEADER, measurements)
    return {"sensoren": len({r[0] for r in sensor_rows}), "sensor_rijen": len(sensor_rows), "metingen": len(measurements)}

