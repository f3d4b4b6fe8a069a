"""Placeholder: filled in by the links area."""
from flask import Blueprint

from .context import member_required

bp = Blueprint("links", __name__)
