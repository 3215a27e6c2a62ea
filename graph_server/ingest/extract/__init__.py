"""One extractor per source application: reads its export and flattens it into tables for
the mapping. Pre-processing happens here only where a mapping language cannot do it:
reprojection, address linking, pseudonymisation, and flattening nested JSON (Morph-KGC's
JSONPath iterators cannot reach a parent's key)."""

from graph_server.ingest.extract import crm, gis, meldingen, organisatie, productcatalogus, sensoren, sociaal

EXTRACTORS = {
    "gis": gis.extract,
    "crm": crm.extract,
    "meldingen": meldingen.extract,
    "productcatalogus": productcatalogus.extract,
    "organisatie": organisatie.extract,
    "sensoren": sensoren.extract,
    "sociaal": sociaal.extract,
}
