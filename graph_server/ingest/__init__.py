"""Ingest: extract source exports, link keys, map with Morph-KGC, validate with SHACL, load.

Steps are separate modules joined by `pipeline.run_ingest`."""
