"""The demo organization: people, teams, campaigns, posts, a month of shares and clicks, and (demo_community.py)
an NPS survey, the community and rewards.

`ensure_demo()` is idempotent: when the organization `demo` exists it changes nothing and
only reports the logins. A fixed random seed makes the history the same on every machine
(relative to the day it is created). Points go through the real ledger services, so daily
caps apply exactly as they would for real shares and clicks.
"""
from __future__ import annotations

import hashlib
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import generate_password_hash

from .. import networks
from ..extensions import db
from ..infra.tokens import new_token
from ..models import (
    Audience,
    Campaign,
    CampaignStatus,
    Click,
    MemberKind,
    Membership,
    MemberStatus,
    Organization,
    Post,
    PostCaption,
    PostStatus,
    Share,
    ShareMethod,
    ShareStatus,
    Team,
    User,
    utcnow,
)
from ..services.community import points
from ..services.org import accounts, branding
from ..services.org.organizations import create_organization
from ..services.publishing import sharing, tracked_links
from . import challenges, community, engagement
from . import languages as demo_languages
from . import notify as demo_notify
from . import pulses as demo_pulses
from .images import banner_png

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Brasserie & Co"
DEMO_BRAND_COLOR = "#a4441f"
DEFAULT_PASSWORD = "ambassador-demo"
SEED = 20240417
HISTORY_DAYS = 30

# (email, name, role, kind, teams)
PEOPLE = [
    ("admin@demo.test", "Sofie Peeters", "admin", "internal", ()),
    ("manager@demo.test", "Marc Janssens", "manager", "internal", ("Sales",)),
    ("curator@demo.test", "Lotte Maes", "curator", "internal", ("Marketing",)),
    ("ambassador1@demo.test", "Emma Claes", "ambassador", "internal", ("Sales",)),
    ("ambassador2@demo.test", "Noah Jacobs", "ambassador", "internal", ("Sales",)),
    ("ambassador3@demo.test", "Louise Mertens", "ambassador", "internal", ("Marketing",)),
    ("ambassador4@demo.test", "Lucas Willems", "ambassador", "internal", ("Marketing",)),
    ("ambassador5@demo.test", "Olivia Dubois", "ambassador", "internal", ("Brussels store",)),
    ("ambassador6@demo.test", "Arthur Lambert", "ambassador", "internal", ("Brussels store",)),
    ("ambassador7@demo.test", "Mila Goossens", "ambassador", "internal", ("Brussels store", "Sales")),
    ("ambassador8@demo.test", "Jules Wouters", "ambassador", "internal", ("Marketing",)),
    ("fan1@demo.test", "Nina Fontaine", "ambassador", "external", ("Loyal customers",)),
    ("fan2@demo.test", "Tom Hermans", "ambassador", "external", ("Loyal customers",)),
    ("fan3@demo.test", "Sara Vermeulen", "ambassador", "external", ("Loyal customers",)),
]
TEAMS = ("Sales", "Marketing", "Brussels store", "Loyal customers")

# Campaigns and their posts: (title, path, days since publication, audience, status, captions).
CAMPAIGNS = [
    {
        "title": "Spring menu", "slug": "spring-menu",
        "description": "Our new seasonal menu: local asparagus, North Sea shrimp and Brussels beers.",
        "posts": [
            ("Asparagus season is here", "/menu/spring/asparagus", 27, "everyone", "approved", {
                "linkedin": "White asparagus from Mechelen, Flemish style, on our spring menu from today. "
                            "Proud of our kitchen team!",
                "x": "White asparagus, Flemish style: our spring menu starts today 🌱",
                "mastodon": "White asparagus from Mechelen, Flemish style: our spring menu starts today.",
                "bluesky": "Asparagus season! Flemish style, on the menu from today 🌱",
                "whatsapp": "Our spring menu is out — the asparagus is amazing, come and taste it!",
            }),
            ("Meet our new chef, Amira", "/blog/meet-chef-amira", 19, "everyone", "approved", {
                "linkedin": "Meet Amira, our new head chef: fifteen years in Brussels kitchens and a passion "
                            "for North Sea fish.",
                "x": "Say hello to Amira, our new head chef 👩‍🍳",
                "mastodon": "Say hello to Amira, our new head chef, and her North Sea fish.",
                "bluesky": "Say hello to Amira, our new head chef 👩‍🍳",
                "whatsapp": "Have you met our new chef Amira yet? Read her story:",
            }),
            ("Terrace reopens on Saturday", "/news/terrace-reopens", 9, "everyone", "approved", {
                "linkedin": "The sun is back and so is our terrace: open from Saturday, every day from noon.",
                "x": "Terrace season ☀️ Open from Saturday, every day from noon.",
                "mastodon": "Terrace season: open from Saturday, every day from noon.",
                "bluesky": "Terrace season ☀️ open from Saturday!",
                "whatsapp": "Our terrace opens on Saturday — see you there?",
            }),
            ("Brussels beer pairing evening", "/events/beer-pairing", 3, "everyone", "approved", {
                "linkedin": "Five courses, five Brussels beers: join our pairing evening with Brasserie de la Senne.",
                "x": "Five courses, five Brussels beers 🍺 Book your seat for our pairing evening.",
                "mastodon": "Five courses, five Brussels beers: book your seat for our pairing evening.",
                "bluesky": "Five courses, five Brussels beers 🍺 pairing evening, seats are limited.",
                "whatsapp": "Fancy a beer pairing dinner? Five courses, five Brussels beers:",
            }),
            ("Mother's Day brunch", "/events/mothers-day-brunch", 0, "everyone", "pending_approval", {
                "linkedin": "Spoil her with our Mother's Day brunch: bookings are open.",
                "x": "Mother's Day brunch 💐 bookings are open.",
            }),
        ],
    },
    {
        "title": "We're hiring", "slug": "hiring",
        "description": "Help us find colleagues for the kitchen and the floor.",
        "posts": [
            ("Join our kitchen team", "/careers/kitchen", 24, "internal", "approved", {
                "linkedin": "We're looking for a chef de partie to join our kitchen in Brussels. "
                            "Great team, fresh produce, no split shifts.",
                "x": "We're hiring a chef de partie in Brussels 👩‍🍳 no split shifts.",
                "mastodon": "We're hiring a chef de partie in Brussels. No split shifts, great team.",
                "bluesky": "We're hiring a chef de partie in Brussels 👩‍🍳",
                "whatsapp": "My brasserie is hiring in the kitchen — know anyone?",
            }),
            ("Floor staff for the summer", "/careers/summer-floor-staff", 14, "internal", "approved", {
                "linkedin": "Students and hospitality lovers: we're hiring floor staff for the summer season.",
                "x": "Summer job in Brussels? We're hiring floor staff ☀️",
                "mastodon": "Summer job in Brussels? We're hiring floor staff for the terrace season.",
                "bluesky": "Summer job in Brussels? We're hiring floor staff ☀️",
                "whatsapp": "Looking for a summer job? We're hiring floor staff:",
            }),
            ("Why I love working here", "/blog/why-i-love-working-here", 6, "internal", "approved", {
                "linkedin": "Three colleagues tell why they love working at our brasserie. Want to join them?",
                "x": "Three colleagues on why they love working here ❤️",
                "mastodon": "Three colleagues on why they love working here.",
                "bluesky": "Three colleagues on why they love working here ❤️",
                "whatsapp": "Nice read about my workplace:",
            }),
        ],
    },
]

# What the link previews say (as if read from each page's Open Graph tags).
PREVIEWS = {
    "/menu/spring/asparagus": ("White asparagus from Mechelen with egg, butter and parsley: "
                               "the Flemish classic is back."),
    "/blog/meet-chef-amira": ("Fifteen years in Brussels kitchens, a soft spot for North "
                              "Sea fish: meet our new head chef."),
    "/news/terrace-reopens": "Sixty seats in the sun, open every day from noon. No booking needed for drinks.",
    "/events/beer-pairing": "Five courses, five Brussels beers, one evening with the brewers. Limited seats.",
    "/events/mothers-day-brunch": "A long brunch with bubbles and pastries, with a bouquet for every mother.",
    "/careers/kitchen": "Chef de partie, full time, no split shifts. Join a team that cooks with what's in season.",
    "/careers/summer-floor-staff": ("Students and hospitality lovers: weekend and full-time "
                                    "contracts from June to September."),
    "/blog/why-i-love-working-here": ("A dishwasher who became sous-chef, a waiter who runs the "
                                      "terrace and a sommelier."),
}

# Networks the history shares to, weighted (Facebook earns no points, as its rules demand).
SHARE_NETWORKS = ("linkedin", "linkedin", "linkedin", "x", "x", "mastodon", "bluesky", "whatsapp", "facebook")
REFERRERS = {"linkedin": "www.linkedin.com", "x": "t.co", "mastodon": "mastodon.social", "bluesky": "bsky.app",
             "whatsapp": "", "facebook": "l.facebook.com"}


@dataclass
class DemoResult:
    org: Organization
    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (email, role, kind)


def find_demo_org() -> Organization | None:
    return db.session.scalar(sa.select(Organization).where(Organization.slug == DEMO_SLUG))


def ensure_demo(*, password: str = DEFAULT_PASSWORD, now: datetime | None = None) -> DemoResult:
    """Create the demo organization unless it exists; return it with its logins."""
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password needs at least {accounts.MIN_PASSWORD_LENGTH} characters.")
    org = find_demo_org()
    if org is not None:
        return DemoResult(org=org, created=False, logins=demo_logins(org=org))
    now = now or utcnow()
    rng = random.Random(SEED)
    members = _create_people(password=password)
    org = create_organization(name=DEMO_NAME, owner=members["admin@demo.test"], slug=DEMO_SLUG,
                              default_locale="en", disclosure="#employee")
    org.timezone = "Europe/Brussels"
    org.content_languages = demo_languages.CONTENT_LANGUAGES
    org.posts_require_approval = True
    branding.set_brand_color(org=org, value=DEMO_BRAND_COLOR)  # the brasserie's terracotta themes its pages
    memberships = _create_memberships(org=org, users=members)
    posts = _create_content(org=org, memberships=memberships, now=now)
    _create_history(org=org, memberships=memberships, posts=posts, now=now, rng=rng)
    engagement.create(org=org, memberships=memberships, posts=posts, now=now)  # linked accounts, reach, figures
    community.create(org=org, memberships=memberships, now=now)  # NPS, community, rewards, badges
    challenges.create(org=org, memberships=memberships, now=now)  # running, ended and upcoming challenges
    demo_pulses.create(org=org, memberships=memberships, now=now)  # a quarterly employee NPS pulse, two rounds
    demo_notify.create(org=org, memberships=memberships, now=now)  # a daily digest in the outbox
    return DemoResult(org=org, created=True, logins=demo_logins(org=org))


def demo_logins(*, org: Organization) -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        sa.select(User.email, Membership.role, Membership.kind).join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org.id).order_by(Membership.id))
    return [tuple(row) for row in rows]


def _create_people(*, password: str) -> dict[str, User]:
    """Demo users (an existing account with a demo address is reused, its password untouched)."""
    password_hash = generate_password_hash(password)  # one KDF run for all demo users
    users = {}
    for email, name, *_ in PEOPLE:
        user = accounts.find_user(email)
        if user is None:
            locale = demo_languages.LOCALES.get(email, "en")
            user = accounts.create_user(email=email, password=None, name=name, locale=locale, verified=True)
            user.password_hash = password_hash
        users[email] = user
    db.session.flush()
    return users


def _create_memberships(*, org: Organization, users: dict[str, User]) -> dict[str, Membership]:
    teams = {}
    for name in TEAMS:
        teams[name] = Team(org_id=org.id, name=name, join_token=new_token())
        db.session.add(teams[name])
    db.session.flush()
    existing = {m.user_id: m for m in db.session.scalars(sa.select(Membership).where(Membership.org_id == org.id))}
    memberships = {}
    for email, _name, role, kind, team_names in PEOPLE:
        user = users[email]
        membership = existing.get(user.id) or Membership(org_id=org.id, user_id=user.id)
        membership.role, membership.kind, membership.status, membership.source = role, kind, MemberStatus.ACTIVE, "demo"
        membership.teams = [teams[t] for t in team_names]
        db.session.add(membership)
        memberships[email] = membership
    db.session.flush()
    return memberships


def _local(org: Organization, now: datetime, *, days_ago: int, hour: int, minute: int = 0) -> datetime:
    """Naive UTC for a wall-clock time `days_ago` days before today, in the organization's zone."""
    zone = ZoneInfo(org.timezone)
    today = now.replace(tzinfo=UTC).astimezone(zone).date()
    local = datetime.combine(today - timedelta(days=days_ago), time(hour, minute), tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def _create_content(*, org: Organization, memberships: dict[str, Membership], now: datetime) -> list[Post]:
    curator = memberships["curator@demo.test"].user_id
    manager = memberships["manager@demo.test"].user_id
    posts = []
    for spec in CAMPAIGNS:
        campaign = Campaign(org_id=org.id, title=spec["title"], slug=spec["slug"], description=spec["description"],
                            status=CampaignStatus.ACTIVE, starts_at=_local(org, now, days_ago=HISTORY_DAYS, hour=0),
                            ends_at=_local(org, now, days_ago=-45, hour=0), created_by_id=curator,
                            created_at=_local(org, now, days_ago=HISTORY_DAYS + 2, hour=15))
        db.session.add(campaign)
        db.session.flush()
        for title, path, age, audience, status, captions in spec["posts"]:
            published = _local(org, now, days_ago=age, hour=9, minute=30) if status == PostStatus.APPROVED else None
            post = Post(
                org_id=org.id, campaign_id=campaign.id, title=title, link_url=f"https://example.com{path}",
                preview_title=title, preview_description=PREVIEWS[path], hashtags="#brussels #brasserie",
                audience=audience, status=status, created_by_id=curator,
                reviewed_by_id=manager if status == PostStatus.APPROVED else None, published_at=published,
                created_at=(published or now) - timedelta(hours=20),
            )
            post.captions = [PostCaption(network=net, lang=org.default_locale, text=text)
                             for net, text in captions.items()]
            demo_languages.add_words(org=org, post=post)
            post.image_path = _store_banner(len(posts))
            db.session.add(post)
            posts.append(post)
    db.session.flush()
    return posts


def _store_banner(seed: int) -> str:
    """A generated banner in the upload folder, as if a curator had uploaded it."""
    relative = os.path.join("demo", f"banner-{seed}.png")
    target = os.path.join(current_app.config["UPLOAD_FOLDER"], relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if not os.path.exists(target):
        with open(target, "wb") as handle:
            handle.write(banner_png(seed))
    return relative


def _create_history(*, org: Organization, memberships: dict[str, Membership], posts: list[Post],
                    now: datetime, rng: random.Random) -> None:
    """About a month of intent shares and the clicks they brought, with points through the ledger."""
    published = [p for p in posts if p.status == PostStatus.APPROVED]
    visitors = 0
    for membership in memberships.values():
        # Some people share a lot, some rarely: the leaderboard has a spread.
        eagerness = rng.choice((0.08, 0.15, 0.25, 0.35, 0.5))
        for days_ago in range(HISTORY_DAYS - 1, -1, -1):  # up to today, so "today" is not empty
            if rng.random() >= eagerness:
                continue
            at = _local(org, now, days_ago=days_ago, hour=rng.randint(7, 21), minute=rng.randint(0, 59))
            if at >= now:
                continue
            candidates = [p for p in published if p.published_at <= at
                          and (p.audience == Audience.EVERYONE or membership.kind == MemberKind.INTERNAL)]
            if not candidates:
                continue
            # Fresh posts are shared most.
            post = rng.choices(candidates, weights=[1 / (1 + (at - p.published_at).days) for p in candidates])[0]
            share = _share(org=org, membership=membership, post=post, network=rng.choice(SHARE_NETWORKS), at=at)
            visitors = _clicks(org=org, share=share, now=now, rng=rng, visitors=visitors)


def _share(*, org: Organization, membership: Membership, post: Post, network: str, at: datetime) -> Share:
    link = tracked_links.link_for(membership=membership, post=post, network=network)
    db.session.flush()
    url = tracked_links.short_url(link.code)
    caption = sharing.suggested_caption(post, network, membership) if networks.get(network).prefill_text else ""
    text = sharing.compose_share(membership=membership, post=post, network=network, caption=caption, url=url).text
    share = Share(org_id=org.id, post_id=post.id, membership_id=membership.id, tracked_link_id=link.id,
                  network=network, method=ShareMethod.INTENT, status=ShareStatus.SHARED,
                  caption=text if caption else "", created_at=at)
    db.session.add(share)
    db.session.flush()
    points.award_share(share=share)
    return share


def _clicks(*, org: Organization, share: Share, now: datetime, rng: random.Random, visitors: int) -> int:
    """Clicks in the three days after a share, each from a different visitor; returns the visitor count."""
    for _ in range(rng.choice((0, 1, 2, 3, 4, 6, 9, 14))):
        at = share.created_at + timedelta(minutes=rng.randint(3, 72 * 60))
        if at >= now:
            continue
        visitors += 1
        click = Click(org_id=org.id, tracked_link_id=share.tracked_link_id,
                      visitor_hash=hashlib.sha256(f"demo-visitor-{visitors}".encode()).hexdigest(),
                      hour_bucket=int(at.replace(tzinfo=UTC).timestamp() // 3600),
                      referrer_host=REFERRERS.get(share.network, ""), created_at=at)
        db.session.add(click)
        db.session.flush()
        points.award_click(click=click, membership_id=share.membership_id, network=share.network, org=org)
    return visitors
