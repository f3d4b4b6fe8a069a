"""What the product holds about one member in one organization, file by file, for "Download my data"
(services/privacy/member_export.py writes these into the ZIP).

Each function yields plain JSON-ready dicts, read in batches so a member with years of shares and clicks
never sits in memory at once. Every query is bounded by the membership (which belongs to one organization)
and, where a table carries one, the organization too. What is never exported: other people's data (visitors'
hashes or addresses, voters of an idea, other members' names), secrets (tokens, password hash, session
tokens) and employee-NPS answers (anonymous by design: nothing links them to a member).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ...extensions import db
from ...models import (
    AutoShareOptIn,
    BadgeAward,
    Campaign,
    Challenge,
    ChallengeWinner,
    Click,
    Idea,
    IdeaComment,
    IdeaVote,
    Membership,
    Message,
    PointsEntry,
    Poll,
    PollBallot,
    PollChoice,
    PollOption,
    Post,
    Pulse,
    PulseParticipation,
    PulseRound,
    Redemption,
    Respondent,
    Share,
    SocialAccount,
    Survey,
    SurveyResponse,
    Topic,
    TrackedLink,
    UserSession,
)
from ...models.organization import membership_team
from ..nps.respondent_privacy import export_respondent
from ..publishing.tracked_links import short_url

BATCH = 500
_EPOCH = date(1970, 1, 1)


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _rows(stmt: sa.Select) -> Iterator[sa.Row]:
    yield from db.session.execute(stmt.execution_options(yield_per=BATCH))


def profile(m: Membership) -> dict:
    user = m.user
    return {"account": {"email": user.email, "name": user.name, "language": user.locale,
                        "language_chosen_at": iso(user.locale_chosen_at), "timezone": user.timezone,
                        "email_verified_at": iso(user.email_verified_at), "created_at": iso(user.created_at),
                        "has_password": user.password_hash is not None},
            "organization": {"id": m.org_id, "name": m.organization.name}}


def memberships(m: Membership) -> Iterator[dict]:
    teams = list(db.session.scalars(sa.select(membership_team.c.team_id).where(
        membership_team.c.membership_id == m.id)))
    names = [t.name for t in m.organization.teams if t.id in teams]
    opt_ins = [{"campaign": title, "since": iso(at)} for title, at in db.session.execute(
        sa.select(Campaign.title, AutoShareOptIn.created_at).join(Campaign, Campaign.id == AutoShareOptIn.campaign_id)
        .where(AutoShareOptIn.membership_id == m.id, AutoShareOptIn.org_id == m.org_id).order_by(AutoShareOptIn.id))]
    yield {"id": m.id, "organization": m.organization.name, "role": m.role, "kind": m.kind, "status": m.status,
           "teams": names, "joined_through": m.source, "created_at": iso(m.created_at),
           "queue_times": m.queue_times, "digest_frequency": m.digest_frequency,
           "digest_last_sent_at": iso(m.digest_sent_at), "share_nudge_asked_at": iso(m.share_nudge_at),
           "auto_share_opt_ins": opt_ins}


def shares(m: Membership) -> Iterator[dict]:
    stmt = (sa.select(Share, Post.title, TrackedLink.code).join(Post, Post.id == Share.post_id)
            .join(TrackedLink, TrackedLink.id == Share.tracked_link_id)
            .where(Share.membership_id == m.id, Share.org_id == m.org_id).order_by(Share.id))
    for share, title, code in _rows(stmt):
        yield {"id": share.id, "post": title, "network": share.network, "method": share.method,
               "status": share.status, "caption": share.caption, "tracked_link": short_url(code),
               "created_at": iso(share.created_at), "scheduled_at": iso(share.scheduled_at),
               "published_at": iso(share.published_at), "published_url": share.external_url,
               "automatic": share.auto}


def clicks(m: Membership) -> Iterator[dict]:
    """Counted clicks on the member's links per link and UTC day: counts only, nothing about the visitors."""
    stmt = (sa.select(TrackedLink.code, TrackedLink.network, Post.title, Click.day_bucket,
                      sa.func.count(Click.id).label("clicks"))
            .join(TrackedLink, TrackedLink.id == Click.tracked_link_id).join(Post, Post.id == TrackedLink.post_id)
            .where(TrackedLink.membership_id == m.id, Click.org_id == m.org_id)
            .group_by(TrackedLink.code, TrackedLink.network, Post.title, Click.day_bucket)
            .order_by(TrackedLink.code, Click.day_bucket))
    for row in _rows(stmt):
        yield {"tracked_link": short_url(row.code), "post": row.title, "network": row.network,
               "day_utc": iso(_EPOCH + timedelta(days=row.day_bucket)), "clicks": row.clicks}


def points(m: Membership) -> Iterator[dict]:
    stmt = (sa.select(PointsEntry).where(PointsEntry.membership_id == m.id, PointsEntry.org_id == m.org_id)
            .order_by(PointsEntry.id))
    for (entry,) in _rows(stmt):
        yield {"id": entry.id, "points": entry.points, "reason": entry.reason, "note": entry.note,
               "day": iso(entry.day), "created_at": iso(entry.created_at), "share_id": entry.share_id}


def badges(m: Membership) -> Iterator[dict]:
    for award in db.session.scalars(sa.select(BadgeAward).where(
            BadgeAward.membership_id == m.id, BadgeAward.org_id == m.org_id).order_by(BadgeAward.id)):
        yield {"badge": award.badge, "awarded_at": iso(award.awarded_at)}


def redemptions(m: Membership) -> Iterator[dict]:
    for r in db.session.scalars(sa.select(Redemption).where(
            Redemption.membership_id == m.id, Redemption.org_id == m.org_id).order_by(Redemption.id)):
        yield {"id": r.id, "reward": r.reward_title, "points": r.points, "status": r.status,
               "refusal_reason": r.refusal_reason, "created_at": iso(r.created_at), "decided_at": iso(r.decided_at),
               "fulfilled_at": iso(r.fulfilled_at)}


def challenge_wins(m: Membership) -> Iterator[dict]:
    for title, win in db.session.execute(sa.select(Challenge.title, ChallengeWinner).join(
            Challenge, Challenge.id == ChallengeWinner.challenge_id)
            .where(ChallengeWinner.membership_id == m.id, Challenge.org_id == m.org_id).order_by(ChallengeWinner.id)):
        yield {"challenge": title, "rank": win.rank, "score": win.score}


def ideas(m: Membership) -> Iterator[dict]:
    for idea in db.session.scalars(sa.select(Idea).where(Idea.author_id == m.id, Idea.org_id == m.org_id)
                                   .order_by(Idea.id)):
        yield {"id": idea.id, "title": idea.title, "body": idea.body, "status": idea.status,
               "has_image": idea.image_path is not None, "staff_reply": idea.staff_reply,
               "created_at": iso(idea.created_at)}


def idea_comments(m: Membership) -> Iterator[dict]:
    stmt = (sa.select(IdeaComment, Idea.title).join(Idea, Idea.id == IdeaComment.idea_id)
            .where(IdeaComment.author_id == m.id, Idea.org_id == m.org_id).order_by(IdeaComment.id))
    for comment, title in db.session.execute(stmt):
        yield {"id": comment.id, "idea_id": comment.idea_id, "idea": title, "body": comment.body,
               "created_at": iso(comment.created_at)}


def votes(m: Membership) -> Iterator[dict]:
    for vote, title in db.session.execute(sa.select(IdeaVote, Idea.title).join(Idea, Idea.id == IdeaVote.idea_id)
                                          .where(IdeaVote.membership_id == m.id, Idea.org_id == m.org_id)
                                          .order_by(IdeaVote.id)):
        yield {"idea_id": vote.idea_id, "idea": title, "voted_at": iso(vote.created_at)}


def poll_ballots(m: Membership) -> Iterator[dict]:
    stmt = (sa.select(PollBallot, Poll.question).join(Poll, Poll.id == PollBallot.poll_id)
            .where(PollBallot.membership_id == m.id, Poll.org_id == m.org_id).order_by(PollBallot.id))
    for ballot, question in db.session.execute(stmt):
        chosen = list(db.session.scalars(sa.select(PollOption.label).join(
            PollChoice, PollChoice.option_id == PollOption.id).where(PollChoice.ballot_id == ballot.id)
            .order_by(PollOption.position)))
        yield {"poll": question, "choices": chosen, "voted_at": iso(ballot.created_at)}


def discussion_messages(m: Membership) -> Iterator[dict]:
    for message, title in db.session.execute(sa.select(Message, Topic.title).join(Topic, Topic.id == Message.topic_id)
                                             .where(Message.author_id == m.id, Message.org_id == m.org_id)
                                             .order_by(Message.id)):
        yield {"id": message.id, "topic": title, "body": message.body, "created_at": iso(message.created_at),
               "hidden_at": iso(message.hidden_at), "hidden_reason": message.hidden_reason}


def survey_answers(m: Membership) -> Iterator[dict]:
    """Answers given while signed in (linked to the membership), then what the organization's NPS holds
    under the member's address (the respondent export of services/nps/respondent_privacy.py)."""
    for response, title in db.session.execute(sa.select(SurveyResponse, Survey.title)
                                              .join(Survey, Survey.id == SurveyResponse.survey_id)
                                              .where(SurveyResponse.membership_id == m.id,
                                                     SurveyResponse.org_id == m.org_id)
                                              .order_by(SurveyResponse.id)):
        yield {"source": "signed_in", "survey": title, "score": response.score, "group": response.group,
               "comment": response.comment, "language": response.language, "created_at": iso(response.created_at)}
    for respondent in respondents_with(org_id=m.org_id, email=m.user.email):
        yield {"source": "survey_invitations", **export_respondent(respondent=respondent)}


def respondents_with(*, org_id: int, email: str) -> list[Respondent]:
    """The organization's NPS respondents with this address (the member, answering as a customer)."""
    return list(db.session.scalars(sa.select(Respondent).where(
        Respondent.org_id == org_id, sa.func.lower(Respondent.email) == email.lower())
        .order_by(Respondent.id)))


def pulse_participation(m: Membership) -> Iterator[dict]:
    for part, title, opened in db.session.execute(
            sa.select(PulseParticipation, Pulse.title, PulseRound.opened_at)
            .join(PulseRound, PulseRound.id == PulseParticipation.round_id).join(Pulse, Pulse.id == PulseRound.pulse_id)
            .where(PulseParticipation.membership_id == m.id, PulseParticipation.org_id == m.org_id)
            .order_by(PulseParticipation.id)):
        yield {"pulse": title, "round_opened_at": iso(opened), "answered": part.answered,
               "emailed_at": iso(part.emailed_at), "reminded_at": iso(part.reminded_at)}


def social_accounts(m: Membership) -> Iterator[dict]:
    for account in db.session.scalars(sa.select(SocialAccount).where(
            SocialAccount.membership_id == m.id, SocialAccount.org_id == m.org_id).order_by(SocialAccount.id)):
        yield {"network": account.provider, "handle": account.handle, "name": account.display_name,
               "profile_url": account.profile_url, "server": account.service_url, "status": account.status,
               "followers": account.followers_count, "token_expires_at": iso(account.token_expires_at),
               "connected_at": iso(account.created_at)}


def sessions(m: Membership) -> Iterator[dict]:
    for s in db.session.scalars(sa.select(UserSession).where(UserSession.user_id == m.user_id)
                                .order_by(UserSession.created_at)):
        yield {"created_at": iso(s.created_at), "last_seen_at": iso(s.last_seen_at), "expires_at": iso(s.expires_at),
               "revoked_at": iso(s.revoked_at), "browser": s.user_agent, "network": s.address_hint,
               "remember_me": s.remember}
