"""All models, imported so Alembic and the app see one metadata."""
from .accounts import AccountStatus, AppRateLimit, OAuthClient, SocialAccount
from .api_tokens import ApiIdempotentResponse, ApiToken, TokenKind
from .audit import AuditEvent
from .base import utcnow
from .challenges import (
    Announcement,
    Challenge,
    ChallengeGoal,
    ChallengeKind,
    ChallengeMode,
    ChallengePrize,
    ChallengeStatus,
    ChallengeWinner,
)
from .community import (
    Idea,
    IdeaComment,
    IdeaStatus,
    IdeaVote,
    Message,
    MessageReport,
    Poll,
    PollBallot,
    PollChoice,
    PollOption,
    PollResults,
    ReportState,
    Topic,
)
from .content import (
    AUDIENCES,
    CAMPAIGN_STATUSES,
    Audience,
    AutoShareOptIn,
    Campaign,
    CampaignStatus,
    Post,
    PostCaption,
    PostStatus,
    PostTranslation,
)
from .emv import EmvChange, EmvRate, EmvSettings
from .engagement import EngagementSnapshot, ShareEngagement
from .enps import (
    Pulse,
    PulseAnswer,
    PulseAspect,
    PulseAspectAnswer,
    PulseFollowUp,
    PulseFollowUpStatus,
    PulseParticipation,
    PulseRecurrence,
    PulseRound,
    PulseStatus,
)
from .event_hooks import EventHook, EventHookDelivery
from .followups import FOLLOW_UP_STATUSES, FollowUp, FollowUpNote, FollowUpStatus, PassiveMessage
from .notify import DELIVERY_STATUSES, WEBHOOK_KINDS, DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookKind
from .nps import (
    AspectScore,
    Respondent,
    Survey,
    SurveyAspect,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
    nps_group,
)
from .nps_themes import TAG_SOURCES, ResponseTag, TagSource, Theme
from .organization import (
    CONTENT_LANGUAGES,
    KINDS,
    MEMBER_STATUSES,
    ROLE_RANK,
    ROLES,
    DigestFrequency,
    Invitation,
    MemberKind,
    Membership,
    MemberStatus,
    Organization,
    OutboxEmail,
    Role,
    Team,
)
from .points import PointsEntry
from .rewards import BadgeAward, Eligibility, Redemption, RedemptionStatus, Reward
from .rollups import (
    NO_ID,
    NO_NETWORK,
    RollupCell,
    RollupPostDay,
    RollupRebuild,
    RollupStamp,
    RollupTeamDay,
    Standing,
    StandingCount,
    StandingQueued,
    StandingWindow,
)
from .sharing import Click, ClickInbox, Share, ShareMethod, ShareStatus, TrackedLink
from .sso import SsoConfig, SsoIdentity, SsoLogin
from .throttle import ThrottleCounter
from .user import ERASED_EMAIL_DOMAIN, User, UserSession, erased_label

__all__ = [
    "ApiIdempotentResponse", "ApiToken", "AuditEvent", "TokenKind",
    "CONTENT_LANGUAGES",
    "AUDIENCES", "AccountStatus", "Announcement", "Challenge", "ChallengeGoal", "ChallengeKind", "ChallengeMode",
    "ChallengePrize", "ChallengeStatus", "ChallengeWinner", "AppRateLimit", "AspectScore", "Audience",
    "AutoShareOptIn", "BadgeAward",
    "CAMPAIGN_STATUSES", "Campaign", "CampaignStatus", "Click", "ClickInbox", "DELIVERY_STATUSES", "DeliveryStatus",
    "DigestFrequency", "Eligibility", "EmvChange",
    "EmvRate", "EmvSettings", "EngagementSnapshot", "EventHook", "EventHookDelivery",
    "FOLLOW_UP_STATUSES", "FollowUp",
    "FollowUpNote", "FollowUpStatus", "Idea", "IdeaComment", "IdeaStatus", "IdeaVote", "Invitation", "KINDS",
    "MEMBER_STATUSES",
    "NO_ID", "NO_NETWORK", "RollupCell", "RollupPostDay", "RollupRebuild", "RollupTeamDay", "RollupStamp",
    "Standing", "StandingCount", "StandingQueued", "StandingWindow",
    "MemberKind", "MemberStatus", "Membership", "Message", "MessageReport", "OAuthClient",
    "Organization", "OutboxEmail", "PassiveMessage", "PointsEntry", "Poll", "PollBallot", "PollChoice", "PollOption",
    "PollResults", "Post", "PostCaption", "PostStatus", "PostTranslation",
    "Pulse", "PulseAnswer", "PulseAspect", "PulseAspectAnswer", "PulseFollowUp", "PulseFollowUpStatus",
    "PulseParticipation", "PulseRecurrence", "PulseRound",
    "PulseStatus", "ROLES", "ROLE_RANK", "Redemption", "RedemptionStatus",
    "ReportState", "Respondent", "ResponseTag", "Reward", "Role", "Share", "ShareEngagement",
    "ShareMethod", "ShareStatus",
    "SocialAccount", "Survey", "SurveyAspect", "SurveyInvitation", "SurveyResponse", "SurveyStatus", "TAG_SOURCES",
    "SsoConfig", "SsoIdentity", "SsoLogin",
    "TagSource", "Team", "Theme", "ThrottleCounter", "Topic", "TrackedLink", "User", "UserSession", "WEBHOOK_KINDS",
    "WebhookDelivery", "WebhookEndpoint", "WebhookKind", "nps_group",
    "utcnow", "ERASED_EMAIL_DOMAIN", "erased_label",
]
