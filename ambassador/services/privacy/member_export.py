"""A member's own data as a ZIP of JSON files ("Download my data", GDPR articles 15 and 20).

Scope: each organization decides what it does with its members' data (it is the controller), so the export
holds what *this* organization has about the member, plus the account itself (name, address, language,
sign-in sessions), which every organization the person belongs to sees. What another organization holds is
downloaded there (switch organization, then download). The ZIP is written to a temporary file on disk, file
by file from queries read in batches (services/privacy/member_data.py), never whole in memory; the view sends
that file and it is removed when closed.

Recorded in the audit log (member.data_exported), in the caller's transaction.
"""
from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from typing import IO

from flask import render_template
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...infra import database
from ...models import Membership, User, utcnow
from ..audit import actions
from ..audit.log import Origin, record
from . import member_data as data

# (file name, what it holds — for README.txt, reader) in the order they are written.
FILES: list[tuple[str, LazyString, Callable[[Membership], Iterable[dict]]]] = [
    ("memberships.json", _l("Your membership of this organization: role, kind, status, teams, how you joined, your "
                            "queue times, digest setting and auto-share opt-ins."), data.memberships),
    ("shares.json", _l("Every share you made: post, network, how it was shared, status, your caption, your tracked "
                       "short link, when it was scheduled and published, and the published post's address."),
     data.shares),
    ("clicks.json", _l("Clicks counted on your tracked links, per link and per UTC day. Only counts: nothing about the "
                       "people who clicked is included."), data.clicks),
    ("points.json", _l("Your points ledger: every entry with its points, reason, note and day."), data.points),
    ("badges.json", _l("The badges you earned and when."), data.badges),
    ("redemptions.json", _l("The rewards you redeemed, their cost in points and what became of them."),
     data.redemptions),
    ("challenges.json", _l("Challenges you won, with your rank and score."), data.challenge_wins),
    ("ideas.json", _l("Ideas you submitted (title, text, status, the staff's reply)."), data.ideas),
    ("idea_comments.json", _l("Your comments on ideas."), data.idea_comments),
    ("idea_votes.json", _l("The ideas you voted for and when."), data.votes),
    ("poll_ballots.json", _l("Your poll ballots: the poll and the options you chose."), data.poll_ballots),
    ("discussion_messages.json", _l("Messages you wrote in discussions, and whether a moderator hid them."),
     data.discussion_messages),
    ("survey_answers.json", _l("NPS survey answers linked to you: those you gave while signed in, and what the "
                               "organization's surveys hold under your email address (invitations, answers, "
                               "follow-ups)."), data.survey_answers),
    ("pulse_participation.json", _l("Employee pulse rounds you were asked to answer and whether you answered. Your "
                                    "answers themselves are NOT here: they are stored anonymously, with nothing that "
                                    "links them to you, so nobody can tell which answers are yours."),
     data.pulse_participation),
    ("social_accounts.json", _l("Social accounts you linked: network, handle, name, profile, status. Access tokens "
                                "are never exported."), data.social_accounts),
    ("sessions.json", _l("Where your account is or was signed in: when, browser, and the network it came from (only "
                         "a network range such as 192.0.2.0/24 is stored, never the full address)."), data.sessions),
]


def _readme(*, org_name: str, email: str) -> str:
    """README.txt, in the language of the request (the member's)."""
    return render_template("privacy/README.txt", title=_("Your data at %(org)s", org=org_name), org=org_name,
                           email=email, at=utcnow().strftime("%Y-%m-%d %H:%M"),
                           files=[(name, str(text)) for name, text, _read in FILES])


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=utcnow().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_list(archive: zipfile.ZipFile, name: str, items: Iterable[dict]) -> int:
    """One JSON array, item by item (never the whole list in memory); how many items."""
    count = 0
    with archive.open(_entry(name), "w") as raw:
        raw.write(b"[")
        for item in items:
            raw.write((b",\n  " if count else b"\n  ") + json.dumps(item, ensure_ascii=False).encode())
            count += 1
        raw.write(b"\n]\n" if count else b"]\n")
    return count


def export_member(*, membership: Membership, actor: User, origin: Origin | None = None) -> IO[bytes]:
    """The member's ZIP as an open temporary file positioned at its start (deleted when closed), and the
    export recorded in the audit log (the caller commits). Ends the transaction it starts in (the reads)
    before the audit row is written (infra/database.py begin_write)."""
    out = tempfile.TemporaryFile(suffix=".zip")
    try:
        counts = {}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(_entry("README.txt"), _readme(org_name=membership.organization.name,
                                                   email=membership.user.email))
            archive.writestr(_entry("profile.json"),
                             json.dumps(data.profile(membership), ensure_ascii=False, indent=2))
            for name, _text, read in FILES:
                counts[name.removesuffix(".json")] = _write_list(archive, name, read(membership))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    database.begin_write()  # the ZIP was read without the SQLite write lock; the audit row takes it now
    record(actions.MEMBER_DATA_EXPORTED, org_id=membership.org_id, actor=actor, origin=origin,
           target_type="member", target_id=membership.id, target_label=membership.user.email,
           details={"files": len(FILES) + 2, "items": sum(counts.values())})
    return out


def file_name(membership: Membership) -> str:
    return f"my-data-{membership.organization.slug}-{utcnow():%Y%m%d}.zip"
