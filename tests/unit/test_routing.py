"""The message router: asking about a right is answered, an explicit request starts at once, a person is reached."""

from __future__ import annotations

import pytest

from bot.components.routing import ASK, PERSON, normalize, read, route


@pytest.mark.parametrize(
    ("text", "intent", "offer"),
    [
        ("Is it true I can only look at the records and not get copies?", "request_records", "records"),
        ("Will opting out keep my son off the honor roll list?", "request_directory_optout", "directory_optout"),
        ("Can I see the list of people who looked at my son's file?", "request_records", "records"),
        ("how do i request my child's records", "request_records", "records"),
        ("I want to know if I can see my son's records", "request_records", "records"),
        ("what if I want to opt out later?", "request_directory_optout", "directory_optout"),
        ("Do I have to sign the consent form for the survey?", "request_consent", "consent"),
        (
            "The school refuses to give me my son's records, they say the counselor's file is private",
            "request_records",
            "records",
        ),
        ("how do I file a complaint if the school ignores my request", "report_complaint", "complaint"),
        ("was my daughter's data exposed in the powerschool breach", "report_misuse", "misuse"),
        (
            "¿Puedo pedir que no compartan la foto de mi hija, o eso es obligatorio?",
            "request_directory_optout",
            "directory_optout",
        ),
        ("cómo pido el expediente de mi hijo", "request_records", "records"),
        ("tengo derecho a una copia del expediente de mi hija", "request_records", "records"),
        ("es legal que la escuela publique el nombre de mi hijo", "request_directory_optout", "directory_optout"),
        ("q tengo q hacer para ver el expediente d mi hijo", "request_records", "records"),
        ("kiero saber si puedo corregir un error en las notas de mi hija", "request_correction", "correction"),
    ],
)
def test_a_question_worded_like_a_request_is_answered_with_the_request_offered(
    text: str, intent: str, offer: str
) -> None:
    routed = route(text, intent)
    assert routed.intent == ASK, routed.reason
    assert routed.routing == {"offer": offer}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I want a copy of my son's records", "request_records"),
        ("please take my daughter out of the directory", "request_directory_optout"),
        ("quiero una copia del expediente de mi hija", "request_records"),
        ("i need my daughters discipline records pls", "request_records"),
        ("Can you send me my son's file?", "request_records"),
        ("do not share my daughter's photo with anyone", "request_directory_optout"),
        ("I withdraw my consent for the reading app", "request_consent"),
        ("I'd like to file a complaint about the bus camera video", "report_complaint"),
        ("kiero ver el expediente de mi hijo", "request_records"),
        ("me pueden mandar copia del expediente", "request_records"),
        ("no compartan la información de mi hijo con los reclutadores", "request_directory_optout"),
        ("ya no quiero que usen la foto de mi hijo", "request_consent"),
        ("records request", "request_records"),
        ("opt out", "request_directory_optout"),
        ("what's the status of my request", "check_status"),
        ("¿cómo va mi solicitud?", "check_status"),
    ],
)
def test_an_explicit_request_starts_at_once(text: str, intent: str) -> None:
    routed = route(text, intent)
    assert routed.intent == intent, routed.reason
    assert routed.routing == {}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I want a copy of my son's records. How long does it take?", "request_records"),
        ("please remove my son from the directory, does that also stop the yearbook?", "request_directory_optout"),
        ("quiero una copia del expediente de mi hija, ¿cuánto tiempo tardan?", "request_records"),
    ],
)
def test_a_request_with_a_question_is_answered_then_offered(text: str, intent: str) -> None:
    routed = route(text, intent)
    assert routed.intent == ASK
    assert routed.routing["request_cue"] == routed.routing["offer"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("necesito hablar con alguien sobre el expediente de mi hijo", "ask_rights"),
        ("I'd like to speak to someone about my daughter's IEP records please", "request_records"),
        ("can I talk to a real person", "bot_challenge"),
        ("please have someone call me back about the breach letter", "report_misuse"),
        ("quiero hablar con una persona de la oficina", "greet"),
        ("me pueden llamar? es sobre las notas de mi hijo", "ask_rights"),
        ("HUMAN", "out_of_scope"),
        ("agente por favor", "nlu_fallback"),
    ],
)
def test_asking_for_a_person_in_any_words_reaches_one(text: str, intent: str) -> None:
    assert route(text, intent).intent == PERSON


def test_a_question_that_does_not_mention_the_code_is_not_about_the_code() -> None:
    assert route("Where do I go if the district never answers my request?", "no_code").intent == ASK
    assert route("I didn't get the code", "no_code").intent == "no_code"
    assert route("the text never came", "no_code").intent == "no_code"
    assert route("no me llegó nada", "no_code").intent == "no_code"


def test_button_payloads_are_never_rerouted() -> None:
    assert route("/request_records", "request_records").intent == "request_records"
    assert route('/ask_rights{"article_id": "coppa"}', "ask_rights").routing == {}


def test_a_long_question_under_a_small_talk_intent_is_a_question() -> None:
    assert route("hi! can the school share my son's grades with a tutoring app?", "greet").intent == ASK
    assert route("hi", "greet").intent == "greet"
    assert route("yes", "affirm").intent == "affirm"


def test_phone_spellings_are_written_out() -> None:
    assert normalize("Kiero ver el expediente pls") == "quiero ver el expediente please"
    assert read("cn i get a copy of my kids file").question


def test_an_explicit_request_the_classifier_took_for_a_question_starts_the_likeliest_request() -> None:
    ranking = [
        {"name": "ask_rights", "confidence": 0.6},
        {"name": "request_consent", "confidence": 0.2},
        {"name": "request_records", "confidence": 0.1},
    ]
    text = "I deny permission to use my child's image for display or publication."
    assert route(text, "ask_rights", ranking).intent == "request_consent"
    # A question stays a question, whatever the runner-up.
    assert route("can the school use my child's image without permission?", "ask_rights", ranking).intent == ASK


@pytest.mark.parametrize(
    "text",
    [
        "I sent in a request to fix my son's record 3 weeks ago and havent heard anything",
        "did anyone look at my complaint from last month yet",
        "ya hay respuesta de mi queja? no me han dicho nada",
    ],
)
def test_asking_how_a_request_is_going_checks_its_status(text: str) -> None:
    assert route(text, "ask_rights").intent == "check_status"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Formal letters (the wording of request templates), with nothing of a request in the classifier's ranking.
        (
            "Further, I am requesting that you send me a list of every record you keep on my son.",
            "request_records",
        ),
        ("Pursuant to FERPA, I request copies of all of my daughter's education records.", "request_records"),
        ("This letter serves as my formal written request to amend my son's discipline record.", "request_correction"),
        (
            "I hereby notify the district that my child's name and address may not be released.",
            "request_directory_optout",
        ),
        ("You are hereby notified that I revoke my consent for the use of my son's photograph.", "request_consent"),
        ("We are writing to formally request access to our daughter's special education file.", "request_records"),
        ("Por medio de la presente solicito una copia del expediente académico de mi hija.", "request_records"),
        ("Además, solicito que corrijan la fecha de nacimiento en el expediente de mi hijo.", "request_correction"),
    ],
)
def test_a_formal_request_starts_the_request_its_words_name(text: str, expected: str) -> None:
    assert route(text, "nlu_fallback", [{"name": "nlu_fallback", "confidence": 0.3}]).intent == expected


def test_a_formal_opening_does_not_make_a_question_a_request() -> None:
    # Asking about the request is still a question, however formally it opens.
    assert route("Further, can the school charge me for copies of the records?", "ask_rights").intent == ASK
    assert route("Dear principal, how do I request my son's file?", "ask_rights").intent == ASK
    # A message naming no request at all is not turned into one.
    assert route("I am writing to ask about the weather", "out_of_scope").intent == "out_of_scope"


@pytest.mark.parametrize(
    "text",
    [
        "I need to speak to the superintendent today about the bus video",
        "quiero hablar con el superintendente sobre lo que pasó",
        "let me talk to someone in charge please",
    ],
)
def test_asking_for_someone_in_charge_reaches_a_person(text: str) -> None:
    assert route(text, "ask_rights").intent == PERSON


def test_a_request_goes_on_after_and_without_a_question_mark() -> None:
    text = "please send me every record you keep on my son and where each one is stored"
    assert read(text).request and not read(text).question
    # With a question mark it asks as well.
    assert read("please send me my son's records, and where are they stored?").question


def test_saying_something_is_not_true_is_not_asking_whether_it_is() -> None:
    assert not read("pusieron que mi hija falto 20 dias y no es verdad").question
    assert read("es verdad que la escuela puede dar mi direccion?").question


def test_words_of_the_law_in_a_request_letter_do_not_make_it_a_question() -> None:
    letter = (
        "I am exercising my rights under FERPA and request copies of my son's records. You are required to respond."
    )
    assert read(letter).request and not read(letter).question
    # In a message that requests nothing, or asks with a question mark, they still ask.
    assert read("my rights when the school shares my daughter's grades").question
    assert read("please send me the file, are you required to do it within 45 days?").question
