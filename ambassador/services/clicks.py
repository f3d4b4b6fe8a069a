"""Placeholder for the click buffer (tracked links area)."""


def install_click_buffer(app):
    return None
