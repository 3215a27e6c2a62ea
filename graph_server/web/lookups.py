"""Product and dossier lookups for the counter page, run through the scope gate.

* Product autocomplete: the catalogue's titles and keywords, read as the anonymous role
  (`publiek`) so the list can only ever hold public data; cached for a minute.
* Product card: one `cpsv:PublicService` with its costs, evidence, conditions, channels and
  procedure, again as `publiek`.
* Dossier card: one `dbo:Case` by its number, as the signed-in principal: a role that may not
  see dossiers gets "not found", exactly as for a number that does not exist.

User input only ever reaches SPARQL as an escaped string literal.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass

from graph_server.scopes import Principal, ScopeGate, principal_for_role

PREFIXES = """PREFIX cpsv: <http://purl.org/vocab/cpsv#>
PREFIX dbo: <http://dbpedia.org/ontology/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX m8g: <http://data.europa.eu/m8g/>
PREFIX sk: <https://w3id.org/schakel/ns#>
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX dossier: <https://data.vlaanderen.be/ns/dossier#>
PREFIX locn: <http://www.w3.org/ns/locn#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
"""

MAX_INPUT = 200
_DOSSIER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


def sparql_string(value: str) -> str:
    """A SPARQL string literal for any text (quotes, backslashes and line breaks escaped)."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text.lower()).strip()


def _text(term) -> str | None:
    if term is None:
        return None
    return term.value


def _label(row: dict, *names: str) -> str | None:
    for name in names:
        if name in row and row[name] is not None:
            return row[name].value
    return None


@dataclass
class _Title:
    product_id: str
    title: str
    keywords: tuple[str, ...]
    folded: str
    folded_keywords: tuple[str, ...]


class Lookups:
    def __init__(self, config, gate: ScopeGate, *, cache_seconds: float = 60.0):
        self.config = config
        self.gate = gate
        self.public = principal_for_role(config, "publiek", name="web:autocomplete")
        self.cache_seconds = cache_seconds
        self._titles: tuple[float, list[_Title]] | None = None
        self._lock = threading.Lock()

    def _rows(self, principal: Principal, sparql: str, max_rows: int = 500) -> list[dict]:
        return self.gate.evaluate(principal, PREFIXES + sparql, max_rows=max_rows).rows()

    # products ----------------------------------------------------------------------------
    def titles(self) -> list[_Title]:
        now = time.monotonic()
        with self._lock:
            if self._titles is not None and now - self._titles[0] < self.cache_seconds:
                return self._titles[1]
        rows = self._rows(self.public, """
            SELECT ?id ?title (GROUP_CONCAT(DISTINCT ?kw; SEPARATOR="|") AS ?keywords) WHERE {
              ?p a cpsv:PublicService ; dct:identifier ?id ; dct:title ?title .
              OPTIONAL { ?p dcat:keyword ?kw }
            } GROUP BY ?id ?title ORDER BY ?title""", max_rows=5000)
        titles = []
        for row in rows:
            keywords = tuple(k for k in (_text(row.get("keywords")) or "").split("|") if k)
            title = row["title"].value
            titles.append(_Title(row["id"].value, title, keywords, fold(title), tuple(fold(k) for k in keywords)))
        with self._lock:
            self._titles = (now, titles)
        return titles

    def suggest(self, query: str, limit: int = 10) -> list[dict]:
        """Titles matching the typed text: word-prefix matches first, then substring matches in
        the title, then keyword matches."""
        q = fold(query[:MAX_INPUT])
        if len(q) < 2:
            return []
        ranked: list[tuple[int, str, _Title, str | None]] = []
        for t in self.titles():
            words = t.folded.split(" ")
            if t.folded.startswith(q):
                ranked.append((0, t.folded, t, None))
            elif any(w.startswith(q) for w in words):
                ranked.append((1, t.folded, t, None))
            elif q in t.folded:
                ranked.append((2, t.folded, t, None))
            else:
                hit = next((k for k, fk in zip(t.keywords, t.folded_keywords) if q in fk), None)
                if hit is not None:
                    ranked.append((3, t.folded, t, hit))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [{"id": t.product_id, "title": t.title, **({"keyword": kw} if kw else {})}
                for _, _, t, kw in ranked[:limit]]

    def product_by_title(self, title: str) -> str | None:
        wanted = fold(title[:MAX_INPUT])
        for t in self.titles():
            if t.folded == wanted or t.product_id.lower() == wanted:
                return t.product_id
        matches = self.suggest(title, limit=2)
        return matches[0]["id"] if len(matches) == 1 else None

    def product(self, product_id: str) -> dict | None:
        if not product_id or len(product_id) > 64:
            return None
        ident = sparql_string(product_id)
        base = self._rows(self.public, f"""
            SELECT ?p ?title ?description ?time ?provider ?providerLabel ?procedure ?theme WHERE {{
              ?p a cpsv:PublicService ; dct:identifier {ident} ; dct:title ?title .
              OPTIONAL {{ ?p dct:description ?description }}
              OPTIONAL {{ ?p m8g:processingTime ?time }}
              OPTIONAL {{ ?p m8g:serviceProvider ?provider .
                         OPTIONAL {{ ?provider skos:prefLabel ?providerLabel }} }}
              OPTIONAL {{ ?p cpsv:follows/dct:description ?procedure }}
              OPTIONAL {{ ?p m8g:thematicArea/skos:prefLabel ?theme FILTER(lang(?theme) = "nl") }}
            }} LIMIT 1""")
        if not base:
            return None
        row = base[0]
        iri = row["p"].value
        node = f"<{iri}>"
        costs = self._rows(self.public, f"""
            SELECT ?value ?currency ?description WHERE {{
              {node} m8g:hasCost ?c . ?c m8g:value ?value .
              OPTIONAL {{ ?c m8g:currency ?currency }} OPTIONAL {{ ?c dct:description ?description }}
            }} ORDER BY ?c""")
        evidence = self._rows(self.public, f"""
            SELECT ?title ?description WHERE {{
              {node} cpsv:hasInput ?e . ?e dct:title ?title . OPTIONAL {{ ?e dct:description ?description }}
            }} ORDER BY ?e""")
        conditions = self._rows(self.public, f"""
            SELECT ?description WHERE {{ {node} sk:voorwaarde ?v . ?v dct:description ?description }} ORDER BY ?v""")
        channels = self._rows(self.public, f"""
            SELECT ?type ?typeLabel ?description ?url WHERE {{
              {node} m8g:hasChannel ?k .
              OPTIONAL {{ ?k dct:type ?type OPTIONAL {{ ?type skos:prefLabel ?typeLabel FILTER(lang(?typeLabel) = "nl") }} }}
              OPTIONAL {{ ?k dct:description ?description }} OPTIONAL {{ ?k schema:url ?url }}
            }} ORDER BY ?k""")
        return {
            "id": product_id,
            "iri": iri,
            "title": row["title"].value,
            "description": _text(row.get("description")),
            "processing_time": _duration_nl(_text(row.get("time"))),
            "provider": _label(row, "providerLabel") or _last_segment(_text(row.get("provider"))),
            "theme": _text(row.get("theme")),
            "procedure": _text(row.get("procedure")),
            "costs": [{"amount": _amount(c["value"].value, _last_segment(_text(c.get("currency")))),
                       "description": _text(c.get("description"))} for c in costs],
            "evidence": [{"title": e["title"].value, "description": _text(e.get("description"))} for e in evidence],
            "conditions": [c["description"].value for c in conditions],
            "channels": [{"type": _label(k, "typeLabel") or _last_segment(_text(k.get("type"))),
                          "description": _text(k.get("description")), "url": _safe_url(_text(k.get("url")))}
                         for k in channels],
        }

    def unit_label(self, code: str | None) -> str | None:
        """'Sociale dienst (OCMW-SOC)' for a unit code, from the public organisation graph."""
        if not code or len(code) > 64:
            return None
        rows = self._rows(self.public, f"""
            SELECT ?label WHERE {{
              ?unit skos:notation {sparql_string(code)} ; skos:prefLabel ?label .
            }} LIMIT 1""")
        return f"{rows[0]['label'].value} ({code})" if rows else code

    # dossiers ----------------------------------------------------------------------------
    def dossier(self, principal: Principal, number: str) -> dict | None:
        number = number.strip()
        if not _DOSSIER_NUMBER.match(number):
            return None
        ident = sparql_string(number.upper())
        base = self._rows(principal, f"""
            SELECT ?d ?id ?description ?type ?typeLabel ?status ?statusLabel ?opened ?closed ?unit ?unitLabel
                   ?address ?applicant WHERE {{
              ?d a dbo:Case ; dct:identifier ?id .
              FILTER(UCASE(STR(?id)) = {ident})
              OPTIONAL {{ ?d dct:description ?description }}
              OPTIONAL {{ ?d sk:dossiertype ?type OPTIONAL {{ ?type skos:prefLabel ?typeLabel FILTER(lang(?typeLabel) = "nl") }} }}
              OPTIONAL {{ ?d adms:status ?status OPTIONAL {{ ?status skos:prefLabel ?statusLabel FILTER(lang(?statusLabel) = "nl") }} }}
              OPTIONAL {{ ?d dossier:openingsdatum ?opened }}
              OPTIONAL {{ ?d dossier:sluitingsdatum ?closed }}
              OPTIONAL {{ ?d sk:behandelendeDienst ?unit OPTIONAL {{ ?unit skos:prefLabel ?unitLabel }} }}
              OPTIONAL {{ ?d locn:address/locn:fullAddress ?address }}
              OPTIONAL {{ ?d sk:aanvrager/rdfs:label ?applicant }}
            }} LIMIT 1""")
        if not base:
            return None
        row = base[0]
        node = f"<{row['d'].value}>"
        steps = self._rows(principal, f"""
            SELECT ?status ?statusLabel ?time WHERE {{
              {node} dossier:doorloopt ?s .
              OPTIONAL {{ ?s adms:status ?status OPTIONAL {{ ?status skos:prefLabel ?statusLabel FILTER(lang(?statusLabel) = "nl") }} }}
              OPTIONAL {{ ?s prov:startedAtTime ?time }}
            }} ORDER BY ?time""")
        return {
            "number": row["id"].value,
            "description": _text(row.get("description")),
            "type": _label(row, "typeLabel") or _last_segment(_text(row.get("type"))),
            "status": _label(row, "statusLabel") or _last_segment(_text(row.get("status"))),
            "opened": _text(row.get("opened")),
            "closed": _text(row.get("closed")),
            "unit": _label(row, "unitLabel") or _last_segment(_text(row.get("unit"))),
            "address": _text(row.get("address")),
            "applicant": _text(row.get("applicant")),
            "steps": [{"status": _label(s, "statusLabel") or _last_segment(_text(s.get("status"))),
                       "time": _text(s.get("time"))} for s in steps],
        }


def _last_segment(iri: str | None) -> str | None:
    if not iri:
        return None
    return re.split(r"[/#]", iri.rstrip("/"))[-1].replace("_", " ")


def _amount(value: str, currency: str | None) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    text = f"{number:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if text.endswith(",00"):
        text = text[:-3]
    return f"€ {text}" if currency in (None, "EUR") else f"{text} {currency}"


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def _duration_nl(value: str | None) -> str | None:
    if not value:
        return None
    match = _DURATION.match(value)
    if not match:
        return value
    parts = []
    for amount, one, many in zip(match.groups(), ("jaar", "maand", "week", "dag"), ("jaar", "maanden", "weken", "dagen")):
        if amount:
            parts.append(f"{int(amount)} {one if int(amount) == 1 else many}")
    return ", ".join(parts) or value


def _safe_url(url: str | None) -> str | None:
    return url if url and url.startswith(("https://", "http://")) else None


__all__ = ["Lookups", "sparql_string", "fold"]
