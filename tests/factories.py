"""Small model factories; every helper flushes so ids are there, the test's transaction is rolled back."""
from __future__ import annotations

import itertools
from datetime import timedelta

from ambassador.infra.tokens import new_token
from ambassador.models import Campaign, Membership, Organization, Post, PostCaption, Team, User, utcnow

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


class Factory:
    def __init__(self, db):
        self.db = db
        # Posts made without a publication time are one minute older each, counted per test (a count over
        # the whole session put them days back late in a long run, out of "new since…" windows).
        self._post_age = itertools.count(1)

    def _add(self, obj):
        self.db.session.add(obj)
        self.db.session.flush()
        return obj

    def user(self, email: str | None = None, name: str | None = None, password: str = PASSWORD, **kw) -> User:
        n = next(_seq)
        kw.setdefault("email_verified_at", utcnow())  # like every account that existed before verification
        user = User(email=email or f"user{n}@example.test", name=name or f"User {n}", **kw)
        user.set_password(password)
        return self._add(user)

    def org(self, name: str | None = None, **kw) -> Organization:
        n = next(_seq)
        kw.setdefault("slug", f"org-{n}")
        kw.setdefault("join_token", new_token())
        return self._add(Organization(name=name or f"Org {n}", **kw))

    def team(self, org: Organization, name: str | None = None) -> Team:
        return self._add(Team(org_id=org.id, name=name or f"Team {next(_seq)}", join_token=new_token()))

    def member(self, org: Organization, role: str = "ambassador", kind: str = "internal", user: User | None = None,
               teams: list[Team] | None = None, status: str = "active", **user_kw) -> Membership:
        user = user or self.user(**user_kw)
        membership = Membership(org_id=org.id, user_id=user.id, role=role, kind=kind, status=status,
                                teams=list(teams or []))
        return self._add(membership)

    def campaign(self, org: Organization, title: str | None = None, status: str = "active", **kw) -> Campaign:
        n = next(_seq)
        return self._add(Campaign(org_id=org.id, title=title or f"Campaign {n}", slug=kw.pop("slug", f"campaign-{n}"),
                                  status=status, **kw))

    def post(self, campaign: Campaign, title: str | None = None, status: str = "approved",
             captions: dict[str, str] | None = None, lang: str | None = None, **kw) -> Post:
        """A post with captions in `lang` (default: its organization's default language)."""
        n = next(_seq)
        kw.setdefault("link_url", f"https://example.com/article-{n}?ref=blog")
        kw.setdefault("published_at", utcnow() - timedelta(minutes=next(self._post_age)))
        post = Post(org_id=campaign.org_id, campaign_id=campaign.id, title=title or f"Post {n}", status=status, **kw)
        self._add(post)
        lang = lang or self.db.session.get(Organization, campaign.org_id).default_locale
        for network, text in (captions or {"linkedin": f"Read post {n}", "x": f"Post {n}"}).items():
            self._add(PostCaption(post_id=post.id, network=network, lang=lang, text=text))
        return post
