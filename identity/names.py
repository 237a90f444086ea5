"""Names as families type them, compared with names as the roster has them (pure).

Case, accents, hyphens and apostrophes do not matter ("José García-López" = "jose garcia lopez"), nor do the
particles of compound surnames ("de la Cruz"), nor the order ("García López, María" = "María García López").
A typed name must have at least one given name and one family name of the person, and nothing that is not theirs:
"María García" matches María José García López; "María" alone, or "María Pérez", does not.
"""

from __future__ import annotations

import re
import unicodedata

# Words that are in sentences, never in a person's name.
NOT_NAME_WORDS = frozenset(
    {
        "i",
        "im",
        "my",
        "me",
        "you",
        "your",
        "the",
        "what",
        "want",
        "need",
        "is",
        "are",
        "to",
        "for",
        "please",
        "request",
        "records",
        "record",
        "status",
        "help",
        "quiero",
        "necesito",
        "mi",
        "que",
        "solicitud",
        "expediente",
        "registros",
        "ayuda",
        "por",
        "favor",
    }
)
MAX_NAME_WORDS = 7
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "di", "van", "von", "der"})
_JOINERS = re.compile(r"['’‘`´]")
_SEPARATORS = re.compile(r"[^a-z\s]+")
MAX_NAME_CHARS = 120


def fold(text: str) -> str:
    """``text`` in lower case without accents (ñ becomes n)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def name_tokens(text: str) -> list[str]:
    """The comparable words of a name: folded, apostrophes joined, other punctuation split, particles dropped."""
    folded = _JOINERS.sub("", fold(text))
    if "," in folded:
        family, _, given = folded.partition(",")
        folded = f"{given} {family}"
    words = _SEPARATORS.sub(" ", folded).split()
    return [w for w in words if w not in PARTICLES]


def looks_like_full_name(text: str) -> bool:
    """Whether ``text`` could be someone's full name: at least two words of letters, nothing else."""
    text = (text or "").strip()
    if not text or len(text) > MAX_NAME_CHARS or any(ch.isdigit() for ch in text):
        return False
    if re.search(r"[?!@#$%^&*()+=<>{}\[\]|\\/:;\"]", text):
        return False
    tokens = name_tokens(text)
    words = set(re.findall(r"[a-z]+", _JOINERS.sub("", fold(text))))
    return 2 <= len(tokens) <= MAX_NAME_WORDS and not words & NOT_NAME_WORDS


def name_matches(typed: str, given: str, family: str, middle: str = "") -> bool:
    """Whether the name a family typed is this person's name (see the module docstring)."""
    typed_tokens = name_tokens(typed)
    given_tokens = set(name_tokens(given)) | set(name_tokens(middle))
    family_tokens = set(name_tokens(family))
    if len(typed_tokens) < 2 or not given_tokens or not family_tokens:
        return False
    typed_set = set(typed_tokens)
    return (
        typed_set <= given_tokens | family_tokens and bool(typed_set & given_tokens) and bool(typed_set & family_tokens)
    )
