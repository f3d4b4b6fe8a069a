"""Redemptions: the debit, refusing (refund once), fulfilling, and a balance that never goes below zero —
sequentially, and with real concurrent transactions (threads with their own connections and commits):
PostgreSQL's row locks under test there, and on SQLite (a database file) the write lock taken first."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ambassador.infra import database
from ambassador.models import Membership, Organization, PointsEntry
from ambassador.models.rewards import Redemption, Reward
from ambassador.services.community import points, redemptions
from ambassador.services.community.redemptions import RedemptionError


def give(db, member: Membership, amount: int) -> None:
    org = db.session.get(Organization, member.org_id)
    db.session.add(PointsEntry(org_id=org.id, membership_id=member.id, points=amount, reason="adjustment",
                               day=points.local_day(org)))
    db.session.flush()


def reward(db, org, cost: int = 50, stock: int | None = None, **kw) -> Reward:
    item = Reward(org_id=org.id, title=kw.pop("title", f"Mug {cost}"), points_cost=cost, stock=stock, **kw)
    db.session.add(item)
    db.session.flush()
    return item


def entries(db, member) -> list[tuple[str, int, str | None]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(PointsEntry.reason, PointsEntry.points, PointsEntry.ref)
        .where(PointsEntry.membership_id == member.id).order_by(PointsEntry.id))]


@pytest.fixture
def member(db, make):
    m = make.member(make.org(timezone="Europe/Brussels"))
    give(db, m, 100)
    return m


@pytest.fixture
def staff(make, member):
    return make.member(member.organization, role="manager")


def test_redeeming_debits_the_cost_at_once_and_takes_one_from_the_stock(db, member):
    item = reward(db, member.organization, cost=30, stock=5)
    redemption = redemptions.redeem(membership=member, reward=item)
    assert redemption.status == "requested" and redemption.points == 30 and redemption.reward_title == "Mug 30"
    assert points.balance(member.id) == 70
    assert entries(db, member)[-1] == ("redemption", -30, f"redemption:{redemption.id}")
    debit = db.session.scalar(sa.select(PointsEntry).where(PointsEntry.reason == "redemption"))
    assert debit.day == points.local_day(member.organization) and debit.org_id == member.org_id
    assert db.session.scalar(sa.select(Reward.stock).where(Reward.id == item.id)) == 4


def test_the_last_points_can_be_spent_but_never_more(db, member):
    item = reward(db, member.organization, cost=50)
    redemptions.redeem(membership=member, reward=item)
    redemptions.redeem(membership=member, reward=item)
    assert points.balance(member.id) == 0
    with pytest.raises(RedemptionError, match="Not enough points: this reward costs 50 points and you have 0"):
        redemptions.redeem(membership=member, reward=item)
    assert points.balance(member.id) == 0
    assert db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 2


def test_out_of_stock_is_refused_and_the_stock_never_goes_below_zero(db, make, member):
    item = reward(db, member.organization, cost=10, stock=1)
    other = make.member(member.organization)
    give(db, other, 100)
    redemptions.redeem(membership=member, reward=item)
    with pytest.raises(RedemptionError, match="Out of stock"):
        redemptions.redeem(membership=other, reward=item)
    assert points.balance(other.id) == 100
    assert db.session.scalar(sa.select(Reward.stock).where(Reward.id == item.id)) == 0


def test_the_database_refuses_a_negative_stock(db, member):
    item = reward(db, member.organization, stock=0)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(sa.update(Reward).where(Reward.id == item.id).values(stock=-1))


def test_the_stock_is_taken_by_a_conditional_update_not_by_what_the_session_believed(db, member):
    """Even with a stale object saying one is left, the database decides (UPDATE … WHERE stock > 0)."""
    item = reward(db, member.organization, stock=1)
    db.session.execute(sa.update(Reward).where(Reward.id == item.id).values(stock=0)
                       .execution_options(synchronize_session=False))
    assert item.stock == 1  # stale
    with pytest.raises(RedemptionError, match="Out of stock"):
        redemptions._take_one(item)


@pytest.mark.parametrize("eligibility, kind, message", [
    ("internal", "external", "Not available for external ambassadors."),
    ("external", "internal", "Not available for internal ambassadors"),
])
def test_eligibility_by_kind(db, make, eligibility, kind, message):
    m = make.member(make.org(), kind=kind)
    give(db, m, 100)
    item = reward(db, m.organization, eligibility=eligibility)
    with pytest.raises(RedemptionError, match=message):
        redemptions.redeem(membership=m, reward=item)
    assert points.balance(m.id) == 100
    fitting = make.member(m.organization, kind=eligibility)
    give(db, fitting, 100)
    assert redemptions.redeem(membership=fitting, reward=item).status == "requested"


def test_eligibility_by_team_and_inactive_rewards(db, make, member):
    store = make.team(member.organization, name="Ghent store")
    item = reward(db, member.organization, teams=[store])
    with pytest.raises(RedemptionError, match="Only for members of Ghent store"):
        redemptions.redeem(membership=member, reward=item)
    member.teams.append(store)
    db.session.flush()
    redemptions.redeem(membership=member, reward=item)
    item.active = False
    db.session.flush()
    with pytest.raises(RedemptionError, match="no longer available"):
        redemptions.redeem(membership=member, reward=item)


def test_another_organizations_reward_is_never_redeemed(db, make, member):
    foreign = reward(db, make.org())
    with pytest.raises(ValueError):
        redemptions.redeem(membership=member, reward=foreign)
    assert points.balance(member.id) == 100


def test_refusing_returns_the_points_and_the_item_once(db, member, staff):
    item = reward(db, member.organization, cost=40, stock=2)
    redemption = redemptions.redeem(membership=member, reward=item)
    with pytest.raises(RedemptionError, match="Give a reason"):
        redemptions.refuse(redemption=redemption, actor=staff, reason="  ")
    assert redemption.status == "requested"
    redemptions.refuse(redemption=redemption, actor=staff, reason="We ran out of that colour")
    assert (redemption.status, redemption.refusal_reason, redemption.decided_by_id) == (
        "refused", "We ran out of that colour", staff.id)
    assert points.balance(member.id) == 100
    with pytest.raises(RedemptionError, match="already closed"):
        redemptions.refuse(redemption=redemption, actor=staff, reason="again")
    redemptions._refund(redemption, "a second attempt straight at the ledger")  # paid once per ref
    assert entries(db, member)[1:] == [("redemption", -40, f"redemption:{redemption.id}"),
                                       ("refund", 40, f"refund:{redemption.id}")]
    assert points.balance(member.id) == 100
    assert db.session.scalar(sa.select(Reward.stock).where(Reward.id == item.id)) == 2


def test_approve_then_fulfil_keeps_the_points_spent(db, member, staff):
    redemption = redemptions.redeem(membership=member, reward=reward(db, member.organization, cost=60))
    redemptions.approve(redemption=redemption, actor=staff)
    assert redemption.status == "approved" and redemption.decided_by_id == staff.id
    with pytest.raises(RedemptionError):
        redemptions.approve(redemption=redemption, actor=staff)
    redemptions.fulfil(redemption=redemption, actor=staff)
    assert redemption.status == "fulfilled" and redemption.fulfilled_at is not None
    with pytest.raises(RedemptionError, match="already closed"):
        redemptions.refuse(redemption=redemption, actor=staff, reason="too late")
    assert points.balance(member.id) == 40


def test_fulfilling_a_new_request_approves_it_on_the_way(db, member, staff):
    redemption = redemptions.redeem(membership=member, reward=reward(db, member.organization))
    redemptions.fulfil(redemption=redemption, actor=staff)
    assert redemption.status == "fulfilled" and redemption.decided_by_id == staff.id


def test_a_member_cancels_only_their_own_unhandled_request(db, make, member, staff):
    item = reward(db, member.organization, cost=25, stock=1)
    redemption = redemptions.redeem(membership=member, reward=item)
    with pytest.raises(ValueError):
        redemptions.cancel(redemption=redemption, membership=staff)
    redemptions.cancel(redemption=redemption, membership=member)
    assert redemption.status == "canceled" and points.balance(member.id) == 100
    assert db.session.scalar(sa.select(Reward.stock).where(Reward.id == item.id)) == 1
    approved = redemptions.redeem(membership=member, reward=item)
    redemptions.approve(redemption=approved, actor=staff)
    with pytest.raises(RedemptionError, match="already being handled"):
        redemptions.cancel(redemption=approved, membership=member)


def test_history_and_requests_stay_inside_the_organization(db, make, member):
    redemptions.redeem(membership=member, reward=reward(db, member.organization))
    outsider = make.member(make.org())
    give(db, outsider, 100)
    redemptions.redeem(membership=outsider, reward=reward(db, outsider.organization))
    assert [r.membership_id for r in redemptions.history(membership=member)] == [member.id]
    page = redemptions.requests_page(org_id=member.org_id, status="requested", page=1, per_page=10)
    assert [r.membership_id for r in page.items] == [member.id]
    assert redemptions.count_by_status(org_id=member.org_id) == {"requested": 1}
    assert redemptions.own_redemption(membership=outsider, redemption_id=page.items[0].id) is None


# --- real concurrency: separate sessions and connections, real commits ----------------------------


def _seed(app, *, members: int, balance: int, rewards: list[tuple[int, int | None]]) -> tuple[list[int], list[int]]:
    from ambassador.extensions import db as ext_db
    from tests.factories import Factory

    with app.app_context():
        make = Factory(ext_db)
        org = make.org()
        people = [make.member(org) for _ in range(members)]
        for person in people:
            give(ext_db, person, balance)
        items = [reward(ext_db, org, cost=cost, stock=stock, title=f"Item {n}")
                 for n, (cost, stock) in enumerate(rewards)]
        ext_db.session.commit()
        return [p.id for p in people], [i.id for i in items]


def _race(app, attempts: list[tuple[int, int]]) -> tuple[list[int], list[str]]:
    """Run each (membership id, reward id) redemption in its own thread, all released at once,
    each as the view does it: begin_write, redeem, commit. Returns redemption ids and errors."""
    from ambassador.extensions import db as ext_db

    start = threading.Barrier(len(attempts))
    done: list[int] = []
    refused: list[str] = []
    crashed: list[BaseException] = []

    def attempt(membership_id: int, reward_id: int) -> None:
        with app.app_context():  # its own session and connection
            try:
                membership = ext_db.session.get(Membership, membership_id)
                item = ext_db.session.get(Reward, reward_id)
                points.balance(membership_id)  # both have read the balance before either writes
                start.wait(timeout=30)
                database.begin_write()
                redemption = redemptions.redeem(membership=membership, reward=item)
                ext_db.session.commit()
                done.append(redemption.id)
            except RedemptionError as exc:
                ext_db.session.rollback()
                refused.append(str(exc))
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                ext_db.session.rollback()
                crashed.append(exc)

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert crashed == []
    return done, refused


def _balance_and_stock(app, membership_ids, reward_ids):
    from ambassador.extensions import db as ext_db

    with app.app_context():
        balances = [points.balance(m) for m in membership_ids]
        stocks = list(ext_db.session.scalars(sa.select(Reward.stock).where(Reward.id.in_(reward_ids))
                                             .order_by(Reward.id)))
        count = ext_db.session.scalar(sa.select(sa.func.count(Redemption.id)))
        return balances, stocks, count


def test_concurrent_redemptions_of_the_last_points_only_one_succeeds(own_app):
    """Exactly enough points for one item: two (then four) redemptions of *different* items at once."""
    (member_id,), (first, second, third, fourth) = _seed(own_app, members=1, balance=50,
                                                        rewards=[(50, None), (50, None), (40, None), (30, None)])
    done, refused = _race(own_app, [(member_id, first), (member_id, second)])
    assert len(done) == 1 and len(refused) == 1 and "Not enough points" in refused[0]
    assert _balance_and_stock(own_app, [member_id], [first]) == ([0], [None], 1)


def test_concurrent_redemptions_of_the_same_item_never_overspend(own_app):
    (member_id,), (item,) = _seed(own_app, members=1, balance=100, rewards=[(40, None)])
    done, refused = _race(own_app, [(member_id, item)] * 4)
    assert len(done) == 2 and len(refused) == 2
    assert _balance_and_stock(own_app, [member_id], [item]) == ([20], [None], 2)


def test_members_racing_for_the_last_item_only_one_gets_it(own_app):
    members, (item,) = _seed(own_app, members=4, balance=100, rewards=[(10, 1)])
    done, refused = _race(own_app, [(m, item) for m in members])
    assert len(done) == 1 and len(refused) == 3 and all("Out of stock" in r for r in refused)
    balances, stocks, count = _balance_and_stock(own_app, members, [item])
    assert sorted(balances) == [90, 100, 100, 100] and stocks == [0] and count == 1
