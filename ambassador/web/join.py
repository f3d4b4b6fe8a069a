"""Placeholder: public invitation and join-link pages (recruitment area)."""
from flask import Blueprint

bp = Blueprint("join", __name__)
