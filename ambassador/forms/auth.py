"""Forms for signing up, in and out, password resets and the profile."""
import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ..services.org.accounts import MIN_PASSWORD_LENGTH
from .validators import EmailAddress, TimeZone

LANGUAGE_CHOICES = [("en", "English"), ("nl", "Nederlands"), ("fr", "Français")]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me"))


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Work email"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    org_name = StringField(_l("Organization name"), validators=[DataRequired(), Length(max=120)])
    default_locale = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES, default="en")
    disclosure = StringField(_l("Disclosure hashtag"), validators=[Optional(), Length(max=40)],
                             description=_l("Added to every share, e.g. #employee or #ad."))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class ConfirmEmailForm(FlaskForm):
    """Only the CSRF token: confirming is a POST, so mail scanners that open links do not confirm."""


QUEUE_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_QUEUE_TIMES = 12


class QueueTimes:
    """ "HH:MM,HH:MM" (24-hour clock); on success the field holds them sorted, deduplicated, zero-padded."""

    def __call__(self, form, field):
        parts = [p.strip() for p in (field.data or "").split(",") if p.strip()]
        if not parts:
            raise ValidationError(_l("Give at least one time, e.g. 08:30."))
        times = set()
        for part in parts:
            match = QUEUE_TIME_RE.match(part)
            if match is None:
                raise ValidationError(_l("“%(value)s” is not a time: use HH:MM, e.g. 08:30,12:15,17:45.", value=part))
            times.add(f"{int(match.group(1)):02d}:{match.group(2)}")
        if len(times) > MAX_QUEUE_TIMES:
            raise ValidationError(lazy_ngettext("At most %(num)d time.", "At most %(num)d times.", MAX_QUEUE_TIMES))
        field.data = ",".join(sorted(times))


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=[("", _l("Browser's choice"))] + LANGUAGE_CHOICES)
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64), TimeZone()])
    # The member's queue in the current organization (Membership.queue_times); removed without one.
    digest_frequency = SelectField(
        _l("Email digest"), choices=[("daily", _l("Daily")), ("weekly", _l("Weekly")), ("off", _l("Off"))],
        description=_l("New posts to share and your results, in the morning (your time zone); weekly on Mondays."))
    queue_times = StringField(_l("My queue times"), validators=[Length(max=120), QueueTimes()],
                              description=_l("“Add to my queue” posts at the next of these times (your time zone), "
                                             "e.g. 08:30,12:15,17:45."))
