"""The e-mail as written for the wire: valid MIME that any parser reads back as sent."""

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from icalendar import Calendar
from jinja2.utils import urlize

from notify.adapters.calendar import to_ics
from notify.adapters.email import Envelope, build_message
from notify.adapters.templates import linkify
from notify.domain.rendered import Rendered
from notify.service_layer.ports import DeliveryError
from outreach_shared.calendar import CalendarEvent

SENDER = "Jobbvinner <varsel@jobbvinner.no>"
RENDERED = Rendered(
    subject="Invitasjon: Årssamling 2026 på Scandic Lerkendal i Trondheim, med overnatting og middag begge dager",
    text="Hei Åse!\n\nDu er invitert.\n.\nMeld deg på: https://app.jobbvinner.no/samlinger/g-1 = gratis\n",
    html="<p>Hei Åse!</p>\n<p>Du er invitert.</p>",
    sms="Jobbvinner: invitasjon",
)
SPEC = CalendarEvent(uid="visit-v-1@outreach.jobbvinner.no", sequence=2,
                     start=datetime.fromisoformat("2026-03-10T10:00:00+01:00"),
                     end=datetime.fromisoformat("2026-03-10T12:00:00+01:00"), summary="Skolebesøk: Nordstrand skole",
                     location="Oslo")


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert not [defect for part in message.walk() for defect in part.defects]
    return message


def test_headers_name_sender_recipient_subject_id_and_date() -> None:
    sent_at = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    envelope = Envelope("aase@example.org", "Åse Ødegård", "<d-1@notify.jobbvinner.no>")
    outgoing = build_message(SENDER, envelope, RENDERED, None, now=sent_at)
    message = parse(outgoing.data)
    assert (outgoing.mail_from, outgoing.to, outgoing.smtputf8) == ("varsel@jobbvinner.no", "aase@example.org", False)
    assert str(message["From"]) == SENDER
    assert str(message["To"]) == "Åse Ødegård <aase@example.org>"
    assert str(message["Subject"]) == RENDERED.subject
    assert message["Message-ID"] == "<d-1@notify.jobbvinner.no>"
    assert message["Date"].datetime == sent_at
    assert outgoing.data.isascii() and all(len(line) <= 78 for line in outgoing.data.split(b"\r\n"))


def test_plain_text_and_html_are_alternatives_of_the_same_content() -> None:
    message = parse(build_message(SENDER, Envelope("a@example.org", None, "<d-2@x>"), RENDERED, None).data)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == RENDERED.text
    assert message.get_body(("html",)).get_content().replace("\r\n", "\n").rstrip("\n") == RENDERED.html
    assert str(message["To"]) == "a@example.org"


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_an_invitation_is_attached_as_ics_with_its_method(method: str) -> None:
    ics = to_ics(SPEC if method == "REQUEST" else SPEC.withdrawn(3))
    message = parse(build_message(SENDER, Envelope("a@example.org", "Kari", "<d-3@x>"), RENDERED, ics).data)
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "invitation.ics"
    assert attachment.get_param("method") == method
    sent = Calendar.from_ical(attachment.get_content())
    (attendee,) = sent.events[0].attendees
    assert (str(attendee), attendee.params["CN"]) == ("mailto:a@example.org", "Kari")
    event = sent.events[0]
    assert (sent["METHOD"], event["UID"], event["SEQUENCE"]) == (method, SPEC.uid, 3 if method == "CANCEL" else 2)


def test_names_with_specials_are_quoted_and_line_breaks_cannot_add_headers() -> None:
    envelope = Envelope("a@example.org", 'Ola "Nordmann", jr.\r\nBcc: evil@example.org', "<d-4@x>")
    rendered = Rendered(subject="Hei\nBcc: evil@example.org", text="x", html="x", sms="x")
    message = parse(build_message(SENDER, envelope, rendered, None).data)
    assert message["Bcc"] is None
    assert message["To"].addresses[0].display_name == 'Ola "Nordmann", jr. Bcc: evil@example.org'
    assert message["To"].addresses[0].addr_spec == "a@example.org"


def test_a_non_ascii_address_asks_for_smtputf8() -> None:
    outgoing = build_message(SENDER, Envelope("åse@eksempel.no", "Åse", "<d-5@x>"), RENDERED, None)
    assert outgoing.smtputf8 and outgoing.to == "åse@eksempel.no"


def test_an_address_with_spaces_fails_for_good() -> None:
    with pytest.raises(DeliveryError) as caught:
        build_message(SENDER, Envelope("not an address", None, "<d-6@x>"), RENDERED, None)
    assert caught.value.permanent


@pytest.mark.parametrize(
    "line",
    [
        "Meld deg på: https://app.jobbvinner.no/samlinger/g-1",
        "See https://a.no/x?a=1&b=2.",
        "(https://a.no/p) <b>",
        "no link & <x>",
        "two: https://a.no and http://b.no/c, done",
    ],
)
def test_links_are_made_as_jinjas_urlize_makes_them(line: str) -> None:
    assert str(linkify(line)) == urlize(line, rel="noopener")
