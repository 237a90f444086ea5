"""The chat widget in headless Chromium: keyboard, screen-reader semantics, language toggle, quick replies,
sources, typing indicator, privacy notice, a person always in reach, and every asset from the gateway."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.browser import chromium, screenshot
from tests.e2e.conftest import Stack


def bubbles(driver: WebDriver) -> list[str]:
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#chat-log li.out")]


def in_view(driver: WebDriver, element_id: str) -> bool:
    return bool(
        driver.execute_script(
            "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
            "return r.top >= 0 && r.bottom <= window.innerHeight && r.width > 0;",
            element_id,
        )
    )


def test_a_family_uses_the_widget_with_the_keyboard_on_a_phone(stack: Stack) -> None:
    with chromium() as driver:
        wait = WebDriverWait(driver, 30)
        driver.get(f"{stack.url}/?lang=en")
        # Before the first message: the privacy notice, ways to start, and a person in reach.
        notice = driver.find_element(By.ID, "privacy-notice").text
        assert "not a lawyer" in notice and "days" in notice and "privacy office" in notice
        assert driver.find_element(By.ID, "starters").is_displayed()
        assert in_view(driver, "person-button")
        log = driver.find_element(By.ID, "chat-log")
        assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
        typing = driver.find_element(By.ID, "typing")
        assert typing.get_attribute("role") == "status" and typing.get_attribute("hidden") is not None
        assert driver.find_element(By.CSS_SELECTOR, ".lang-toggle a[aria-current='true']").text == "English"
        screenshot(driver, "widget-en-first-visit")

        # Keyboard only: the skip link, then Tab to the message box, type, Enter.
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        assert driver.switch_to.active_element.get_attribute("class") == "skip"
        box = driver.find_element(By.ID, "chat-input")
        assert box.get_attribute("aria-describedby") == "chat-hint"
        box.send_keys("who can see my child's grades?")
        box.send_keys(Keys.ENTER)
        wait.until(lambda d: len(bubbles(d)) >= 1)
        wait.until(lambda d: d.find_element(By.ID, "typing").get_attribute("hidden") is not None)
        assert driver.switch_to.active_element.get_attribute("id") == "chat-input"
        assert not driver.find_element(By.ID, "starters").is_displayed()
        answer = driver.find_elements(By.CSS_SELECTOR, "#chat-log li.out")[-1]
        if not answer.find_elements(By.CSS_SELECTOR, ".sources a"):
            # The assistant offered topics as quick replies: pick the first with the keyboard.
            count = len(bubbles(driver))
            answer.find_elements(By.CSS_SELECTOR, ".buttons button")[0].send_keys(Keys.ENTER)
            wait.until(lambda d: len(bubbles(d)) > count)
            answer = driver.find_elements(By.CSS_SELECTOR, "#chat-log li.out")[-1]
        sources = answer.find_elements(By.CSS_SELECTOR, ".sources a")
        assert sources and all(a.get_attribute("href").startswith("http") for a in sources)
        assert any("/rights/en/" in a.get_attribute("href") for a in sources)
        screenshot(driver, "widget-en-answer-with-sources")

        # A quick reply is a real button: focus it and press Enter.
        detail = next(b for b in answer.find_elements(By.CSS_SELECTOR, ".buttons button") if b.text == "More detail")
        count = len(bubbles(driver))
        detail.send_keys(Keys.ENTER)
        wait.until(lambda d: len(bubbles(d)) > count)
        assert "More detail" in [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#chat-log li.in")]
        # With a long conversation, "talk to a person" is still on screen.
        assert in_view(driver, "person-button") and in_view(driver, "chat-input")
        screenshot(driver, "widget-en-long-conversation")
        same_origin = driver.execute_script(
            "return performance.getEntriesByType('resource').every(e => e.name.startsWith(location.origin));"
        )
        assert same_origin
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []


def test_the_language_toggle_switches_the_page_and_the_conversation(stack: Stack) -> None:
    with chromium() as driver:
        wait = WebDriverWait(driver, 30)
        driver.get(f"{stack.url}/?lang=en")
        box = driver.find_element(By.ID, "chat-input")
        box.send_keys("hello")
        box.send_keys(Keys.ENTER)
        wait.until(lambda d: len(bubbles(d)) >= 1)
        driver.find_element(By.CSS_SELECTOR, ".lang-toggle a[lang='es']").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es")
        assert driver.find_element(By.CSS_SELECTOR, ".lang-toggle a[aria-current='true']").text == "Español"
        assert driver.find_element(By.ID, "person-button").text == "Hablar con una persona"
        wait.until(lambda d: len(bubbles(d)) >= 1)  # the conversation is still there
        box = driver.find_element(By.ID, "chat-input")
        box.send_keys("ok")
        box.send_keys(Keys.ENTER)
        wait.until(lambda d: len(bubbles(d)) >= 2)
        latest = bubbles(driver)[-1].lower()
        assert " the " not in latest and any(w in latest for w in ("de", "que", "le", "su"))
        screenshot(driver, "widget-es-after-toggle")


def test_the_widget_fits_a_small_phone_and_a_laptop(stack: Stack) -> None:
    for width, height, name in ((320, 640, "widget-small-phone"), (1280, 800, "widget-laptop")):
        with chromium(width, height) as driver:
            driver.get(f"{stack.url}/?lang=es")
            # Headless Chromium may keep a minimum window width above 320: compare with the real viewport.
            overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0
            assert in_view(driver, "person-button") and in_view(driver, "chat-input")
            screenshot(driver, name)


def test_ending_the_conversation_clears_the_page_and_the_session_on_a_shared_computer(stack: Stack) -> None:
    """Issue 11, F8: the session lives in the tab only, and "End conversation" forgets it on the server too."""
    import httpx

    with chromium() as driver:
        wait = WebDriverWait(driver, 60)
        driver.get(f"{stack.url}/?lang=en")
        end = driver.find_element(By.ID, "end-button")
        assert end.text == "End conversation" and end.is_displayed()
        box = driver.find_element(By.ID, "chat-input")
        box.send_keys("hello")
        box.send_keys(Keys.ENTER)
        wait.until(lambda d: len(bubbles(d)) >= 1)
        count = len(bubbles(driver))
        box.send_keys("en español por favor")
        box.send_keys(Keys.ENTER)
        wait.until(lambda d: len(bubbles(d)) > count)
        # The control follows the conversation's language, which the family just changed.
        wait.until(lambda d: d.find_element(By.ID, "end-button").text == "Terminar conversación")
        session = driver.execute_script("return sessionStorage.getItem('rightsdesk.session')")
        assert session and driver.execute_script("return localStorage.getItem('rightsdesk.session')") is None
        # The event stream is opened with a ticket; the session id is in no URL the page requested.
        script = "return performance.getEntriesByType('resource').map(e => e.name)"
        wait.until(lambda d: any(u.endswith("/api/chat/events/ticket") for u in d.execute_script(script)))
        assert not any(session in u for u in driver.execute_script(script))
        driver.find_element(By.ID, "end-button").click()
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#chat-log li"))
        ended = driver.find_element(By.ID, "ended")
        assert ended.is_displayed() and ended.text.startswith("La conversación terminó")
        assert driver.find_element(By.ID, "starters").is_displayed()
        assert driver.execute_script("return sessionStorage.getItem('rightsdesk.session')") is None
        screenshot(driver, "widget-conversation-ended")
        # The next person: a reload shows nothing, and the old session id no longer works on the server.
        driver.refresh()
        assert not driver.find_elements(By.CSS_SELECTOR, "#chat-log li")
        wait.until(lambda d: httpx.post(f"{stack.url}/api/chat/history", json={"session_id": session}).status_code)
        assert httpx.post(f"{stack.url}/api/chat/history", json={"session_id": session}).status_code == 404
