from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import Settings


def test_contract_names_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RIGHTSDESK_PORT", "8123")
    monkeypatch.setenv("RIGHTSDESK_RASA_PORT", "5123")
    monkeypatch.setenv("RIGHTSDESK_ACTIONS_PORT", "5223")
    monkeypatch.setenv("RIGHTSDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RIGHTSDESK_PUBLIC_URL", "https://desk.example.org/")
    monkeypatch.setenv("TWILIO_API_BASE", "http://127.0.0.1:9999")
    settings = Settings()
    assert (settings.port, settings.rasa_port, settings.actions_port) == (8123, 5123, 5223)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/rightsdesk.db"
    assert settings.public_url == "https://desk.example.org"
    assert settings.rasa_urls == ["http://127.0.0.1:5123"]
    assert settings.actions_url == "http://127.0.0.1:5223/webhook"
    assert settings.twilio_api_base == "http://127.0.0.1:9999"


def test_generated_secrets_are_stable_and_private(tmp_path: Path) -> None:
    first = Settings(RIGHTSDESK_DATA_DIR=tmp_path)
    second = Settings(RIGHTSDESK_DATA_DIR=tmp_path)
    assert first.rasa_token == second.rasa_token and len(first.rasa_token) >= 32
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0


def test_production_refuses_generated_secrets(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="RIGHTSDESK_SECRET_KEY"):
        Settings(RIGHTSDESK_ENV="production", RIGHTSDESK_DATA_DIR=tmp_path)
    ok = Settings(
        RIGHTSDESK_ENV="production",
        RIGHTSDESK_DATA_DIR=tmp_path,
        RIGHTSDESK_SECRET_KEY="k" * 40,
        RIGHTSDESK_RASA_TOKEN="t" * 40,
        RIGHTSDESK_PUBLIC_URL="https://desk.example.org",
    )
    assert ok.secret_key == "k" * 40
