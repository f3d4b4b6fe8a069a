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
    from .services.org.admin_setup import ensure_admin

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


@ambassador_cli.command("demo")
@click.option("--password", default=None,
              help="Password for every demo user (default: ambassador-demo). Only used when the demo is created.")
def demo(password: str | None) -> None:
    """Create the demo organization with people, content and a month of history (idempotent)."""
    from .demo.seed import DEFAULT_PASSWORD, ensure_demo
    from .extensions import db

    try:
        result = ensure_demo(password=password or DEFAULT_PASSWORD)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if result.created:
        click.echo(f"Created the demo organization {result.org.name!r} (slug {result.org.slug}).")
        shown = password or DEFAULT_PASSWORD
    else:
        click.echo(f"The demo organization {result.org.name!r} already exists; nothing changed.")
        shown = "the one chosen when the demo was created" if password else DEFAULT_PASSWORD
    click.echo(f"Demo logins (password: {shown}):")
    for email, role, kind in result.logins:
        click.echo(f"  {email:<26} {role}{' (external)' if kind == 'external' else ''}")


@ambassador_cli.command("rotate-keys")
@click.option("--batch-size", default=200, show_default=True, help="Rows per transaction.")
def rotate_keys(batch_size: int) -> None:
    """Re-encrypt every stored secret with the first key of TOKEN_KEYS (then remove the old keys)."""
    from .extensions import db
    from .infra.key_rotation import rotate_all

    report = rotate_all(batch_size=batch_size, after_batch=db.session.commit)
    db.session.commit()
    for column, count in report.rotated.items():
        click.echo(f"{column}: {count} re-encrypted")
    for table, row_id, column in report.failures:
        click.echo(f"NOT DECRYPTABLE with any configured key, left as is: {table} id={row_id} column={column}",
                   err=True)
    click.echo(f"Done: {report.total} secrets re-encrypted, {len(report.failures)} not decryptable.")
    if report.failures:
        raise click.exceptions.Exit(1)


@ambassador_cli.command("rebuild-rollups")
@click.option("--org", "org_slug", default=None, help="Slug of one organization (default: every organization).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First org-local day to rebuild (resume a stopped run); default: the oldest activity.")
@click.option("--batch-days", default=31, show_default=True, help="Days per batch (one transaction each).")
def rebuild_rollups(org_slug: str | None, since, batch_days: int) -> None:
    """Sum the rollups and leaderboard standings again from the ledger, shares, clicks and engagement snapshots
    (idempotent)."""
    from .extensions import db
    from .services.analytics import rebuild
    from .services.org import organizations

    orgs = organizations.all_ids() if org_slug is None else [organizations.id_for_slug(org_slug)]
    if None in orgs:
        raise click.ClickException(f"No organization {org_slug!r}.")
    for org_id in orgs:
        org = organizations.get(org_id)
        click.echo(f"{org.slug}: rebuilding rollups")

        def step(batch, cells: int) -> None:
            db.session.commit()
            click.echo(f"  {batch.first} .. {batch.last}: {cells} cells")

        windows = rebuild.rebuild(org=org, since=since.date() if since else None, days=batch_days, step=step)
        db.session.commit()
        click.echo(f"  standings: {', '.join(windows)}")
    click.echo("Done.")


@ambassador_cli.command("worker")
def worker() -> None:
    """Run the periodic jobs (publishing, token refresh, …) until SIGTERM or SIGINT."""
    from flask import current_app

    from .jobs.worker import run_worker

    run_worker(current_app._get_current_object())


@ambassador_cli.command("run-job")
@click.argument("name")
def run_job(name: str) -> None:
    """Run the periodic job NAME once (e.g. dispatch_due_shares)."""
    from flask import current_app

    from .jobs.definitions import JOBS, by_name
    from .jobs.worker import run_job as run_once

    try:
        job = by_name(name)
    except KeyError:
        raise click.ClickException(f"Unknown job {name!r}. Jobs: {', '.join(job.name for job in JOBS)}.") from None
    result = run_once(current_app._get_current_object(), job)
    click.echo(f"{job.name}: {result}")
