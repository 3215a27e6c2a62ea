"""Schakel graph server: store, ingest pipeline, access scopes, SPARQL endpoints, CLI."""
