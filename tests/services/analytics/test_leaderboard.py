from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import utcnow
from ambassador.services.analytics import board_cells, leaderboard, periods, rebuild, stamps
from ambassador.services.analytics.boards import Scope
from ambassador.services.community.points import balance


@pytest.fixture
def org(make):
    return make.org()


@pytest.fixture
def post(make, org):
    return make.post(make.campaign(org))


def ranks(result):
    return [(row.name, row.rank, row.points) for row in result.rows]


def test_competition_ranking_with_ties(make, act, org):
    now = utcnow()
    for name, points in [("Dirk", 3), ("Bea", 7), ("Ann", 10), ("Cas", 7), ("Eva", 0)]:
        member = make.member(org, name=name)
        if points:
            act.points(member, points, now - timedelta(hours=1))
    result = leaderboard.board(org_id=org.id, window=periods.all_time())
    assert ranks(result) == [("Ann", 1, 10), ("Bea", 2, 7), ("Cas", 2, 7), ("Dirk", 4, 3), ("Eva", 5, 0)]
    assert result.total == 5


def test_points_are_summed_and_negative_adjustments_count(make, act, org):
    member = make.member(org, name="Ann")
    act.points(member, 5, utcnow())
    act.points(member, 5, utcnow())
    act.points(member, -3, utcnow())
    assert ranks(leaderboard.board(org_id=org.id, window=periods.all_time())) == [("Ann", 1, 7)]


def test_an_entry_eight_days_ago_counts_in_30_days_and_all_time_but_not_7(make, act, org, post):
    now = utcnow()
    member = make.member(org, name="Ann")
    act.points(member, 4, now - timedelta(days=8))
    act.share(member, post, now - timedelta(days=8))
    act.click(member, post, now - timedelta(days=8))
    act.points(member, 1, now - timedelta(minutes=5))
    act.points(member, 100, now - timedelta(days=40))

    def totals(window):
        row = leaderboard.board(org_id=org.id, window=window).rows[0]
        return row.points, row.shares, row.clicks

    assert totals(periods.last_days(org, 7, now=now)) == (1, 0, 0)
    assert totals(periods.last_days(org, 30, now=now)) == (5, 1, 1)
    assert totals(periods.all_time()) == (105, 1, 1)


def test_window_starts_at_local_midnight_of_the_first_day(make, act, org):
    # Brussels is on summer time (UTC+2) after 29 March 2026.
    now = datetime(2026, 3, 31, 10, 0)
    window = periods.last_days(org, 7, now=now)
    assert (window.first_day.isoformat(), window.last_day.isoformat()) == ("2026-03-25", "2026-03-31")
    # 25 March is still winter time (UTC+1): local midnight is 23:00 UTC the day before.
    assert window.start == datetime(2026, 3, 24, 23, 0) and window.end == datetime(2026, 3, 31, 22, 0)
    inside, outside = make.member(org, name="Inside"), make.member(org, name="Outside")
    act.points(inside, 2, datetime(2026, 3, 24, 23, 0))
    act.points(outside, 3, datetime(2026, 3, 24, 22, 59, 59))
    result = leaderboard.board(org_id=org.id, window=window)
    assert ranks(result) == [("Inside", 1, 2), ("Outside", 2, 0)]


def test_shares_and_clicks_per_member_count_only_shares_that_left(make, act, org, post):
    now = utcnow() - timedelta(minutes=10)
    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    act.share(ann, post, now)  # intent share
    act.share(ann, post, now, network="x", method="api", status="published", published_at=now)
    act.share(ann, post, now, network="mastodon", method="api", status="scheduled")
    act.share(ann, post, now, network="bluesky", method="api", status="failed")
    act.share(bob, post, now, network="x", method="api", status="unconfirmed")
    for _ in range(3):
        act.click(ann, post, now)
    act.click(bob, post, now, network="x")
    rows = {r.name: (r.shares, r.clicks) for r in leaderboard.board(org_id=org.id, window=periods.all_time()).rows}
    assert rows == {"Ann": (2, 3), "Bob": (0, 1)}


def test_api_share_counts_on_its_publish_day(make, act, org, post):
    now = utcnow()
    ann = make.member(org, name="Ann")
    act.share(ann, post, now - timedelta(days=10), method="api", status="published", published_at=now)
    assert leaderboard.board(org_id=org.id, window=periods.last_days(org, 7, now=now)).rows[0].shares == 1


def test_team_filter_and_team_names(make, act, org):
    north, south = make.team(org, "North"), make.team(org, "South")
    ann = make.member(org, name="Ann", teams=[north, south])
    bob = make.member(org, name="Bob", teams=[south])
    make.member(org, name="Cas")
    act.points(ann, 1, utcnow())
    act.points(bob, 2, utcnow())
    result = leaderboard.board(org_id=org.id, window=periods.all_time(), team_id=north.id)
    assert ranks(result) == [("Ann", 1, 1)] and result.rows[0].teams == ["North", "South"]
    assert ranks(leaderboard.board(org_id=org.id, window=periods.all_time(), team_id=south.id)) == [
        ("Bob", 1, 2), ("Ann", 2, 1)]


def test_kind_filter(make, act, org):
    make.member(org, name="Emp", kind="internal")
    fan = make.member(org, name="Fan", kind="external")
    act.points(fan, 3, utcnow())
    result = leaderboard.board(org_id=org.id, window=periods.all_time(), kind="external")
    assert ranks(result) == [("Fan", 1, 3)] and result.rows[0].kind == "external"
    assert [r.name for r in leaderboard.board(org_id=org.id, window=periods.all_time(), kind="internal").rows] == [
        "Emp"]
    # An unknown kind is no filter rather than an error.
    assert leaderboard.board(org_id=org.id, window=periods.all_time(), kind="robots").total == 2


def test_deactivated_members_leave_the_board_but_keep_their_ledger(make, act, org):
    gone = make.member(org, name="Gone", status="deactivated")
    pending = make.member(org, name="Pending", status="pending")
    stays = make.member(org, name="Stays")
    act.points(gone, 50, utcnow())
    act.points(pending, 40, utcnow())
    act.points(stays, 1, utcnow())
    assert ranks(leaderboard.board(org_id=org.id, window=periods.all_time())) == [("Stays", 1, 1)]
    assert balance(gone.id) == 50


def test_own_row_outside_the_top(make, act, org):
    me = make.member(org, name="Zed")
    for i in range(25):
        act.points(make.member(org, name=f"Member {i:02d}"), 100 - i, utcnow())
    act.points(me, 1, utcnow())
    result = leaderboard.board(org_id=org.id, window=periods.all_time(), limit=20, me_id=me.id)
    assert len(result.rows) == 20 and result.rows[-1].rank == 20
    assert result.me.name == "Zed" and result.me.rank == 26 and result.me.points == 1
    assert result.me_outside_top and result.total == 26
    inside = leaderboard.board(org_id=org.id, window=periods.all_time(), limit=20, me_id=result.rows[3].membership_id)
    assert inside.me.rank == 4 and not inside.me_outside_top and len(inside.rows) == 20


def test_a_board_from_the_cells_listing_nobody_still_counts_the_ranked_members_in_one_statement(make, act, org, db):
    # "my rank" of a member outside the scope: limit 0 and no row of the viewer.
    outsider = make.member(org, name="Outsider", kind="external")
    for i in range(3):
        act.points(make.member(org, name=f"Member {i}"), i + 1, utcnow())
    statements = []

    def count(*args):
        if not args[2].startswith("SET "):  # (a setting for the statement: infra/database.work_memory)
            statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = board_cells.board(org_id=org.id, first=None, last=None, scope=Scope(kind="internal"), limit=0,
                                   me_id=outsider.id)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert result.rows == [] and result.me is None and result.total == 3
    assert len(statements) == 1


@pytest.mark.parametrize("built", [False, True], ids=["from-cells", "from-standings"])
def test_board_takes_the_same_few_statements_whatever_the_number_of_members(make, act, org, post, db, built):
    # Was "one query" over the raw rows; now read from rollups: a handful of indexed statements.
    def statements_for(members: int) -> int:
        for i in range(members):
            member = make.member(org, teams=[make.team(org)])
            act.points(member, i, utcnow())
            act.share(member, post, utcnow())
        if built:
            rebuild.rebuild_standings(org=org)
        statements = []
        stamps.seen(org.id)  # the rollup stamp, read once per transaction (services/analytics/stamps.py)

        def count(*args):
            statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            leaderboard.board(org_id=org.id, window=periods.last_days(org, 30), limit=2, me_id=member.id,
                              compare=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    assert statements_for(3) == statements_for(12)


def test_other_organizations_never_show(make, act, org, post):
    other = make.org()
    their_team = make.team(other, "Theirs")
    theirs = make.member(other, name="Theirs", teams=[their_team])
    act.points(theirs, 99, utcnow())
    act.share(theirs, make.post(make.campaign(other)), utcnow())
    mine = make.member(org, name="Mine")
    act.points(mine, 1, utcnow())
    assert ranks(leaderboard.board(org_id=org.id, window=periods.all_time())) == [("Mine", 1, 1)]
    foreign = leaderboard.board(org_id=org.id, window=periods.all_time(), team_id=their_team.id)
    assert foreign.rows == [] and foreign.total == 0


def test_csv_has_every_ranked_row_and_neutralises_formulas(make, act, org):
    team = make.team(org, "Sales")
    act.points(make.member(org, name="=HYPERLINK(\"x\")", teams=[team]), 9, utcnow())
    act.points(make.member(org, name="Élodie", kind="external"), 4, utcnow())
    text = leaderboard.board_csv(leaderboard.board(org_id=org.id, window=periods.all_time(), limit=None))
    assert text.startswith("\ufeff")
    assert text[1:].splitlines() == [
        "rank,name,teams,kind,points,shares,clicks",
        "1,\"'=HYPERLINK(\"\"x\"\")\",Sales,internal,9,0,0",
        "2,Élodie,,external,4,0,0",
    ]


def test_custom_window_validation(org):
    window, errors = periods.custom_window(org, "2026-01-10", "2026-01-01")
    assert window is None and "to" in errors
    window, errors = periods.custom_window(org, "yesterday", "")
    assert set(errors) == {"from", "to"}
    window, errors = periods.custom_window(org, "2025-01-01", "2026-06-01")
    assert window is None and "to" in errors
    window, errors = periods.custom_window(org, "2026-01-01", "2026-01-03")
    assert errors == {} and len(window.days) == 3


def test_spending_points_on_rewards_does_not_lower_the_rank(make, act, org):
    from ambassador.services.analytics import activity

    ann, bea = make.member(org, name="Ann"), make.member(org, name="Bea")
    act.points(ann, 100, utcnow())
    act.points(bea, 80, utcnow())
    act.points(ann, -50, utcnow(), reason="redemption")  # Ann bought a mug
    assert ranks(leaderboard.board(org_id=org.id, window=periods.all_time())) == [("Ann", 1, 100), ("Bea", 2, 80)]
    assert activity.rank(ann) == (1, 2)
