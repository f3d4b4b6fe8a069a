"""Forms of the promoter pages: joining after a 9–10 (with consent) and the bulk invitation."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from .members import CheckboxesField, JoinSignupForm

CONSENT = _l("I want to join as an ambassador: I get an account, posts to share with my own network and points "
             "for it. The organization sees my name, email and what I share. I can leave at any time.")
CONSENT_REQUIRED = _l("Tick the box to agree to joining.")


class _OriginChecked:
    """The join page may be posted from the thank-you page inside another site's frame, where our
    SameSite session cookie (and so the session-bound CSRF token) is missing: web/promoters.py
    checks the request's origin instead (see `same_origin`)."""

    class Meta:
        csrf = False


class PromoterConsentForm(_OriginChecked, FlaskForm):
    """One-click join for someone logged in: only the consent."""

    consent = BooleanField(CONSENT, validators=[DataRequired(CONSENT_REQUIRED)])


class PromoterSignupForm(_OriginChecked, JoinSignupForm):
    """Name, email (pre-filled), password and the consent."""

    consent = BooleanField(CONSENT, validators=[DataRequired(CONSENT_REQUIRED)])


class BulkInviteForm(FlaskForm):
    # The service only takes promoter answers of the current organization: no choice list to check against.
    responses = CheckboxesField(_l("Promoters to invite"), coerce=int, choices=[], validate_choice=False)
