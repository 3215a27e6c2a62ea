"""Reading export files with errors that name the file and the line or record, plus the
context every extractor shares (address register, pseudonymiser, reprojection)."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyproj import Transformer

from graph_server.ingest.link import AddressMatch, AddressRegister, Pseudonymiser
from graph_server.ingest.records import Extract, RejectedRecord, SourceError

LAMBERT72 = "EPSG:31370"
L72_CRS_IRI = "http://www.opengis.net/def/crs/EPSG/0/31370"
_to_wgs84 = Transformer.from_crs(LAMBERT72, "EPSG:4326", always_xy=True)


@dataclass
class ExtractContext:
    register: AddressRegister
    pseudonymiser: Pseudonymiser
    city_name: str
    # Register address id -> deelgemeente key, and a spatial index to place bare coordinates.
    deelgemeente_of_address: dict | None = None
    nearest_address: "NearestAddress | None" = None

    def deelgemeente(self, adres_id, lon=None, lat=None) -> str:
        """The deelgemeente of a linked address, else of the register address nearest to the point."""
        if adres_id not in (None, "") and self.deelgemeente_of_address:
            found = self.deelgemeente_of_address.get(int(adres_id))
            if found:
                return found
        if lon is not None and lat is not None and self.nearest_address is not None:
            return self.nearest_address.nearest(lon, lat) or ""
        return ""

    def link_address(self, record: str, text: str | None, row: dict) -> AddressMatch:
        """Adds the address columns every mapping uses: the text as typed, the linked register
        id (or empty) and the link confidence."""
        found = self.register.link(record, text)
        row["adres_tekst"] = (text or "").strip()
        # Used as the last IRI segment of the address node, so that no node exists without text.
        row["adres_node"] = "adres" if row["adres_tekst"] else ""
        row["adres_id"] = found.adres_id if found.adres_id is not None else ""
        row["adres_zekerheid"] = round(found.confidence, 3)
        row["adres_methode"] = found.method
        return found


def require_file(path: Path) -> Path:
    if not path.exists():
        raise SourceError(f"{path}: file not found")
    if not path.is_file():
        raise SourceError(f"{path}: not a file")
    return path


def read_json(path: Path):
    require_file(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None


def json_records(path: Path, key: str, out: Extract):
    """The records of a JSON export `{key: [...]}` that have an `id`, with their index; the
    others are rejected with a pointer to their position. Every record is counted as read."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise SourceError(f"{path}: expected an object with a {key!r} list")
    for index, item in enumerate(data[key]):
        out.records_read += 1
        if not isinstance(item, dict) or not item.get("id"):
            out.rejected.append(RejectedRecord(out.source, f"{out.source}/#{index}",
                                               f"{path.name}: record {index} has no id"))
            continue
        yield item


def read_csv(path: Path, expected_header: list[str]):
    """Rows as dicts with their 1-based line number; a header that differs is an error."""
    require_file(path)
    try:
        handle = path.open(encoding="utf-8", newline="")
        reader = csv.reader(handle)
        header = next(reader, None)
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    if header != expected_header:
        handle.close()
        missing = [c for c in expected_header if c not in (header or [])]
        extra = [c for c in (header or []) if c not in expected_header]
        detail = "; ".join(part for part in (
            f"missing {', '.join(missing)}" if missing else "",
            f"unexpected {', '.join(extra)}" if extra else "",
        ) if part) or "columns in a different order"
        raise SourceError(f"{path}:1: wrong CSV header ({detail}); expected {','.join(expected_header)}")

    def rows():
        with handle:
            try:
                for line_number, values in enumerate(reader, start=2):
                    if len(values) != len(expected_header):
                        yield line_number, None
                        continue
                    yield line_number, dict(zip(expected_header, values))
            except (csv.Error, UnicodeDecodeError) as exc:
                raise SourceError(f"{path}:{reader.line_num}: unreadable CSV: {exc}") from None

    return rows()


def open_sqlite(path: Path, required_tables: dict[str, list[str]]) -> sqlite3.Connection:
    require_file(path)
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table, columns in required_tables.items():
            if table not in tables:
                raise SourceError(f"{path}: table {table!r} is missing")
            present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            missing = [c for c in columns if c not in present]
            if missing:
                raise SourceError(f"{path}: table {table!r} lacks column(s) {', '.join(missing)}")
    except sqlite3.DatabaseError as exc:
        raise SourceError(f"{path}: not a readable SQLite database ({exc})") from None
    connection.row_factory = sqlite3.Row
    return connection


def to_wgs84(x: float, y: float) -> tuple[float, float]:
    lon, lat = _to_wgs84.transform(x, y)
    return round(lon, 7), round(lat, 7)


def point_wkt(lon: float, lat: float) -> str:
    return f"POINT ({lon} {lat})"


def lambert_point_wkt(x: float, y: float) -> str:
    return f"<{L72_CRS_IRI}> POINT ({x} {y})"


def polygon_wkts(rings: list) -> tuple[str, str]:
    """WKT of a GeoJSON polygon in WGS84 and in Lambert 72 (both are kept)."""
    wgs, l72 = [], []
    for ring in rings:
        wgs.append(", ".join("%s %s" % to_wgs84(x, y) for x, y in ring))
        l72.append(", ".join(f"{x} {y}" for x, y in ring))
    return ("POLYGON (" + ", ".join(f"({r})" for r in wgs) + ")",
            f"<{L72_CRS_IRI}> POLYGON (" + ", ".join(f"({r})" for r in l72) + ")")


_NON_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """IRI-safe key for names (deelgemeenten, codes): ascii, lower case, hyphens."""
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return _NON_SLUG.sub("-", text.lower()).strip("-")


def code(value) -> str:
    """A code value as the mapping uses it in concept IRIs; unknown codes pass through and
    the SHACL codelist rule rejects them."""
    return slug(str(value)).replace("-", "_") if value not in (None, "") else ""


class NearestAddress:
    """Finds the register address nearest to a WGS84 point (grid buckets of ~500 m), to place
    a report with only coordinates in a deelgemeente."""

    CELL = 0.005

    def __init__(self):
        self._cells: dict[tuple[int, int], list[tuple[float, float, str]]] = {}

    def add(self, lon: float, lat: float, value: str) -> None:
        self._cells.setdefault(self._cell(lon, lat), []).append((lon, lat, value))

    def _cell(self, lon: float, lat: float) -> tuple[int, int]:
        return int(lon // self.CELL), int(lat // self.CELL)

    def nearest(self, lon: float, lat: float, max_rings: int = 6) -> str | None:
        cx, cy = self._cell(lon, lat)
        for ring in range(max_rings + 1):
            best = None
            for dx in range(-ring, ring + 1):
                for dy in range(-ring, ring + 1):
                    for plon, plat, value in self._cells.get((cx + dx, cy + dy), ()):
                        dist = (plon - lon) ** 2 + (plat - lat) ** 2
                        if best is None or dist < best[0]:
                            best = (dist, value)
            if best is not None:
                return best[1]
        return None
