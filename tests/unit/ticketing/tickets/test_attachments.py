"""Attachment checks: size limit, content sniffed against the name and the declared type, safe file names."""

import pytest

from ticketing.tickets.service import TicketError, check_attachment, safe_filename

LIMIT = 1000


@pytest.mark.parametrize(
    ("name", "declared", "data", "expected"),
    [
        ("records.pdf", "application/pdf", b"%PDF-1.7\n...", "application/pdf"),
        ("scan.PNG", "image/png", b"\x89PNG\r\n\x1a\nrest", "image/png"),
        ("photo.jpeg", "application/octet-stream", b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        ("letter.txt", "text/plain", "Carta para la familia — año 2026".encode(), "text/plain"),
        ("grades.csv", "text/csv", b"a,b\n1,2\n", "text/csv"),
        ("grades.csv", "application/vnd.ms-excel", b"a,b\n1,2\n", None),
    ],
)
def test_accepted_types(name: str, declared: str, data: bytes, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(TicketError, match="says it is"):
            check_attachment(name, declared, data, LIMIT)
        return
    assert check_attachment(name, declared, data, LIMIT)[1] == expected


@pytest.mark.parametrize(
    ("name", "declared", "data", "message"),
    [
        ("empty.pdf", "application/pdf", b"", "empty"),
        ("big.pdf", "application/pdf", b"%PDF-" + b"x" * LIMIT, "larger"),
        ("page.html", "text/html", b"<html><script>alert(1)</script></html>", "only PDF"),
        ("evil.pdf", "application/pdf", b"MZ\x90\x00\x03\x00binary", "only PDF"),
        ("fake.pdf", "application/pdf", b"just text pretending", "only PDF"),
        ("doc.pdf", "image/png", b"%PDF-1.4", "says it is image/png"),
        ("image.svg", "image/svg+xml", b"<svg onload=alert(1)>", "only PDF"),
    ],
)
def test_refused_uploads_say_why(name: str, declared: str, data: bytes, message: str) -> None:
    with pytest.raises(TicketError, match=message):
        check_attachment(name, declared, data, LIMIT)


def test_file_names_lose_paths_quotes_and_control_characters() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename('C:\\Users\\x\\récord "final".pdf') == "récord _final_.pdf"
    assert safe_filename("a\r\nb.pdf") == "a__b.pdf"
    assert safe_filename("...") == "file"
    long = safe_filename("x" * 300 + ".pdf")
    assert len(long) == 120 and long.endswith(".pdf")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.txt", b"Hello <script>alert(1)</script>"),
        ("page.txt", b"<!DOCTYPE html><title>x</title>"),
        ("image.txt", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("data.csv", b'name,comment\nAna,"<img src=x onerror=alert(1)>"\n'),
        ("feed.txt", b"<?xml version='1.0'?><x/>"),
        ("upper.txt", b"<HTML><BODY>hi</BODY></HTML>"),
    ],
)
def test_text_uploads_with_markup_are_refused(name: str, data: bytes) -> None:
    """F24: a text or CSV file is plain text; HTML, SVG, XML or a script inside it is refused."""
    with pytest.raises(TicketError, match="contains markup"):
        check_attachment(name, "text/plain", data, LIMIT)


def test_plain_text_with_angle_brackets_is_still_text() -> None:
    ok = b"Grades: math < 70 means a meeting; 3<5 and 10 > 9; email <ana@example.org>?\n"
    assert check_attachment("notes.txt", "text/plain", ok, LIMIT)[1] == "text/plain"


@pytest.mark.parametrize("key", [b"/JavaScript", b"/JS", b"/Launch", b"/OpenAction", b"/EmbeddedFile"])
def test_pdfs_with_scripts_or_automatic_actions_are_refused(key: bytes) -> None:
    with pytest.raises(TicketError, match="scripts or automatic actions"):
        check_attachment("records.pdf", "application/pdf", b"%PDF-1.7\n1 0 obj << " + key + b" (x) >>", LIMIT)
