"""Start a throwaway stack with `rightsdesk run` on free ports (shared by the benchmarks)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BenchStack:
    process: subprocess.Popen[bytes]
    data_dir: Path
    port: int
    rasa_port: int
    actions_port: int
    district_file: Path = ROOT / "knowledge" / "district" / "demo.yml"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rasa_headers(self) -> dict[str, str]:
        """What a caller of Rasa's REST channel presents (the stack's generated Rasa token)."""
        token = json.loads((self.data_dir / "secrets.json").read_text())["rasa_token"]
        return {"X-Rightsdesk-Token": token}


@dataclass
class ExternalStack:
    """A stack someone else started (``--url``): only its address is known."""

    url: str
    district_file: Path = ROOT / "knowledge" / "district" / "demo.yml"


@contextmanager
def running_stack(
    timeout: float = 300, url: str | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[BenchStack | ExternalStack]:
    """A stack to measure: the one at ``url``, or a new one (with ``extra_env`` settings) stopped afterwards."""
    if url:
        yield ExternalStack(url.rstrip("/"))
        return
    with tempfile.TemporaryDirectory(prefix="rightsdesk-bench-") as tmp:
        data_dir = Path(tmp)
        ports = [free_port(), free_port(), free_port()]
        env = {
            **os.environ,
            "RIGHTSDESK_DATA_DIR": str(data_dir),
            "RIGHTSDESK_PORT": str(ports[0]),
            "RIGHTSDESK_RASA_PORT": str(ports[1]),
            "RIGHTSDESK_ACTIONS_PORT": str(ports[2]),
            **(extra_env or {}),
        }
        out = data_dir / "run.out"
        with open(out, "wb") as fh:
            process = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "rightsdesk"), "run"],
                cwd=ROOT,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack = BenchStack(process, data_dir, *ports)
        try:
            deadline = time.monotonic() + timeout
            while "is running at" not in out.read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"stack did not start:\n{out.read_text()}")
                time.sleep(0.5)
            yield stack
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
