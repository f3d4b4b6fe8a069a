"""`flask --app wsgi ambassador …` commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup

ambassador_cli = AppGroup("ambassador", help="Ambassador administration commands.")


@ambassador_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--org", "org_slug", required=True, help="Slug of the organization (created if missing).")
@click.option("--name", default="")
@click.option("--password", default=None, help="Prompted for when omitted.")
def create_admin(email: str, org_slug: str, name: str, password: str | None) -> None:
    """Make EMAIL an admin of ORG (creating the user and organization if needed)."""
    from .services.admin_setup import ensure_admin

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    from .extensions import db

    try:
        user, org, created = ensure_admin(email=email, org_slug=org_slug, name=name, password=password)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} admin {user.email} of organization {org.slug}.")
