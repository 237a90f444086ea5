"""The district's own rules for devices, immigration enforcement and safety technology: required in both languages."""

from pathlib import Path

import pydantic
import pytest
import yaml

from core.settings import REPO_ROOT
from knowledge.articles import PLACEHOLDERS, placeholder_values
from knowledge.district import Contact, District, load_district

DEMO = REPO_ROOT / "knowledge" / "district" / "demo.yml"
POLICIES = ("device_policy", "immigration_policy", "safety_technology")


def write_demo_with(tmp_path: Path, section: str, field: str, value: object) -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    if value is None:
        del data[section][field]
    else:
        data[section][field] = value
    path = tmp_path / "district.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("section", POLICIES)
def test_every_sentence_of_each_policy_exists_in_english_and_spanish(district: District, section: str) -> None:
    policy = getattr(district, section)
    english, spanish = policy.sentences("en"), policy.sentences("es")
    assert len(english) == len(spanish) == len(type(policy).model_fields) >= 4
    assert all(s.strip() for s in english + spanish)
    assert english != spanish
    assert policy.text("es") == " ".join(spanish)


@pytest.mark.parametrize(
    ("section", "field", "lang"),
    [
        ("device_policy", "outside_school_hours", "es"),
        ("immigration_policy", "records", "en"),
        ("safety_technology", "social_media", "es"),
    ],
)
def test_a_policy_sentence_missing_a_language_is_an_error(tmp_path: Path, section: str, field: str, lang: str) -> None:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    value = dict(data[section][field])
    del value[lang]
    with pytest.raises(pydantic.ValidationError) as raised:
        load_district(write_demo_with(tmp_path, section, field, value))
    assert f"{section}.{field}.{lang}" in str(raised.value)
    assert "Field required" in str(raised.value)


def test_a_missing_policy_sentence_or_an_unknown_one_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(pydantic.ValidationError, match=r"immigration_policy\.family_notice"):
        load_district(write_demo_with(tmp_path, "immigration_policy", "family_notice", None))
    extra = {"en": "We also scan faces.", "es": "También escaneamos rostros."}
    with pytest.raises(pydantic.ValidationError, match=r"safety_technology\.face_scanning"):
        load_district(write_demo_with(tmp_path, "safety_technology", "face_scanning", extra))


def test_the_policies_fill_their_placeholders_in_each_language(district: District) -> None:
    assert set(POLICIES) <= PLACEHOLDERS
    for lang in ("en", "es"):
        values = placeholder_values(district, lang, "https://desk.example.org")
        for section in POLICIES:
            assert values[section] == getattr(district, section).text(lang)


def test_the_demo_district_says_what_the_articles_promise(district: District) -> None:
    immigration = district.immigration_policy.text("en")
    assert "do not ask" in immigration and "superintendent" in immigration and "judge" in immigration
    assert "does not monitor students' social media" in district.safety_technology.text("en")
    assert "no vigila las redes sociales" in district.safety_technology.text("es")
    assert "30 days" in district.safety_technology.text("en")
    assert "Chromebook" in district.device_policy.text("en")


def test_phones_are_shown_as_families_read_them() -> None:
    """Spanish review E82: "+1 555 010 0100" is unfamiliar; US numbers show as "(555) 010-0100"."""

    def shown(phone: str | None) -> str:
        return Contact(name="x", email="x@example.org", phone=phone).phone_shown

    assert shown("+1 555 010 0100") == "(555) 010-0100" == shown("555-010-0100") == shown("1 (555) 010 0100")
    assert shown("+44 20 7946 0958") == "+44 20 7946 0958" and shown(None) == "" and shown("ext 12") == "ext 12"


def test_messages_are_signed_without_usd_in_spanish() -> None:
    """Spanish review E81: "Maple Valley USD" reads as US dollars to Spanish readers."""
    for name in ("demo.yml", "california-demo.yml"):
        district = load_district(REPO_ROOT / "knowledge" / "district" / name)
        assert "USD" not in district.short_name_for("es") and district.short_name_for("en") == district.short_name
