"""All models, imported so Alembic and the app see one metadata."""
from .accounts import ACCOUNT_STATUSES, AppRateLimit, OAuthClient, SocialAccount
from .base import utcnow
from .community import (Idea, IdeaComment, IdeaVote, Message, MessageReport, Poll, PollBallot,  # noqa: F401
                        PollChoice, PollOption, Topic)
from .content import AUDIENCES, CAMPAIGN_STATUSES, POST_STATUSES, AutoShareOptIn, Campaign, Post, PostCaption
from .organization import (
    KINDS,
    MEMBER_STATUSES,
    ROLE_RANK,
    ROLES,
    Invitation,
    Membership,
    Organization,
    OutboxEmail,
    Team,
)
from .nps import AspectScore, Respondent, Survey, SurveyAspect, SurveyInvitation, SurveyResponse, nps_group
from .followups import FOLLOW_UP_STATUSES, FollowUp, FollowUpNote, PassiveMessage
from .nps_themes import TAG_SOURCES, ResponseTag, Theme
from .points import PointsEntry
from .rewards import BadgeAward, Redemption, Reward  # noqa: F401
from .sharing import SHARE_METHODS, SHARE_STATUSES, Click, Share, TrackedLink
from .throttle import ThrottleCounter
from .user import User, UserSession

__all__ = [
    "AspectScore", "Respondent", "Survey", "SurveyAspect", "SurveyInvitation", "SurveyResponse", "nps_group",
    "TAG_SOURCES", "ResponseTag", "Theme",
    "ACCOUNT_STATUSES", "AppRateLimit", "AutoShareOptIn", "OAuthClient", "SocialAccount",
    "AUDIENCES", "CAMPAIGN_STATUSES", "KINDS", "MEMBER_STATUSES", "POST_STATUSES", "ROLES", "ROLE_RANK",
    "SHARE_METHODS", "SHARE_STATUSES", "Campaign", "Click", "Invitation", "Membership",
    "Organization", "OutboxEmail", "PointsEntry", "Post", "PostCaption", "Share", "Team", "ThrottleCounter",
    "TrackedLink", "User", "UserSession", "utcnow",
]
