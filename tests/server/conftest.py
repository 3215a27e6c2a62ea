"""Fixtures of the server suites live in `server_fixtures` (a unique module name: several test
folders have a conftest.py, so tests must not import "conftest")."""

from server_fixtures import oidc, server  # noqa: F401  (pytest fixtures)
