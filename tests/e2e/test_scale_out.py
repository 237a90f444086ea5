"""The scale-out set-up: PostgreSQL for the help desk and Rasa's trackers, a Redis lock store, two Rasa servers.

A family in the middle of a request keeps going when the Rasa server their conversation is pinned to goes down:
the gateway sends the next message to the other server, which reads the same tracker from PostgreSQL and carries
on with the same form, in the same language. Everything the test creates (two databases, lock keys) is removed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from channels.rasa_client import RasaClient
from core.settings import REPO_ROOT, Settings
from rightsdesk.launcher import rasa_command, secrets_env, write_endpoints
from rightsdesk.model import ensure_model, rasa_env
from tests.conftest import POSTGRES_ADMIN_URL, _postgres_available
from tests.e2e.conftest import Stack, free_port, start_stack
from tests.services import service_missing

REDIS = ("127.0.0.1", 6379)


def redis_command(*parts: str) -> bytes:
    """One command to the local Redis over its wire protocol; the raw reply."""
    import socket

    request = f"*{len(parts)}\r\n" + "".join(f"${len(p.encode())}\r\n{p}\r\n" for p in parts)
    with socket.create_connection(REDIS, timeout=5) as connection:
        connection.sendall(request.encode())
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply


def redis_available() -> bool:
    try:
        return redis_command("PING").startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class ScaleOut:
    stack: Stack
    second_rasa: subprocess.Popen[bytes]
    rasa_urls: list[str]
    app_url: str
    tracker_url: str

    def sender_of_latest_conversation(self) -> str:
        engine = create_engine(self.app_url)
        try:
            with engine.connect() as connection:
                return str(
                    connection.execute(text("SELECT rasa_sender FROM conversations ORDER BY id DESC")).first()[0]
                )
        finally:
            engine.dispose()


def wait_for_rasa(url: str, token: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the second Rasa exited {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = httpx.get(f"{url}/status", params={"token": token}, timeout=3)
            if response.status_code == 200 and response.json().get("model_id"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the second Rasa did not come up:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def scale_out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleOut]:
    if not _postgres_available() or not redis_available():
        service_missing("the scale-out test needs PostgreSQL and Redis on 127.0.0.1")
    run_id = uuid.uuid4().hex[:12]
    app_db, tracker_db, prefix = f"rd_scale_{run_id}", f"rd_scale_{run_id}_rasa", f"rdscale{run_id}"
    server = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    app_url = f"{server}/{app_db}"
    tracker_url = f"postgresql://postgres@127.0.0.1:5432/{tracker_db}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in (app_db, tracker_db):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    data_dir = tmp_path_factory.mktemp("scale")
    ports = {"RIGHTSDESK_RASA_PORT": free_port(), "RIGHTSDESK_ACTIONS_PORT": free_port()}
    second_port = free_port()
    rasa_urls = [f"http://127.0.0.1:{ports['RIGHTSDESK_RASA_PORT']}", f"http://127.0.0.1:{second_port}"]
    env = {
        **{k: str(v) for k, v in ports.items()},
        "RIGHTSDESK_DATABASE_URL": app_url,
        "RIGHTSDESK_TRACKER_STORE_URL": tracker_url,
        "RIGHTSDESK_REDIS_URL": "redis://127.0.0.1:6379/0",
        "RIGHTSDESK_REDIS_KEY_PREFIX": prefix,
        "RIGHTSDESK_RASA_URLS": ",".join(rasa_urls),
        "RIGHTSDESK_RASA_TOKEN": uuid.uuid4().hex,
        # Shared by every process, like the token: the action server's secret derives from it.
        "RIGHTSDESK_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
    }
    second: subprocess.Popen[bytes] | None = None
    stack: Stack | None = None
    try:
        # The second Rasa server: same model, same endpoints (tracker store, lock store, action server).
        second_dir = data_dir / "second"
        settings = Settings(RIGHTSDESK_DATA_DIR=second_dir, **env)  # type: ignore[arg-type]
        model, _ = ensure_model(settings)
        endpoints = write_endpoints(settings)
        log = second_dir / "rasa.log"
        with open(log, "wb") as out:
            second = subprocess.Popen(
                rasa_command(settings, second_port, model, endpoints),
                cwd=REPO_ROOT,
                env={**rasa_env(settings), **secrets_env(settings)},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # One server creates the tracker tables before the other starts.
        wait_for_rasa(rasa_urls[1], settings.rasa_token, second, log)
        stack = start_stack(data_dir / "stack", env)
        yield ScaleOut(stack, second, rasa_urls, app_url, tracker_url)
    finally:
        if stack is not None:
            stack.stop()
        if second is not None and second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait()
        with admin.connect() as connection:
            for name in (app_db, tracker_db):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        for key in redis_command("KEYS", f"{prefix}*").split(b"\r\n")[2::2]:
            redis_command("DEL", key.decode())


def test_a_request_carries_on_when_its_rasa_server_goes_down(scale_out: ScaleOut) -> None:
    stack = scale_out.stack
    health = httpx.get(f"{stack.url}/healthz", timeout=10).json()
    assert health["status"] == "ok", health
    assert [s["url"] for s in health["components"]["rasa"]["servers"]] == scale_out.rasa_urls
    # Start conversations until one is pinned to the second server (each has an even chance).
    pinned = RasaClient(scale_out.rasa_urls, "unused")
    for _attempt in range(12):
        first = stack.chat("quiero presentar una queja, la escuela ignoró mi pedido del expediente")
        if pinned.url_for(scale_out.sender_of_latest_conversation()) == scale_out.rasa_urls[1]:
            break
    else:
        pytest.fail("no conversation was pinned to the second Rasa server in 12 tries")
    sid = first["session_id"]
    assert first["language"] == "es"
    # Its server goes down in the middle of the complaint.
    os.killpg(scale_out.second_rasa.pid, signal.SIGTERM)
    scale_out.second_rasa.wait(60)
    details = "nadie me ha contestado desde septiembre"
    summary = stack.chat(details, sid)
    assert summary["language"] == "es"
    assert details in summary["messages"][0]["text"] and summary["messages"][0]["buttons"]  # the same form
    done = stack.chat("sí", sid)["messages"][0]["text"]
    reference = next(word.strip(".,") for word in done.split() if word.startswith("RD-"))
    engine = create_engine(scale_out.app_url)
    try:
        with engine.connect() as connection:
            category, language = connection.execute(
                text("SELECT category, language FROM tickets WHERE reference = :r"), {"r": reference}
            ).one()
    finally:
        engine.dispose()
    assert (category, language) == ("complaint", "es")
    # Both servers wrote the conversation to the shared PostgreSQL tracker store.
    tracker = create_engine(scale_out.tracker_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with tracker.connect() as connection:
            events = connection.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :s"),
                {"s": scale_out.sender_of_latest_conversation()},
            ).scalar_one()
    finally:
        tracker.dispose()
    assert events > 10
