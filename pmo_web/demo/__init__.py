"""The demo portfolio: `flask --app pmo_web seed-demo` (cli.py) calls seed().

This module stays light, as the CLI imports it whenever the app starts: the loader
(walk.py, with registers, reports, resources and governance) and its data (data/*.json,
read by portfolio.py) load only when seed() runs.
"""
from __future__ import annotations

# Every demo login's password, published in the README and printed by seed-demo.
DEMO_PASSWORD = "demo-password-2026"


def seed() -> bool:
    """Load the demo portfolio in one transaction; False (and nothing written) if it is there."""
    from .walk import seed_portfolio

    return seed_portfolio(DEMO_PASSWORD)
