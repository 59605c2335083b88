"""Who may open the portfolio views of the RAID logs (pmo_web/raid/portfolio.py).

Every role may, as a sergeant (the default minimum rank for the portfolio); what each
sees is narrowed to the initiatives it may read, which tests/web/raid/test_portfolio*.py check.
"""
from tests.security.route_matrix import ALL, Access

ENTRIES: dict[str, Access] = {
    "raid.portfolio_risks": Access(ALL),
    "raid.portfolio_escalations": Access(ALL),
    "raid.portfolio_dependencies": Access(ALL),
}
