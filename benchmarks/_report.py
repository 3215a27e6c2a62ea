"""Writing a benchmark's figures into BENCHMARKS.md: each script owns one `## ` section and
replaces only that one, keeping every other section (other benchmarks write theirs)."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, heading: str, lines: list[str]) -> None:
    """Replace the section that starts with `heading` (up to the next `## ` heading), or append
    it; creates the file with a `# Benchmarks` title when missing."""
    body = heading + "\n\n" + "\n".join(lines).rstrip() + "\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find("\n" + heading + "\n")
    if start < 0 and text.startswith(heading + "\n"):
        start = -1
        end = text.find("\n## ", len(heading))
        new = body + (text[end:] if end >= 0 else "")
    elif start < 0:
        new = text.rstrip() + "\n\n" + body
    else:
        end = text.find("\n## ", start + len(heading) + 1)
        new = text[:start + 1] + body + (text[end:] if end >= 0 else "")
    path.write_text(new, encoding="utf-8")


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"
