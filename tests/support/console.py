"""Test-only: a browser-like client of the console (FastAPI's TestClient; no Rasa), signed in as an officer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.settings import Settings
from rightsdesk.app import create_app
from tests.factories import CSRF_RE, PASSWORD


@dataclass
class Console:
    """A browser-like client of the console."""

    client: TestClient
    csrf: str = ""
    last: httpx.Response | None = field(default=None, repr=False)

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        page = self.client.get("/console/login")
        token = CSRF_RE.search(page.text)
        assert token, page.text
        response = self.client.post(
            "/console/login",
            data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/console/queue"},
            follow_redirects=False,
        )
        if response.status_code == 303 and response.headers["location"] == "/console/queue":
            self.get("/console/queue")
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client.get(path, follow_redirects=False, **kwargs)
        found = (
            CSRF_RE.search(response.text) if response.headers.get("content-type", "").startswith("text/html") else None
        )
        if found:
            self.csrf = found.group(1)
        self.last = response
        return response

    def post(
        self, path: str, data: dict[str, Any] | None = None, csrf: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        body = {"csrf_token": self.csrf if csrf is None else csrf, **(data or {})}
        return self.client.post(path, data=body, follow_redirects=False, **kwargs)


def console_app(settings: Settings) -> FastAPI:
    return create_app(settings)


def signed_in(app: FastAPI, email: str) -> Console:
    console = Console(TestClient(app))
    response = console.login(email)
    assert response.status_code == 303, response.text
    return console
