"""The rewards catalogue: saving items (all or nothing), images, and what each member sees."""
from __future__ import annotations

import io
import os

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from ambassador.models.rewards import Reward
from ambassador.services.community import rewards
from ambassador.services.community.rewards import RewardError, RewardInput

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(data: bytes = PNG, name: str = "mug.png") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def data(**kw) -> RewardInput:
    kw.setdefault("title", "Branded mug")
    kw.setdefault("points_cost", 50)
    return RewardInput(**kw)


def count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Reward.id)))


def test_saving_a_reward_with_an_image_teams_and_a_stock(app, db, make):
    org = make.org()
    store = make.team(org)
    item, stale = rewards.save_reward(org=org, data=data(description=" Ceramic ", stock=12, eligibility="external",
                                                         team_ids=[store.id], image=upload()))
    assert stale is None
    assert (item.title, item.description, item.points_cost, item.stock, item.eligibility) == (
        "Branded mug", "Ceramic", 50, 12, "external")
    assert item.teams == [store] and item.image_path.startswith(f"org-{org.id}/rewards/")
    assert os.path.isfile(os.path.join(app.config["UPLOAD_FOLDER"], item.image_path))
    again, stale = rewards.save_reward(org=org, data=data(remove_image=True, stock=None), reward=item)
    assert again is item and stale is not None and item.image_path is None and item.stock is None


@pytest.mark.parametrize("bad, field", [
    ({"title": "  "}, "title"),
    ({"points_cost": 0}, "points_cost"),
    ({"points_cost": None}, "points_cost"),
    ({"stock": -1}, "stock"),
    ({"eligibility": "everyone"}, "eligibility"),
    ({"image": upload(b"GIF? no, a text file", "notes.png")}, "image"),
])
def test_bad_input_writes_nothing(db, make, bad, field):
    org = make.org()
    with pytest.raises(RewardError) as caught:
        rewards.save_reward(org=org, data=data(**bad))
    assert field in caught.value.field_errors
    assert count(db) == 0


def test_teams_of_another_organization_are_refused(db, make):
    org, other = make.org(), make.org()
    with pytest.raises(RewardError) as caught:
        rewards.save_reward(org=org, data=data(team_ids=[make.team(other).id]))
    assert "teams" in caught.value.field_errors and count(db) == 0


def test_a_reward_of_another_organization_cannot_be_edited(db, make):
    item, _ = rewards.save_reward(org=make.org(), data=data())
    with pytest.raises(ValueError):
        rewards.save_reward(org=make.org(), data=data(title="Mine now"), reward=item)


def test_the_catalogue_shows_what_the_member_may_redeem_and_why_not(db, make):
    org = make.org()
    store = make.team(org, name="Antwerp")
    employee = make.member(org, kind="internal")
    fan = make.member(org, kind="external", teams=[store])
    save = lambda **kw: rewards.save_reward(org=org, data=data(**kw))[0]  # noqa: E731
    cheap = save(title="Sticker", points_cost=5)
    dear = save(title="Jacket", points_cost=500)
    internal = save(title="Day off", eligibility="internal")
    external = save(title="Store voucher", eligibility="external", team_ids=[store.id])
    sold_out = save(title="Concert ticket", stock=0)
    save(title="Retired", active=False)
    seen = {item.reward.title: item for item in rewards.catalogue(membership=fan, balance=60)}
    assert set(seen) == {"Sticker", "Jacket", "Store voucher", "Concert ticket"}
    assert seen["Sticker"].redeemable and not seen["Jacket"].redeemable and seen["Jacket"].problem is None
    assert str(seen["Concert ticket"].problem) == "Out of stock."
    assert {item.reward.id for item in rewards.catalogue(membership=employee, balance=0)} == {
        cheap.id, dear.id, internal.id, sold_out.id}
    assert external.id not in {r.id for r in rewards.rewards_of(org_id=make.org().id)}
