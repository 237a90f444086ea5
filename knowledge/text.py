"""Text normalisation for retrieval in English and Spanish: accents, stop words, stems, family vocabulary.

Families write "file", "cumulative folder", "expediente", "registros", "notas", with typos and Spanglish. Each
word is folded (lower case, no accents), stop words are dropped, a light stemmer removes plural and verb endings,
and words that mean the same thing in this domain map to one concept token, in both languages, so an English
word in a Spanish question still finds the Spanish article.
"""

from __future__ import annotations

import re
import unicodedata

_WORD_RE = re.compile(r"[a-z0-9]+")

STOP_WORDS = frozenset(
    """
    a about above after again all am an and any are as at be been before being but by can could did do does
    doing down during each few for from further had has have having he her here hers him his how i if in into
    is it its just me more most my myself no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours im id
    ive dont pls please plz u ur hi hello hey thanks thank also get got go going want wanted know need
    el la los las un una unos unas de del al y o que en por para con sin su sus mi mis tu tus es son ser
    esta este esto estos estas ese esa eso lo le les se me te nos como cual cuales cuando donde quien
    quienes porque pero si ya muy mas tambien hay puede pueden puedo quiero quisiera tengo tiene
    hola gracias favor usted ustedes yo ella ellos hacer hace saber
    """.split()
)

# Words that mean the same thing to a family asking about school records, mapped to one concept token.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "record": (
        "record", "records", "file", "files", "folder", "cumulative", "cum", "expediente", "expedientes",
        "registro", "registros", "archivo", "archivos", "documentos", "documento", "papeles", "transcript",
        "transcripts", "historial", "kardex",
    ),
    "grade": ("grade", "grades", "nota", "notas", "calificacion", "calificaciones", "boleta", "boletas",
              "score", "scores", "marks"),
    "child": ("child", "children", "kid", "kids", "son", "daughter", "hijo", "hija", "hijos", "hijas", "nino",
              "nina", "ninos", "ninas", "student", "students", "estudiante", "estudiantes", "alumno", "alumna",
              "alumnos", "teen", "teenager", "chamaco", "mijo", "mija"),
    "parent": ("parent", "parents", "padre", "padres", "madre", "mama", "mom", "dad", "papa", "mother",
               "father", "tutor", "guardian", "guardians", "tutora", "tutores"),
    "school": ("school", "schools", "escuela", "escuelas", "colegio", "district", "distrito", "campus"),
    "share": ("share", "shared", "sharing", "compartir", "comparte", "compartido", "compartidos", "disclose",
              "disclosure", "divulgar", "divulgacion", "release", "give", "gave", "dar", "entregar",
              "revelar", "sell", "vender", "send", "enviar", "mandar"),
    "see": ("see", "look", "view", "inspect", "review", "ver", "revisar", "mirar", "consultar", "access",
            "acceso", "acceder", "copy", "copies", "copia", "copias"),
    "correct": ("correct", "correction", "fix", "amend", "amendment", "change", "wrong", "error", "mistake",
                "inaccurate", "corregir", "correccion", "cambiar", "enmendar", "enmienda", "equivocado",
                "equivocada", "incorrecto", "incorrecta", "arreglar", "mal"),
    "consent": ("consent", "permission", "permiso", "consentimiento", "autorizacion", "authorize",
                "autorizar", "sign", "firmar"),
    "app": ("app", "apps", "aplicacion", "aplicaciones", "software", "website", "online", "vendor",
            "vendors", "provider", "providers", "proveedor", "proveedores", "company", "companies",
            "empresa", "empresas", "compania", "companias", "edtech", "platform", "plataforma", "programa",
            "tablet", "chromebook"),
    "police": ("police", "cop", "cops", "policia", "sro", "officer", "law", "enforcement", "patrulla"),
    "breach": ("breach", "breached", "hack", "hacked", "hacker", "leak", "leaked", "filtracion", "filtrado",
               "hackeo", "hackearon", "robaron", "stolen", "exposed", "expuestos", "brecha", "misuse",
               "misused"),
    "complaint": ("complaint", "complain", "queja", "quejas", "quejarme", "reclamo", "reclamar",
                  "denuncia", "denunciar", "grievance"),
    "delete": ("delete", "deleted", "destroy", "destroyed", "destruction", "erase", "borrar", "borren",
               "eliminar", "destruir", "destruyen", "keep", "kept", "guardar", "guardan", "retention",
               "conservar", "conservan"),
    "survey": ("survey", "surveys", "questionnaire", "encuesta", "encuestas", "cuestionario"),
    "photo": ("photo", "photos", "picture", "pictures", "video", "videos", "foto", "fotos", "camera",
              "camara", "footage", "grabacion", "imagen", "imagenes"),
    "nurse": ("nurse", "enfermera", "enfermeria", "health", "salud", "medical", "medico", "medica",
              "vaccine", "vaccines", "vacunas", "immunization", "hipaa"),
    "divorce": ("divorce", "divorced", "divorciado", "divorciada", "divorcio", "custody", "custodia",
                "noncustodial", "separated", "separado", "separada", "ex", "exesposo", "exesposa"),
    "recruiter": ("recruiter", "recruiters", "military", "army", "navy", "marines", "militar", "militares",
                  "reclutador", "reclutadores", "ejercito"),
    "directory": ("directory", "directorio", "yearbook", "anuario"),
    "eighteen": ("18", "eighteen", "dieciocho", "adult", "adulto", "adulta", "mayor", "edad"),
    "ai": ("ai", "ia", "chatgpt", "artificial", "inteligencia", "chatbot", "algorithm", "algoritmo"),
    "special": ("iep", "idea", "special", "especial", "504", "disability", "discapacidad", "evaluation",
                "evaluacion"),
    "transfer": ("transfer", "transferir", "moving", "move", "mudamos", "mudanza", "cambio", "new",
                 "nueva", "nuevo", "traslado"),
    "fee": ("fee", "fees", "charge", "cost", "costo", "cobrar", "cobran", "pagar", "pay", "money",
            "dinero", "precio", "gratis", "free"),
    "subpoena": ("subpoena", "subpoenaed", "citatorio", "citacion", "court", "corte", "tribunal", "juez",
                 "judge", "order", "orden"),
    "contact": ("contact", "contacto", "email", "correo", "phone", "telefono", "call", "llamar"),
    "law": ("ferpa", "ley", "laws", "leyes", "statute", "legal"),
}

CONCEPT_OF: dict[str, str] = {}
for _concept, _words in CONCEPTS.items():
    for _word in _words:
        CONCEPT_OF.setdefault(_word, _concept)

_EN_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "s")
_ES_SUFFIXES = ("aciones", "acion", "amientos", "amiento", "mente", "ando", "iendo", "ados", "idas", "idos",
                "adas", "ado", "ada", "ido", "ida", "ar", "er", "ir", "es", "os", "as", "s")


def fold(text: str) -> str:
    """Lower case without accents ("Qué" -> "que", "niño" -> "nino")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return _WORD_RE.findall(fold(text))


def stem(word: str) -> str:
    """A light stem that works well enough for both languages (plurals, -ing/-ed, -ción, infinitives)."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _ES_SUFFIXES + _EN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Retrieval terms of ``text``: concept tokens where a word has one, stems otherwise, no stop words."""
    out: list[str] = []
    for word in words(text):
        concept = CONCEPT_OF.get(word)
        if concept:
            out.append("@" + concept)
            continue
        if word in STOP_WORDS:
            continue
        out.append(stem(word))
    return out


def edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    """Whether the Levenshtein distance of ``a`` and ``b`` is at most ``limit`` (banded, early exit)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        row_min = i
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            row_min = min(row_min, current[j])
        if row_min > limit:
            return False
        previous = current
    return previous[-1] <= limit
