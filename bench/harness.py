"""devhost as a separate process for a benchmark or a load run: start it on a free port, wait until
/api/health answers, stop it. Its output goes to a log file (scanned afterwards) or nowhere."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Devhost:
    def __init__(self, database_url: str, log_path: Path | None = None, *, bcrypt_rounds: int = 4,
                 jwt_secret: str | None = None, threads: int = 16, env: dict[str, str] | None = None):
        self.port = free_port()
        self.log_path = log_path
        full_env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": database_url,
                    "BCRYPT_ROUNDS": str(bcrypt_rounds), "PYTHONUNBUFFERED": "1",
                    # every simulated client registers from 127.0.0.1: lift the per-address limit
                    "REGISTRATION_LIMIT_PER_HOUR": "1000000", **(env or {})}
        if jwt_secret:
            full_env["JWT_SECRET"] = jwt_secret
        self._log = open(log_path, "wb") if log_path else None
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "devhost.py"), "--host", "127.0.0.1", "--port", str(self.port),
             "--threads", str(threads)], cwd=ROOT, env=full_env,
            stdout=self._log or subprocess.DEVNULL, stderr=subprocess.STDOUT if self._log else subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"devhost exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"devhost did not become healthy:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log:
            self._log.close()

    def log_text(self) -> str:
        if self._log is None or self.log_path is None:
            return ""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> Devhost:
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
