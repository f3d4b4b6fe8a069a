"""A promoter becomes an ambassador in a real browser: survey by link → 10 → reason → join with consent →
confirm the emailed link → feed.

The manager creates the survey through the survey pages, a customer answers on the public page,
accepts the invitation on the thank-you page and lands on the feed as an external ambassador;
the members page then says they came through that survey.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from playwright.sync_api import expect

from ambassador.models import Membership, OutboxEmail, Survey, SurveyResponse, User
from ambassador.services.org import accounts
from ambassador.services.org.organizations import create_organization

from .conftest import log_in

PASSWORD = "promoter path password"


def test_a_promoter_answers_ten_joins_and_lands_on_the_feed(new_context, live_server):
    with live_server.session():
        owner = accounts.create_user(email="owner@bakery.test", password=PASSWORD, name="Bea Baker", verified=True)
        org_id = create_organization(name="Bakkerij Zon", owner=owner).id

    # The manager (here the owner, an admin) creates an open survey that invites promoters.
    manager = new_context().new_page()
    log_in(manager, "owner@bakery.test", PASSWORD)
    manager.goto("/surveys/new")
    manager.get_by_label("Title").fill("After your visit")
    manager.get_by_label("Status").select_option("open")
    expect(manager.get_by_label("Invite promoters (9–10) to become ambassadors")).to_be_checked()
    manager.get_by_role("button", name="Save survey").click()
    expect(manager).to_have_url(re.compile(r"/surveys/\d+$"))
    public_link = manager.get_by_label("Public link").input_value()
    with live_server.session() as session:
        survey_id = session.scalar(sa.select(Survey.id).where(Survey.org_id == org_id))

    # A customer opens the public link, clicks 10 and gives a reason.
    customer = new_context().new_page()
    customer.goto(public_link)
    customer.get_by_role("button", name="10 out of 10").click()
    expect(customer.get_by_role("status")).to_contain_text("10")
    customer.locator("textarea[name=comment]").fill("The sourdough is the best in town")
    customer.get_by_role("button", name="Send").click()

    # The thank-you page invites them to join; the consent box is required.
    invite = customer.get_by_role("region", name="Become an ambassador of Bakkerij Zon")
    expect(invite).to_be_visible()
    invite.get_by_label("Email", exact=True).fill("sam@customer.test")
    invite.get_by_label("Your name").fill("Sam Sourdough")
    invite.get_by_label("Choose a password").fill(PASSWORD)
    invite.get_by_role("button", name="Create my account and join").click()
    expect(customer.locator(".field__error")).to_contain_text("Tick the box")
    customer.get_by_label("Choose a password").fill(PASSWORD)
    customer.get_by_label(re.compile("I want to join as an ambassador")).check()
    customer.get_by_role("button", name="Create my account and join").click()

    # A public link proves no address: the same "check your email" for every address; the emailed
    # link confirms it, signs the promoter in and lands them in the organization.
    expect(customer.get_by_role("heading", level=1)).to_have_text("Check your email to finish joining Bakkerij Zon")
    with live_server.session() as session:
        mail = session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == "sam@customer.test"))
        link = next(line for line in mail.body_text.splitlines() if "/email/verify/" in line).strip()
    customer.goto(urlsplit(link).path)
    customer.get_by_role("button", name="Confirm my email address").click()
    expect(customer).to_have_url(re.compile(r"/feed$"))
    expect(customer.get_by_role("status").first).to_contain_text("Welcome to Bakkerij Zon")

    with live_server.session() as session:
        member = session.scalar(sa.select(Membership).join(User).where(User.email == "sam@customer.test"))
        assert (member.org_id, member.kind, member.role, member.status, member.source) == (
            org_id, "external", "ambassador", "active", f"nps:{survey_id}")
        response = session.scalar(sa.select(SurveyResponse).where(SurveyResponse.survey_id == survey_id))
        assert (response.score, response.comment) == (10, "The sourdough is the best in town")
        member_id = member.id

    # The manager sees where the new ambassador came from, and the recruitment per survey.
    manager.goto(f"/members/{member_id}")
    expect(manager.locator("main")).to_contain_text(f"nps:{survey_id}")
    manager.goto("/promoters")
    row = manager.get_by_role("row").filter(has_text="After your visit")
    expect(row.get_by_role("cell").last).to_have_text("1")
