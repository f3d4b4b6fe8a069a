"""One member with something in every table that holds a member's data, for the export and erasure tests.

Every text is distinctive ("<tag> caption", "<tag> idea"…) so a test can tell whose data a file or a row holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ambassador.infra.tokens import new_token
from ambassador.models import (
    Announcement,
    BadgeAward,
    Challenge,
    ChallengeWinner,
    Idea,
    IdeaComment,
    IdeaVote,
    Invitation,
    Membership,
    Message,
    OutboxEmail,
    Poll,
    PollBallot,
    PollChoice,
    PollOption,
    Pulse,
    PulseParticipation,
    PulseRound,
    Redemption,
    Respondent,
    Reward,
    SocialAccount,
    Survey,
    SurveyResponse,
    Topic,
    UserSession,
)
from ambassador.services.audit import actions
from ambassador.services.audit.log import Origin, record

AT = datetime(2026, 11, 20, 10, 0)


@dataclass
class Person:
    member: Membership
    tag: str
    email: str
    name: str
    visitor: str


def rich_member(act, org, *, tag: str, post, user=None, role: str = "ambassador") -> Person:
    """A member of `org` called "<tag> Quokkafeather" (<tag>@example.test) with data everywhere."""
    email, name = f"{tag.lower()}@example.test", f"{tag} Quokkafeather"
    member = act.member(org, role=role, user=user, **({} if user else {"email": email, "name": name}))
    if user is not None:
        email, name = user.email, user.name
    add = act._add
    share = act.share(member, post, AT)
    share.caption = f"{tag} caption"
    share.external_url = f"https://social.example/@{tag}/1"
    visitor = f"{tag}-visitor-hash"
    click = act.click(member, post, AT)
    click.visitor_hash = visitor
    act.click(member, post, AT + timedelta(hours=2))
    act.points(member, 7, AT, reason="share")
    act.points(member, 1, AT, reason="adjustment").note = f"Welcome bonus for {name}"
    add(BadgeAward(org_id=org.id, membership_id=member.id, badge="first_share"))
    reward = add(Reward(org_id=org.id, title=f"{tag} mug", points_cost=3))
    add(Redemption(org_id=org.id, reward_id=reward.id, membership_id=member.id, points=3, reward_title=f"{tag} mug"))
    idea = add(Idea(org_id=org.id, author_id=member.id, title=f"{tag} idea", body=f"{tag} idea body"))
    add(IdeaComment(idea_id=idea.id, author_id=member.id, body=f"{tag} comment"))
    add(IdeaVote(idea_id=idea.id, membership_id=member.id))
    poll = add(Poll(org_id=org.id, question=f"{tag} poll?"))
    option = add(PollOption(poll_id=poll.id, label=f"{tag} option"))
    ballot = add(PollBallot(poll_id=poll.id, membership_id=member.id))
    add(PollChoice(ballot_id=ballot.id, option_id=option.id))
    topic = add(Topic(org_id=org.id, author_id=member.id, title=f"{tag} topic"))
    add(Message(org_id=org.id, topic_id=topic.id, author_id=member.id, body=f"{tag} message"))
    survey = add(Survey(org_id=org.id, title=f"{tag} survey", public_token=new_token()))
    add(SurveyResponse(org_id=org.id, survey_id=survey.id, membership_id=member.id, score=9, group="promoter",
                       comment=f"{tag} signed-in comment"))
    respondent = add(Respondent(org_id=org.id, email=email, name=name))
    add(SurveyResponse(org_id=org.id, survey_id=survey.id, respondent_id=respondent.id, score=3, group="detractor",
                       comment=f"{tag} respondent comment"))
    pulse = add(Pulse(org_id=org.id, title=f"{tag} pulse"))
    round_ = add(PulseRound(org_id=org.id, pulse_id=pulse.id, number=1, closes_on=date(2026, 12, 1)))
    add(PulseParticipation(org_id=org.id, round_id=round_.id, membership_id=member.id, token=new_token(),
                           answered=True))
    add(SocialAccount(org_id=org.id, membership_id=member.id, provider="mastodon", external_id=f"{tag}-ext",
                      handle=f"@{tag}handle", display_name=name, access_token_enc=f"{tag}-secret-token"))
    add(UserSession(id=new_token(), user_id=member.user_id, expires_at=AT + timedelta(days=30),
                    user_agent=f"{tag} browser", address_hint="192.0.2.0/24"))
    add(Invitation(org_id=org.id, email=email, name=name, token_hash=new_token(), expires_at=AT + timedelta(days=9)))
    add(OutboxEmail(org_id=org.id, to=email, subject="Welcome", body_text=f"Hello {name}"))
    add(OutboxEmail(org_id=None, to=email, subject="Reset your password", body_text=f"Hello {name}, reset…"))
    challenge = add(Challenge(org_id=org.id, title=f"{tag} challenge", goal="points", first_day=date(2026, 11, 1),
                              last_day=date(2026, 11, 10)))
    add(ChallengeWinner(challenge_id=challenge.id, membership_id=member.id, name=name, rank=1, score=7))
    add(Announcement(org_id=org.id, topic="challenge_ended", ref=f"challenge:{challenge.id}",
                     title=f"{tag} challenge ended", text=f"Congratulations {name}!", url="https://example.test/c"))
    record(actions.MEMBER_ROLE_CHANGED, org_id=org.id, actor=member.user, origin=Origin(ip="198.51.100.20"),
           target_type="member", target_id=member.id, target_label=email, details={"by": name, "new": "curator"})
    act.db.session.flush()
    return Person(member=member, tag=tag, email=email, name=name, visitor=visitor)
