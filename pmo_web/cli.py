"""Command-line tasks: `flask --app pmo_web create-user | seed-demo | audit-verify`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from . import demo
from .demo import DEMO_PASSWORD
from .extensions import db
from .models import ROLES, Department, User


def register(app) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_scale)
    app.cli.add_command(backup_database)
    app.cli.add_command(restore_database)
    app.cli.add_command(audit_verify)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="Repeat for several roles.")
@click.option("--department", default=None, help="Department name (created if new).")
@click.option("--rank", default="constable")
@click.password_option()
def create_user(email, name, roles, department, rank, password):
    """Create a real account (the password is asked twice and stored hashed)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise click.BadParameter(f"use at least {minimum} characters", param_hint="password")
    email = email.strip().lower()
    if User.by_email(email):
        raise click.BadParameter(f"{email} already has an account", param_hint="--email")
    dept = None
    if department:
        dept = db.session.scalar(db.select(Department).where(Department.name == department))
        if dept is None:
            dept = Department(name=department)
            db.session.add(dept)
    user = User(email=email, name=name, department=dept, rank=rank)
    user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {email} with roles {', '.join(roles)}.")


@click.command("seed-demo")
def seed_demo():
    """Load the demo portfolio and demo users (safe to run again: it does nothing twice)."""
    created = demo.seed()
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present; nothing changed.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role in ("requester", "pmo", "approver", "viewer", "admin"):
        click.echo(f"  {role:<10} {role}@demo.local")


@click.command("seed-scale")
@click.option("--factor", type=float, default=1.0, show_default=True,
              help="Multiply every default size (0.1 for a tenth of force scale).")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed (same seed, same rows).")
@click.option("--add", is_flag=True, help="Add to a database that already holds initiatives.")
def seed_scale(factor: float, seed: int, add: bool):
    """Load force-scale data for benchmarks (5,000 initiatives over ten years, 50,000 RAID
    items, 100,000 audit events ...) with bulk inserts; see pmo_web/scale.py."""
    from .scale import PASSWORD, Sizes
    from .scale import seed_scale as load

    try:
        load(Sizes().scaled(factor), seed=seed, add=add, echo=click.echo)
    except RuntimeError as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(f"Scale users sign in as user<N>.<tag>@scale.example with password {PASSWORD}.")


def _head_hash(_context, _parameter, value):
    """A head hash as audit-verify prints it: 64 hexadecimal digits (case and spaces forgiven)."""
    if value is None:
        return None
    value = value.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise click.BadParameter("give the 64 hexadecimal digits printed after \"Head:\" by an earlier check.")
    return value


@click.command("audit-verify")
@click.option("--expect-head", "expected_head", metavar="HASH", callback=_head_hash,
              help="A head hash printed by an earlier check and kept outside the database: "
                   "fail unless the chain still holds it (rows added since are fine).")
def audit_verify(expected_head):
    """Check the audit trail: every hash recomputed in id order, and the append-only guards.

    Exits 0 when the chain holds and the guards are in place, printing the head hash to
    keep outside the database; otherwise 1, naming the first broken row and why. With
    --expect-head, also 1 when the chain no longer holds that head: the newest rows were
    removed (a truncated chain verifies on its own), or it is not a head of this trail."""
    from . import audit

    verdict = audit.verify(db.engine, expect_head=expected_head)
    with db.engine.connect() as connection:
        missing = audit.missing_guards(connection)
    if verdict.ok:
        click.echo(f"Audit trail OK: {verdict.checked} events, hash chain intact.")
        click.echo(f"Head: {verdict.head} ({verdict.checked} events). Keep it outside the database "
                   "and check it later with --expect-head.")
    else:
        click.echo(f"Audit trail BROKEN at event id {verdict.broken_id}: {verdict.problem}. "
                   f"{verdict.checked} events before it are intact.", err=True)
    anchor_lost = expected_head is not None and verdict.anchor_at is None
    if anchor_lost:
        click.echo(f"Expected head {expected_head} is NOT in the chain: events up to it were removed "
                   "(a truncated chain verifies on its own) or changed, or it is not a head of this trail.",
                   err=True)
    elif expected_head is not None and not verdict.ok:
        click.echo(f"Expected head found at event {verdict.anchor_at}, before the break.", err=True)
    elif expected_head is not None and verdict.added_since_anchor:
        click.echo(f"Expected head found at event {verdict.anchor_at}: "
                   f"{verdict.added_since_anchor} events added since.")
    elif expected_head is not None:
        click.echo("Expected head found: it is still the head.")
    if missing:
        click.echo(f"Append-only guard missing or disabled: {', '.join(missing)}. "
                   "Rows can be changed until it is re-created (the SQL is GUARD_DDL in "
                   "pmo_web/audit.py).", err=True)
    if not verdict.ok or missing or anchor_lost:
        raise click.exceptions.Exit(1)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_database(path):
    """Copy the SQLite database to PATH while the app runs, then verify the copy.

    PostgreSQL is refused: use pg_dump (see the README)."""
    from .backup import BackupError, backup

    db.engine.dispose()  # this process holds no connection open while the copy is taken
    try:
        snapshot = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {snapshot.path} and verified: integrity ok, "
               f"{snapshot.total_rows} rows in {len(snapshot.row_counts)} tables match the database, "
               f"schema revision {snapshot.revision or 'none (built without migrations)'}.")
    for table, rows in snapshot.row_counts.items():
        click.echo(f"  {table:<24} {rows}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that the database's current contents are to be replaced.")
@with_appcontext
def restore_database(path, yes):
    """Replace the SQLite database with the verified backup at PATH (stop the app first)."""
    from .backup import BackupError, restore, verify

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        snapshot = verify(path)
        if not yes:
            raise click.ClickException(
                f"{path} is a good backup ({snapshot.total_rows} rows). Restoring replaces everything in the "
                "current database: stop the app, then run this again with --yes.")
        db.engine.dispose()
        restored = restore(uri, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {restored.total_rows} rows in {len(restored.row_counts)} tables from {path}; "
               "integrity ok. Start the app again.")
