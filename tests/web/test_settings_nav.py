"""Every tab of Settings marks "Manage → Settings" as where the admin is, whichever blueprint serves the tab."""
from __future__ import annotations

import re

import pytest

SETTINGS_TABS = ["/settings", "/settings/sso", "/settings/chat", "/org/integration-tokens", "/settings/webhooks",
                 "/settings/audit"]


@pytest.mark.parametrize("path", SETTINGS_TABS)
def test_each_settings_tab_marks_manage_and_settings_as_current(path, make, login):
    admin = make.member(make.org(), role="admin")
    html = login(admin.user).get(path).get_data(as_text=True)
    manage = r'<details class="menu navmenu">\s*<summary class="is-current">Manage[^<]*</summary>(.*?)</details>'
    menu = re.search(manage, html, re.S)
    assert menu is not None, path
    assert re.search(r'href="/settings" aria-current="page">Settings</a>', menu.group(1)), path


def test_a_personal_page_does_not_mark_settings(make, login):
    admin = make.member(make.org(), role="admin")
    html = login(admin.user).get("/settings/tokens").get_data(as_text=True)  # the profile's API tokens
    assert 'aria-current="page">Settings</a>' not in html
