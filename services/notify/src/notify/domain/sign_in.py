"""The sign-in link the portal asks notify to mail: to the address as typed, in the language asked for."""

from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from outreach_shared.contracts.portal import SignInLinkRequested


def sign_in_link(p: SignInLinkRequested) -> list[NoticeDraft]:
    """One e-mail with the link and when it stops working (the context is cleared once it is delivered)."""
    context = {"link": p.link, "expires_at": p.expires_at.isoformat(), "language": p.language}
    return [NoticeDraft.of(NoticeType.SIGN_IN_LINK, Recipient.address(str(p.email)), "sign-in", context)]
