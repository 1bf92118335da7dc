"""One benchmark's section of bench/RESULTS.md, written in place: a standalone benchmark (export,
imports) records its own figures without rewriting the other sections' figures."""
from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(lines: list[str], path: Path = RESULTS) -> None:
    """Put `lines` (starting with their `## ` heading) in place of the section with that heading, up
    to the next `## ` heading; appended at the end when the file has no such section yet."""
    heading = lines[0]
    assert heading.startswith("## "), heading
    text = path.read_text() if path.exists() else ""
    old = text.splitlines()
    block = [*lines, ""] if lines[-1] != "" else list(lines)
    if heading in old:
        start = old.index(heading)
        end = next((i for i in range(start + 1, len(old)) if old[i].startswith("## ")), len(old))
        new = old[:start] + block + old[end:]
    else:
        new = old + ([""] if old and old[-1] != "" else []) + block
    path.write_text("\n".join(new).rstrip("\n") + "\n")
