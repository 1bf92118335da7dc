"""Cold start: importing the app and indexing every function, against importing the frameworks alone.
Each in a fresh interpreter, alternated so machine noise hits both alike."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.stats import median

ROOT = Path(__file__).resolve().parent.parent
FLOOR_IMPORTS = "import azure.functions, azure.durable_functions, sqlalchemy.orm, pydantic, jwt, bcrypt"


def cold_start(runs: int) -> dict[str, float]:
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/cold.db"}
    app_code = ("import time; t = time.perf_counter(); import function_app; "
                "function_app.app.get_functions(); print(time.perf_counter() - t)")
    floor_code = f"import time; t = time.perf_counter(); {FLOOR_IMPORTS}; print(time.perf_counter() - t)"
    app_times, floor_times = [], []
    for _ in range(runs):  # alternate, so machine noise hits both alike
        for code, sink in ((floor_code, floor_times), (app_code, app_times)):
            out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                                 check=True)
            sink.append(float(out.stdout.strip().splitlines()[-1]))
    return {"app_s": median(app_times), "floor_s": median(floor_times),
            "ratio": median(app_times) / median(floor_times)}
