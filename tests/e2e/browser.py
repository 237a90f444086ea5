"""Headless Debian Chromium driven through chromedriver (Selenium), with screenshots kept as test artifacts."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from core.settings import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"


@contextmanager
def chromium(width: int = 390, height: int = 844, language: str = "en-US") -> Iterator[webdriver.Chrome]:
    """A headless Chromium the size of a phone by default, set to ``language`` (its Accept-Language)."""
    binary = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.fail("Debian's chromium and chromium-driver are required (.ci/run installs them)")
    profile = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        f"--lang={language}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.10.3" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def accessibility_violations(driver: webdriver.Chrome) -> list[dict[str, object]]:
    """What axe-core (vendored, MPL-2.0) finds against WCAG 2.1 A and AA on the page as it is now."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-failed', impact: 'critical', help: String(e), nodes: []}]));",
        WCAG_21_AA,
    )
    return list(found)


def assert_accessible(driver: webdriver.Chrome, page: str) -> None:
    """No WCAG 2.1 AA violation on the page (axe-core in the real browser)."""
    found = accessibility_violations(driver)
    assert found == [], f"{page}: {found}"
