"""Fixtures for the shapes tools: the fixture folder and an in-process `schakel` runner that
only registers the `shapes` command (the other commands are not needed here)."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[3] / "shared"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """run_cli("shapes", "validate", ...) -> (exit code, stdout, stderr), via cli.main()."""
    from graph_server import cli

    monkeypatch.setattr(cli, "COMMANDS", {"shapes": "shapes"})

    def run(*args):
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run
