"""Choose the reply language (English or Spanish) for a family's message.

Contract
--------
``detect_language(text, current=None, default="en") -> LanguageDecision``

* ``current`` is the conversation's language so far (``None`` on a first
  message); ``default`` is used when a first message has no language evidence.
* An explicit request wins: "español", "in English please", "prefiero
  español", "hablo inglés", "¿habla español?", "no hablo inglés" (-> es),
  "I don't speak Spanish" (-> en).  ``explicit`` is then ``True``.
  Mentions of a language that are not requests ("my son's Spanish class",
  "notas de inglés") are not explicit requests.
* A message without language evidence keeps ``current`` (``default`` when
  ``None``): "ok", "sí"/"si", "no", numbers, dates, codes such as "482913",
  phone numbers, e-mail addresses, URLs, names ("Maria Lopez"), acronyms
  (FERPA, IEP), emoji, punctuation, empty text.
* First messages: a small domain lexicon (greetings, function words and
  school/privacy words in both languages), Spanish orthography (¿ ¡ ñ
  accents) and langdetect restricted to English/Spanish profiles are combined;
  the lexicon dominates on short messages, langdetect weighs more the more
  words the lexicon does not know.
* Existing conversations: short messages ("gracias", "thanks", "records",
  "opt out", a school name) never switch; the language switches only on clear
  evidence in a full sentence (at least three content words, the combined
  score clearly favouring the other language, and langdetect not disagreeing),
  or on a comprehension complaint written in the other language
  ("no entiendo", "I don't understand").
* ``switched`` is ``True`` when ``current`` is not ``None`` and the chosen
  language differs from it.

The module is pure: no settings, no I/O besides langdetect's own profile data,
which is loaded once, lazily and thread-safely, with ``DetectorFactory.seed =
0`` so the same text always yields the same decision.  A call takes well under
a few milliseconds after warm-up.  Only the first 500 characters are read and
every pattern runs in linear time, so no message, however crafted, costs more
than a few milliseconds.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.i18n import Language, fold, other_language

__all__ = [
    "Language",
    "LanguageDecision",
    "detect_language",
    "explicit_language_request",
]

#: Probability that a text is English according to a detector, or ``None``
#: when the detector has nothing to say.
EnglishProbability = Callable[[str], float | None]


@dataclass(frozen=True)
class LanguageDecision:
    """The language to reply in, and how it was chosen."""

    language: Language
    switched: bool
    explicit: bool


# ---------------------------------------------------------------------------
# Text normalisation
# ---------------------------------------------------------------------------

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Linear time: a match starts only where a run of non-space, non-@ characters starts (issue 11, F1: the earlier
# ``\S+@\S+\.\S+`` backtracked cubically, 2,000 "@" took seconds and froze the gateway).
_EMAIL_RE = re.compile(r"(?<![^\s@])[^\s@]+@[^\s@]+\.[^\s@]+")
_SENTENCE_SPLIT_RE = re.compile(r"[.!?¡¿;:\n]+")
_CHUNK_RE = re.compile(r"\w+(?:['’]\w+)*")
_CLAUSE_SPLIT_RE = re.compile(r"[,.!?¡¿;:\n]+")
_REPEAT_RE = re.compile(r"(.)\1+")


def _words(text: str) -> list[str]:
    """Return folded word tokens, apostrophes removed ("don't" -> "dont")."""
    return [chunk.replace("'", "") for chunk in _CHUNK_RE.findall(fold(text)) if not any(ch.isdigit() for ch in chunk)]


# ---------------------------------------------------------------------------
# Explicit language requests
# ---------------------------------------------------------------------------

_ES_NAMES = frozenset({"espanol", "spanish", "castellano", "espanish"})
_EN_NAMES = frozenset({"english", "ingles", "inglish", "englis"})
_NEGATIONS = frozenset({"no", "not", "dont", "doesnt", "cant", "cannot", "nunca", "never", "without", "sin"})
#: Words that may surround a language name in a request ("can you answer me
#: in Spanish please", "¿me puede contestar en inglés por favor?").
_REQUEST_WORDS = frozenset(
    """
    please pls plz porfa porfavor por favor in en the a al el la lo le to into
    language idioma lenguaje only solo solamente just mejor better prefer
    prefiero preferimos preferiria prefers i id would like quiero queremos
    quisiera want can could you u we us me my mi speak speaks talk hablar
    habla hablas hablan hablo hablamos hablame do does reply respond answer
    write text responde responder respondan respondeme contesta contestar
    contesten contestame escribe escribir escriban escribeme switch change
    cambia cambiar cambie cambien cambiame pasa pasar pasame lets continue
    continuar seguir sigamos yes si ok okay hi hello hey hola buenas thanks
    thank gracias is are there anyone someone somebody who alguien quien que
    es puede puedes pueden podemos podria podrian se ser by from now on ahora
    adelante de aqui here also tambien version translate traducir traduce
    traduzca translation traduccion message messages mensaje mensajes texts
    need necesito necesitamos porfis have has tienen tiene hay
    understand entiendo entiende comprendo read leo write escribo know se
    sabe sabes sir maam senor senora someone persona person rep agent agente
    """.split()
)
_LANGUAGE_NAME_RE = "(?:espanol|spanish|castellano|espanish|english|ingles|inglish|englis)"
#: A negation right before the language name refuses it: "no spanish
#: please", "not in English", "no quiero inglés", "I don't want Spanish".  A
#: negation further away does not ("¿no hay información en español?").
_NEGATED_REQUEST_RE = re.compile(r"\b(?:no|not|dont|nunca|never)\s+(?:want\s+|quiero\s+|queremos\s+)?(?:in\s+|en\s+)?$")


def _language_of_name(token: str) -> Language | None:
    """Map a language name token to its code."""
    if token in _ES_NAMES:
        return "es"
    if token in _EN_NAMES:
        return "en"
    return None


_REQUEST_PATTERNS = tuple(
    re.compile(pattern.replace("{L}", _LANGUAGE_NAME_RE))
    for pattern in (
        # prefiero español / I prefer English / preferimos en inglés
        r"\b(?:prefiero|preferimos|preferiria|prefer|prefers)\s+(?:(?:en|in)\s+)?(?:el\s+)?{L}\b",
        # hablo inglés / solo hablo español / I speak Spanish / we only speak English
        r"\b(?:hablo|hablamos|(?:i|we)\s+(?:only\s+|just\s+|mostly\s+)?speak)\s+"
        r"(?:solo\s+|solamente\s+|only\s+)?{L}\b",
        # ¿habla español? / do you speak English / does anyone speak Spanish
        r"^(?:(?:hi|hello|hey|hola|buenas|buenos dias|buenas tardes|buenas noches)\s+)?"
        r"(?:(?:do|can|does)\s+(?:you|u|anyone|someone|somebody)\s+|(?:usted|ustedes|alguien)\s+)?"
        r"(?:speak|speaks|habla|hablas|hablan)\s+{L}\b",
        # in Spanish please / en inglés por favor
        r"\b(?:in|en)\s+{L}\s+(?:please|pls|plz|por favor|porfa|porfavor|porfis)\b",
        r"\b(?:please|pls|plz|por favor|porfa|porfavor)\s+(?:\w+\s+){0,3}(?:in|en)\s+{L}\b",
        # switch to English / cambiar a español / change the language to Spanish
        r"\b(?:switch|change|cambia|cambiar|cambie|cambien|cambiame|pasa|pasar|pasame)\s+"
        r"(?:\w+\s+){0,3}(?:to|a|al)\s+{L}\b",
        # reply in Spanish / contéstame en inglés / can we do this in English
        r"\b(?:reply|respond|answer|write|text|talk|speak|continue|responde|responder|respondan|"
        r"respondeme|contesta|contestar|contesten|contestame|escribe|escribir|escriban|"
        r"escribeme|hablame|hablar|seguir|continuar|atender|atiendan)\w*\s+(?:\w+\s+){0,3}"
        r"(?:in|en)\s+{L}\b",
        r"\b(?:can|could)\s+(?:we|you|u)\s+(?:\w+\s+){0,4}(?:in|en)\s+{L}\b",
        r"\b(?:puede|pueden|puedes|podemos|podria|podrian)\s+(?:\w+\s+){0,4}en\s+{L}\b",
        r"\b(?:have|tienen|tiene|hay)\s+(?:\w+\s+){0,4}(?:in|en)\s+{L}\b",
    )
)
_NEGATED_KNOWLEDGE_RE = re.compile(
    r"\b(?:no\s+(?:hablo|entiendo|comprendo|leo|se|escribo)|"
    r"(?:i\s+)?(?:dont|do not|cant|cannot|can not)\s+(?:speak|understand|read|write))\s+"
    r"(?:bien\s+|mucho\s+|well\s+|much\s+|el\s+|the\s+|any\s+)?"
    r"(" + _LANGUAGE_NAME_RE + r")\b"
)


def explicit_language_request(text: str) -> Language | None:
    """Return the language the user explicitly asks for, if any.

    Recognises requests in both languages ("español", "in English please",
    "prefiero español", "hablo inglés", "¿habla español?", "switch to
    English", "cambiar a español") and negated knowledge ("no hablo inglés"
    -> ``"es"``, "I don't speak Spanish" -> ``"en"``).  A message that only
    mentions a language ("my son's Spanish class", "notas de inglés") is not
    a request.  Returns ``None`` when there is no request, or when both
    languages are asked for ("hablo inglés y español").
    """
    folded = fold(text)
    clauses = [_words(clause) for clause in _CLAUSE_SPLIT_RE.split(folded)]
    words = [word for clause in clauses for word in clause]
    if not any(_language_of_name(word) for word in words):
        return None
    votes: set[Language] = set()
    flat = " ".join(words)
    for match in _NEGATED_KNOWLEDGE_RE.finditer(flat):
        named = _language_of_name(match.group(1))
        if named is not None:
            votes.add(other_language(named))
    if votes:
        return votes.pop() if len(votes) == 1 else None
    only_request_words = all(word in _REQUEST_WORDS or word in _NEGATIONS or _language_of_name(word) for word in words)
    short = len(words) <= 5
    for clause in clauses:
        # Whether the clause is phrased as a request does not depend on which name in it is read: decide it once.
        phrased_as_request: bool | None = None
        for index, word in enumerate(clause):
            named = _language_of_name(word)
            if named is None:
                continue
            # A refusal is at most three words before the name ("don't want in Spanish"): read only those.
            before = " ".join(clause[max(0, index - 3) : index]) + " "
            negated = _NEGATED_REQUEST_RE.search(before) is not None
            requested = other_language(named) if negated else named
            if only_request_words:
                votes.add(requested)
            elif short and index > 0 and clause[index - 1] in ("in", "en"):
                # "info en español", "help in Spanish"
                votes.add(requested)
            else:
                if phrased_as_request is None:
                    joined = " ".join(clause)
                    phrased_as_request = any(pattern.search(joined) for pattern in _REQUEST_PATTERNS)
                if phrased_as_request:
                    votes.add(requested)
    if len(votes) == 1:
        return votes.pop()
    return None


# ---------------------------------------------------------------------------
# Lexicon
# ---------------------------------------------------------------------------

#: Tokens that carry no language evidence by themselves.
_NEUTRAL = frozenset(
    """
    ok okay okey oki okis k kk kkk si no a me son e x
    ferpa iep ieps ppra coppa idea gpa ssn id ids pin app apps email emails
    e-mail mail wifi online portal video videos plan sms mms lol omg hmm hmmm
    mmm mm ah oh eh uh um umm ha hah haha hahaha xd
    plan 504 legal social total final general normal local hospital doctor
    tutor menu chat internet web pdf url link ex info kinder director principal
    """.split()
)

_EN_WEAK = """
hi hello hey hiya heya howdy yo sup morning afternoon evening night good
thanks thank thx tnx ty tysm please bye goodbye welcome sorry gm gn yes yeah
yep yup yea nope sure dear sir maam mam hellooo
"""
_ES_WEAK = """
hola holi holis ola buenas buenos buen dias dia tardes noches saludos gracias
grax graxias porfa porfavor porfis favor adios chao chau perdon disculpe
disculpa oye oiga senor senora senorita claro dale vale sip sipi nop jaja
jajaja jeje jejeje wey guey pues bueno mija mijo
"""
_EN_STRONG = """
the an of to in on at for with from by about into over under up down out off
my your yours his her hers our their theirs its i im ive ill id me we us you
youre u ur they them theyre he she it is are was were be been being am do
does did done dont doesnt didnt can cant could couldnt would wouldnt should
shouldnt will wont shall must might may have has had havent hasnt hadnt isnt
arent wasnt werent what whats who whos whom where wheres when why how which
whose this that thats these those there theres here and or but not if then
than so because cuz bc also just only all any some every each other more
most very too much many few anyone anybody someone somebody nobody something
nothing everything everyone again still already yet never always today
tomorrow yesterday now soon ago need needs needed want wants wanted get gets
got getting see sees saw seen know knows knew ask asked asking tell told give
gave given share shares shared sharing send sent call called calling text
texted go goes going went come comes came make makes made take took taken
keep keeps kept let lets find found look looking like think work works
working start started stop stopped help helps helped helping allowed allow
say says said read write wrote speak talk understand mean means try tried use
used using pay paid charge charged charging happen happened put posted post
show showed sign signed fill check delete deleted remove removed correct
corrected fix fixed change changed update updated request requested access
accessed collect collecting collected sell selling sold leaked hacked search
searched record recorded track tracking spying watch watching monitoring
complain complaining answer answered wrong right rights long old new first
last next same different own really actually maybe probably well good bad
great fine free urgent asap pls plz r wat wut whatever way thing things
people person family home house job name number phone laptop computer
records grades grade school schools student students teacher teachers child
childs children kid kids daughter daughters sons mom mother dad father
parent parents guardian guardians grandparent grandparents grandma grandpa
grandmother grandfather stepdad stepmom stepfather stepmother foster custody
divorced noncustodial ex husband wife privacy private information info
question questions data transcript transcripts report reports card cards
attendance absent absences discipline disciplinary copy copies complaint
complaints opt consent permission permissions directory photo photos picture
pictures survey surveys counselor counselors principal nurse health special
ed education file files request requests camera cameras footage security
lunch immigration status birth certificate district board office staff
address breach company companies third party parties account media website
test tests score scores results evaluation meeting meetings notes note form
forms release yearbook military recruiter recruiters classroom class classes
homework exam exams quiz course subject math science history reading
english spanish learner learners learning disability disabilities medical
vaccination vaccinations immunization immunizations records record student
high middle elementary college university kindergarten preschool daycare
days day week weeks month months year years time times legal safe unsafe
bus phone phones chromebook tablet biometric fingerprint fingerprints free
sharing about policy policies law laws act federal state protected protect
protection safety who
"""
_ES_STRONG = """
el la los las un una unos unas de del al en con por para que q k como cuando
donde adonde porque pq xq porq cual cuales quien quienes cuanto cuantos
cuanta cuantas mi mis tu tus su sus nuestro nuestra nuestros nuestras yo
usted ustedes ella ellos ellas nosotros nosotras le les lo se te nos es son
esta estan estoy estamos este esto eso esa ese estos esas esos hay tengo
tiene tienen tenemos tener soy somos eres fue fueron era eran ser estar
puedo puede pueden podemos poder podria quiero quiere quieren queremos
quisiera querer necesito necesita necesitan necesitamos necesitar ver veo
saber sabe se pedir pido pide piden hacer hago hace hacen hizo hicieron dar
da dan dio decir dice dicen dijo dijeron ir voy va van vamos hablar hablo
entiendo entender leer escribir llamar llamen llamenme llamo llama llamada
mandar manda mandan mandaron enviar envian recibir recibi pagar cobran
cobrar cobra usar usan compartir comparte comparten compartio compartieron
compartan publicar publico publicaron poner pusieron puso pone ponen quitar
quiten quite borrar borren borre corregir corrijan cambiar cambien cambio
actualizar revisar revisaron revisan buscar grabar grabaron vigilan vigilar
sacar saco sacaron tomar tomaron tomo dejar dejan dejen ayudar ayudame
ayudeme ayudenme ayudarme ayudan ayude ayuda preguntar pregunto quejarme
quejo funciona funcionan pasa paso tambien todo todos toda todas nada algo
alguien nadie otro otra otros otras mucho mucha muchos muchas muy mas menos
aqui ahi alli ahora hoy ayer manana bien mal cada sobre entre hasta desde
sin contra y o pero ni ya tan solo siempre nunca todavia aun despues antes
luego sea sean creo parece
registros registro expediente expedientes notas nota calificaciones
calificacion escuela escuelas escolar escolares estudiante estudiantes
alumno alumna alumnos alumnas maestro maestra maestros maestras profesor
profesora profesores hijo hija hijos hijas nino nina ninos ninas nene nena
padre padres madre mama papa mami papi abuela abuelo abuelos nieto nieta
tio tia familia esposo esposa privacidad privado privada derechos derecho
informacion pregunta preguntas consulta duda dudas datos dato historial
academico academica boleta boletas boletin asistencia faltas falta ausencias
conducta comportamiento disciplina copia copias queja quejas permiso
permisos consentimiento directorio foto fotos fotografia fotografias
encuesta encuestas consejero consejera director directora enfermera salud
especial educacion archivo archivos acceso solicitud solicitar papeles
documentos documento correo direccion pagina aplicacion aplicaciones
empresa empresas compania redes sociales seguridad camara camaras celular
telefono computadora almuerzo comida gratis gratuito migratorio migratoria
inmigracion seguro numero nacimiento acta custodia divorciada divorciado
vacunas vacuna anuario reclutadores reclutador militares militar grado
grados primaria secundaria preparatoria prepa kinder tarea tareas examen
examenes resultados resultado evaluacion junta reunion distrito oficina
semana mes ano anos tiempo vez cosa cosas persona gente nombre casa trabajo
dinero costo primero ultimo siguiente mismo nuevo nueva bueno malo mejor
peor urgente rapido mensaje mensajes ley leyes estado clase clases
autobus camion huellas digitales biometricos menor mayor edad
ingles espanol tutora legales
"""


_STRONG_WEIGHT = 1.0  # function and domain words
_WEAK_WEIGHT = 0.6  # greetings and politeness, often borrowed across languages
_TYPO_FACTOR = 0.7  # a word recognised through a one-letter typo


def _load_lexicon() -> tuple[dict[str, tuple[Language, float]], frozenset[str]]:
    """Build the word -> (language, weight) table.

    Returns the table and the neutral words: a word listed for both
    languages ("yo", "ya") is ambiguous and becomes neutral.
    """
    table: dict[str, tuple[Language, float]] = {}
    ambiguous: set[str] = set()
    for words, language, weight in (
        (_EN_STRONG, "en", _STRONG_WEIGHT),
        (_ES_STRONG, "es", _STRONG_WEIGHT),
        (_EN_WEAK, "en", _WEAK_WEIGHT),
        (_ES_WEAK, "es", _WEAK_WEIGHT),
    ):
        for word in words.split():
            lang: Language = "en" if language == "en" else "es"
            previous = table.get(word)
            if previous is not None and previous[0] != lang:
                ambiguous.add(word)
            elif previous is None:
                table[word] = (lang, weight)
    neutral = frozenset(ambiguous) | _NEUTRAL
    for word in neutral:
        table.pop(word, None)
    return table, neutral


_LEXICON, _NEUTRAL_WORDS = _load_lexicon()
_WEAK_WORDS = frozenset(_EN_WEAK.split()) | frozenset(_ES_WEAK.split())
#: Connectors that never belong to a proper-name run.
_FUNCTION_WORDS = frozenset(
    """
    the an of to in on at for with from by my your his her our their i we you
    he she it is are was were and or but el la los las un una de del al en con
    por para que mi mis tu su sus y o es son hola hi hello hey buenas
    """.split()
)


def _typo_index() -> dict[str, tuple[Language, float]]:
    """Map one-letter deletions and transpositions of lexicon words to them.

    Catches common SMS typos ("recods", "scool", "techer", "helo") without a
    full spelling corrector.  Keys that would point to both languages, or
    that are real lexicon words, are dropped.
    """
    index: dict[str, tuple[Language, float]] = {}
    clash: set[str] = set()
    for word, (language, weight) in _LEXICON.items():
        if len(word) < 4:
            continue
        variants = {word[:i] + word[i + 1 :] for i in range(len(word))}
        variants |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        for variant in variants:
            if len(variant) < 4 or variant == word:
                continue
            previous = index.get(variant)
            if previous is not None and previous[0] != language:
                clash.add(variant)
            elif previous is None:
                index[variant] = (language, weight * _TYPO_FACTOR)
    for variant in clash | set(_LEXICON) | _NEUTRAL_WORDS:
        index.pop(variant, None)
    return index


def _collapsed_index() -> dict[str, tuple[Language, float]]:
    """Map lexicon words with repeated letters collapsed ("holaa" -> "hola")."""
    index: dict[str, tuple[Language, float]] = {}
    clash: set[str] = set()
    for word, entry in _LEXICON.items():
        key = _REPEAT_RE.sub(r"\1", word)
        previous = index.setdefault(key, entry)
        if previous[0] != entry[0]:
            clash.add(key)
    for key in clash:
        del index[key]
    return index


_TYPOS = _typo_index()
_COLLAPSED = _collapsed_index()

#: Politeness formulas are borrowed across languages ("thank you so much" in
#: a Spanish conversation): each counts as one weak word, not a sentence.
_POLITENESS = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"\bthank(?:s|\s+you|\s+u)(?:\s+(?:so|very)\s+much|\s+a\s+lot|\s+so\s+much)?\b", "thanks"),
        (r"\b(?:muchas|mil|muchisimas)\s+gracias\b", "gracias"),
        (r"\bpor\s+favor\b", "porfavor"),
        (r"\bde\s+nada\b", "gracias"),
        (r"\byou(?:'|’)?re\s+welcome\b", "thanks"),
    )
)

#: A comprehension complaint switches to the language it is written in.
_COMPREHENSION_RE = re.compile(
    r"^(?:(?:pero|but|sorry|perdon|disculpe|ok|no)\s+)?(?:"
    r"no\s+(?:le\s+|les\s+|te\s+)?(?:entiendo|entendi|comprendo|comprendi)"
    r"|no\s+se\s+lo\s+que\s+dice|que\s+dice"
    r"|(?:i\s+)?(?:dont|do not|didnt|did not|cant|cannot)\s+understand"
    r")(?:\s+\w+){0,2}$"
)


# ---------------------------------------------------------------------------
# Detectors
# ---------------------------------------------------------------------------

_LANGDETECT_LOCK = threading.Lock()
_langdetect_factory: Any = None
_MAX_DETECTOR_CHARS = 500
# Longer messages are judged on their beginning: the language shows in the first sentences, and the cost of a
# detection stays bounded whatever a family (or anyone) sends.
_MAX_TEXT_CHARS = 500
_MAX_WORD_CHARS = 30  # longer "words" are codes, hashes or keyboard mashing


def _load_langdetect() -> Any:
    """Load langdetect's English and Spanish profiles once (thread-safe)."""
    global _langdetect_factory
    if _langdetect_factory is None:
        with _LANGDETECT_LOCK:
            if _langdetect_factory is None:
                from langdetect.detector_factory import (  # type: ignore[import-untyped,unused-ignore]
                    PROFILES_DIRECTORY,
                    DetectorFactory,
                )

                DetectorFactory.seed = 0
                factory = DetectorFactory()
                factory.load_json_profile(
                    [Path(PROFILES_DIRECTORY, code).read_text(encoding="utf-8") for code in ("en", "es")]
                )
                factory.set_seed(0)
                _langdetect_factory = factory
    return _langdetect_factory


def langdetect_english_probability(text: str) -> float | None:
    """Return P(English) from langdetect restricted to en/es, or ``None``."""
    factory = _load_langdetect()
    from langdetect.lang_detect_exception import (  # type: ignore[import-untyped,unused-ignore]
        LangDetectException,
    )

    detector = factory.create()
    detector.set_max_text_length(_MAX_DETECTOR_CHARS)
    detector.append(text)
    try:
        probabilities = detector.get_probabilities()
    except LangDetectException:
        return None
    by_language = {str(item.lang): float(item.prob) for item in probabilities}
    english, spanish = by_language.get("en", 0.0), by_language.get("es", 0.0)
    if english + spanish <= 0.0:
        return None
    return english / (english + spanish)


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Evidence:
    """Language evidence extracted from one message."""

    english: float
    spanish: float
    content_words: int
    unknown_words: int
    detector_text: str


def _is_title(original: str) -> bool:
    """Return True for a capitalised word such as "Maria" (not "FERPA")."""
    return len(original) > 1 and original[0].isupper() and original[1:].islower()


def _lookup(key: str) -> tuple[Language, float] | None:
    """Find a folded word in the lexicon, tolerating elongations and typos."""
    entry = _LEXICON.get(key)
    if entry is None and key not in _NEUTRAL_WORDS:
        entry = _COLLAPSED.get(_REPEAT_RE.sub(r"\1", key))
    if entry is None and key not in _NEUTRAL_WORDS:
        entry = _TYPOS.get(key)
    return entry


def _evidence(text: str) -> _Evidence:
    """Score a message against the lexicon and orthographic cues."""
    cleaned = _EMAIL_RE.sub(" ", _URL_RE.sub(" ", unicodedata.normalize("NFC", text)))
    for pattern, replacement in _POLITENESS:
        cleaned = pattern.sub(replacement, cleaned)
    english = spanish = 0.0
    if "¿" in cleaned or "¡" in cleaned:
        spanish += 1.5
    content = unknown = 0
    detector_words: list[str] = []
    for sentence in _SENTENCE_SPLIT_RE.split(cleaned):
        chunks = [
            c for c in _CHUNK_RE.findall(sentence) if len(c) <= _MAX_WORD_CHARS and not any(ch.isdigit() for ch in c)
        ]
        chunks = [c.replace("_", "") for c in chunks if c.replace("_", "")]
        keys = [fold(c).replace("'", "") for c in chunks]
        names = _name_positions(chunks, keys)
        for position, (original, key) in enumerate(zip(chunks, keys, strict=True)):
            if position in names:
                continue
            if original.isupper() and len(original) <= 6 and _LEXICON.get(key) is None:
                continue  # acronym such as FERPA, IEP, GPA
            detector_words.append(original.lower())
            if key in _NEUTRAL_WORDS:
                continue
            folded = fold(original)
            if folded.endswith("'s") and len(folded) > 3:
                english += 1.0  # English possessive: "my mija's grades"
                key = key[:-1]
                if key in _NEUTRAL_WORDS:
                    content += 1
                    continue
            entry = _lookup(key)
            if entry is None:
                unknown += 1
                content += 1
                if any(ch in "áéíóúñü" for ch in original.lower()):
                    spanish += 0.5
                continue
            language, weight = entry
            if weight >= _STRONG_WEIGHT * _TYPO_FACTOR:
                content += 1
            if language == "en":
                english += weight
            else:
                spanish += weight
    return _Evidence(english, spanish, content, unknown, " ".join(detector_words))


def _name_positions(chunks: list[str], keys: list[str]) -> set[int]:
    """Return positions of words that look like proper names.

    A name is a run of capitalised words containing at least one word the
    lexicon does not know ("Maria Lopez", "Roosevelt High School", "Escuela
    Primaria Benito Juarez").  A single unknown capitalised word counts only
    when it is not the first word of the sentence, or is the whole sentence.
    Function words and greetings are never part of a name.  When the writer
    capitalises function words too ("Mi Hijo Tiene Problemas Con La Escuela"),
    capitals say little, so only runs made entirely of unknown words count.
    """
    positions: set[int] = set()
    run: list[int] = []
    title_cased_sentence = any(
        _is_title(chunk) and key in _FUNCTION_WORDS
        for index, (chunk, key) in enumerate(zip(chunks, keys, strict=True))
        if index > 0
    )

    def flush() -> None:
        if not run:
            return
        unknown = [i for i in run if _lookup(keys[i]) is None and keys[i] not in _NEUTRAL_WORDS]
        enough = len(unknown) == len(run) if title_cased_sentence else bool(unknown)
        if enough and (len(run) > 1 or run[0] > 0 or len(chunks) == 1):
            positions.update(run)
        run.clear()

    for position, (original, key) in enumerate(zip(chunks, keys, strict=True)):
        if _is_title(original) and key not in _FUNCTION_WORDS and key not in _WEAK_WORDS:
            run.append(position)
        else:
            flush()
    flush()
    return positions


def _detector_weight(evidence: _Evidence) -> float:
    """Weight of the statistical detector: more when the lexicon knows less.

    On short texts restricted langdetect is saturated (P is 0 or 1 and often
    wrong on a single word), so with no unknown word it weighs less than one
    greeting; each word the lexicon does not know adds most of a word's weight.
    """
    return min(3.0, 0.25 + 0.7 * evidence.unknown_words)


def _decide(
    text: str,
    current: Language | None,
    default: Language,
    english_probability: EnglishProbability | None,
) -> LanguageDecision:
    """Implement :func:`detect_language` with a pluggable statistical detector."""
    text = text[:_MAX_TEXT_CHARS]
    keep: Language = current if current is not None else default
    requested = explicit_language_request(text)
    if requested is not None:
        return LanguageDecision(requested, current is not None and requested != current, True)
    evidence = _evidence(text)
    if evidence.english == 0.0 and evidence.spanish == 0.0 and evidence.unknown_words == 0:
        return LanguageDecision(keep, False, False)
    probability: float | None = None
    if english_probability is not None and evidence.detector_text:
        probability = english_probability(evidence.detector_text)
    lexical = evidence.english - evidence.spanish
    statistical = 0.0
    if probability is not None:
        statistical = _detector_weight(evidence) * (2.0 * probability - 1.0)
    score = lexical + statistical
    if current is None:
        if abs(score) < 0.3:
            return LanguageDecision(default, False, False)
        return LanguageDecision("en" if score > 0 else "es", False, False)
    other = other_language(current)
    sign = 1.0 if other == "en" else -1.0
    words = " ".join(_words(text))
    if _COMPREHENSION_RE.search(words):
        written_in: Language = "en" if lexical > 0 else "es" if lexical < 0 else current
        return LanguageDecision(written_in, written_in != current, False)
    full_sentence = evidence.content_words >= 3
    detector_agrees = probability is None or (sign * (2.0 * probability - 1.0)) >= 0.2
    if full_sentence and sign * score >= 2.5 and sign * lexical >= 0.0 and detector_agrees:
        return LanguageDecision(other, True, False)
    return LanguageDecision(current, False, False)


def detect_language(text: str, current: Language | None = None, default: Language = "en") -> LanguageDecision:
    """Decide which language to answer ``text`` in.

    ``current`` is the conversation's language so far (``None`` on a first
    message) and ``default`` the language used when a first message has no
    language evidence.  See the module docstring for the rules.
    """
    return _decide(text, current, default, langdetect_english_probability)
