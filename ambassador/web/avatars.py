"""Members' avatars: their initials in a coloured circle, the colour derived from the member id.

The same member gets the same colour on every page (header, leaderboard, members list); neighbouring ids
get different ones. Colours are classes (static/css/app.css .avatar--cN), not inline styles: the
Content-Security-Policy allows no style attribute. Every colour keeps white initials at AA contrast (4.5:1).
"""
from __future__ import annotations

from dataclasses import dataclass

# White text on each: at least 4.5:1 (tests/web/test_avatars.py computes it and checks app.css matches).
PALETTE = ("#4338ca", "#b91c1c", "#047857", "#a21caf", "#0369a1", "#b45309", "#be185d", "#0f766e")


@dataclass(frozen=True)
class Avatar:
    initials: str
    colour: int  # index into PALETTE: the CSS class avatar--c<colour>


def initials(name: str) -> str:
    """Up to two letters: the first of the first and of the last word ("Emma de Vries" → "EV"); "?" for none."""
    firsts = [next((c for c in word if c.isalnum()), "") for word in name.split()]
    firsts = [c for c in firsts if c]
    if not firsts:
        return "?"
    return (firsts[0] + (firsts[-1] if len(firsts) > 1 else "")).upper()


def avatar(membership_id: int, name: str) -> Avatar:
    return Avatar(initials=initials(name or ""), colour=membership_id % len(PALETTE))
