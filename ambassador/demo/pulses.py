"""Demo employee NPS: a quarterly pulse with last quarter's round (closed) and this quarter's (open).

The demo organization is small, so it uses the lowest threshold allowed (3). Last quarter everyone
answered: Sales and Marketing are shown, the Brussels store (2 answers) and the admin (no team) are
pooled as "other teams". This quarter the Brussels store has 1 answer, so the smallest shown team
(Sales, 3) joins the pool too — the page shows Marketing and "other teams" only. Three members have
not answered yet (the manager among them, to try the answer page). Last quarter two of Sales' detractors
wrote about the workload: the closed round holds a team follow-up for Sales' manager (theme and count only).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Membership, Organization, PulseParticipation, PulseRecurrence, Team
from ..services.nps import pulse_compare, pulse_followups, pulses
from ..services.org.settings import ENPS_MIN_GROUP_FLOOR

ASPECTS = ({"en": "Workload", "nl": "Werkdruk", "fr": "Charge de travail"},
           {"en": "Growth", "nl": "Groei", "fr": "Évolution"},
           {"en": "Our products", "nl": "Onze producten", "fr": "Nos produits"})
OPEN_QUESTION = {"en": "What would make working here better?", "nl": "Wat zou werken hier beter maken?",
                 "fr": "Qu'est-ce qui rendrait le travail ici meilleur ?"}
# Teams paired with the customer survey's stores (eNPS beside customer NPS per team). The Brussels store's
# staff is too small a group to show; Marketing runs the Ghent shop's events and is shown beside its customers.
CUSTOMER_PLACES = {"Brussels store": "Brussels Grand-Place", "Marketing": "Ghent Korenmarkt"}
# (email, score, aspect scores, comment, language) per round; members missing from a round did not answer.
LAST_QUARTER = [
    ("manager@demo.test", 8, (6, 7, 9), "Good team, but the workload before summer is heavy.", "en"),
    ("ambassador1@demo.test", 6, (3, 7, 9), "Nice colleagues, but the workload is too heavy in summer.", "en"),
    ("ambassador2@demo.test", 10, (8, 9, 10), "Great colleagues, proud of our products.", "en"),
    ("ambassador7@demo.test", 6, (3, 5, 8), "Workload too heavy, not enough staff on weekends.", "en"),
    ("curator@demo.test", 9, (7, 8, 9), "Love the products and the freedom in marketing.", "en"),
    ("ambassador3@demo.test", 7, (5, 6, 8), "Goede sfeer, maar weinig groeikansen.", "nl"),
    ("ambassador4@demo.test", 5, (4, 3, 7), "Few growth opportunities, salary could be better.", "en"),
    ("ambassador8@demo.test", 10, (8, 9, 10), "Best team I've worked with.", "en"),
    ("ambassador5@demo.test", 4, (2, 4, 8), "Charge de travail trop lourde le week-end.", "fr"),
    ("ambassador6@demo.test", 8, (6, 6, 9), "", "fr"),
    ("admin@demo.test", 9, (7, 8, 9), "", "en"),
]
THIS_QUARTER = [
    ("ambassador1@demo.test", 10, (8, 8, 10), "Great colleagues and new training on offer.", "en"),
    ("ambassador2@demo.test", 9, (7, 8, 9), "", "en"),
    ("ambassador7@demo.test", 7, (5, 6, 8), "Workload better since the new planning.", "en"),
    ("curator@demo.test", 10, (8, 9, 10), "Proud of our products.", "en"),
    ("ambassador3@demo.test", 8, (6, 7, 9), "Meer groeikansen dan vorig kwartaal.", "nl"),
    ("ambassador4@demo.test", 6, (5, 4, 7), "Salary still below the market.", "en"),
    ("ambassador8@demo.test", 9, (7, 8, 9), "", "en"),
    ("ambassador5@demo.test", 6, (3, 5, 8), "Trop de travail le samedi.", "fr"),
]


def create(*, org: Organization, memberships: dict[str, Membership], now: datetime) -> None:
    org.enps_min_group = ENPS_MIN_GROUP_FLOOR
    teams = {t.name: t.id for t in db.session.scalars(sa.select(Team).where(Team.org_id == org.id))}
    pulse_compare.pair_teams(org=org, places={teams[name]: place for name, place in CUSTOMER_PLACES.items()})
    pulse = pulses.create_pulse(org=org, data=pulses.PulseData(
        title="Quarterly team pulse", recurrence=PulseRecurrence.QUARTERLY,
        open_question=OPEN_QUESTION,
        aspects=list(ASPECTS)), created_by_id=memberships["manager@demo.test"].user_id)
    # No teams chosen: every internal member is asked (the admin, who has no team, too).
    for answers, opened in ((LAST_QUARTER, now - timedelta(days=91)), (THIS_QUARTER, now - timedelta(days=5))):
        rnd = pulses.open_round(pulse=pulse, org=org, now=opened)
        for email, score, aspect_scores, comment, lang in answers:
            membership = memberships[email]
            participation = db.session.scalars(sa.select(PulseParticipation).where(
                PulseParticipation.round_id == rnd.id, PulseParticipation.membership_id == membership.id)).one()
            participation.emailed_at = opened
            pulses.answer(participation=participation, membership=membership, score=score, comment=comment,
                          aspect_scores={a.id: s for a, s in zip(pulse.aspects, aspect_scores, strict=True)},
                          language=lang, now=opened + timedelta(days=1))
        # Last quarter's round is over: its teams' shared detractor themes become follow-ups for their managers.
        pulse_followups.open_for_round(rnd=rnd, org=org, now=now)
    db.session.flush()

