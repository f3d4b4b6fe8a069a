"""The one password policy (NIST SP 800-63B §5.1.1.2): long enough, not common or guessable, not about you.

Used wherever a password is chosen: sign-up, joining by invitation or join link, password reset and
the change-password page. Strength is estimated by zxcvbn (Dropbox's estimator, with its lists of
common passwords, names, words and keyboard patterns) with the person's email and name as extra
words to guess; it also catches `aaaaaaaaaa`, `1234567890` and `password12`.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from zxcvbn import zxcvbn

from ...errors import ServiceError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
MIN_SCORE = 3  # zxcvbn 0–4; 3 = "safely unguessable: moderate protection from offline slow-hash scenario"
# zxcvbn's running time grows with the length; what lies past this is not scored (it only adds strength).
SCORED_LENGTH = 100

# zxcvbn's feedback texts (English, from zxcvbn/feedback.py), listed here so they are translated.
FEEDBACK = {
    "Use a few words, avoid common phrases.": _l("Use a few words, avoid common phrases."),
    "No need for symbols, digits, or uppercase letters.": _l("No need for symbols, digits, or uppercase letters."),
    "Add another word or two. Uncommon words are better.": _l("Add another word or two. Uncommon words are better."),
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    "Use a longer keyboard pattern with more turns.": _l("Use a longer keyboard pattern with more turns."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    "Avoid repeated words and characters.": _l("Avoid repeated words and characters."),
    'Sequences like "abc" or "6543" are easy to guess.': _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Avoid sequences.": _l("Avoid sequences."),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Avoid recent years.": _l("Avoid recent years."),
    "Avoid years that are associated with you.": _l("Avoid years that are associated with you."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "Avoid dates and years that are associated with you.": _l("Avoid dates and years that are associated with you."),
    "This is a top-10 common password.": _l("This is a top-10 common password."),
    "This is a top-100 common password.": _l("This is a top-100 common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Common names and surnames are easy to guess."),
    "Capitalization doesn't help very much.": _l("Capitalization doesn't help very much."),
    "All-uppercase is almost as easy to guess as all-lowercase.":
        _l("All-uppercase is almost as easy to guess as all-lowercase."),
    "Reversed words aren't much harder to guess.": _l("Reversed words aren't much harder to guess."),
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        _l("Predictable substitutions like '@' instead of 'a' don't help very much."),
}


class PasswordError(ServiceError):
    """A password the policy refuses; the message is for the person (shown next to the password field)."""

    code = "password"
    default_field = "password"


def _personal_words(email: str, name: str) -> list[str]:
    """The address, its local part and its pieces, and the name and its parts (3+ characters)."""
    email = (email or "").strip().lower()
    local = email.split("@", 1)[0]
    words = {email, local, (name or "").strip().lower()}
    words.update(re.split(r"[^\w]+", local))
    words.update(re.split(r"[^\w]+", (name or "").lower()))
    return sorted(w for w in words if len(w) >= 3)


def _translated(text: str) -> str:
    return str(FEEDBACK.get(text, text))


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise PasswordError with a message the person can act on, or return when the password is acceptable."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(lazy_ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.",
                                          MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(lazy_ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.",
                                          MAX_PASSWORD_LENGTH))
    lowered = password.lower()
    email_local = (email or "").strip().lower().split("@", 1)[0]
    if email_local and len(email_local) >= 3 and email_local in lowered:
        raise PasswordError(_l("Do not use your email address in your password."))
    name_parts = [part for part in re.split(r"[^\w]+", (name or "").lower()) if len(part) >= 3]
    if any(part in lowered for part in name_parts):
        raise PasswordError(_l("Do not use your name in your password."))
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=_personal_words(email, name))
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        hints = [_translated(text) for text in [feedback.get("warning"), *feedback.get("suggestions", [])] if text]
        message = str(_l("This password is too easy to guess."))
        raise PasswordError(" ".join([message, *hints]))
