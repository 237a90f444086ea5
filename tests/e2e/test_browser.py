"""The pages in a real browser: the chat page works on a phone-sized screen, the public pages render."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.browser import chromium, screenshot
from tests.e2e.conftest import Stack


def bubbles(driver) -> list[str]:  # type: ignore[no-untyped-def]
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#chat-log li.out")]


def test_chat_in_spanish_on_a_phone_with_a_person_in_reach_and_reload_keeps_it(stack: Stack) -> None:
    with chromium() as driver:
        driver.get(f"{stack.url}/?lang=es")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
        assert "no un abogado" in driver.find_element(By.ID, "privacy-notice").text
        log = driver.find_element(By.ID, "chat-log")
        assert log.get_attribute("aria-live") == "polite"
        box = driver.find_element(By.ID, "chat-input")
        box.send_keys("hola, ¿quién puede ver las notas de mi hijo?")
        box.send_keys(Keys.ENTER)
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: len(bubbles(d)) >= 1)
        assert any(word in bubbles(driver)[0] for word in ("Hola", "escuela", "registros", "temas", "persona"))
        screenshot(driver, "chat-es-phone")
        driver.find_element(By.ID, "person-button").click()
        wait.until(lambda d: any("RD-" in text for text in bubbles(d)))
        reference_text = next(text for text in bubbles(driver) if "RD-" in text)
        driver.refresh()
        wait.until(lambda d: any("RD-" in text for text in bubbles(d)))
        assert reference_text in bubbles(driver)
        mine = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#chat-log li.in")]
        assert "Hablar con una persona" in mine and "/human_handoff" not in mine
        screenshot(driver, "chat-es-after-reload")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []


def test_message_text_is_shown_as_text_not_markup(stack: Stack) -> None:
    with chromium() as driver:
        driver.get(f"{stack.url}/?lang=en")
        box = driver.find_element(By.ID, "chat-input")
        box.send_keys('<img src=x onerror="document.title=1">hello')
        box.send_keys(Keys.ENTER)
        WebDriverWait(driver, 30).until(lambda d: len(bubbles(d)) >= 1)
        mine = driver.find_element(By.CSS_SELECTOR, "#chat-log li.in").text
        assert mine.startswith("<img")
        assert driver.find_elements(By.CSS_SELECTOR, "#chat-log img") == []
        assert driver.title != "1"


def test_rights_and_transparency_pages_render_and_are_navigable(stack: Stack) -> None:
    with chromium(1280, 900) as driver:
        driver.get(f"{stack.url}/rights/en")
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Your rights")
        links = driver.find_elements(By.CSS_SELECTOR, "ul.articles a")
        assert len(links) >= 44
        driver.find_element(By.ID, "q").send_keys("cumulative folder", Keys.ENTER)
        WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.ID, "results-h")))
        driver.find_element(By.CSS_SELECTOR, "ol.articles a").click()
        WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "article .short")))
        assert driver.find_elements(By.CSS_SELECTOR, "ul.sources a")
        screenshot(driver, "rights-article-en")
        driver.get(f"{stack.url}/transparency?lang=es")
        headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
        assert "Proveedores que reciben datos estudiantiles" in headings
        assert driver.find_elements(By.CSS_SELECTOR, "table th[scope=col]")
        screenshot(driver, "transparency-es")
