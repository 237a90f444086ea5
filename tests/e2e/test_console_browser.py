"""The officer console in a real headless Chromium, on a laptop (1280 px) and a tablet (768 px).

The gateway runs with uvicorn in a thread on a free port, on its own SQLite database (no Rasa needed): sign in
with the keyboard-reachable form, work the queue, read a family message containing ``<script>`` as plain text,
reply, change the status, and see the family's follow page. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from core.settings import REPO_ROOT, Settings
from knowledge.district import District, load_district
from rightsdesk.app import create_app
from rightsdesk.migrate import upgrade
from tests.e2e.browser import assert_accessible, chromium, screenshot
from tests.helpdesk_support import PASSWORD, OpenedTicket, family_messages, officer, web_ticket
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import add_timeline_event

OFFICER = "privacy@maplevalley.example.org"
HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">¿Y mis registros?'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Gateway:
    url: str
    factory: sessionmaker[Session]
    ticket: OpenedTicket
    other: OpenedTicket


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("console-browser") / "var"
    data_dir.mkdir()
    settings = Settings(
        RIGHTSDESK_DATA_DIR=data_dir,
        RIGHTSDESK_PORT=port,
        RIGHTSDESK_RASA_PORT=1,
        RIGHTSDESK_ACTIONS_PORT=2,
        RIGHTSDESK_SLA_INTERVAL_SECONDS=0,
    )
    upgrade(settings.database_url)
    app = create_app(settings)
    factory: sessionmaker[Session] = app.state.session_factory
    district: District = load_district(REPO_ROOT / "knowledge" / "district" / "demo.yml")
    officer(factory, OFFICER, "district_officer", name="Dana Whitfield")
    ticket = web_ticket(factory, district, language="es", summary="Quiero ver el expediente de mi hija.")
    other = web_ticket(factory, district, school_id="cedar", summary="Please correct my son's address.")
    with unit_of_work(factory) as db_session:
        add_timeline_event(
            db_session=db_session,
            ticket=db_session.get_one(Ticket, ticket.ticket_id),
            kind="family_message",
            actor="family",
            body=HOSTILE,
        )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws="none")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the gateway did not start"
        time.sleep(0.05)
    try:
        yield Gateway(f"http://127.0.0.1:{port}", factory, ticket, other)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


# Chromium's renderer can stall for a while on a loaded machine (other test suites, model training); the page
# timeout is generous so that only a real hang fails.
PAGE_TIMEOUT = 90


def _severe(driver: WebDriver) -> list[dict[str, object]]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]


def _no_horizontal_scroll(driver: WebDriver) -> bool:
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))


def _sign_in(driver: WebDriver, gateway: Gateway) -> None:
    driver.get(f"{gateway.url}/console/queue")
    assert driver.current_url.startswith(f"{gateway.url}/console/login")
    email = driver.find_element(By.ID, "email")
    assert driver.find_element(By.CSS_SELECTOR, "label[for=email]").text == "Email"
    assert driver.find_element(By.CSS_SELECTOR, "label[for=password]").text == "Password"
    email.send_keys(OFFICER)
    password = driver.find_element(By.ID, "password")
    password.send_keys(PASSWORD)
    password.send_keys(Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/console/queue"))


def test_console_on_a_laptop(gateway: Gateway) -> None:
    with chromium(1280, 900) as driver:
        driver.set_page_load_timeout(PAGE_TIMEOUT)
        driver.get(f"{gateway.url}/console/login")
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        skip = driver.switch_to.active_element
        assert skip.text == "Skip to content"
        assert skip.value_of_css_property("outline-style") == "solid"  # focus is visible
        assert_accessible(driver, "/console/login")
        _sign_in(driver, gateway)
        assert driver.find_element(By.TAG_NAME, "h1").text == "Queue"
        assert_accessible(driver, "/console/queue")
        headers = driver.find_elements(By.CSS_SELECTOR, "table.queue thead th")
        assert headers and all(h.get_attribute("scope") == "col" for h in headers)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.queue tbody th[scope=row]")
        assert {r.text.split()[0] for r in rows} == {gateway.ticket.reference, gateway.other.reference}
        Select(driver.find_element(By.ID, "f-school")).select_by_value("cedar")
        driver.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "school=cedar" in d.current_url)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.queue tbody th[scope=row]")
        assert [r.text.split()[0] for r in rows] == [gateway.other.reference]
        screenshot(driver, "console-queue-1280")

        driver.get(f"{gateway.url}/console/tickets/{gateway.ticket.reference}")
        family = driver.find_element(By.CSS_SELECTOR, "li.ev-family_message .ev-body")
        assert family.text == HOSTILE  # shown as text, not run
        assert_accessible(driver, "/console/tickets/<reference>")
        assert driver.find_elements(By.CSS_SELECTOR, "ol.timeline script, ol.timeline img") == []
        assert driver.title != "pwned" and "RD-" in driver.title
        reply = driver.find_element(By.ID, "reply-body")
        reply.send_keys("Hola, ya estamos revisando su solicitud.")
        driver.find_element(By.CSS_SELECTOR, "#reply-body ~ button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "done=reply" in d.current_url)
        assert driver.find_element(By.CSS_SELECTOR, ".flash").text == "Reply sent to the family."
        Select(driver.find_element(By.ID, "status")).select_by_value("in_progress")
        driver.find_element(By.CSS_SELECTOR, "#reason ~ button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "done=status" in d.current_url)
        facts = driver.find_element(By.CSS_SELECTOR, "dl.facts").text
        assert "in progress" in facts and ("left" in facts or "overdue" in facts)
        screenshot(driver, "console-ticket-1280")

        driver.get(f"{gateway.url}/console/dashboard")
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
        assert len(charts) >= 2 and all(c.size["width"] > 200 for c in charts)
        screenshot(driver, "console-dashboard-1280")
        assert _severe(driver) == []

    messages = family_messages(gateway.factory, gateway.ticket.conversation_id)
    assert messages[0].endswith("Hola, ya estamos revisando su solicitud.")
    assert "Estado actual: en proceso" in messages[1]
    follow = re.search(r"(/request/\S+)", messages[1]).group(1)  # type: ignore[union-attr]
    with chromium() as phone:
        phone.set_page_load_timeout(PAGE_TIMEOUT)
        phone.get(gateway.url + follow)
        assert phone.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
        history = phone.find_element(By.CSS_SELECTOR, "ol.timeline").text
        assert HOSTILE in history and "Hola, ya estamos revisando su solicitud." in history
        assert phone.title != "pwned"
        assert _no_horizontal_scroll(phone)
        screenshot(phone, "family-request-es-phone")
        assert _severe(phone) == []


def test_console_on_a_tablet(gateway: Gateway) -> None:
    with chromium(768, 1024) as driver:
        driver.set_page_load_timeout(PAGE_TIMEOUT)
        _sign_in(driver, gateway)
        assert _no_horizontal_scroll(driver)
        screenshot(driver, "console-queue-768")
        driver.get(f"{gateway.url}/console/tickets/{gateway.other.reference}")
        assert _no_horizontal_scroll(driver)
        # One column on a tablet: the actions follow the timeline, full width.
        timeline = driver.find_element(By.ID, "timeline").rect
        reply = driver.find_element(By.ID, "reply-h").rect
        assert reply["y"] > timeline["y"]
        textarea = driver.find_element(By.ID, "reply-body")
        assert textarea.size["width"] > 500
        note = driver.find_element(By.ID, "note-body")
        note.click()
        assert driver.switch_to.active_element == note
        screenshot(driver, "console-ticket-768")
        driver.get(f"{gateway.url}/console/dashboard")
        assert _no_horizontal_scroll(driver)
        screenshot(driver, "console-dashboard-768")
        assert _severe(driver) == []
