"""A realistic context for every notice type, as the domain builds them."""

from typing import Any

from notify.domain.notices import NoticeType

_VISIT = {
    "visit_id": "v-1",
    "school_name": "Nordstrand skole",
    "school_address": "Nordstrandveien 10, 1163 Oslo",
    "kind": "school_visit",
    "start": "2025-10-14T09:00:00+02:00",
    "end": "2025-10-14T10:30:00+02:00",
    "team": ["Kari", "Ola"],
}
_GATHERING = {
    "gathering_id": "g-1",
    "title": "Årssamling 2026",
    "starts_at": "2026-03-10T10:00:00+01:00",
    "ends_at": "2026-03-11T15:00:00+01:00",
    "venue": "Scandic Lerkendal, Klæbuveien 127, Trondheim",
    "registration_closes": "2026-02-01T23:59:00+01:00",
}

SAMPLES: dict[NoticeType, dict[str, Any]] = {
    NoticeType.VISIT_OFFERED: _VISIT | {"offer_id": "o-1", "expires_at": "2025-10-01T12:00:00+02:00"},
    NoticeType.OFFER_EXPIRED: _VISIT | {"offer_id": "o-1"},
    NoticeType.OFFER_WITHDRAWN: _VISIT | {"offer_id": "o-1"},
    NoticeType.MEMBER_RELEASED: _VISIT | {"reason": "visit cancelled", "same_day": False, "calendar_withdrawn": True},
    NoticeType.VISIT_CONFIRMED_MEMBER: _VISIT,
    NoticeType.VISIT_REMINDER_MEMBER: _VISIT,
    NoticeType.GATHERING_INVITATION: _GATHERING,
    NoticeType.GATHERING_INVITATION_REMINDER: _GATHERING,
    NoticeType.GATHERING_REGISTRATION_CONFIRMED: _GATHERING,
    NoticeType.GATHERING_WAITLISTED: _GATHERING | {"position": 3},
    NoticeType.GATHERING_PLACE_OFFERED: _GATHERING | {"expires_at": "2026-02-10T12:00:00+01:00"},
    NoticeType.GATHERING_PLACE_OFFER_LAPSED: {"gathering_id": "g-1", "title": None},
    NoticeType.GATHERING_REMINDER: _GATHERING,
    NoticeType.GATHERING_CANCELLED: _GATHERING | {"reason": "For få påmeldte"},
    NoticeType.GATHERING_REGISTRATION_WITHDRAWN: {"gathering_id": "g-1", "title": "Årssamling 2026"},
    NoticeType.VISIT_REQUEST_RECEIVED: _VISIT
    | {
        "pupils": 28,
        "audience": "10. trinn",
        "windows": [{"start": "2025-10-14T09:00:00+02:00", "end": "2025-10-14T10:30:00+02:00"}],
    },
    NoticeType.VISIT_CONFIRMED_SCHOOL: _VISIT,
    NoticeType.VISIT_UNFULFILLED: _VISIT | {"reason": "no eligible members"},
    NoticeType.VISIT_CANCELLED_SCHOOL: _VISIT
    | {"reason": "Sykdom", "cancelled_by": "school", "was_confirmed": True, "same_day": False},
    NoticeType.VISIT_RESCHEDULED_SCHOOL: _VISIT
    | {
        "windows": [{"start": "2025-10-21T09:00:00+02:00", "end": "2025-10-21T14:00:00+02:00"}],
        "calendar_withdrawn": True,
    },
    NoticeType.VISIT_REMINDER_SCHOOL: _VISIT,
    NoticeType.VISIT_THANK_YOU: _VISIT,
    NoticeType.VISIT_FEEDBACK_REQUEST: _VISIT | {"feedback_token": "ZmVlZGJhY2s.c2ln",
                                                 "feedback_until": "2025-11-13T12:00:00+00:00"},
    NoticeType.VISIT_FEEDBACK_REMINDER: _VISIT | {"feedback_token": "ZmVlZGJhY2s.c2ln",
                                                  "feedback_until": "2025-11-13T12:00:00+00:00"},
    NoticeType.ORGANISER_NO_TEAM: _VISIT | {"reason": "no eligible members"},
    NoticeType.ORGANISER_LATE_CANCELLATION: _VISIT
    | {"reason": "Sykdom", "cancelled_by": "school", "was_confirmed": True, "same_day": False},
    NoticeType.ORGANISER_LATE_WITHDRAWAL: _VISIT
    | {"member_id": "5f0c7a52-8a55-4f4b-9d7e-2b7b1c1f0a11", "reason": "Syk barn"},
    NoticeType.ORGANISER_DIGEST: {
        "day": "2025-10-14",
        "dead_letters": [{"topic": "outreach.visits", "consumer": "ambassadors", "reason": "invalid payload"}],
        "failed": [
            {
                "notice_type": "visit_offered",
                "recipient": "member:m-1",
                "channel": "email",
                "attempts": 6,
                "last_error": "550 mailbox unavailable",
            }
        ],
    },
    NoticeType.CALENDAR_FEED_CHANGED: {"revoked": False},
    NoticeType.SIGN_IN_LINK: {"link": "https://portal.example.org/jobbvinner/login/link/" + "A" * 43,
                              "expires_at": "2025-10-01T12:15:00+02:00", "language": "nn"},  # fmt: skip
}
