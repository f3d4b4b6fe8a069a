"""All models, imported so Alembic and the app see one metadata."""
from .accounts import ACCOUNT_STATUSES, AccountStatus, AppRateLimit, OAuthClient, SocialAccount
from .base import utcnow
from .community import (Idea, IdeaComment, IdeaStatus, IdeaVote, Message, MessageReport, Poll,  # noqa: F401
                        PollBallot, PollChoice, PollOption, PollResults, ReportState, Topic)
from .content import (AUDIENCES, CAMPAIGN_STATUSES, POST_STATUSES, Audience, AutoShareOptIn, Campaign, CampaignStatus,
                      Post, PostCaption, PostStatus)
from .organization import (
    KINDS,
    MEMBER_STATUSES,
    ROLE_RANK,
    ROLES,
    Invitation,
    MemberKind,
    MemberStatus,
    Membership,
    Organization,
    OutboxEmail,
    Role,
    Team,
)
from .nps import (AspectScore, Respondent, Survey, SurveyAspect, SurveyInvitation, SurveyResponse, SurveyStatus,
                  nps_group)
from .followups import FOLLOW_UP_STATUSES, FollowUp, FollowUpNote, FollowUpStatus, PassiveMessage
from .nps_themes import TAG_SOURCES, ResponseTag, TagSource, Theme
from .points import PointsEntry
from .rewards import BadgeAward, Eligibility, Redemption, RedemptionStatus, Reward  # noqa: F401
from .sharing import SHARE_METHODS, SHARE_STATUSES, Click, Share, ShareMethod, ShareStatus, TrackedLink
from .throttle import ThrottleCounter
from .user import User, UserSession

__all__ = [
    "AccountStatus", "Audience", "CampaignStatus", "FollowUpStatus", "IdeaStatus", "MemberKind", "MemberStatus",
    "PostStatus", "RedemptionStatus", "Role", "ShareMethod", "ShareStatus", "SurveyStatus", "Eligibility",
    "PollResults", "ReportState", "TagSource",
    "AspectScore", "Respondent", "Survey", "SurveyAspect", "SurveyInvitation", "SurveyResponse", "nps_group",
    "TAG_SOURCES", "ResponseTag", "Theme",
    "ACCOUNT_STATUSES", "AppRateLimit", "AutoShareOptIn", "OAuthClient", "SocialAccount",
    "AUDIENCES", "CAMPAIGN_STATUSES", "KINDS", "MEMBER_STATUSES", "POST_STATUSES", "ROLES", "ROLE_RANK",
    "SHARE_METHODS", "SHARE_STATUSES", "Campaign", "Click", "Invitation", "Membership",
    "Organization", "OutboxEmail", "PointsEntry", "Post", "PostCaption", "Share", "Team", "ThrottleCounter",
    "TrackedLink", "User", "UserSession", "utcnow",
]
