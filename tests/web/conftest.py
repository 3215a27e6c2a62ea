"""Fixtures of the web-page tests live in `web_fixtures` (a unique module name)."""
