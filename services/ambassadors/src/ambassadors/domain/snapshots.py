"""What other services see of a member."""

from ambassadors.domain.members import Member
from outreach_shared.contracts.ambassadors import MemberSnapshot
from outreach_shared.municipalities import load_register


def snapshot(member: Member) -> MemberSnapshot:
    """The roster event's view of a member: contact details, language, profession and municipality."""
    f = member.fields
    return MemberSnapshot(
        member_id=member.id,
        name=f.name,
        first_name=member.first_name,
        profession=f.profession,
        kommunenummer=f.kommunenummer,
        fylke=load_register().get(f.kommunenummer).county_number,
        email=f.email,
        phone=f.phone,
        languages=list(f.languages),
        preferred_language=member.preferred_language,
        active=member.active,
        trained_year=member.trained_year,
    )
