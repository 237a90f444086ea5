from channels.redact import redact


def test_dates_codes_ids_phones_and_emails_never_survive() -> None:
    text = (
        "my son was born 4/17/2010, or April 17, 2010, nació el 17 de abril de 2010; code 482913, "
        "student id 20231234, call me at (555) 010-0199 or +1 555 010 0199, mail ana.lopez@example.org"
    )
    redacted = redact(text)
    for secret in (
        "4/17/2010",
        "April 17, 2010",
        "17 de abril de 2010",
        "482913",
        "20231234",
        "010-0199",
        "0199",
        "ana.lopez@example.org",
    ):
        assert secret not in redacted
    assert "[date]" in redacted and "[number]" in redacted and "[phone]" in redacted and "[email]" in redacted


def test_ordinary_words_and_ticket_references_are_kept() -> None:
    assert redact("I want to see my daughter's records") == "I want to see my daughter's records"
    assert redact("status of RD-7K2M-9QXD please") == "status of RD-7K2M-9QXD please"
    assert redact("she is in grade 10 at school 3") == "she is in grade 10 at school 3"
