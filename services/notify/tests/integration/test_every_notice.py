"""The remaining notice types each reach the right recipient in the recipient's language."""

from datetime import UTC, datetime, timedelta

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts.ambassadors import NoTeamAvailable, OfferExpired, OfferWithdrawn
from outreach_shared.contracts.booking import VisitRequested, VisitUnfulfilled
from outreach_shared.contracts.common import Venue
from outreach_shared.contracts.training import (
    GatheringCancelled,
    InvitationIssued,
    InvitationReminder,
    PlaceOfferLapsed,
)

from .conftest import ORGANISERS
from .helpers import Publisher, contact, member, uid, window
from .smtp import RecordingHandler
from .test_delivery import offer


def _subjects(smtp: RecordingHandler, address: str) -> set[str]:
    return {" ".join(str(m["Subject"]).split()) for m in smtp.to(address)}


async def _has(smtp: RecordingHandler, address: str, expected: set[str]) -> bool:
    subjects = _subjects(smtp, address)
    return all(any(s.startswith(e) for s in subjects) for e in expected)


async def test_school_notices_follow_the_contact_language(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    visit = uid("v")
    await publish.event(contact(visit, lang="en"), key=visit)
    requested = VisitRequested(
        visit_id=visit,
        orgnr="974760673",
        school_name="Tromsø skole",
        school_address="Tromsø",
        kommunenummer="5501",
        kind="career_day",
        audience_description="Vg1 helse- og oppvekstfag",
        pupils=60,
        professions=["nurse"],
        language="nb",
        windows=[window(timedelta(days=20))],
        team_size=2,
    )
    await publish.event(requested, key=visit)
    await publish.event(
        VisitUnfulfilled(visit_id=visit, reason="x", school_name="Tromsø skole", kommunenummer="5501"), key=visit
    )
    await publish.event(NoTeamAvailable(visit_id=visit, reason="nobody nearby"), key=visit)
    address = f"contact-{visit}@school.example.org"
    await eventually(
        lambda: _has(
            smtp,
            address,
            {
                "We have received your request: career day for Tromsø skole",
                "Unfortunately we found no team for Tromsø skole",
            },
        )
    )
    for organiser in ORGANISERS:
        await eventually(lambda o=organiser: _has(smtp, o, {f"Ingen ledige på laget: besøk {visit}"}))


async def test_member_offer_and_gathering_notices_follow_the_member_language(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    kari, visit, gathering = uid("m"), uid("v"), uid("g")
    await publish.event(member(kari, lang="nn"), key=kari)
    made = offer(kari, visit)
    await publish.event(made, key=visit)
    await publish.event(OfferExpired(offer_id=made.offer_id, visit_id=visit, member_id=kari), key=visit)
    await publish.event(OfferWithdrawn(offer_id=uid("o"), visit_id=visit, member_id=kari, reason="filled"), key=visit)
    starts = datetime.now(UTC) + timedelta(days=40)
    await publish.event(
        InvitationIssued(
            gathering_id=gathering,
            member_id=kari,
            title="Årssamling midt",
            starts_at=starts,
            ends_at=starts + timedelta(days=1),
            venue=Venue(name="Scandic", address="Trondheim", kommunenummer="5001"),
            registration_closes=starts - timedelta(days=10),
        ),
        key=gathering,
    )
    await publish.event(
        InvitationReminder(
            gathering_id=gathering,
            member_id=kari,
            title="Årssamling midt",
            registration_closes=starts - timedelta(days=10),
        ),
        key=gathering,
    )
    await publish.event(PlaceOfferLapsed(gathering_id=gathering, member_id=kari), key=gathering)
    await publish.event(
        GatheringCancelled(gathering_id=gathering, title="Årssamling midt", reason="For få påmelde", member_ids=[kari]),
        key=gathering,
    )
    await eventually(
        lambda: _has(
            smtp,
            f"{kari}@example.org",
            {
                "Vil du vere med på utdanningsmesse hos Bodø videregående skole?",
                "Tilbodet om besøk hos Bodø videregående skole har gått ut",
                "Tilbodet om besøk hos Bodø videregående skole er trekt tilbake",
                "Invitasjon: Årssamling midt",
                "Hugs å svare: Årssamling midt",
                "Fristen for den ledige plassen har gått ut: Årssamling midt",
                "Avlyst: Årssamling midt",
            },
        ),
        timeout=30,
    )
