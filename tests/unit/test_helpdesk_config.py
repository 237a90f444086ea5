"""The help desk file: reminder points, bilingual reply templates with known placeholders; console cookies."""

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import REPO_ROOT
from ticketing.console.deps import sign, unsign
from ticketing.helpdesk import HelpdeskConfig, load_helpdesk


def test_the_shipped_file_has_reminders_and_templates_in_both_languages() -> None:
    config = load_helpdesk(REPO_ROOT / "ticketing" / "helpdesk.yml")
    assert config.reminders.days_before_due == [5, 2, 1]
    assert config.reminders.escalate_when_overdue
    assert len(config.reply_templates) >= 4
    # Rejection reasons in both languages too: the family reads the reason word for word (Spanish review E64).
    assert {"not_verified", "not_held", "correction_declined"} <= {t.id for t in config.reason_templates}
    values = {"reference": "RD-AAAA-BBBB", "due_date": "DATE", "link_days": "5"}
    for template in (*config.reply_templates, *config.reason_templates):
        en, es = template.render("en", **values), template.render("es", **values)
        assert "{" not in en and "{" not in es and en != es
        if "{reference}" in template.en:
            assert "RD-AAAA-BBBB" in en and "RD-AAAA-BBBB" in es


def test_reminder_points_are_deduplicated_and_ordered() -> None:
    config = HelpdeskConfig.model_validate({"reminders": {"days_before_due": [1, 5, 2, 5]}})
    assert config.reminders.days_before_due == [5, 2, 1]


@pytest.mark.parametrize(
    "bad",
    [
        {"reminders": {"days_before_due": [-1]}},
        {"reply_templates": [{"id": "x", "title": "X", "en": "Hi {student_name}", "es": "Hola"}]},
        {"reply_templates": [{"id": "x", "title": "X", "en": "Hi {}", "es": "Hola"}]},
        {"reply_templates": [{"id": "Bad Id", "title": "X", "en": "Hi", "es": "Hola"}]},
        {"reply_templates": [{"id": "x", "title": "X", "en": "Hi"}]},
        {"unknown": 1},
    ],
)
def test_bad_files_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        HelpdeskConfig.model_validate(bad)


def test_the_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "helpdesk.yml"
    path.write_text("reminders: {days_before_due: [3]}\n")
    assert load_helpdesk(path).reminders.days_before_due == [3]
    path.write_text("reminders: {days_before_due: [7, 3]}\n# changed\n")
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))
    assert load_helpdesk(path).reminders.days_before_due == [7, 3]


def test_signed_cookies_refuse_tampering() -> None:
    signed = sign("k" * 40, "token-value")
    assert unsign("k" * 40, signed) == "token-value"
    assert unsign("j" * 40, signed) is None
    assert unsign("k" * 40, signed.replace("token", "tokem")) is None
    assert unsign("k" * 40, "no-signature") is None
    assert unsign("k" * 40, None) is None
