"""The sign-in link the portal asks for: one e-mail to the address as typed, in the language asked for, with the
link; its context is never cached by the renderer."""

from datetime import UTC, datetime
from uuid import uuid4

from notify.adapters.templates import Renderer
from notify.domain.channels import plan_channels
from notify.domain.deliveries import Delivery
from notify.domain.notices import NoticeType, Recipient
from notify.domain.preferences import Channel
from notify.domain.recipients import RecipientsState
from notify.domain.sign_in import sign_in_link
from notify.service_layer.preparing import Preparation, resolve
from outreach_shared.contracts.portal import SignInLinkRequested

LINK = "https://portal.example/login/link/" + "B" * 43


def requested(language: str = "nn") -> SignInLinkRequested:
    return SignInLinkRequested(email="Kari@Example.no", link=LINK, language=language,  # type: ignore[arg-type]
                               expires_at=datetime(2027, 3, 4, 8, 15, tzinfo=UTC))  # fmt: skip


def test_one_email_to_the_address_as_typed_with_the_link() -> None:
    (draft,) = sign_in_link(requested())
    assert draft.notice_type is NoticeType.SIGN_IN_LINK and draft.recipient == Recipient.address("Kari@example.no")
    assert draft.context["link"] == LINK and not draft.urgent
    assert plan_channels(draft, None) == [Channel.EMAIL]


def test_the_mail_goes_to_the_address_in_the_language_asked_for() -> None:
    (draft,) = sign_in_link(requested("en"))
    delivery = Delivery(id=uuid4(), notice_id=uuid4(), event_id=uuid4(), recipient=draft.recipient,
                        channel="email", status="pending", attempts=0, fallback_of=None, notice_type=draft.notice_type,
                        urgent=False, context=draft.context, calendar=None, correlation_id="c")  # fmt: skip
    target = resolve(delivery, RecipientsState(erased=frozenset(), preferences={}), Preparation())
    assert (target.address, target.language, target.quiet) == ("Kari@example.no", "en", None)


def test_every_language_writes_the_link_and_its_deadline_and_keeps_no_copy() -> None:
    renderer = Renderer(app_url="https://app.example")
    for lang, words in {"nb": "én gang", "nn": "éin gong", "en": "works once"}.items():
        (draft,) = sign_in_link(requested(lang))
        rendered = renderer.render(NoticeType.SIGN_IN_LINK, lang, draft.context)
        assert LINK in rendered.text and LINK in rendered.html and words in rendered.text
        assert "09:15" in rendered.text  # Europe/Oslo
    assert not any(LINK in str(key) for key in renderer._contents)
