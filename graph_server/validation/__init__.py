"""SHACL validation behind one interface: the ingest gate, `schakel shapes`, `POST /validate`
and the W3C test-suite runner all call `validate()`."""

from graph_server.validation.engine import ENGINES, ShaclEngineError, ShaclResult, ValidationReport, validate

__all__ = ["ENGINES", "ShaclEngineError", "ShaclResult", "ValidationReport", "validate"]
