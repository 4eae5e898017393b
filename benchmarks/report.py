"""Writes one benchmark's section into docs/benchmarks.md, between its own markers."""

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(name: str, text: str) -> Path:
    """Replace the section called `name` (or append it) and keep the rest of the file."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.strip()}\n{end}"
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if start in current and end in current:
        before = current[: current.index(start)]
        after = current[current.index(end) + len(end) :]
        current = before + block + after
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(current, encoding="utf-8")
    return DOC
