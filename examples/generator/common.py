"""Small helpers shared by the generator modules: seeded random streams, scaling, dates with the
Brussels offset, Belgian national register numbers, Lambert 72 -> WGS84, deterministic writers.

Nothing here reads the clock or the global `random` state: every stream is a `random.Random`
seeded from (seed, name), so adding draws to one module never shifts another module's data.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import unicodedata
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

# The CRM and citizen-report windows, and the moment the exports were taken.
PERIOD_START = date(2024, 1, 1)
PERIOD_END = date(2026, 11, 28)
EXPORTED_AT = "2026-11-28T23:00:00+01:00"
REFERENCE_DATE = PERIOD_END  # ages are computed against this day

# City bounding box (approximate, see docs/sources.md): Lambert 72 and WGS84 (lon/lat).
BBOX_L72 = (184580.0, 160060.0, 196660.0, 173500.0)
BBOX_WGS84 = (4.86, 50.75, 5.03, 50.87)
# In-city points are drawn inside this smaller box, which lies inside both boxes above (the two
# boxes are not the same quadrilateral once projected).
INNER_L72 = (185000.0, 160500.0, 196200.0, 173000.0)

POSTCODE = "3300"
CITY = "Tienen"


def rng_for(seed: int, name: str) -> random.Random:
    """An independent, reproducible stream per (seed, purpose). String seeding uses SHA-512,
    so it does not depend on PYTHONHASHSEED."""
    return random.Random(f"schakel-{seed}-{name}")


def scaled(base: float, scale: float, minimum: int) -> int:
    """Linear scaling with a floor (round half up, never banker's rounding)."""
    return max(minimum, int(math.floor(base * scale + 0.5)))


def rate_count(rate: float, n: int) -> int:
    """How many of `n` records get a dirt kind at `rate`: round half up, at least one when
    there is anything to dirty, so every kind is present at every scale."""
    if n <= 0:
        return 0
    return min(n, max(1, int(math.floor(rate * n + 0.5))))


def weighted_choice(rng: random.Random, items: list, weights: list[float]):
    return rng.choices(items, weights=weights, k=1)[0]


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (deterministic)."""
    s = float(sum(weights))
    raw = [total * w / s for w in weights]
    parts = [int(math.floor(r)) for r in raw]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


# --- time -------------------------------------------------------------------------------------

def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def brussels_offset_hours(utc: datetime) -> int:
    """+2 during EU summer time (last Sunday of March 01:00 UTC .. last Sunday of October 01:00
    UTC), else +1. `utc` is naive UTC."""
    start = datetime.combine(_last_sunday(utc.year, 3), datetime.min.time()) + timedelta(hours=1)
    end = datetime.combine(_last_sunday(utc.year, 10), datetime.min.time()) + timedelta(hours=1)
    return 2 if start <= utc < end else 1


def local_iso(utc: datetime) -> str:
    """Naive UTC -> ISO 8601 local Brussels time with its offset, seconds precision."""
    off = brussels_offset_hours(utc)
    return (utc + timedelta(hours=off)).replace(tzinfo=timezone(timedelta(hours=off))).isoformat()


def local_to_utc(local: datetime) -> datetime:
    """Naive Brussels wall time -> naive UTC (for times not inside the DST gap/overlap hour,
    which office hours never are)."""
    guess = local - timedelta(hours=1)
    return local - timedelta(hours=brussels_offset_hours(guess))


def random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


# --- people -----------------------------------------------------------------------------------

def rrn_checksum(birth: date, counter: int) -> int:
    """Mod-97 check digits of a rijksregisternummer; births from 2000 on prefix a '2'."""
    base = int(f"{birth:%y%m%d}{counter:03d}")
    if birth.year >= 2000:
        base += 2_000_000_000
    return 97 - (base % 97)


def make_rrn(birth: date, counter: int) -> str:
    return f"{birth:%y%m%d}{counter:03d}{rrn_checksum(birth, counter):02d}"


def rrn_is_valid(rrn: str) -> bool:
    digits = "".join(ch for ch in rrn if ch.isdigit())
    if len(digits) != 11:
        return False
    body, check = int(digits[:9]), int(digits[9:])
    return 97 - body % 97 == check or 97 - (2_000_000_000 + body) % 97 == check


def format_rrn_dotted(rrn: str) -> str:
    """85010112345 -> 85.01.01-123.45 (how many back-office screens print it)."""
    return f"{rrn[0:2]}.{rrn[2:4]}.{rrn[4:6]}-{rrn[6:9]}.{rrn[9:11]}"


def ascii_slug(text: str, sep: str = "") -> str:
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    out = []
    for ch in norm:
        if ch.isalnum():
            out.append(ch)
        elif sep and out and out[-1] != sep:
            out.append(sep)
    return "".join(out).strip(sep)


# --- addresses --------------------------------------------------------------------------------

def address_text(straatnaam: str, huisnummer: str, busnummer: str | None) -> str:
    """The canonical way a clerk types a register address: `Grote Markt 23, 3300 Tienen`,
    `Veemarkt 12 bus 3, 3300 Tienen`."""
    bus = f" bus {busnummer}" if busnummer else ""
    return f"{straatnaam} {huisnummer}{bus}, {POSTCODE} {CITY}"


# --- coordinates ------------------------------------------------------------------------------

# EPSG:31370 (Belgian Lambert 72) on the International 1924 ellipsoid, and the BD72 -> WGS84
# 7-parameter transformation (EPSG:15929 values, position-vector convention as in PROJ's
# +towgs84). Implemented here instead of calling PROJ so the output cannot depend on which
# PROJ grids a machine has installed (byte-identical files per seed).
_A_INTL = 6378388.0
_F_INTL = 1 / 297.0
_A_WGS = 6378137.0
_F_WGS = 1 / 298.257223563
_LAT1 = math.radians(51.16666723333333)
_LAT2 = math.radians(49.8333339)
_LAT0 = math.radians(90.0)
_LON0 = math.radians(4.367486666666666)
_X0, _Y0 = 150000.013, 5400088.438
_TOWGS84 = (-106.8686, 52.2978, -103.7239, 0.3366, -0.457, 1.8422, -1.2747)


def _lcc_constants():
    e = math.sqrt(_F_INTL * (2 - _F_INTL))

    def m(phi):
        return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)

    def t(phi):
        return math.tan(math.pi / 4 - phi / 2) / ((1 - e * math.sin(phi)) / (1 + e * math.sin(phi))) ** (e / 2)

    n = (math.log(m(_LAT1)) - math.log(m(_LAT2))) / (math.log(t(_LAT1)) - math.log(t(_LAT2)))
    big_f = m(_LAT1) / (n * t(_LAT1) ** n)
    rho0 = _A_INTL * big_f * (t(_LAT0) ** n if _LAT0 < math.pi / 2 else 0.0)
    return e, n, big_f, rho0


_E, _N, _BIGF, _RHO0 = _lcc_constants()


def lambert72_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """Lambert 72 metres -> (lon, lat) WGS84 degrees; agrees with PROJ's default
    EPSG:31370->4326 transformation to well under a metre."""
    dx, dy = x - _X0, _RHO0 - (y - _Y0)
    rho = math.copysign(math.hypot(dx, dy), _N)
    theta = math.atan2(dx, dy)
    t = (rho / (_A_INTL * _BIGF)) ** (1 / _N)
    phi = math.pi / 2 - 2 * math.atan(t)
    for _ in range(10):
        es = _E * math.sin(phi)
        phi = math.pi / 2 - 2 * math.atan(t * ((1 - es) / (1 + es)) ** (_E / 2))
    lam = theta / _N + _LON0
    # geodetic (BD72, intl) -> geocentric
    e2 = _F_INTL * (2 - _F_INTL)
    nu = _A_INTL / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    X = nu * math.cos(phi) * math.cos(lam)
    Y = nu * math.cos(phi) * math.sin(lam)
    Z = nu * (1 - e2) * math.sin(phi)
    tx, ty, tz, rx, ry, rz, ds = _TOWGS84
    sec = math.pi / (180 * 3600)
    rx, ry, rz, s = rx * sec, ry * sec, rz * sec, 1 + ds * 1e-6
    X2 = tx + s * (X - rz * Y + ry * Z)
    Y2 = ty + s * (rz * X + Y - rx * Z)
    Z2 = tz + s * (-ry * X + rx * Y + Z)
    # geocentric -> geodetic (WGS84)
    e2w = _F_WGS * (2 - _F_WGS)
    p = math.hypot(X2, Y2)
    lat = math.atan2(Z2, p * (1 - e2w))
    for _ in range(10):
        nu_w = _A_WGS / math.sqrt(1 - e2w * math.sin(lat) ** 2)
        lat = math.atan2(Z2 + e2w * nu_w * math.sin(lat), p)
    return math.degrees(math.atan2(Y2, X2)), math.degrees(lat)


def inside_l72(x: float, y: float) -> bool:
    return BBOX_L72[0] <= x <= BBOX_L72[2] and BBOX_L72[1] <= y <= BBOX_L72[3]


def inside_wgs84(lon: float, lat: float) -> bool:
    return BBOX_WGS84[0] <= lon <= BBOX_WGS84[2] and BBOX_WGS84[1] <= lat <= BBOX_WGS84[3]


# --- deterministic writers --------------------------------------------------------------------

def write_json(path: Path, obj, indent: int | None = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, ensure_ascii=False, indent=indent, sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8", newline="\n")


def write_csv(path: Path, header: list[str], rows) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    n = 0
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
        n += 1
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return n


def write_feature_collection(path: Path, features: list[dict]) -> None:
    """GeoJSON with the Lambert 72 `crs` member, one feature per line (diff- and grep-friendly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": '
            '{"name": "urn:ogc:def:crs:EPSG::31370"}}, "features": [\n')
    body = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    path.write_text(head + body + ("\n" if features else "") + "]}\n", encoding="utf-8", newline="\n")
