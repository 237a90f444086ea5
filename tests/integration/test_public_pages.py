"""The public pages, served by the gateway (the browser test in tests/e2e renders them for real)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from rightsdesk.app import create_app
from rightsdesk.migrate import upgrade


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_rights_index_lists_every_article_in_each_language(client: TestClient) -> None:
    en = client.get("/rights/en")
    es = client.get("/rights/es")
    assert en.status_code == es.status_code == 200
    assert '<html lang="en">' in en.text and '<html lang="es">' in es.text
    assert "Seeing your child&#39;s records" in en.text or "Seeing your child's records" in en.text
    assert 'href="/rights/es/ferpa-inspect-review"' in es.text


def test_rights_search_finds_by_family_words(client: TestClient) -> None:
    page = client.get("/rights/es", params={"q": "expediente de mi hijo"})
    assert page.status_code == 200 and "Resultados para" in page.text


def test_an_article_has_its_short_answer_sources_and_filled_district_data(client: TestClient) -> None:
    page = client.get("/rights/en/who-to-contact")
    assert page.status_code == 200
    assert "privacy@maplevalley.example.org" in page.text
    assert "{privacy_contact}" not in page.text
    assert "studentprivacy.ed.gov" in page.text
    assert 'hreflang="es"' in page.text and 'href="/rights/es/who-to-contact"' in page.text


def test_an_article_shows_when_and_by_which_role_it_was_last_reviewed(client: TestClient) -> None:
    en = client.get("/rights/en/ferpa-inspect-review")
    es = client.get("/rights/es/ferpa-inspect-review")
    assert "Checked against its sources on <time datetime=" in en.text and "reviewer: content editor" in en.text
    # Not "sus fuentes", which with usted reads as "your sources" (Spanish review E03).
    assert "Revisado frente a las fuentes de esta respuesta el" in es.text and "sus fuentes" not in es.text
    assert "revisión: editor de contenidos" in es.text
    # The date in words, the ISO form only in datetime= (Spanish review E69).
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">\d{1,2} de [a-z]+ de \d{4}</time>', es.text)
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">[A-Z][a-z]+ \d{1,2}, \d{4}</time>', en.text)


def test_an_article_lists_the_sources_of_its_state_sentences(client: TestClient) -> None:
    page = client.get("/rights/en/noncustodial-parent")
    assert "order of protection" in page.text
    assert "https://www.ilga.gov/legislation/ilcs/documents/010500100K5.htm" in page.text


def test_missing_article_is_a_404_page(client: TestClient) -> None:
    assert client.get("/rights/en/not-an-article").status_code == 404


def test_search_text_is_escaped(client: TestClient) -> None:
    page = client.get("/rights/en", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_transparency_page_shows_the_districts_rules(client: TestClient) -> None:
    page = client.get("/transparency", params={"lang": "es"})
    assert page.status_code == 200
    for expected in (
        "Dana Whitfield",
        "Brightpath",
        "Lumen",
        "105 ILCS 10/4",
        "SOPPA",
        "Información de directorio",
    ):
        assert expected in page.text
    assert "Content-Security-Policy" in page.headers


def test_transparency_page_shows_vendors_and_request_types_in_spanish(client: TestClient) -> None:
    """Spanish review E72/E73: the vendor table and the contacts' request types were English on the Spanish page."""
    es = client.get("/transparency", params={"lang": "es"}).text
    assert "para llevar el expediente oficial, las boletas de calificaciones y la asistencia" in es
    assert "nombre, número de estudiante, fecha de nacimiento" in es
    assert "mientras dure el contrato" in es and "sistema de información estudiantil" in es
    assert "<td>ver el expediente</td>" in es and "<td>corregir el expediente</td>" in es
    for english in ("keeping the official student record", "student information system", "for the life of the"):
        assert english not in es
    assert "<td>records</td>" not in es and "<td>correction</td>" not in es
    en = client.get("/transparency", params={"lang": "en"}).text
    assert "keeping the official student record" in en and "<td>see records</td>" in en
    assert "Responsable de privacidad del distrito" in es and "oficial de privacidad" not in es.lower()


def test_transparency_page_shows_devices_immigration_and_safety_rules_in_the_pages_language(
    client: TestClient,
) -> None:
    en = client.get("/transparency", params={"lang": "en"}).text
    es = client.get("/transparency", params={"lang": "es"}).text
    for expected in ("School devices and accounts", "district Chromebook", "Immigration and school records"):
        assert expected in en
    assert "immigration or citizenship status" in en and "threat-assessment team" in en
    assert "does not monitor students&#39; social media" in en or "does not monitor students' social media" in en
    for expected in ("Dispositivos y cuentas de la escuela", "Inmigración y el expediente escolar", "Cámaras"):
        assert expected in es
    assert "no vigila las redes sociales" in es and "firmada por un juez" in es
    assert "district Chromebook" not in es


def test_chat_page_has_the_privacy_notice_and_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/", headers={"accept-language": "es-MX,es;q=0.9"})
    assert page.status_code == 200 and '<html lang="es">' in page.text
    assert "no un abogado" in page.text and "365 días" in page.text
    assert "http://" not in page.text.split("<main", 1)[0].replace("http://www.w3.org", "")
    assert client.get("/static/chat.js").status_code == 200


def test_a_link_cut_short_gets_a_page_in_both_languages_not_english_json(client: TestClient) -> None:
    # Spanish review E80: "/request/" without its token answered {"detail":"Not Found"}.
    english_phone = client.get("/request/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english_phone.status_code == 404 and english_phone.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in english_phone.text and "Page not found" in english_phone.text
    # The Spanish text is on the same page, marked as Spanish, with the office's address.
    assert '<section lang="es"' in english_phone.text and "No encontramos esta página" in english_phone.text
    assert english_phone.text.count("privacy@maplevalley.example.org") == 2
    spanish = client.get("/request/", params={"lang": "es"})
    assert '<html lang="es">' in spanish.text and "<h1>No encontramos esta página</h1>" in spanish.text
    assert '<section lang="en"' in spanish.text and "Not Found" not in spanish.text
    assert '<html lang="es">' in client.get("/rights/es/no/such/page").text
    assert "noindex" in spanish.text and spanish.headers["cache-control"] == "no-store"


def test_a_wrong_method_on_a_page_gets_the_page_and_machine_routes_keep_json(client: TestClient) -> None:
    refused = client.post("/transparency", headers={"Accept": "text/html", "Accept-Language": "es-MX"})
    assert refused.status_code == 405 and "Allow" in refused.headers
    assert "Esta página no se puede abrir así" in refused.text and "This page cannot be opened this way" in refused.text
    assert client.get("/api/chat/nothing").json() == {"detail": "Not Found"}
    assert client.post("/sms/twilio/nothing").json() == {"detail": "Not Found"}


def test_a_page_that_fails_says_so_in_both_languages_with_the_office_contact(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a failure while the page was built")

    with TestClient(app, raise_server_exceptions=False) as client:
        failed = client.get("/boom", headers={"Accept-Language": "es"})
    assert failed.status_code == 500 and "<h1>Algo salió mal</h1>" in failed.text
    assert "Something went wrong" in failed.text and "(555) 010-0100" in failed.text
    assert "a failure while" not in failed.text
