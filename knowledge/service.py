"""The knowledge service the action server and the public pages call.

It answers a question in a language with rendered articles (district placeholders filled) and a verdict, and
reloads the articles, the family questions (``questions.tsv``, examples for retrieval) and the district file when
they change on disk (checked at most every few seconds), so an
edited article is live without retraining or restarting anything.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from knowledge.articles import ARTICLES_DIR, Article, load_articles, placeholder_values, render, state_sources
from knowledge.district import District, load_district
from knowledge.examples import EXAMPLES_FILE, load_examples
from knowledge.search import KnowledgeBase, Verdict

RELOAD_CHECK_SECONDS = 3.0
# Knowledge bases built in this process, by the files they were built from (path, mtime, size of each): building
# one trains the topic classifier (seconds), and every service over the same unchanged files can share it.
_BUILT: dict[tuple[tuple[str, int, int], ...], KnowledgeBase] = {}
_BUILT_LIMIT = 4
_BUILT_LOCK = threading.Lock()


@dataclass(frozen=True)
class RenderedArticle:
    """An article ready to show: placeholders filled, its public URL."""

    id: str
    lang: str
    topic: str
    title: str
    short: str
    body: str
    sources: list[dict[str, str]]
    url: str
    related: list[str]
    jurisdiction: str
    reviewed_on: str
    reviewed_by: str

    def reference(self) -> dict[str, object]:
        """The ``article`` object of the chat contract."""
        return {
            "id": self.id,
            "topic": self.topic,
            "title": self.title,
            "sources": self.sources,
            "url": self.url,
        }


@dataclass(frozen=True)
class Answer:
    """What the knowledge base says about a question."""

    verdict: Verdict
    articles: list[RenderedArticle]
    in_domain: bool = True  # about student data, even when there is no reliable answer
    about_data: bool = True  # it names a concept of student data (records, sharing, consent, apps, laws...)


def unwrap(text: str) -> str:
    """Join the hard-wrapped lines of each paragraph; keep paragraph breaks and "- " bullets on their own lines."""
    blocks = []
    for block in text.strip().split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            line = line.strip()
            if not line:
                continue
            if lines and not line.startswith("- "):
                lines[-1] += " " + line
            else:
                lines.append(line)
        blocks.append("\n".join(lines))
    return "\n\n".join(b for b in blocks if b)


def _signature(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    entries: list[tuple[str, int, int]] = []
    for root in paths:
        candidates = sorted([*root.rglob("*.yml"), *root.rglob("*.tsv")]) if root.is_dir() else [root]
        for path in candidates:
            stat = path.stat()
            entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def _knowledge_base(articles_dir: Path, key: tuple[tuple[str, int, int], ...]) -> KnowledgeBase:
    """The knowledge base of the files under ``articles_dir`` whose signature is ``key`` (shared while unchanged)."""
    with _BUILT_LOCK:
        found = _BUILT.get(key)
    if found is not None:
        return found
    kb = KnowledgeBase(
        (item.article for item in load_articles(articles_dir)),
        load_examples(articles_dir / EXAMPLES_FILE.name),
    )
    with _BUILT_LOCK:
        if len(_BUILT) >= _BUILT_LIMIT:
            _BUILT.pop(next(iter(_BUILT)))
        _BUILT[key] = kb
    return kb


class KnowledgeService:
    """Articles and district data, kept fresh."""

    def __init__(self, district_file: Path, public_url: str, articles_dir: Path = ARTICLES_DIR) -> None:
        self.district_file = district_file
        self.public_url = public_url.rstrip("/")
        self.articles_dir = articles_dir
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self._kb = KnowledgeBase([])
        self._district: District | None = None
        self._refresh(force=True)

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < RELOAD_CHECK_SECONDS:
            return
        with self._lock:
            self._checked_at = now
            articles = _signature([self.articles_dir])
            signature = articles + _signature([self.district_file])
            if signature == self._signature and not force:
                return
            kb = _knowledge_base(self.articles_dir, articles)
            district = load_district(self.district_file)
            self._kb, self._district, self._signature = kb, district, signature

    @property
    def kb(self) -> KnowledgeBase:
        """The current knowledge base."""
        self._refresh()
        return self._kb

    @property
    def district(self) -> District:
        """The current district configuration."""
        self._refresh()
        assert self._district is not None
        return self._district

    def render(self, article: Article) -> RenderedArticle:
        """``article`` with the district's values and its state's sentences filled in.

        The sources of the state sentences shown are added to the article's, so every fact keeps its citation.
        """
        district = self.district
        values = placeholder_values(district, article.lang, self.public_url)
        sources = [
            {"citation": s.citation, "url": str(s.url)} for s in (*article.sources, *state_sources(article, district))
        ]
        return RenderedArticle(
            id=article.id,
            lang=article.lang,
            topic=article.topic,
            title=article.title,
            short=render(article.short, values),
            body=unwrap(render(article.body, values)),
            sources=list({s["url"] + s["citation"]: s for s in sources}.values()),
            url=f"{self.public_url}/rights/{article.lang}/{article.id}",
            related=list(article.related),
            jurisdiction=article.jurisdiction,
            reviewed_on=article.reviewed.on.isoformat(),
            reviewed_by=article.reviewed.by,
        )

    def answer(self, question: str, lang: str, limit: int = 3) -> Answer:
        """The best articles for ``question`` in ``lang`` and whether to trust the first."""
        result = self.kb.search(question, lang, limit=limit)
        return Answer(
            result.verdict, [self.render(hit.article) for hit in result.hits], result.in_domain, result.about_data
        )

    def article(self, article_id: str, lang: str) -> RenderedArticle | None:
        """One article by id."""
        found = self.kb.get(article_id, lang)
        return self.render(found) if found else None
