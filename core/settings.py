"""One typed settings object for every process.

Values come from environment variables and an optional ``.env`` file in the working directory. The names are a
contract (outside checks start the stack with them; the README lists them): ``RIGHTSDESK_*`` for our own
settings and the ``TWILIO_*`` names Twilio's own tools use. Nothing else in the code base reads the environment.

Secrets that a development stack needs but nobody configured (the Rasa API token, the cookie-signing key) are
generated once and kept in ``<data dir>/secrets.json`` (written ``0600``, atomically); outside development they
must be set explicitly, and production also needs an ``https`` public URL.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from core.files import private_dir, write_private

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
REPO_ROOT = Path(__file__).resolve().parent.parent
# A rate limit as an administrator writes it: "60/minute", "30/hour", or "off".
RATE_PATTERN = r"^(off|[1-9][0-9]{0,8}/(second|minute|hour|day))$"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every setting of the stack, typed, with the embedded defaults."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Literal["development", "production"] = Field("development", validation_alias=_env("RIGHTSDESK_ENV"))
    host: str = Field("127.0.0.1", validation_alias=_env("RIGHTSDESK_HOST"))
    port: int = Field(8000, validation_alias=_env("RIGHTSDESK_PORT"))
    rasa_port: int = Field(5005, validation_alias=_env("RIGHTSDESK_RASA_PORT"))
    actions_port: int = Field(5055, validation_alias=_env("RIGHTSDESK_ACTIONS_PORT"))
    data_dir: Path = Field(REPO_ROOT / "var", validation_alias=_env("RIGHTSDESK_DATA_DIR"))
    database_url_setting: str | None = Field(None, validation_alias=_env("RIGHTSDESK_DATABASE_URL"))
    # The table owner's connection, for migrations only; the application connects with RIGHTSDESK_DATABASE_URL
    # (on PostgreSQL a role that may only INSERT and SELECT the audit log). Empty: the same URL.
    migration_database_url_setting: str | None = Field(None, validation_alias=_env("RIGHTSDESK_MIGRATION_DATABASE_URL"))
    public_url_setting: str | None = Field(None, validation_alias=_env("RIGHTSDESK_PUBLIC_URL"))
    # Comma-separated Rasa server base URLs; the gateway routes each conversation to one by a stable hash.
    rasa_urls_setting: str | None = Field(None, validation_alias=_env("RIGHTSDESK_RASA_URLS"))
    rasa_token_setting: str | None = Field(None, validation_alias=_env("RIGHTSDESK_RASA_TOKEN"))
    secret_key_setting: str | None = Field(None, validation_alias=_env("RIGHTSDESK_SECRET_KEY"))
    # Rasa's tracker store and lock store; empty means "a SQLite file in the data dir" and "in memory".
    tracker_store_url: str | None = Field(None, validation_alias=_env("RIGHTSDESK_TRACKER_STORE_URL"))
    redis_url: str | None = Field(None, validation_alias=_env("RIGHTSDESK_REDIS_URL"))
    # Letters and digits put before every lock key, when several deployments share one Redis.
    redis_key_prefix: str | None = Field(
        None, pattern=r"^[A-Za-z0-9]+$", validation_alias=_env("RIGHTSDESK_REDIS_KEY_PREFIX")
    )
    model_dir: Path = Field(REPO_ROOT / "models", validation_alias=_env("RIGHTSDESK_MODEL_DIR"))
    district_file: Path = Field(
        REPO_ROOT / "knowledge" / "district" / "demo.yml", validation_alias=_env("RIGHTSDESK_DISTRICT_FILE")
    )
    rasa_venv: Path = Field(REPO_ROOT / ".venv-rasa", validation_alias=_env("RIGHTSDESK_RASA_VENV"))
    gateway_workers: int = Field(1, validation_alias=_env("RIGHTSDESK_WORKERS"))
    rasa_timeout_seconds: float = Field(20.0, validation_alias=_env("RIGHTSDESK_RASA_TIMEOUT"))
    # Requests one gateway worker has with Rasa at once (channels/rasa_client.py); more turns wait their turn.
    rasa_max_connections: int = Field(100, ge=1, le=1000, validation_alias=_env("RIGHTSDESK_RASA_MAX_CONNECTIONS"))

    # Help desk (issue 5): the officer console, deadlines and records delivery.
    helpdesk_file: Path = Field(
        REPO_ROOT / "ticketing" / "helpdesk.yml", validation_alias=_env("RIGHTSDESK_HELPDESK_FILE")
    )
    console_idle_minutes: int = Field(30, gt=0, validation_alias=_env("RIGHTSDESK_CONSOLE_IDLE_MINUTES"))
    login_max_failures_per_account: int = Field(
        5, gt=0, validation_alias=_env("RIGHTSDESK_LOGIN_MAX_FAILURES_PER_ACCOUNT")
    )
    login_max_failures_per_ip: int = Field(20, gt=0, validation_alias=_env("RIGHTSDESK_LOGIN_MAX_FAILURES_PER_IP"))
    login_window_minutes: int = Field(15, gt=0, validation_alias=_env("RIGHTSDESK_LOGIN_WINDOW_MINUTES"))
    # The longest wait a sign-in is made to take (the delay doubles with each failure past the free ones).
    login_max_delay_seconds: int = Field(300, gt=0, validation_alias=_env("RIGHTSDESK_LOGIN_MAX_DELAY_SECONDS"))
    # Whether every officer must use an authenticator app; unset: on in production, off in development.
    require_totp_setting: bool | None = Field(None, validation_alias=_env("RIGHTSDESK_REQUIRE_TOTP"))
    # Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies_setting: str = Field("", validation_alias=_env("RIGHTSDESK_TRUSTED_PROXIES"))
    attachment_max_bytes: int = Field(10_000_000, gt=0, validation_alias=_env("RIGHTSDESK_ATTACHMENT_MAX_BYTES"))
    records_link_days: int = Field(5, gt=0, validation_alias=_env("RIGHTSDESK_RECORDS_LINK_DAYS"))
    # How often the gateway runs the deadline reminders and escalations; 0 turns the periodic run off.
    sla_interval_seconds: float = Field(300.0, ge=0, validation_alias=_env("RIGHTSDESK_SLA_INTERVAL_SECONDS"))

    # The public edge (issue 11). The proxies in front of the gateway are `trusted_proxies_setting` above.
    # The most a request may carry (JSON, SMS webhooks, forms); console uploads get the attachment limit instead.
    max_body_bytes: int = Field(65_536, gt=0, validation_alias=_env("RIGHTSDESK_MAX_BODY_BYTES"))
    # Abuse limits, shared by every gateway worker (in the database, or Redis when RIGHTSDESK_REDIS_URL is set).
    rate_chat_per_address: str = Field(
        "120/minute", pattern=RATE_PATTERN, validation_alias=_env("RIGHTSDESK_RATE_CHAT_PER_ADDRESS")
    )
    rate_chat_per_conversation: str = Field(
        "20/minute", pattern=RATE_PATTERN, validation_alias=_env("RIGHTSDESK_RATE_CHAT_PER_CONVERSATION")
    )
    rate_new_conversations_per_address: str = Field(
        "30/hour", pattern=RATE_PATTERN, validation_alias=_env("RIGHTSDESK_RATE_NEW_CONVERSATIONS_PER_ADDRESS")
    )
    max_event_streams_per_address: int = Field(
        20, ge=1, validation_alias=_env("RIGHTSDESK_MAX_EVENT_STREAMS_PER_ADDRESS")
    )
    max_event_streams_per_session: int = Field(
        2, ge=1, validation_alias=_env("RIGHTSDESK_MAX_EVENT_STREAMS_PER_SESSION")
    )
    # A family's web session id stops working after this long without a message from them, and this long after
    # the conversation began (shared computers: the next person must not find it).
    chat_idle_minutes: int = Field(60, gt=0, validation_alias=_env("RIGHTSDESK_CHAT_IDLE_MINUTES"))
    chat_max_hours: int = Field(12, gt=0, validation_alias=_env("RIGHTSDESK_CHAT_MAX_HOURS"))
    # `rightsdesk run` restarts a crashed child (with a growing wait) and gives up, stopping everything, only after
    # this many crashes of one child within the window.
    restart_max_failures: int = Field(5, ge=1, validation_alias=_env("RIGHTSDESK_RESTART_MAX_FAILURES"))
    restart_window_seconds: float = Field(600.0, gt=0, validation_alias=_env("RIGHTSDESK_RESTART_WINDOW_SECONDS"))
    rate_sms_per_sender: str = Field(
        "10/minute", pattern=RATE_PATTERN, validation_alias=_env("RIGHTSDESK_RATE_SMS_PER_SENDER")
    )

    twilio_account_sid: str | None = Field(None, validation_alias=_env("TWILIO_ACCOUNT_SID"))
    twilio_auth_token: str | None = Field(None, validation_alias=_env("TWILIO_AUTH_TOKEN"))
    twilio_from_number: str | None = Field(None, validation_alias=_env("TWILIO_FROM_NUMBER"))
    twilio_messaging_service_sid: str | None = Field(None, validation_alias=_env("TWILIO_MESSAGING_SERVICE_SID"))
    twilio_api_base: str = Field("https://api.twilio.com", validation_alias=_env("TWILIO_API_BASE"))

    # Email (codes and notifications) goes out over SMTP from the outbox worker.
    smtp_host: str | None = Field(None, validation_alias=_env("RIGHTSDESK_SMTP_HOST"))
    smtp_port: int = Field(587, validation_alias=_env("RIGHTSDESK_SMTP_PORT"))
    smtp_username: str | None = Field(None, validation_alias=_env("RIGHTSDESK_SMTP_USERNAME"))
    smtp_password: str | None = Field(None, validation_alias=_env("RIGHTSDESK_SMTP_PASSWORD"))
    smtp_starttls: bool = Field(True, validation_alias=_env("RIGHTSDESK_SMTP_STARTTLS"))
    # TLS from the first byte (SMTPS); unset: on when the port is 465.
    smtp_implicit_tls_setting: bool | None = Field(None, validation_alias=_env("RIGHTSDESK_SMTP_IMPLICIT_TLS"))
    smtp_ca_file: Path | None = Field(None, validation_alias=_env("RIGHTSDESK_SMTP_CA_FILE"))
    smtp_from: str | None = Field(None, validation_alias=_env("RIGHTSDESK_SMTP_FROM"))
    smtp_timeout_seconds: float = Field(15.0, validation_alias=_env("RIGHTSDESK_SMTP_TIMEOUT"))
    # The outbox: how often a message is tried, and the backoff between tries (doubling, with jitter, capped).
    outbox_max_attempts: int = Field(8, ge=1, validation_alias=_env("RIGHTSDESK_OUTBOX_MAX_ATTEMPTS"))
    outbox_backoff_seconds: float = Field(15.0, gt=0, validation_alias=_env("RIGHTSDESK_OUTBOX_BACKOFF_SECONDS"))
    outbox_backoff_max_seconds: float = Field(
        3600.0, gt=0, validation_alias=_env("RIGHTSDESK_OUTBOX_BACKOFF_MAX_SECONDS")
    )
    outbox_poll_seconds: float = Field(1.0, gt=0, validation_alias=_env("RIGHTSDESK_OUTBOX_POLL_SECONDS"))

    @field_validator("trusted_proxies_setting")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in (p.strip() for p in value.split(",")):
            if item:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as exc:
                    raise ValueError(f"RIGHTSDESK_TRUSTED_PROXIES: {item!r} is not an IP address or network") from exc
        return value

    @model_validator(mode="after")
    def _refuse_generated_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            missing = [
                name
                for name, value in (
                    ("RIGHTSDESK_SECRET_KEY", self.secret_key_setting),
                    ("RIGHTSDESK_RASA_TOKEN", self.rasa_token_setting),
                    ("RIGHTSDESK_PUBLIC_URL", self.public_url_setting),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"production needs these settings: {', '.join(missing)}")
            if self.secret_key_setting and len(self.secret_key_setting) < 32:
                raise ValueError("RIGHTSDESK_SECRET_KEY must be at least 32 characters")
            if not self.public_url.startswith("https://"):
                raise ValueError("production needs an https RIGHTSDESK_PUBLIC_URL (cookies and links travel over it)")
        return self

    @model_validator(mode="after")
    def _check_trusted_proxies(self) -> Settings:
        _ = self.trusted_proxies  # a typo must stop the start, not silently trust nobody (or everybody)
        return self

    @property
    def database_url(self) -> str:
        """The help desk's database; SQLite in the data directory unless configured."""
        if self.database_url_setting:
            return self.database_url_setting
        return f"sqlite:///{(self.data_dir / 'rightsdesk.db').resolve()}"

    @property
    def migration_database_url(self) -> str:
        """The connection migrations run with (the tables' owner)."""
        return self.migration_database_url_setting or self.database_url

    @property
    def embedded_database(self) -> bool:
        """Whether the help desk runs on the embedded SQLite database (a development or single-machine set-up)."""
        return make_url(self.database_url).get_backend_name() == "sqlite"

    @property
    def require_totp(self) -> bool:
        """Whether officers must sign in with an authenticator code (on by default in production)."""
        if self.require_totp_setting is not None:
            return self.require_totp_setting
        return self.environment == "production"

    @property
    def trusted_proxies(self) -> list[IpNetwork]:
        """The reverse proxies whose ``X-Forwarded-For`` header names the real client."""
        networks = []
        for item in self.trusted_proxies_setting.split(","):
            if item.strip():
                try:
                    networks.append(ipaddress.ip_network(item.strip(), strict=False))
                except ValueError as exc:
                    raise ValueError(
                        f"RIGHTSDESK_TRUSTED_PROXIES: not an address or network: {item.strip()!r}"
                    ) from exc
        return networks

    @property
    def smtp_implicit_tls(self) -> bool:
        """Whether SMTP speaks TLS from the first byte (port 465) rather than upgrading with STARTTLS."""
        if self.smtp_implicit_tls_setting is not None:
            return self.smtp_implicit_tls_setting
        return self.smtp_port == 465

    @property
    def public_url(self) -> str:
        """The URL families and Twilio reach the gateway at (used for links and signature checks)."""
        if self.public_url_setting:
            return self.public_url_setting.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @property
    def rasa_urls(self) -> list[str]:
        """The Rasa servers the gateway talks to."""
        if self.rasa_urls_setting:
            return [u.strip().rstrip("/") for u in self.rasa_urls_setting.split(",") if u.strip()]
        return [f"http://127.0.0.1:{self.rasa_port}"]

    @property
    def actions_url(self) -> str:
        """The action server's webhook, as Rasa calls it."""
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    @cached_property
    def _generated(self) -> dict[str, str]:
        path = self.data_dir / "secrets.json"
        if path.exists():
            stored: dict[str, str] = json.loads(path.read_text())
            return stored
        private_dir(self.data_dir)
        values = {"rasa_token": secrets.token_urlsafe(32), "secret_key": secrets.token_urlsafe(48)}
        write_private(path, json.dumps(values))
        return values

    @property
    def rasa_token(self) -> str:
        """The token Rasa's HTTP API requires; only the gateway and the launcher know it."""
        return self.rasa_token_setting or self._generated["rasa_token"]

    @property
    def secret_key(self) -> str:
        """Key for signing cookies and pseudonymous sender ids."""
        return self.secret_key_setting or self._generated["secret_key"]

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The proxies whose X-Forwarded-For is believed (IPs or networks)."""
        return [p.strip() for p in self.trusted_proxies_setting.split(",") if p.strip()]

    @property
    def actions_token(self) -> str:
        """The secret Rasa presents to the action server (derived from the secret key; review F20)."""
        from core.keyring import derive_key

        return derive_key(self.secret_key, b"rightsdesk action server v1").hex()

    @property
    def smtp_configured(self) -> bool:
        """Whether email can be sent."""
        return bool(self.smtp_host and self.smtp_from)

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies must be ``Secure`` and ``__Host-`` (the public URL is https; always in production)."""
        return self.public_url.startswith("https://")

    @property
    def attachments_dir(self) -> Path:
        """Where ticket attachments are stored (never served directly)."""
        return self.data_dir / "attachments"

    @property
    def twilio_configured(self) -> bool:
        """Whether outbound SMS can be sent."""
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_from_number or self.twilio_messaging_service_sid)
        )


def get_settings() -> Settings:
    """Build the settings from the environment (call once per process and pass the object on)."""
    return Settings()
