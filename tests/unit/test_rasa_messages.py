from channels.rasa_client import RasaClient, parse_rasa_messages


def test_custom_article_joins_the_text_it_follows() -> None:
    article = {
        "id": "a",
        "topic": "t",
        "title": "T",
        "sources": [{"citation": "34 CFR 99.10", "url": "https://x"}],
    }
    raw = [
        {
            "recipient_id": "c1",
            "text": "Short answer",
            "buttons": [{"title": "More", "payload": "/ask_more_detail"}],
        },
        {"recipient_id": "c1", "custom": {"article": article}},
        {"recipient_id": "c1", "text": "Anything else?"},
    ]
    messages = parse_rasa_messages(raw)
    assert [m.text for m in messages] == ["Short answer", "Anything else?"]
    assert messages[0].article == article
    assert messages[0].buttons == [{"title": "More", "payload": "/ask_more_detail"}]
    assert messages[1].article is None


def test_each_conversation_sticks_to_one_rasa_server() -> None:
    client = RasaClient(["http://a", "http://b", "http://c"], "token")
    owners = {client.url_for(f"c{i}") for i in range(200)}
    assert owners == {"http://a", "http://b", "http://c"}
    assert all(client.url_for("c42") == client.url_for("c42") for _ in range(5))
