"""docs/BENCHMARKS.md, written section by section: each scenario replaces its own and keeps the others."""

from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


def write_section(section: str, lines: list[str]) -> None:
    """Replace the section headed `section` (lines[0] is that heading) or add it at the end; every other
    section stays where it is."""
    text = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    before, found, after = text.partition(section)
    rest = after[after.find("\n## ") :] if found and "\n## " in after else ""
    REPORT.write_text(before.rstrip() + "\n\n" + "\n".join(lines).rstrip() + "\n" + rest)
