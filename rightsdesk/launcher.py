"""``rightsdesk run``: prepare and start the whole stack, stop all of it on Ctrl-C.

Preparation: the data directory (``0700``), database migrations, the demo officer (development on the embedded
database only), the Rasa model (trained only when ``bot/`` changed) and Rasa's endpoints file (tracker store, lock
store, action server; ``0600``) written from the settings. Production refuses to start while any officer still
has a password the desk generated.
Then four processes, each in its own process group with its output in ``<data dir>/logs/``: the action server
(loopback), the Rasa server (loopback, REST channel only, API token), the gateway and the outbox worker (sends
SMS and email).

The launcher supervises them: a child that dies is started again after a wait that doubles with each crash (1 s,
2 s, 4 s … at most 30 s). Meanwhile the rest keep running: with Rasa down the gateway tells families their message
is saved and answers it once Rasa is back. Only when one child has crashed ``RIGHTSDESK_RESTART_MAX_FAILURES``
times within ``RIGHTSDESK_RESTART_WINDOW_SECONDS`` does the launcher give up, loudly (the child's last log lines),
and stop everything. On SIGINT/SIGTERM every process started here is stopped; a child also receives SIGTERM if the
launcher itself dies.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import httpx
import yaml
from sqlalchemy.engine import make_url

from core import bootstrap
from core.db import unit_of_work
from core.files import private_dir, write_private
from core.settings import REPO_ROOT, Settings
from rightsdesk.migrate import grant_application_role, upgrade
from rightsdesk.model import BOT_DIR, ensure_model, rasa_env
from ticketing.officers.models import OfficerRole, PasswordOrigin
from ticketing.officers.service import add_officer, find_officer, give_generated_password, with_generated_passwords

DEMO_OFFICER_EMAIL = "privacy@maplevalley.example.org"
DEMO_ACTOR = "system (development set-up)"
ACTIONS_TOKEN_HEADER = "X-Rightsdesk-Token"  # noqa: S105 - a header name, not a secret
ACTIONS_TOKEN_VARIABLE = "RIGHTSDESK_ACTIONS_TOKEN"  # noqa: S105 - where the secret is, not the secret


def rasa_command(settings: Settings, port: int, model: Path, endpoints: Path) -> list[str]:
    """``rasa run`` for this stack, through ``bot.server.serve``: the API token is added inside the process."""
    return [
        str(settings.rasa_venv / "bin" / "python"),
        "-m",
        "bot.server.serve",
        "run",
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--enable-api",
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(BOT_DIR / "credentials.yml"),
        "--quiet",
    ]


def secrets_env(settings: Settings) -> dict[str, str]:
    """The shared secrets Rasa needs, passed in the environment (never on a command line).

    Its API token, which its REST channel also requires, and the secret it presents to the action server.
    """
    return {"RIGHTSDESK_RASA_TOKEN": settings.rasa_token, ACTIONS_TOKEN_VARIABLE: settings.actions_token}


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send SIGTERM to this child when the launcher dies, so none is left behind."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def tracker_store_config(settings: Settings) -> dict[str, object]:
    """Rasa's SQL tracker store: a SQLite file in the data dir, or the configured database."""
    if not settings.tracker_store_url:
        return {
            "type": "SQL",
            "dialect": "sqlite",
            "db": str((settings.data_dir / "rasa-tracker.db").resolve()),
        }
    url = make_url(settings.tracker_store_url)
    config: dict[str, object] = {"type": "SQL", "dialect": url.get_backend_name(), "db": url.database}
    for key, value in (
        ("url", url.host),  # Rasa passes an endpoint's "url" on as the store's host
        ("port", url.port),
        ("username", url.username),
        ("password", url.password),
    ):
        if value:
            config[key] = value
    return config


def lock_store_config(settings: Settings) -> dict[str, object] | None:
    """Rasa's Redis lock store when several Rasa processes share conversations; None keeps it in memory."""
    if not settings.redis_url:
        return None
    url = make_url(settings.redis_url.replace("redis://", "redis+redis://", 1))
    config: dict[str, object] = {"type": "redis", "url": url.host or "127.0.0.1", "port": url.port or 6379}
    if url.database:
        config["db"] = int(url.database)
    if url.password:
        config["password"] = url.password
    if settings.redis_key_prefix:
        config["key_prefix"] = settings.redis_key_prefix
    return config


def write_endpoints(settings: Settings) -> Path:
    """Rasa's endpoints file for this stack."""
    endpoints: dict[str, object] = {
        # Rasa presents the action server's secret from its environment (never written here): review F20.
        "action_endpoint": {
            "url": settings.actions_url,
            "headers": {ACTIONS_TOKEN_HEADER: f"${{{ACTIONS_TOKEN_VARIABLE}}}"},
        },
        "tracker_store": tracker_store_config(settings),
    }
    lock_store = lock_store_config(settings)
    if lock_store:
        endpoints["lock_store"] = lock_store
    path = settings.data_dir / "rasa" / "endpoints.yml"
    write_private(path, yaml.safe_dump(endpoints, sort_keys=True))  # it may hold the tracker store's password
    return path


def ensure_demo_officer(settings: Settings) -> tuple[str, str | None] | None:
    """The demo officer, in development on the embedded database only; returns (email, password to print).

    The password is generated, printed and never stored in clear: while the officer has not replaced it (the
    console asks at the first sign-in), each start generates a new one; once they have, ``None`` is returned in its
    place. Anywhere else nothing is created and None is returned.
    """
    (settings.data_dir / "demo-officer.json").unlink(missing_ok=True)  # earlier versions kept it there in clear
    if settings.environment != "development" or not settings.embedded_database:
        return None
    with bootstrap(settings) as kernel, unit_of_work(kernel.session_factory) as db_session:
        officer = find_officer(db_session=db_session, email=DEMO_OFFICER_EMAIL)
        password = secrets.token_urlsafe(12)
        if officer is None:
            add_officer(
                db_session=db_session,
                email=DEMO_OFFICER_EMAIL,
                name="Dana Whitfield (demo)",
                role=OfficerRole.district_officer,
                password=password,
                password_origin=PasswordOrigin.generated,
                actor=DEMO_ACTOR,
            )
            return DEMO_OFFICER_EMAIL, password
        if officer.active and officer.password_origin is PasswordOrigin.generated:
            give_generated_password(db_session=db_session, officer=officer, password=password, actor=DEMO_ACTOR)
            return DEMO_OFFICER_EMAIL, password
        return DEMO_OFFICER_EMAIL, None


def generated_password_refusal(settings: Settings) -> str | None:
    """In production, why the stack must not start (officers whose password the desk generated), or None."""
    if settings.environment != "production":
        return None
    with bootstrap(settings) as kernel, kernel.session_factory() as db_session:
        emails = with_generated_passwords(db_session=db_session)
    if not emails:
        return None
    return (
        "production refuses to start: these officers still have a password the desk generated (and printed): "
        + ", ".join(emails)
        + ". Reset it (`rightsdesk officer reset-password EMAIL`) or disable the account."
    )


def migrate(settings: Settings) -> None:
    """Migrations as the tables' owner, then the application role's rights (PostgreSQL)."""
    upgrade(settings.migration_database_url, settings.secret_key)
    grant_application_role(settings.migration_database_url, settings.database_url)


def ensure_demo_roster(settings: Settings) -> int | None:
    """Import the demo roster into a new development database; returns how many people it has, or None."""
    if settings.environment != "development":
        return None
    from identity.roster.demo import ensure_demo_roster as import_demo_roster
    from knowledge.district import load_district

    schools = [s.id for s in load_district(settings.district_file).schools]
    with bootstrap(settings) as kernel, unit_of_work(kernel.session_factory) as db_session:
        summary = import_demo_roster(db_session=db_session, known_schools=schools)
    return summary.people if summary else None


RESTART_FIRST_WAIT = 1.0
RESTART_MAX_WAIT = 30.0


@dataclass
class Process:
    """A child process, how to start it again, where its output goes, and its recent crashes."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    crashes: list[float] = field(default_factory=list)
    restart_at: float | None = None

    def recent_crashes(self, now: float, window: float) -> int:
        """Crashes within the last ``window`` seconds."""
        self.crashes = [t for t in self.crashes if now - t <= window]
        return len(self.crashes)


@dataclass
class Stack:
    """The processes of one running stack."""

    settings: Settings
    say: Callable[[str], None] = print
    processes: list[Process] = field(default_factory=list)
    model: Path | None = None

    @property
    def logs(self) -> Path:
        """The directory of the processes' logs."""
        return self.settings.data_dir / "logs"

    def prepare(self) -> None:
        """Data dir, migrations, demo data, model, Rasa endpoints."""
        private_dir(self.settings.data_dir)
        private_dir(self.logs)
        migrate(self.settings)
        self.say("database: up to date")
        self.model, seconds = ensure_model(self.settings, self.logs / "train.log")
        self.say(f"rasa model: {f'trained in {seconds:.0f} s' if seconds is not None else 'unchanged'}")
        write_endpoints(self.settings)

    def _popen(self, argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
        log: IO[bytes] = open(log_path, "ab")
        try:
            return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                argv,
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            log.close()

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log_path = self.logs / f"{name}.log"
        self.processes.append(Process(name, self._popen(argv, env, log_path), log_path, argv, env))

    def supervise(self, now: float | None = None) -> Process | None:
        """Restart children that died, after their wait; the child to give up on, if one crashed too often."""
        now = time.monotonic() if now is None else now
        for process in self.processes:
            if process.restart_at is None and process.popen.poll() is not None:
                process.crashes.append(now)
                crashes = process.recent_crashes(now, self.settings.restart_window_seconds)
                if crashes >= self.settings.restart_max_failures:
                    return process
                wait = min(RESTART_MAX_WAIT, RESTART_FIRST_WAIT * 2 ** (crashes - 1))
                process.restart_at = now + wait
                self.say(
                    f"{process.name} stopped (exit {process.popen.returncode}); restarting in {wait:.0f} s "
                    f"({crashes} of {self.settings.restart_max_failures} crashes allowed in "
                    f"{self.settings.restart_window_seconds:.0f} s)"
                )
            elif process.restart_at is not None and now >= process.restart_at:
                try:
                    signal_group(process.popen.pid, signal.SIGKILL)  # whatever the dead leader left behind
                except ProcessLookupError:
                    pass
                process.popen = self._popen(process.argv, process.env, process.log_path)
                process.restart_at = None
                self.say(f"{process.name} restarted")
        return None

    def start(self) -> None:
        """Start the action server, Rasa, the gateway and the outbox worker."""
        assert self.model is not None, "prepare() first"
        settings = self.settings
        env = rasa_env(settings)
        env["SANIC_HOST"] = "127.0.0.1"  # rasa-sdk binds 0.0.0.0 unless told otherwise
        app_python = str(Path(sys.executable))
        self._spawn(
            "actions",
            [
                app_python,
                "-m",
                "actions.server",
                "--actions",
                "actions",
                "--port",
                str(settings.actions_port),
                "--quiet",
            ],
            env,
        )
        self._spawn(
            "rasa",
            rasa_command(settings, settings.rasa_port, self.model, settings.data_dir / "rasa" / "endpoints.yml"),
            {**env, **secrets_env(settings)},
        )
        self._spawn(
            "gateway",
            [
                app_python,
                "-m",
                "uvicorn",
                "rightsdesk.app:app_from_environment",
                "--factory",
                "--host",
                settings.host,
                "--port",
                str(settings.port),
                "--workers",
                str(settings.gateway_workers),
                "--no-access-log",
                # The same trusted proxies as the app's own check (uvicorn trusts 127.0.0.1 unless told).
                *(
                    ["--proxy-headers", "--forwarded-allow-ips", ",".join(settings.trusted_proxy_list)]
                    if settings.trusted_proxy_list
                    else ["--no-proxy-headers"]
                ),
                "--ws",
                "none",
                # Open event streams (the chat page) must not hold up a stop.
                "--timeout-graceful-shutdown",
                "3",
            ],
            env,
        )
        self._spawn("outbox", [app_python, "-m", "rightsdesk.cli", "outbox-worker"], env)

    def dead(self) -> Process | None:
        """A process that has exited, if any."""
        return next((p for p in self.processes if p.popen.poll() is not None), None)

    def wait_healthy(self, timeout: float = 240.0) -> bool:
        """Wait until ``/healthz`` says every component is up (False on timeout or a child given up on)."""
        url = f"http://127.0.0.1:{self.settings.port}/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.supervise() is not None:
                return False
            try:
                if httpx.get(url, timeout=5.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        return False

    def stop(self, grace: float = 10.0) -> None:
        """Stop every process started here: SIGTERM to each group, SIGKILL after ``grace`` seconds."""
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                try:
                    signal_group(process.popen.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for process in self.processes:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.popen.wait(remaining)
            except subprocess.TimeoutExpired:
                signal_group(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
            # The group may still hold workers whose leader already left.
            try:
                signal_group(process.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.processes.clear()


def signal_group(pid: int, sig: int) -> None:
    """Send ``sig`` to the process group led by ``pid``."""
    os.killpg(pid, sig)


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run(settings: Settings) -> int:
    """Prepare, start, print the URL, and keep running until Ctrl-C or a process dies."""
    stack = Stack(settings, say=lambda line: print(line, flush=True))
    stopping = False

    def _stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.prepare()
        refusal = generated_password_refusal(settings)
        if refusal:
            print(refusal, file=sys.stderr)
            return 2
        login = ensure_demo_officer(settings)
        if (people := ensure_demo_roster(settings)) is not None:
            print(f"demo roster: {people} people imported (identity/demo_roster/)", flush=True)
        if stopping:
            return 130
        stack.start()
        print("starting the action server, Rasa, the gateway and the outbox worker…", flush=True)
        if not stack.wait_healthy():
            failed = stack.dead()
            if stopping:
                return 130
            name = failed.name if failed else "a component"
            print(f"{name} did not come up. Last lines of its log:", file=sys.stderr)
            if failed:
                print(tail(failed.log_path), file=sys.stderr)
            else:
                print(f"see the logs in {stack.logs}", file=sys.stderr)
            return 1
        print(f"\nFamily Data Rights Desk is running at {settings.public_url}", flush=True)
        print(f"  web chat:      {settings.public_url}/", flush=True)
        print(f"  your rights:   {settings.public_url}/rights", flush=True)
        print(f"  transparency:  {settings.public_url}/transparency", flush=True)
        if login and login[1]:
            print(f"  demo officer:  {login[0]} / {login[1]}  (choose your own at the first sign-in)", flush=True)
        elif login:
            print(f"  demo officer:  {login[0]} (with the password you chose)", flush=True)
        print(f"  logs:          {stack.logs}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not stopping:
            failed = stack.supervise()
            if failed:
                print(
                    f"GIVING UP: {failed.name} crashed {len(failed.crashes)} times within "
                    f"{settings.restart_window_seconds:.0f} s; stopping everything. Last lines of its log:",
                    file=sys.stderr,
                )
                print(tail(failed.log_path), file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        stack.stop()
        print("stopped.", flush=True)
