"""Command-line tasks: `flask --app pmo_web create-user | seed-demo`."""
from __future__ import annotations

import click
from flask import current_app

from .extensions import db
from .models import ROLES, Department, User

DEMO_PASSWORD = "demo-password-2026"


def register(app) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)


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
    from .demo import seed

    created = seed()
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present; nothing changed.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role in ("requester", "pmo", "approver", "viewer", "admin"):
        click.echo(f"  {role:<10} {role}@demo.local")
