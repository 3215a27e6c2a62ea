"""The Tienen query mix of `benchmarks/sparql.py` and `benchmarks/load.py`: what integrators,
the counter (balie) and reporting ask of the endpoint, over the scale-1 store.

Each query has placeholders `{NAME}` filled per round from parameter pools read from the
store itself (like BSBM's parameterised mixes), so no engine can answer from a result cache
of one fixed text. The text is plain SPARQL 1.1 that Oxigraph and Virtuoso 7 both accept,
with no engine-specific functions: the same request goes to every system.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PREFIXES = """\
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX adres: <https://data.vlaanderen.be/ns/adres#>
PREFIX gebouw: <https://data.vlaanderen.be/ns/gebouw#>
PREFIX perceel: <https://data.vlaanderen.be/ns/perceel#>
PREFIX dossier: <https://data.vlaanderen.be/ns/dossier#>
PREFIX dbo: <http://dbpedia.org/ontology/>
PREFIX locn: <http://www.w3.org/ns/locn#>
PREFIX cpsv: <http://purl.org/vocab/cpsv#>
PREFIX m8g: <http://data.europa.eu/m8g/>
PREFIX schema: <http://schema.org/>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX sk: <https://w3id.org/schakel/ns#>
"""

CONCEPT = "https://w3id.org/schakel/id/concept/"
PM10 = f"<{CONCEPT}grootheid/pm10>"


@dataclass(frozen=True)
class Query:
    key: str
    who: str  # integrator | balie | rapportering
    title: str
    text: str  # with {PLACEHOLDERS}
    accept: str = "application/sparql-results+json"

    def render(self, params: dict[str, str]) -> str:
        return PREFIXES + self.text.format(**params)


QUERIES: list[Query] = [
    Query("Q01", "balie", "kostprijs van een product (trefwoord)", """
SELECT ?product ?titel ?bedrag ?omschrijving WHERE {{
  ?product a cpsv:PublicService ;
           dcat:keyword {KEYWORD} ;
           dct:title ?titel ;
           m8g:hasCost ?kost .
  ?kost m8g:value ?bedrag .
  OPTIONAL {{ ?kost dct:description ?omschrijving }}
}} ORDER BY ?titel ?bedrag"""),
    Query("Q02", "balie", "openingsuren van de loketten op een dag", """
SELECT ?loket ?naam ?open ?dicht WHERE {{
  ?loket a m8g:Channel ;
         rdfs:label ?naam ;
         schema:hoursAvailable ?uren .
  ?uren schema:dayOfWeek {DAY} ;
        schema:opens ?open ;
        schema:closes ?dicht .
}} ORDER BY ?naam ?open"""),
    Query("Q03", "balie", "status van een dossier op nummer, met zijn stappen", """
SELECT ?dossier ?type ?status ?geopend ?gesloten ?dienst ?stap ?stapStatus ?tijdstip WHERE {{
  ?dossier dct:identifier {DOSSIER} ;
           a dbo:Case ;
           sk:dossiertype ?type ;
           adms:status ?status ;
           dossier:openingsdatum ?geopend ;
           dossier:doorloopt ?stap .
  ?stap adms:status ?stapStatus ;
        prov:startedAtTime ?tijdstip .
  OPTIONAL {{ ?dossier dossier:sluitingsdatum ?gesloten }}
  OPTIONAL {{ ?dossier sk:behandelendeDienst ?d . ?d skos:prefLabel ?dienst }}
}} ORDER BY ?tijdstip"""),
    Query("Q04", "rapportering", "open meldingen per deelgemeente", f"""
SELECT ?deelgemeente (COUNT(?melding) AS ?open) WHERE {{{{
  ?melding a sk:Melding ;
           adms:status ?status ;
           sk:deelgemeente ?dg .
  ?dg rdfs:label ?deelgemeente .
  FILTER(?status IN (<{CONCEPT}meldingstatus/nieuw>, <{CONCEPT}meldingstatus/in_behandeling>))
}}}} GROUP BY ?deelgemeente ORDER BY DESC(?open) ?deelgemeente"""),
    Query("Q05", "rapportering", "dossiers per type per maand (een jaar)", """
SELECT ?type ?maand (COUNT(?dossier) AS ?aantal) WHERE {{
  ?dossier a dbo:Case ;
           sk:dossiertype ?type ;
           dossier:openingsdatum ?geopend .
  FILTER(?geopend >= "{YEAR}-01-01"^^xsd:date && ?geopend < "{NEXT_YEAR}-01-01"^^xsd:date)
  BIND(SUBSTR(STR(?geopend), 1, 7) AS ?maand)
}} GROUP BY ?type ?maand ORDER BY ?type ?maand"""),
    Query("Q06", "rapportering", "doorlooptijd van afgesloten dossiers per type (dagen)", """
SELECT ?type (COUNT(?dossier) AS ?dossiers) (AVG(?dagen) AS ?gemiddeld) (MAX(?dagen) AS ?langst) WHERE {{
  ?dossier a dbo:Case ;
           sk:dossiertype ?type ;
           dossier:openingsdatum ?o ;
           dossier:sluitingsdatum ?s .
  # days between two dates as a difference of Julian day numbers (portable SPARQL 1.1)
  BIND(FLOOR((14 - MONTH(?o)) / 12) AS ?ao) BIND(YEAR(?o) + 4800 - ?ao AS ?yo) BIND(MONTH(?o) + 12 * ?ao - 3 AS ?mo)
  BIND(FLOOR((14 - MONTH(?s)) / 12) AS ?as) BIND(YEAR(?s) + 4800 - ?as AS ?ys) BIND(MONTH(?s) + 12 * ?as - 3 AS ?ms)
  BIND((DAY(?s) + FLOOR((153 * ?ms + 2) / 5) + 365 * ?ys + FLOOR(?ys / 4) - FLOOR(?ys / 100) + FLOOR(?ys / 400))
     - (DAY(?o) + FLOOR((153 * ?mo + 2) / 5) + 365 * ?yo + FLOOR(?yo / 4) - FLOOR(?yo / 100) + FLOOR(?yo / 400)) AS ?dagen)
}} GROUP BY ?type ORDER BY ?type"""),
    Query("Q07", "integrator", "adressen in een straat", """
SELECT ?adres ?label ?huisnummer ?busnummer WHERE {{
  ?straat a adres:Straatnaam ;
          rdfs:label {STREET} .
  ?adres adres:heeftStraatnaam ?straat ;
         rdfs:label ?label ;
         adres:huisnummer ?huisnummer .
  OPTIONAL {{ ?adres adres:busnummer ?busnummer }}
}} ORDER BY ?label"""),
    Query("Q08", "balie", "perceel en gebouw bij een adres", """
SELECT ?adres ?perceel ?capakey ?gebouw ?status WHERE {{
  ?adres a adres:Adres ;
         rdfs:label {ADDRESS} .
  OPTIONAL {{ ?adres adres:isToegekendAan ?perceel . ?perceel a perceel:Perceel ; sk:capakey ?capakey }}
  OPTIONAL {{ ?adres adres:isToegekendAan ?gebouw . ?gebouw a gebouw:Gebouw ; gebouw:Gebouw.status ?status }}
}}"""),
    Query("Q09", "integrator", "laatste meetwaarde van een sensor", """
SELECT ?grootheid ?tijdstip ?waarde WHERE {{
  ?sensor dct:identifier {SENSOR} ;
          sosa:observes ?grootheid .
  ?meting sosa:madeBySensor ?sensor ;
          sosa:observedProperty ?grootheid ;
          sosa:resultTime ?tijdstip ;
          sosa:hasSimpleResult ?waarde .
}} ORDER BY DESC(?tijdstip) LIMIT 1"""),
    Query("Q10", "rapportering", "daggemiddelde PM10 per sensor (een maand)", f"""
SELECT ?sensor ?dag (AVG(?waarde) AS ?gemiddelde) (COUNT(?meting) AS ?metingen) WHERE {{{{
  ?meting sosa:observedProperty {PM10} ;
          sosa:madeBySensor ?sensor ;
          sosa:resultTime ?tijdstip ;
          sosa:hasSimpleResult ?waarde .
  FILTER(?tijdstip >= "{{MONTH_START}}"^^xsd:dateTime && ?tijdstip < "{{MONTH_END}}"^^xsd:dateTime)
  BIND(SUBSTR(STR(?tijdstip), 1, 10) AS ?dag)
}}}} GROUP BY ?sensor ?dag ORDER BY ?sensor ?dag"""),
    Query("Q11", "rapportering", "overschrijdingen van de PM10-daggrens (50 µg/m³) per sensor", f"""
SELECT ?sensor (COUNT(?dag) AS ?dagenBovenGrens) (MAX(?gemiddelde) AS ?hoogste) WHERE {{{{
  {{{{ SELECT ?sensor ?dag (AVG(?waarde) AS ?gemiddelde) WHERE {{{{
      ?meting sosa:observedProperty {PM10} ;
              sosa:madeBySensor ?sensor ;
              sosa:resultTime ?tijdstip ;
              sosa:hasSimpleResult ?waarde .
      BIND(SUBSTR(STR(?tijdstip), 1, 10) AS ?dag)
    }}}} GROUP BY ?sensor ?dag }}}}
  FILTER(?gemiddelde > {{THRESHOLD}})
}}}} GROUP BY ?sensor ORDER BY ?sensor"""),
    Query("Q12", "rapportering", "aantal gebouwen per status", """
SELECT ?status (COUNT(?gebouw) AS ?aantal) WHERE {{
  ?gebouw a gebouw:Gebouw ;
          gebouw:Gebouw.status ?status .
}} GROUP BY ?status ORDER BY DESC(?aantal)"""),
    Query("Q13", "balie", "meldingen in een straat (al gemeld?)", """
SELECT ?melding ?type ?status ?aangemaakt WHERE {{
  ?straat a adres:Straatnaam ;
          rdfs:label {STREET} .
  ?adres adres:heeftStraatnaam ?straat .
  ?plaats adres:verwijstNaar ?adres .
  ?melding a sk:Melding ;
           locn:address ?plaats ;
           oa:motivatedBy ?type ;
           adms:status ?status ;
           dct:created ?aangemaakt .
}} ORDER BY DESC(?aangemaakt) LIMIT 50"""),
    Query("Q14", "integrator", "productfiche als RDF (CONSTRUCT)", """
CONSTRUCT {{
  ?product dct:title ?titel ; dct:description ?beschrijving ; m8g:hasCost ?kost ; m8g:hasChannel ?kanaal ;
           cpsv:hasInput ?bewijs .
  ?kost m8g:value ?bedrag ; dct:description ?kostOmschrijving .
  ?kanaal dct:type ?kanaalType .
  ?bewijs dct:title ?bewijsTitel .
}} WHERE {{
  ?product dct:identifier {PRODUCT} ; a cpsv:PublicService ; dct:title ?titel .
  OPTIONAL {{ ?product dct:description ?beschrijving }}
  OPTIONAL {{ ?product m8g:hasCost ?kost . ?kost m8g:value ?bedrag . OPTIONAL {{ ?kost dct:description ?kostOmschrijving }} }}
  OPTIONAL {{ ?product m8g:hasChannel ?kanaal . ?kanaal dct:type ?kanaalType }}
  OPTIONAL {{ ?product cpsv:hasInput ?bewijs . ?bewijs dct:title ?bewijsTitel }}
}}""", accept="application/n-triples"),
    Query("Q15", "integrator", "bestaat dit adres? (ASK)", """
ASK {{ ?adres a adres:Adres ; rdfs:label {ADDRESS} ; adres:Adres.status ?status }}"""),
    Query("Q16", "integrator", "producten van een dienst met contactgegevens", """
SELECT ?dienst ?naam ?email ?telefoon ?product ?titel WHERE {{
  ?dienst skos:notation {UNIT} ;
          skos:prefLabel ?naam .
  OPTIONAL {{ ?dienst schema:contactPoint ?cp . OPTIONAL {{ ?cp schema:email ?email }} OPTIONAL {{ ?cp schema:telephone ?telefoon }} }}
  ?product m8g:serviceProvider ?dienst ;
           dct:title ?titel .
}} ORDER BY ?titel"""),
]

# Pools of parameter values, read from the store (through any of the endpoints) before a run.
POOL_QUERIES: dict[str, str] = {
    "KEYWORD": "SELECT DISTINCT ?v WHERE { ?p a cpsv:PublicService ; dcat:keyword ?v ; m8g:hasCost ?k }",
    "DOSSIER": "SELECT ?v WHERE { ?d a dbo:Case ; dct:identifier ?v } ORDER BY ?v",
    "STREET": "SELECT DISTINCT ?v WHERE { ?s a adres:Straatnaam ; rdfs:label ?v }",
    "ADDRESS": "SELECT ?v WHERE { ?a a adres:Adres ; rdfs:label ?v ; adres:isToegekendAan ?x } ORDER BY ?v",
    "SENSOR": "SELECT DISTINCT ?v WHERE { ?s a sosa:Sensor ; dct:identifier ?v }",
    "PRODUCT": "SELECT ?v WHERE { ?p a cpsv:PublicService ; dct:identifier ?v }",
    "UNIT": "SELECT DISTINCT ?v WHERE { ?d skos:notation ?v . ?p m8g:serviceProvider ?d }",
}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
# The generated sensor year runs from December 2025 to November 2026.
MONTHS = [("2025-12-01T00:00:00+01:00", "2026-01-01T00:00:00+01:00"),
          ("2026-01-01T00:00:00+01:00", "2026-02-01T00:00:00+01:00"),
          ("2026-02-01T00:00:00+01:00", "2026-03-01T00:00:00+01:00"),
          ("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00"),
          ("2026-04-01T00:00:00+02:00", "2026-05-01T00:00:00+02:00"),
          ("2026-05-01T00:00:00+02:00", "2026-06-01T00:00:00+02:00"),
          ("2026-06-01T00:00:00+02:00", "2026-07-01T00:00:00+02:00"),
          ("2026-07-01T00:00:00+02:00", "2026-08-01T00:00:00+02:00"),
          ("2026-08-01T00:00:00+02:00", "2026-09-01T00:00:00+02:00"),
          ("2026-09-01T00:00:00+02:00", "2026-10-01T00:00:00+02:00"),
          ("2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"),
          ("2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00")]
YEARS = ["2024", "2025", "2026"]
THRESHOLDS = ["40", "45", "50"]


def sparql_literal(value: str, lang: str | None = None) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def draw_parameters(pools: dict[str, list[tuple[str, str | None]]], rng: random.Random) -> dict[str, str]:
    """One value per placeholder. `pools` holds (lexical form, language tag) pairs."""
    params = {name: sparql_literal(*rng.choice(values)) for name, values in pools.items()}
    year = rng.choice(YEARS)
    start, end = rng.choice(MONTHS)
    params.update(DAY=f"schema:{rng.choice(DAYS)}", YEAR=year, NEXT_YEAR=str(int(year) + 1),
                  MONTH_START=start, MONTH_END=end, THRESHOLD=rng.choice(THRESHOLDS))
    return params
