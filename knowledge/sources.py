"""Official sources only: the allow-list of hosts every cited URL must be on.

The list is data: ``knowledge/sources_allowed.yml`` (federal publishers, the covered states' legislatures and
education departments, the Student Data Principles), extended by a district with a file of the same format named
``sources_allowed.yml`` beside its district file. A host covers its subdomains. Known mirrors of the law are
refused with the official place to cite instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field

SOURCES_ALLOWED_FILE = Path(__file__).resolve().parent / "sources_allowed.yml"
DISTRICT_EXTENSION = SOURCES_ALLOWED_FILE.name


class AllowList(BaseModel):
    """Hosts a source may link to, and known mirrors with the official alternative."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    hosts: list[str] = Field(default_factory=list)
    mirrors: dict[str, str] = Field(default_factory=dict)

    def problem(self, url: str) -> str | None:
        """Why ``url`` may not be cited, or ``None`` when it may."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https":
            return f"{url} is not https"
        if any(_covers(allowed, host) for allowed in self.hosts):
            return None
        for mirror, instead in self.mirrors.items():
            if _covers(mirror, host):
                return f"{url} is an unofficial copy ({host}); cite {instead}"
        return f"{url} is not on an official host ({host} is not in knowledge/sources_allowed.yml)"


def _covers(allowed: str, host: str) -> bool:
    allowed = allowed.lower().strip(".")
    return host == allowed or host.endswith("." + allowed)


def load_allow_list(path: Path = SOURCES_ALLOWED_FILE, extensions: Iterable[Path] = ()) -> AllowList:
    """The allow-list in ``path``, plus the hosts of each extension file that exists."""
    base = AllowList.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    hosts = list(base.hosts)
    for extension in extensions:
        if extension.is_file():
            extra = AllowList.model_validate(yaml.safe_load(extension.read_text(encoding="utf-8")) or {})
            hosts.extend(host for host in extra.hosts if host not in hosts)
    return AllowList(hosts=hosts, mirrors=base.mirrors)
