"""The post editor's draft: images held across a failed submission, previews per network."""
import io
import os
import time

import pytest
from werkzeug.datastructures import FileStorage

from ambassador.infra import uploads
from ambassador.services.content import drafts
from ambassador.services.content.campaigns import ContentError
from ambassador.services.publishing import sharing

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def _png(name="a.png"):
    return FileStorage(io.BytesIO(PNG), filename=name)


def test_a_new_image_is_held_and_found_again_by_its_token(make):
    org, user = make.org(), make.user()
    held = drafts.hold_image(org=org, user=user, upload=_png(), token="")
    assert held.path.startswith(f"pending/org-{org.id}/user-{user.id}/") and held.mimetype == "image/png"
    again = drafts.hold_image(org=org, user=user, upload=FileStorage(io.BytesIO(b""), filename=""), token=held.token)
    assert again.path == held.path


def test_a_held_image_is_only_for_the_person_and_organization_it_was_held_for(make):
    org, user = make.org(), make.user()
    held = uploads.hold_image(_png(), org_id=org.id, user_id=user.id)
    other_user, other_org = make.user(), make.org()
    assert uploads.pending_image(held.token, org_id=org.id, user_id=user.id) is not None
    assert uploads.pending_image(held.token, org_id=org.id, user_id=other_user.id) is None
    assert uploads.pending_image(held.token, org_id=other_org.id, user_id=user.id) is None
    assert uploads.pending_image(held.token[:-2] + "xx", org_id=org.id, user_id=user.id) is None
    with pytest.raises(ContentError) as exc:
        drafts.hold_image(org=org, user=other_user, upload=None, token=held.token)
    assert "image" in exc.value.field_errors


def test_a_token_for_a_path_outside_the_persons_folder_is_refused(app, make):
    org, user = make.org(), make.user()
    saved = uploads.store_image(_png(), folder=f"org-{org.id}/posts")  # a real file elsewhere
    forged = uploads._pending_signer().dumps({"path": saved.path, "org": org.id, "user": user.id})
    assert uploads.pending_image(forged, org_id=org.id, user_id=user.id) is None


def test_an_expired_hold_is_gone(make, monkeypatch):
    org, user = make.org(), make.user()
    held = uploads.hold_image(_png(), org_id=org.id, user_id=user.id)
    monkeypatch.setattr(uploads, "PENDING_MAX_AGE", -1)
    assert uploads.pending_image(held.token, org_id=org.id, user_id=user.id) is None


def test_a_refused_file_is_a_field_error_and_writes_nothing(app, make):
    org, user = make.org(), make.user()
    root = app.config["UPLOAD_FOLDER"]
    before = {os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs}
    with pytest.raises(ContentError) as exc:
        drafts.hold_image(org=org, user=user, upload=FileStorage(io.BytesIO(b"not an image"), filename="a.png"),
                          token="")
    assert "Upload a PNG" in str(exc.value.field_errors["image"][0])
    assert {os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs} == before


def test_discarding_a_held_image_deletes_it(make):
    org, user = make.org(), make.user()
    held = uploads.hold_image(_png(), org_id=org.id, user_id=user.id)
    assert drafts.hold_image(org=org, user=user, upload=None, token=held.token, discard=True) is None
    assert uploads.absolute_path(held.path) is None


def test_purge_deletes_only_holds_older_than_a_day(make):
    org, user = make.org(), make.user()
    old = uploads.hold_image(_png(), org_id=org.id, user_id=user.id)
    fresh = uploads.hold_image(_png(), org_id=org.id, user_id=user.id)
    long_ago = time.time() - uploads.PENDING_MAX_AGE - 60
    os.utime(uploads.absolute_path(old.path), (long_ago, long_ago))
    assert uploads.purge_pending() >= 1
    assert uploads.absolute_path(old.path) is None and uploads.absolute_path(fresh.path)


def test_caption_previews_count_the_longest_disclosure_and_show_the_first():
    rows = {r.network.key: r for r in drafts.caption_previews(
        captions={"x": "Hello\r\nthere", "linkedin": ""}, hashtags="ghent, #Ghent",
        disclosures=["#employee", "#sponsored-by-us", "#employee"])}
    x = rows["x"]
    assert x.text.startswith("Hello\nthere #ghent #employee http")
    assert x.used == sharing.compose(network="x", caption="Hello\nthere", hashtags="#ghent",
                                     disclosure="#sponsored-by-us").length
    assert x.limit == 280
    assert rows["linkedin"].text == ""  # no caption: ambassadors write their own
    assert rows["linkedin"].used == sharing.compose(network="linkedin", caption="", hashtags="#ghent",
                                                    disclosure="#sponsored-by-us").length


def test_previews_ignore_hashtags_until_they_are_valid():
    rows = {r.network.key: r for r in drafts.caption_previews(captions={"x": "Hi"}, hashtags="#ok bad-tag",
                                                              disclosures=[""])}
    assert "#ok" not in rows["x"].text


def test_preview_parts_mark_links_and_hashtags():
    assert drafts.preview_parts("New #store, see https://a.example/x. Bye") == [
        ("text", "New "), ("tag", "#store"), ("text", ", see "), ("link", "https://a.example/x"), ("text", ". Bye")]
    assert drafts.preview_parts("") == []


def test_link_card_falls_back_to_the_title_and_host():
    card = drafts.link_card(link_url="https://shop.example/a", title="Store", preview_title=" ",
                            preview_description="", image_url="")
    assert (card.host, card.title) == ("shop.example", "Store")
