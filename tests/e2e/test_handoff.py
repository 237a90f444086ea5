"""Human handoff on the real stack: the family in a real browser, the officer in the console.

The officer takes the conversation over (Rasa's conversation is paused, the assistant is silent), the family's
message reaches the ticket, the officer's reply appears on the family's open page without a reload (server-sent
events), and the officer hands the conversation back.
"""

from __future__ import annotations

import json
import re

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.browser import chromium, screenshot
from tests.e2e.conftest import Stack
from tests.factories import CSRF_RE

_CHOSEN: dict[object, str] = {}  # the password the demo officer chose, per stack


def bubbles(driver) -> list[str]:  # type: ignore[no-untyped-def]
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#chat-log li.out")]


def console(stack: Stack) -> tuple[httpx.Client, str]:
    # The demo login is printed by `rightsdesk run` (never stored in the data directory), and its generated password
    # is replaced at the first sign-in.
    email, printed = re.search(r"demo officer:  (\S+) / (\S+)", stack.output.read_text()).groups()  # type: ignore[union-attr]
    password = _CHOSEN.get(stack.data_dir, printed)
    client = httpx.Client(base_url=stack.url, timeout=30)
    page = client.get("/console/login")
    token = CSRF_RE.search(page.text)
    assert token, page.text
    response = client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/console/queue"},
    )
    assert response.status_code == 303, response.text
    if response.headers["location"].startswith("/console/login/password"):
        step = CSRF_RE.search(client.get(response.headers["location"]).text)
        assert step
        own = _CHOSEN[stack.data_dir] = "the e2e officer's own passphrase"
        response = client.post(
            "/console/login/password",
            data={"password": own, "repeated": own, "csrf_token": step.group(1), "next": "/console/queue"},
        )
        assert response.status_code == 303, response.text
    queue = client.get("/console/queue")
    found = CSRF_RE.search(queue.text)
    assert found, queue.text
    return client, found.group(1)


def rasa_paused(stack: Stack, reference: str) -> bool:
    token = json.loads((stack.data_dir / "secrets.json").read_text())["rasa_token"]
    import sqlite3

    with sqlite3.connect(stack.data_dir / "rightsdesk.db") as db:
        (sender,) = db.execute("SELECT requester_ref FROM tickets WHERE reference = ?", (reference,)).fetchone()
    tracker = httpx.get(
        f"http://127.0.0.1:{stack.rasa_port}/conversations/{sender}/tracker",
        params={"token": token, "include_events": "NONE"},
        timeout=10,
    ).json()
    return bool(tracker.get("paused"))


def test_an_officer_takes_over_talks_live_and_hands_back(stack: Stack) -> None:
    with chromium() as driver:
        wait = WebDriverWait(driver, 30)
        driver.get(f"{stack.url}/?lang=en")
        driver.find_element(By.ID, "person-button").click()
        wait.until(lambda d: any("RD-" in t for t in bubbles(d)))
        reference = re.search(r"RD-[A-Z0-9]{4}-[A-Z0-9]{4}", " ".join(bubbles(driver))).group(0)  # type: ignore[union-attr]

        client, csrf = console(stack)
        ticket_page = client.get(f"/console/tickets/{reference}")
        assert "Take over the conversation" in ticket_page.text
        taken = client.post(f"/console/tickets/{reference}/take-over", data={"csrf_token": csrf})
        assert taken.status_code == 303
        # The family's open page shows it without a reload.
        wait.until(lambda d: any("from the privacy office has joined" in t for t in bubbles(d)))
        assert driver.find_elements(By.CSS_SELECTOR, "#chat-log li.office")
        assert rasa_paused(stack, reference)

        box = driver.find_element(By.ID, "chat-input")
        box.send_keys("Are you a real person? My son's records seem wrong.")
        box.send_keys(Keys.ENTER)
        wait.until(lambda d: d.find_element(By.ID, "typing").get_attribute("hidden") is not None)
        assert "My son&#39;s records seem wrong." in client.get(f"/console/tickets/{reference}").text or (
            "My son's records seem wrong." in client.get(f"/console/tickets/{reference}").text
        )
        before = len(bubbles(driver))
        client.post(
            f"/console/tickets/{reference}/reply",
            data={"csrf_token": csrf, "body": "Yes, I am Dana. I will check the records today."},
        )
        wait.until(lambda d: any("I will check the records today" in t for t in bubbles(d)))
        assert len(bubbles(driver)) == before + 1  # the assistant said nothing in between
        screenshot(driver, "handoff-officer-live")

        back = client.post(f"/console/tickets/{reference}/hand-back", data={"csrf_token": csrf})
        assert back.status_code == 303
        wait.until(lambda d: any("handed this conversation back" in t for t in bubbles(d)))
        assert not rasa_paused(stack, reference)
        box = driver.find_element(By.ID, "chat-input")
        box.send_keys("what is FERPA?")
        box.send_keys(Keys.ENTER)
        wait.until(lambda d: any("FERPA" in t for t in bubbles(d)[-1:]))
        screenshot(driver, "handoff-handed-back")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []


def test_not_understood_twice_brings_in_a_person(stack: Stack) -> None:
    # Keyboard mash the knowledge base has no answer for (the assistant says so: utter_kb_none), twice.
    first = stack.chat("qwerty uiop")
    assert "reliable answer" in first["messages"][0]["text"]
    session = first["session_id"]
    second = stack.chat("qwerty uiop", session)
    texts = [m["text"] for m in second["messages"]]
    assert any("I have asked a person in the privacy office" in t and "RD-" in t for t in texts), texts
