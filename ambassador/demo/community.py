"""The demo organization's NPS survey, community and rewards, so those areas are not empty.

Called once from `demo.ensure_demo()` while the demo organization is being created. Everything goes
through the real services (answers, follow-ups, theme tags, votes, ballots, redemptions, badges),
so the ledger and the counters stay consistent; only the timestamps are moved into the past
afterwards, to look like a month of activity. A random generator of its own (seeded) keeps the
share history of demo.py unchanged and the result the same on every run.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..infra.tokens import new_token
from ..models import (
    FollowUp,
    IdeaStatus,
    Membership,
    Organization,
    Respondent,
    Role,
    Survey,
    SurveyInvitation,
    SurveyStatus,
)
from ..services.community import badges, discussions, ideas, points, polls, redemptions, rewards
from ..services.nps import followups, surveys, themes
from ..services.nps import text as nps_text

SEED = 20240418
RESPONSES = 40
SEGMENTS = ("Lunch", "Dinner", "Terrace")
STORES = ("Brussels Grand-Place", "Ghent Korenmarkt")
EMPLOYEES = ("Amira", "Jonas", "Claire", "")
# (first name, last name) of the surveyed customers; with example.test addresses.
CUSTOMERS = ("Anna Peeters", "Bram De Smet", "Chloé Leroy", "Daan Jacobs", "Elise Dupont", "Femke Maes",
             "Gilles Simon", "Hanne Claes", "Inès Lambert", "Jens Wouters", "Kato Mertens", "Léa Dubois",
             "Milan Hermans", "Nora Goossens", "Oscar Laurent", "Pauline Michel", "Robbe Vermeulen",
             "Sarah Renard", "Thibault Martin", "Ute Stevens")
LANGUAGE_MIX = ("en", "nl", "nl", "fr", "fr", "en", "nl", "fr")

# Short comments per group and language; most mention the service or the price (the two themes).
COMMENTS = {
    "promoter": {
        "en": ("Lovely staff and great service, we'll be back!", "The asparagus was perfect, friendly service.",
               "Great food, fair price and a warm welcome.", "Best brunch in town, the staff were lovely."),
        "nl": ("Heel vriendelijke bediening en lekker eten.", "Super service, we komen zeker terug!",
               "Goede prijs voor de kwaliteit, top personeel.", "Gezellig terras en vriendelijk personeel."),
        "fr": ("Service impeccable et personnel très accueillant.", "Excellent repas, bon rapport qualité-prix.",
               "Accueil chaleureux, on reviendra !", "Le serveur était adorable, merci !"),
    },
    "passive": {
        "en": ("Good food but the service was a bit slow.", "Nice evening, a little expensive though.",
               "Fine, nothing special."),
        "nl": ("Lekker, maar wel wat duur.", "Prima, maar lang wachten op de bediening.", "Goed, niets bijzonders."),
        "fr": ("Bon repas mais un peu cher.", "Correct, le service était lent.", "Bien, sans plus."),
    },
    "detractor": {
        "en": ("We waited 40 minutes and the staff ignored us.", "Far too expensive for what you get.",
               "Cold food and unfriendly service."),
        "nl": ("Veel te duur voor kleine porties.", "Onvriendelijke bediening, lang wachten.",
               "De prijs van de wijn is belachelijk."),
        "fr": ("Beaucoup trop cher pour la qualité.", "Service désagréable, une heure d'attente.",
               "Personnel débordé, addition salée."),
    },
}
THEMES = {
    "Service": "service, staff, friendly, welcome, waited, slow, bediening, personeel, vriendelijk, wachten, "
               "accueil, serveur, personnel, attente, lent",
    "Price": "price, expensive, value, prijs, duur, goedkoop, prix, cher, addition, rapport qualité-prix",
}

IDEAS = [  # (author, title, body, voters, comments [(author, text)])
    ("ambassador3@demo.test", "A vegetarian tasting menu", "Many of my friends ask for it: five courses, no meat.",
     6, [("ambassador5@demo.test", "Yes please, with the spring asparagus!")]),
    ("fan1@demo.test", "Loyalty card for regulars", "A tenth coffee on the house would make me come even more.",
     4, [("ambassador2@demo.test", "Could be linked to the ambassador points?"),
         ("fan2@demo.test", "I'd love that.")]),
    ("ambassador1@demo.test", "Share the recipe of the month", "A short video of the chef every month to share.",
     3, []),
    ("ambassador6@demo.test", "Dog-friendly terrace", "Water bowls and a few treats on the terrace.", 2,
     [("fan3@demo.test", "My dog agrees.")]),
]
PLANNED_REPLY = ("Great idea, thank you! Amira is working on a vegetarian menu for the summer; "
                 "it will be on the card from June.")
POLL = ("Which event should we organise next?", ["Wine tasting", "Cooking class with Amira", "Jazz brunch"])
TOPIC = ("Welcome to our community! Read this first",
         "Hello everyone! This is the place to meet other ambassadors, share tips and ask us anything. "
         "Be kind, and have fun sharing.")
TOPIC_REPLIES = [("ambassador4@demo.test", "Thanks! Happy to be here."),
                 ("fan2@demo.test", "Hi all, long-time regular of the Grand-Place brasserie 👋"),
                 ("ambassador7@demo.test", "Tip: the terrace posts do really well on Instagram stories.")]
REWARDS = [  # (title, description, cost, stock)
    ("Coffee and cake", "A coffee of your choice with a slice of the cake of the day.", 40, None),
    ("Brasserie tote bag", "Our organic cotton tote bag, designed by a Brussels artist.", 120, None),
    ("Dinner for two", "The five-course menu for two, drinks included.", 600, 3),
]


def create(*, org: Organization, memberships: dict[str, Membership], now: datetime) -> None:
    """Everything of these areas for a demo organization that was just created."""
    rng = random.Random(SEED)
    _create_survey(org=org, memberships=memberships, now=now, rng=rng)
    _create_community(org=org, memberships=memberships, now=now, rng=rng)
    _create_rewards(org=org, memberships=memberships)
    badges.evaluate_all(org_id=org.id)


# --- NPS ---------------------------------------------------------------------------------

def _score(rng: random.Random) -> int:
    """Mostly promoters, some passives, a few detractors: a positive NPS with something to follow up."""
    return rng.choices(range(11), weights=(1, 0, 1, 1, 1, 2, 3, 5, 7, 12, 10))[0]


def _create_survey(*, org: Organization, memberships: dict[str, Membership], now: datetime,
                   rng: random.Random) -> Survey:
    survey = surveys.create_survey(org=org, created_by=None, data=surveys.SurveyData(
        title="How was your visit?", status=SurveyStatus.OPEN,
        aspects=[{"en": "Service", "nl": "Bediening", "fr": "Service"}, {"en": "Price", "nl": "Prijs", "fr": "Prix"}]))
    survey.created_at = now - timedelta(days=32)
    for name, keywords in THEMES.items():
        themes.create_theme(org_id=org.id, name=name, keywords_text=keywords)
    aspects = [aspect.id for aspect in survey.aspects]
    for n in range(RESPONSES):
        language = LANGUAGE_MIX[n % len(LANGUAGE_MIX)]
        name = CUSTOMERS[n % len(CUSTOMERS)] + ("" if n < len(CUSTOMERS) else " Jr")
        respondent = Respondent(org_id=org.id, email=f"customer{n + 1:02d}@example.test", name=name,
                                language=language, created_at=now - timedelta(days=31))
        db.session.add(respondent)
        db.session.flush()
        at = now - timedelta(days=rng.randint(0, 29), hours=rng.randint(1, 10), minutes=rng.randint(0, 59))
        invitation = SurveyInvitation(org_id=org.id, survey_id=survey.id, respondent_id=respondent.id,
                                      token=new_token(), segment=rng.choice(SEGMENTS), store=rng.choice(STORES),
                                      employee=rng.choice(EMPLOYEES), sent_at=at - timedelta(hours=2),
                                      created_at=at - timedelta(hours=2))
        db.session.add(invitation)
        db.session.flush()
        score = _score(rng)
        response = surveys.record_invitation_answer(invitation=invitation, score=score, now=at).response
        comment = rng.choice(COMMENTS[response.group][language]) if rng.random() < 0.85 else ""
        surveys.save_details(response=response, comment=comment, aspect_scores={
            aspects[0]: max(0, min(10, score + rng.randint(-2, 1))),
            aspects[1]: max(0, min(10, score + rng.randint(-3, 1))) if rng.random() < 0.8 else None})
    followups.open_missing(org_id=org.id)
    nps_text.retag_survey(survey)
    # Staff own the survey and its follow-ups from now on (set afterwards: the demo sends no emails).
    manager = memberships["manager@demo.test"]
    survey.created_by_id = manager.user_id
    for follow_up in db.session.scalars(sa.select(FollowUp).where(FollowUp.org_id == org.id)):
        follow_up.assignee_membership_id = manager.id
    db.session.flush()
    return survey


# --- Community ---------------------------------------------------------------------------

def _create_community(*, org: Organization, memberships: dict[str, Membership], now: datetime,
                      rng: random.Random) -> None:
    manager = memberships["manager@demo.test"]
    voters = [m for email, m in memberships.items() if m.role == Role.AMBASSADOR]
    for n, (author, title, body, votes, comments) in enumerate(IDEAS):
        idea = ideas.create_idea(org=org, membership=memberships[author], title=title, body=body)
        idea.created_at = now - timedelta(days=20 - 4 * n, hours=rng.randint(0, 8))
        for voter in rng.sample([v for v in voters if v.id != idea.author_id], votes):
            ideas.toggle_vote(org=org, membership=voter, idea=idea)
        for k, (commenter, text) in enumerate(comments):
            comment = ideas.add_comment(idea=idea, membership=memberships[commenter], body=text)
            comment.created_at = idea.created_at + timedelta(hours=3 + 5 * k)
        if n == 0:
            ideas.set_status(idea=idea, membership=manager, status=IdeaStatus.PLANNED, reply=PLANNED_REPLY)
            idea.replied_at = idea.created_at + timedelta(days=2)
    question, options = POLL
    poll = polls.create_poll(org=org, membership=memberships["curator@demo.test"], now=now,
                             data=polls.PollInput(question=question, options=options,
                                                  ends_at=now + timedelta(days=10)))
    poll.created_at = now - timedelta(days=5)
    for voter in rng.sample(voters, 7):
        option = rng.choices(poll.options, weights=(2, 3, 1))[0]
        polls.cast_ballot(org=org, membership=voter, poll=poll, option_ids=[option.id], now=now)
    title, body = TOPIC
    topic = discussions.create_topic(org=org, membership=manager, title=title, body=body)
    discussions.set_pinned(topic=topic, membership=manager, pinned=True)
    opened = now - timedelta(days=25)
    topic.created_at = topic.messages[0].created_at = opened
    for k, (author, text) in enumerate(TOPIC_REPLIES):
        message = discussions.reply(topic=topic, membership=memberships[author], body=text)
        message.created_at = opened + timedelta(days=2 * k + 1, hours=rng.randint(1, 9))
        topic.last_activity_at = message.created_at
    db.session.flush()


# --- Rewards -----------------------------------------------------------------------------

def _create_rewards(*, org: Organization, memberships: dict[str, Membership]) -> None:
    catalogue = [rewards.save_reward(org=org, data=rewards.RewardInput(
        title=title, description=description, points_cost=cost, stock=stock))[0]
        for title, description, cost, stock in REWARDS]
    # The ambassador with the most points has already had a coffee and cake.
    ambassadors = [m for m in memberships.values() if m.role == Role.AMBASSADOR]
    best = max(ambassadors, key=lambda m: (points.balance(m.id), -m.id))
    if points.balance(best.id) >= catalogue[0].points_cost:
        redemption = redemptions.redeem(membership=best, reward=catalogue[0])
        redemptions.fulfil(redemption=redemption, actor=memberships["manager@demo.test"])
