"""The topic classifier retrieval asks for a second opinion (knowledge.classifier)."""

from __future__ import annotations

from knowledge.classifier import train, trained


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SAMPLES = [
    (words("can i see my sons file"), "inspect"),
    (words("i want to see the records"), "inspect"),
    (words("how do i see my daughters folder"), "inspect"),
    (words("see who looked at the file log"), "log"),
    (words("is there a log of who saw the records"), "log"),
    (words("who got my sons records log"), "log"),
    (words("fix a mistake in the file"), "amend"),
    (words("the records are wrong fix them"), "amend"),
]


def test_it_learns_which_word_tells_two_topics_apart() -> None:
    model = train(SAMPLES)
    seeing = model.probabilities(words("see my file"))
    logged = model.probabilities(words("see the file log"))
    assert max(seeing, key=seeing.__getitem__) == "inspect"
    assert max(logged, key=logged.__getitem__) == "log"
    assert abs(sum(logged.values()) - 1) < 1e-9


def test_unknown_words_give_no_opinion() -> None:
    model = train(SAMPLES)
    probabilities = model.probabilities(words("bus schedule tomorrow"))
    assert max(probabilities.values()) - min(probabilities.values()) < 1e-9


def test_the_same_texts_give_the_same_model_once_trained() -> None:
    questions = [(" ".join(sorted(f)), topic) for f, topic in SAMPLES]
    first = trained(questions, words, key="test")
    assert trained(questions, words, key="test") is first  # reused, not trained again
    retrained = trained(questions, words, key="another vocabulary")
    assert retrained is not first
    question = words("see the log")
    assert retrained.probabilities(question) == first.probabilities(question)  # deterministic
