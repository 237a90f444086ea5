"""Text normalisation for retrieval in English and Spanish: accents, stop words, stems, family vocabulary.

Families write "file", "cumulative folder", "expediente", "registros", "notas", with typos and Spanglish. Each
word is folded (lower case, no accents, no apostrophes: "kid's" -> "kids"); a few two-word expressions are joined
("log in" -> "login", "no idea" -> "noidea", "due process", "co-parent", "step dad", "lunch lady", "Ed Law 2-d");
stop words are dropped; a light stemmer shared by both languages removes plural, gender and verb endings and glued
pronouns ("shared", "sharing", "share" -> "shar"; "compartió", "compartir" -> "compart"; "avisarme" -> "avis"); and
words that mean the same thing in this domain map to one concept token, in both languages ("expediente", "records",
"cumulative folder" -> "@record"), so an English word in a Spanish question still finds the Spanish article. A word
that is not listed but shares its stem with a listed word gets the same concept ("roban" like "robaron" ->
"@breach"), except look-alikes kept apart on purpose ("statement" is not "state", "guardian" not "guardar",
"questions" not "questionnaires").
"""

from __future__ import annotations

import functools
import re

from core.i18n import fold

_WORD_RE = re.compile(r"[a-z0-9]+")
_APOSTROPHES = re.compile(r"['’`´]")

STOP_WORDS = frozenset(
    """
    a about above after again all am an and any are as at be been before being but by can could did do does
    doing down during each few for from further had has have having he her here hers him his how i if in into
    is it its just me more most my myself no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while why will with would you your yours im id
    ive dont pls please plz u ur hi hello hey thanks thank also get got go going want wanted know need
    r y yo n b4 cuz bc cause theres thats whats hes shes its ok okay yes yeah like really actually even still
    just anyway honestly literally exactly basically totally seriously definitely probably came come comes coming
    went goes gone
    simply thing things stuff something anything someone anyone everyone somebody
    anybody way lot lots every one ones gonna wanna kinda sorta maybe um uh oh well guess think
    said says say let im youre were weve isnt arent wasnt doesnt didnt cant wont
    couldnt shouldnt wouldnt havent hasnt whose yet though although since because else ever
    el la los las un una unos unas de del al y o que en por para con sin su sus mi mis tu tus es son ser
    esta este esto estos estas ese esa eso lo le les se me te nos como cual cuales cuando donde
    porque pero si ya muy mas tambien hay puede pueden puedo quiero quisiera tengo tiene
    hola gracias favor usted ustedes yo ella ellos hacer hace saber
    a ante bajo cabe contra desde hacia hasta segun tras e u ni ha han he has habia hubo fue fueron era eran
    estoy estan estaba estaban soy somos sea sean algo alguien nada nadie todo toda todos todas otro otra
    otros otras ahora aqui alli ahi asi bien cada mucho mucha muchos muchas poco poca tan tanto tanta
    entonces luego pues bueno buenas buenos oiga disculpe perdon porfa xfa xq pq q k d x tb tmb dice dicen
    digo dijo dijeron vez veces cosa cosas nosotros nosotras ellas ud uds vos mio mia suyo suya
    tenemos tienen tenia tuve va van voy vamos ir estar hola sr sra kind kinds sort whatever noidea
    wat wut thru bout every1 some1 any1 kiero kiere keria nomas aki nuestro nuestra nuestros nuestras
    sobre mismo misma algun alguna algunos algunas ningun ninguna ninguno cualquier aun todavia solo sola
    ademas mientras aunque despues antes
    """.split()
)

# Words that mean the same thing to a family asking about school records, mapped to one concept token. A word
# belongs to one concept only; the concept token is added beside the word's own stem, never instead of it.
_CONCEPT_WORDS: dict[str, str] = {
    "record": (
        "record records recs file files folder folders cumulative cum expediente expedientes registro "
        "registros archivo archivos documentos documento papeles papers transcript transcripts historial "
        "kardex recor recors history"
    ),
    "grade": (
        "grade grades nota notas calificacion calificaciones boleta boletas score scores marks gpa promedio "
        "reportcard gradebook"
    ),
    "child": (
        "child children childs kid kids son sons daughter daughters hijo hija hijos hijas nino nina ninos "
        "ninas student students estudiante estudiantes alumno alumna alumnos alumnas teen teenager chamaco "
        "mijo mija baby boy girl nene nena chiquito chiquita stepson stepdaughter hijastro hijastra minor stepchild "
        "stepchildren stepkid stepkids "
        "menor menores"
    ),
    "parent": (
        "parent parents padre padres madre mama mom mother father dad papa papas mommy daddy guardian "
        "guardians tutora tutores tutela"
    ),
    "relative": (
        "grandma grandmother grandpa grandfather grandparent grandparents abuela abuelo abuelos stepdad "
        "stepmom stepfather stepmother stepparent padrastro madrastra foster aunt uncle tia tio relative "
        "pariente caregiver cuidador cuidadora acogida adoptive adoptivo adoptiva boyfriend girlfriend novio novia "
        "partner pareja grandson grandsons granddaughter granddaughters grandkid grandkids grandchild grandchildren "
        "nieto nieta nietos nietas nephew nephews niece nieces sobrino sobrina sobrinos sobrinas granny auntie cousin "
        "kinship adoption"
    ),
    "school": "school schools escuela escuelas escolar escolares colegio campus shool skool scool cole prepa",
    "district": "district distrito districts distritos board junta superintendent",
    "share": (
        "share shared sharing shares compartir comparte comparten compartio compartieron compartido compartida "
        "compartidos disclose disclosed disclosure disclosures divulgar divulgacion divulgaciones divulgaron "
        "release released give gave given giving dar dio dieron dan den dado dada entregar entregaron entrego "
        "revelar sell sold selling vender venden vendieron send sent sends enviar envio enviaron mandar mando "
        "mandaron pasaron handed hand"
    ),
    "see": (
        "see seen saw look looked view inspect inspection review ver vea vio vieron visto revisar revise reviso "
        "mirar consultar access accessed acceso acceder examinar show shows showed shown mostrar muestra muestran "
        "muestren ensenar ensename ensenen ensenaron"
    ),
    "copy": "copy copies copia copias fotocopia fotocopias printout scan pdf",
    "correct": (
        "correct correction corrections corrected fix fixed amend amendment amended wrong error errors "
        "mistake mistakes inaccurate incorrect false untrue misleading corregir corrijan corrija corrigieron "
        "correccion correcciones enmendar enmienda equivocado equivocada equivocados equivocadas incorrecto "
        "incorrecta arreglar arreglen falso falsa erroneo erronea errores dispute disputed disputing contest contested"
    ),
    "consent": (
        "consent consented permission permiso permisos consentimiento autorizacion authorize authorized "
        "authorization autorizar autorizo autorice approval approve aprobacion waiver"
    ),
    "app": (
        "app apps aplicacion aplicaciones software website websites online edtech platform platforms plataforma "
        "plataformas programa programas program programs tablet chromebook chromebooks ipad laptop google seesaw "
        "dojo classdojo clever ixl kahoot canvas schoology powerschool zoom microsoft teams duolingo prodigy khan "
        "pagina web sitio portal tool tools herramienta herramientas"
    ),
    # Watching what students do on school devices and accounts ("gaggle", "vigila la chromebook"), and the
    # monitoring products families name.
    "monitor": (
        "monitor monitored monitoring monitors monitorea monitorean monitoreo monitorear vigilar vigila vigilan "
        "vigilancia vigilando surveillance spying spy espiar espian tracking tracked rastrear rastrea rastrean rastreo "
        "filter filtered filtering filters gaggle goguardian securly lightspeed"
    ),
    "immigration": (
        "immigration immigrant immigrants inmigracion inmigrante inmigrantes migratorio migratoria migra ice "
        "deportation deport deported deportacion deportar deportaron undocumented indocumentado indocumentada "
        "indocumentados indocumentadas daca citizenship citizen ciudadania ciudadano"
    ),
    "socialmedia": "socialmedia redessociales instagram facebook tiktok snapchat",
    "vendor": (
        "vendor vendors provider providers proveedor proveedores company companies companys empresa empresas "
        "compania companias contractor contractors contratista contratistas operator operators operador "
        "operadores tercero terceros corporation business negocio"
    ),
    "police": (
        "police cop cops policia policias sro sros officer officers oficial enforcement patrulla sheriff "
        "deputy detective arrest arrested arresto arrestaron detenido juvenile juvenil probation securityguard"
    ),
    "breach": (
        "breach breached breaches hack hacked hacker hackers hacking leak leaked leaks filtracion "
        "filtraciones filtrado filtrada filtraron filtro hackeo hackearon hackeado hackeada hackean robaron "
        "robo stolen stole theft exposed expuestos expuesta brecha misuse misused ransomware cyberattack "
        "ciberataque phishing malware unauthorized roban robar roba cyber scam scammer fraud compromised identitytheft"
    ),
    "complaint": (
        "complaint complaints complain complained queja quejas quejarme quejarse quejo queje reclamo "
        "reclamar denuncia denunciar denuncio grievance appeal apelar apelacion sue lawsuit demandar "
        "demanda abogado lawyer attorney"
    ),
    "violate": (
        "violate violated violating violation violations violar violo violaron violacion illegal illegally "
        "ilegal ilegalmente"
    ),
    "delete": (
        "delete deleted deleting destroy destroyed destroying destruction erase erased shred shredded purge "
        "purged borrar borren borran borraron borre eliminar eliminen eliminan destruir destruyen destruyan "
        "destruccion tirar tiran expunge expunged wipe wiped dispose disposed disposal"
    ),
    "retain": (
        "retention retain retained retains conservar conservan conservacion archive archived almacenar "
        "almacenan stored store storing"
    ),
    "sensitive": (
        "religion religious religiosa religioso church iglesia sex sexual sexo sexuality sexualidad drugs drogas "
        "alcohol income ingresos salary salario sueldo"
    ),
    "survey": ("survey surveys questionnaire questionnaires encuesta encuestas cuestionario cuestionarios poll sondeo"),
    "photo": (
        "photo photos picture pictures pic pics video videos foto fotos camera cameras camara camaras footage "
        "grabacion grabaciones imagen imagenes recording recorded grabar grabaron filmed filmaron cctv"
    ),
    "health": (
        "nurse enfermera enfermero enfermeria health salud medical medico medica medicos vaccine vaccines "
        "vacunas vacuna immunization immunizations hipaa medication medicine medicina medicamento clinic "
        "clinica diagnosis diagnostico allergy alergia doctor doctors therapy terapia hippa hipa diabetes diabetic "
        "insulin asthma inhaler epipen seizure seizures meds prescription asma insulina vaccinated vaccination "
        "vaccinations shots"
    ),
    "mental": "mental counseling psychological psicologico psicologica depression depresion anxiety ansiedad",
    "counselor": (
        "counselor counselors counsellor counsellors consejero consejera consejeros orientador orientadora "
        "psychologist psicologo psicologa therapist terapeuta trabajadora psych socialworker"
    ),
    "teacher": (
        "teacher teachers maestro maestra maestros maestras profesor profesora profesores profe staff "
        "employee employees empleado empleados coach entrenador aide substitute secretary secretaria janitor "
        "conserje receptionist recepcionista clerk lunchlady cafeteria driver drivers chofer custodian "
        "paraprofessional frontoffice"
    ),
    "principal": (
        "principal director directora vice subdirector subdirectora admin administrator administration administracion"
    ),
    "divorce": (
        "divorce divorced divorciado divorciada divorciados divorcio custody custodia custodial noncustodial "
        "separated separado separada separados ex exesposo exesposa exhusband exwife exmarido visitation "
        "visitas coparent restraining protective decree split mediation mediator exs"
    ),
    "recruiter": (
        "recruiter recruiters recruiting recruitment military army navy marines marine militar militares "
        "reclutador reclutadores reclutamiento ejercito asvab armed armadas airforce"
    ),
    "directory": "directory directorio yearbook anuario roster",
    "ads": (
        "ad ads advert adverts advertise advertised advertising advertisement advertisements advertiser advertisers "
        "publicidad publicitario publicitaria anuncio anuncios"
    ),
    "optout": "opt optout excluir excluirse exclusion excluya excluyan unsubscribe withdraw retirar",
    "eighteen": "18 eighteen dieciocho adult adulto adulta mayor edad",
    "thirteen": "13 thirteen trece under13",
    "ai": "ai ia chatgpt gpt artificial inteligencia chatbot algorithm algoritmo algoritmos gemini copilot machine",
    "special": (
        "iep ieps specialed special especial 504 disability disabilities discapacidad evaluation evaluacion sped "
        "autism autismo adhd tdah dyslexia dislexia speech habla eval evals accommodations"
    ),
    "transfer": "transfer transferred transferir transfieran transferencia traslado trasladar transferring",
    "move": "moving move moved mudamos mudanza mudarnos mudaron mudo relocate relocated",
    "fee": (
        "fee fees charge charges charged cost costs costo costos cobrar cobran cobro cobraron pagar pay paid "
        "money dinero precio price gratis free cuota cuotas dollars dolares cents centavos cuesta cuestan"
    ),
    "court": (
        "subpoena subpoenas subpoenaed citatorio citacion citaciones court courts corte tribunal juez judge "
        "judicial warrant juzgado"
    ),
    "contact": "contact contacto contactar call llamar llamo reach comunicarme comunicarse",
    "phone": "phone telefono cell celular number numero",
    "address": "address direccion domicilio",
    "birth": "birth birthday birthdays birthdate birthdates dob cumpleanos nacimiento",
    "ssn": "ssn socialsecurity segurosocial ssns",
    "law": "ley law laws leyes statute statutes regulation regulations reglamento act",
    "rights": "right rights derecho derechos",
    "privacy": "privacy privacidad private privado privada privados confidential confidencial confidencialidad",
    "data": "data datos dato info information informacion details",
    "emergency": (
        "emergency emergencies emergencia emergencias threat threats amenaza amenazas suicide suicidal "
        "suicidio danger dangerous peligro peligroso overdose sobredosis shooting tiroteo weapon arma threaten "
        "threatened threatening selfharm"
    ),
    "security": (
        "security secure encrypted encryption encriptado encriptados encriptada cifrado cifrados safeguard "
        "safeguards password passwords contrasena protect protected proteger protegen protege"
    ),
    "identity": (
        "identity identidad verify verification verificar verificacion verifican prove probar comprobar "
        "pretending impostor fake identificacion"
    ),
    "hearing": "hearing audiencia",
    "counts": (
        "count counts counted consider considered considera considerado considerada considerados cuenta cuentan "
        "include includes included including contain contains incluye incluyen incluido incluida contiene contienen"
    ),
    "deadline": (
        "deadline deadlines plazo plazos limite wait waiting esperar esperando espero days dias weeks "
        "semanas months meses hours horas"
    ),
    "log": "log logs list lista listado track tracks bitacora",
    "notify": (
        "notify notified notice notices notification notifications aviso avisos avisar avisen avisaron avisan "
        "avisa avisarme notificar notificacion notifican notificaron alert alerted warn warned"
    ),
    "annual": "annual annually yearly anual anualmente",
    "message": ("message messages mensaje mensajes text texts texting whatsapp sms email emails correo correos dm dms"),
    "discipline": (
        "discipline disciplinary suspension suspended suspendido suspendida suspendieron expelled "
        "expulsion expulsado expulsada detention writeup behavior behaviour conducta comportamiento "
        "disciplina castigo fight fights pelea peleas bully bullied bullying harassment harassed referral "
        "referrals"
    ),
    "attendance": (
        "attendance asistencia absence absences absent ausencia ausencias faltas tardies tardy truancy truant"
    ),
    "test": (
        "test tests testing exam exams examen examenes prueba pruebas assessment assessments sat psat staar "
        "results resultados"
    ),
    "ferpa": "ferpa frepa fepra ferpas",
    "ppra": "ppra",
    "coppa": "coppa",
    "california": "california cali ca calif sopipa angeles sacramento diego francisco oakland fresno",
    "colorado": "colorado denver boulder aurora springs",
    "connecticut": "connecticut ct hartford haven bridgeport stamford",
    "illinois": "illinois il chicago soppa springfield",
    "newyork": "ny nyc york brooklyn bronx queens manhattan buffalo nysed yonkers rochester albany edlaw2d",
    "state": "state states estado estados estatal estatales",
    "federal": "federal feds government govt gov gobierno department departamento dept usde sppo washington",
    "principles": "principles principle principios principio",
    "governance": "governance gobernanza committee comite policy policies politica politicas oversight supervision",
}
CONCEPTS: dict[str, tuple[str, ...]] = {name: tuple(text.split()) for name, text in _CONCEPT_WORDS.items()}
# The concept that names each state with its own article (postal code as in the articles' ``states``).
STATE_CONCEPTS: dict[str, str] = {
    "CA": "california",
    "CO": "colorado",
    "CT": "connecticut",
    "IL": "illinois",
    "NY": "newyork",
}

CONCEPT_OF: dict[str, str] = {}
for _concept, _words in CONCEPTS.items():
    for _word in _words:
        CONCEPT_OF.setdefault(_word, _concept)

# Longest first; a suffix is only removed when at least three letters remain.
_SUFFIXES = tuple(
    sorted(
        """
        amientos imientos amiento imiento aciones iciones uciones adoras adores ancias encias idades aremos
        eremos iremos ieron ations ation ments ment ness ings ing ies ied ers acion icion ucion adora ador ures ure
        ives ive ances ance ences ence ities ity
        ancia encia mente idad ables ibles able ible istas ista ismo aron aban ando iendo yendo aste iste
        amos emos imos ados adas idos idas ado ada ido ida ian ar er ir an en as es os ed io s
        """.split(),
        key=len,
        reverse=True,
    )
)
# Pronouns glued to a Spanish infinitive or gerund ("avisarme", "dándole").
_ENCLITIC = re.compile(
    r"(?:(?<=[aei]r)|(?<=ndo))(?:(?:me|te|se|nos)(?:lo|la|los|las)|me|te|le|les|lo|la|los|las|nos|se)$"
)
# Words the stemmer would merge with an unrelated word, or split from their family.
_STEM_EXCEPTIONS = {
    "violencia": "violenci",
    "autobus": "bus",
    "autobuses": "bus",
    "pido": "ped",
    "pide": "ped",
    "piden": "ped",
    "pida": "ped",
    "pidan": "ped",
    "pidio": "ped",
    "pidieron": "ped",
    "pidiendo": "ped",
    "pedi": "ped",
    "date": "date",
    "dates": "date",
    "dato": "dat",
    "datos": "dat",
    "data": "dat",
    "notes": "note",
    "note": "note",
    "need": "need",
    "needs": "need",
    "news": "news",
    "address": "address",
    "addresses": "address",
    "access": "access",
    "process": "process",
    "class": "class",
    "classes": "class",
    "ss": "ss",
    "series": "series",
    "yes": "yes",
    "bus": "bus",
    "buses": "bus",
    "gas": "gas",
    "mes": "mes",
    "meses": "mes",
    "statement": "statement",  # not "state"
    "statements": "statement",
    "comment": "comment",
    "comments": "comment",
    "registration": "registration",  # not "registro"
    "probation": "probation",  # not "probar"
    "publicidad": "publicidad",  # not "public"
    "questionnaire": "questionnair",  # not "question"
    "questionnaires": "questionnair",
    "guardian": "guardian",  # not "guardar" (to keep)
    "guardians": "guardian",
    "mediation": "mediation",  # not "media"
}


# Expressions of two words that mean one thing here ("log in" is not a log; "no idea" is not the IDEA law).
_PHRASES = (
    (re.compile(r"\blog(?:ged|ging)? ?(?:in|into|on)\b"), "login"),
    (re.compile(r"\bsign(?:ed|ing)? ?up\b"), "signup"),
    (re.compile(r"\breport ?cards?\b"), "reportcard"),
    (re.compile(r"\bno idea\b"), "noidea"),
    (re.compile(r"\bspecial ?(?:ed|educ)\b"), "specialed"),
    (re.compile(r"\bsocial security\b"), "socialsecurity"),
    (re.compile(r"\bdue process\b"), "dueprocess"),
    (re.compile(r"\b(?:(?:ed|educ|education) law|ley(?: de educacion)?) 2 ?d\b"), "edlaw2d"),
    (re.compile(r"\bsecurity guards?\b"), "securityguard"),
    (re.compile(r"\bco ?parent(s|ing)?\b"), r"coparent\1"),
    (re.compile(r"\bstep (dad|mom|father|mother|parent|son|daughter)(s?)\b"), r"step\1\2"),
    (re.compile(r"\blunch lad(?:y|ies)\b"), "lunchlady"),
    (re.compile(r"\bsocial workers?\b"), "socialworker"),
    (re.compile(r"\bidentity theft\b"), "identitytheft"),
    (re.compile(r"\b(?:self ?harm(?:ing)?|hurt(?:ing)? (?:himself|herself|themselves|themself|myself))\b"), "selfharm"),
    (re.compile(r"\bfront office\b"), "frontoffice"),
    (re.compile(r"\bseguro social\b"), "segurosocial"),
    (re.compile(r"\bsocial media\b"), "socialmedia"),
    (re.compile(r"\bredes sociales\b"), "redessociales"),
)


def tokens(text: str) -> list[str]:
    """:func:`words`, with the two-word expressions of this domain joined into one word ("log in" -> "login")."""
    joined = " ".join(words(text))
    for pattern, replacement in _PHRASES:
        joined = pattern.sub(replacement, joined)
    return joined.split()


def words(text: str) -> list[str]:
    """The folded words of ``text`` ("kid's" -> "kids", "don't" -> "dont")."""
    return _WORD_RE.findall(_APOSTROPHES.sub("", fold(text)))


def stem(word: str) -> str:
    """A light stem shared by both languages: plurals, gender, -ing/-ed/-er, -ción, verb endings, final vowel."""
    if word in _STEM_EXCEPTIONS:
        return _STEM_EXCEPTIONS[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    w = _ENCLITIC.sub("", word) if len(word) >= 5 else word
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                break
            w = w[: -len(suffix)] + ("i" if suffix == "ies" else "")
            if suffix == "es" and w.endswith(("ar", "er", "ir")) and len(w) >= 5:
                w = w[:-2]  # "escolares" like "escolar", "lugares" like "lugar"
            break
    if w.endswith("y") and len(w) >= 4:
        w = w[:-1] + "i"
    if len(w) >= 4 and w[-1] in "aeo":
        w = w[:-1]
    if len(w) >= 5 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    return w


def concept_of(word: str) -> str | None:
    """The concept of a folded word: listed as it is, or sharing its stem with a listed word ("roban")."""
    found = CONCEPT_OF.get(word)
    if found or word in STOP_WORDS or len(word) < 4:
        return found
    return _CONCEPT_OF_STEM.get(stem(word))


def word_terms(word: str) -> list[str]:
    """The retrieval terms of one folded word: its concept token (if any), then its stem (unless a stop word)."""
    return list(_word_terms(word))


@functools.lru_cache(maxsize=65536)
def _word_terms(word: str) -> tuple[str, ...]:
    concept = concept_of(word)
    out: tuple[str, ...] = ("@" + concept,) if concept else ()
    if word not in STOP_WORDS and len(word) > 1:
        out += (stem(word),)
    return out


def terms(text: str) -> list[str]:
    """Retrieval terms of ``text``: the stem of each word that is not a stop word, plus its concept token.

    The stem keeps a word's own meaning ("police" stays "polic"); the concept token ("@police") lets "policía",
    "cops" and "SRO" meet it across wordings and languages.
    """
    return [term for word in tokens(text) for term in _word_terms(word)]


def _stem_concepts() -> dict[str, str]:
    """Stems of the concept words that point to a single concept (at least four letters, not a stop word)."""
    found: dict[str, set[str]] = {}
    for word, concept in CONCEPT_OF.items():
        if word not in STOP_WORDS and word.isalpha() and len(stem(word)) >= 4:
            found.setdefault(stem(word), set()).add(concept)
    return {s: next(iter(c)) for s, c in found.items() if len(c) == 1}


_CONCEPT_OF_STEM = _stem_concepts()


def edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    """Whether the edit distance of ``a`` and ``b`` is at most ``limit``.

    Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbouring
    letters each cost one ("recrods" is one edit from "records"). Banded, with an early exit.
    """
    if abs(len(a) - len(b)) > limit:
        return False
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        row_min = i
        for j, cb in enumerate(b, 1):
            cost = current[j - 1] + 1
            cost = min(cost, previous[j] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current[j] = cost
            row_min = min(row_min, cost)
        if row_min > limit:
            return False
        before, previous = previous, current
    return previous[-1] <= limit
