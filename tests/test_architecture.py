"""The layers as import-linter checks them (.importlinter): the web edge over the services over schemas
and data, domain errors at the bottom; services, schemas and data never import Azure Functions or the
edge; blueprints do not import each other; nothing imports function_app or devhost."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_architecture_contract_is_kept():
    run = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports; "
                                                "raise SystemExit(lint_imports(no_cache=True))"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout and "4 kept" in run.stdout
