"""Sessions as use cases: start one after any way of signing in, find the current one (touching it), choose an
account, sign out here or everywhere."""

from collections.abc import Sequence
from uuid import uuid4

from outreach_shared.errors import Invalid
from portal.domain.accounts import Account
from portal.domain.sessions import NewSession, Session, digest, looks_like_secret, new_secret
from portal.service_layer.trail import record
from portal.service_layer.unit_of_work import PortalUnit


async def start(
    uow: PortalUnit,
    account: Account | Sequence[Account],
    *,
    how: str,
    client: str | None,
    person: str | None = None,
) -> NewSession:
    """A new session for whoever just signed in (`how`: `email_link`, `support_link`, `oidc:<provider>`), acting as
    `account`; given several, it acts as none until one is chosen (`choose`). `person` names who signed in
    (default: the account), so signing out everywhere reaches all their sessions."""
    accounts = [account] if isinstance(account, Account) else list(account)
    if not accounts:
        raise ValueError("a session needs at least one account")
    chosen = accounts[0] if len(accounts) == 1 else None
    secret = new_secret()
    session = Session(id=uuid4(), person=person or f"account:{accounts[0].key}", how=how, csrf_token=new_secret(),
                      created_at=uow.now, last_seen_at=uow.now, account=chosen,
                      choices=tuple(accounts) if chosen is None else ())  # fmt: skip
    await uow.sessions.add(session, digest(secret))
    if chosen is not None:
        record(uow, actor=chosen.key, action="sign_in", target=str(session.id), from_address=client,
                      details={"how": how})  # fmt: skip
    return NewSession(session, secret)


async def current(uow: PortalUnit, cookie_value: str | None) -> Session | None:
    """The live session of this cookie, its last use noted now; None when absent, malformed, revoked or timed out."""
    if not cookie_value or not looks_like_secret(cookie_value):
        return None
    session = await uow.sessions.by_secret(digest(cookie_value))
    if session is None or not session.alive(uow.now, uow.signin.sessions):
        return None
    await uow.sessions.touch(session.id, uow.now)
    return session


async def language_setting(uow: PortalUnit, session: Session) -> str | None:
    """The language the session's person chose for themselves, where the portal knows it (a member's preferred
    language on the roster); None otherwise."""
    if session.account is None or session.account.role != "member":
        return None
    member = await uow.members.by_id(session.account.subject)
    return member.language if member else None


async def choose(uow: PortalUnit, session: Session, key: str, *, client: str | None) -> Session:
    """The session now acting as its account named `key` (422 when it is not one of its choices)."""
    try:
        account = session.choice(key)
    except ValueError:
        raise Invalid("choose one of the accounts listed", field="account") from None
    await uow.sessions.set_account(session.id, account)
    record(uow, actor=account.key, action="sign_in", target=str(session.id), from_address=client,
           details={"how": session.how})  # fmt: skip
    return session.acting_as(account)


async def end(uow: PortalUnit, session: Session) -> None:
    """Sign out of this session."""
    await uow.sessions.revoke(session.id, uow.now)


async def end_everywhere(uow: PortalUnit, session: Session) -> int:
    """Sign out of every session of this person (and of this account, where it is one person's); how many."""
    return await uow.sessions.revoke_everywhere(session.person, session.account, uow.now)


async def end_for_account(uow: PortalUnit, account: Account) -> int:
    """End every session of an account taken away (an organiser removed from the allow-list, a school contact
    removed, a scope changed): acting as it, or able to choose it. How many."""
    return await uow.sessions.revoke_account(account, uow.now)
