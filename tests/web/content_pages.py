"""Helpers of the content pages' tests (test_content.py, test_post_editor.py)."""
import io

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def as_member(make, login, role="curator", org=None, **org_kw):
    """A new member of `org` (or of a new organization made with org_kw), signed in."""
    org = org or make.org(**org_kw)
    member = make.member(org, role=role)
    login(member.user)
    return org, member


def post_data(**overrides):
    """A valid post form, with overrides."""
    data = {"title": "New store", "link_url": "https://shop.example/news/store", "hashtags": "ghent retail",
            "audience": "everyone", "caption_linkedin": "We opened a store!", "caption_x": "Store open",
            "save": "Save"}
    data.update(overrides)
    return data


def send_post_form(client, url, *, image: bytes | None = PNG, name="p.png", **overrides) -> str:
    """POST the post form (multipart, with an image unless image=None); the page as text."""
    data = post_data(**overrides)
    if image is not None:
        data["image"] = (io.BytesIO(image), name)
    return client.post(url, content_type="multipart/form-data", data=data).get_data(as_text=True)
