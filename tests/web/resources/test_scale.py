"""The grid at scale: 100 people x 60 initiatives x 12 months.

Two shapes are loaded with bulk inserts: everyone booked on every initiative every month
(72,000 cells: the worst case), and the realistic one, each person on six initiatives
(7,200 cells). The grid pages 15 people at a time and filters by initiative, so a page
never draws 72,000 inputs. Timings are server time through the test client (rendering
included), with generous limits so a slow shared machine does not fail them; the numbers
are printed (pytest -s) for the record.
"""
import time
from datetime import date
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import insert, select

from pmo_web.extensions import db
from pmo_web.models import Allocation, Assignment, Initiative, Person
from pmo_web.resources import planning
from tests import factories

HTMX = {"HX-Request": "true"}
YEAR = planning.financial_year_of(date.today())
MONTHS = planning.months_of_year(YEAR)


def load(owner, per_person: int) -> tuple[list[int], list[int]]:
    db.session.execute(insert(Person), [{"name": f"Planned Person {n:03d}", "capacity_fte": Decimal("1"),
                                         "version": 1, "changed_by": ""} for n in range(100)])
    for n in range(60):
        factories.make_initiative(owner=owner, state="delivery", title=f"Scale initiative {n}")
    db.session.flush()
    people = list(db.session.scalars(select(Person.id).where(Person.user_id.is_(None)).order_by(Person.id)))
    initiatives = list(db.session.scalars(select(Initiative.id).order_by(Initiative.id)))
    pairs = [(p, initiatives[(i * 7 + k) % 60]) for i, p in enumerate(people) for k in range(per_person)]
    db.session.execute(insert(Assignment), [{"person_id": p, "initiative_id": i} for p, i in pairs])
    fte = Decimal("1") / per_person if per_person < 60 else Decimal("0.02")
    db.session.execute(insert(Allocation), [
        {"person_id": p, "initiative_id": i, "month": month, "fte": fte.quantize(Decimal("0.01")), "version": 1,
         "changed_by": ""} for p, i in pairs for month in MONTHS])
    db.session.commit()
    return people, initiatives


def timed(fetch):
    started = time.perf_counter()
    response = fetch()
    return response, time.perf_counter() - started


@pytest.mark.parametrize("per_person", [6, 60], ids=["realistic-7200-cells", "dense-72000-cells"])
def test_the_grid_stays_responsive_at_100_people_by_60_initiatives(client, auth, users, per_person):
    people, initiatives = load(users["requester"], per_person)
    auth.login(users["pmo"])
    client.get(url_for("resources.grid"))  # warm the template cache
    page, page_seconds = timed(lambda: client.get(url_for("resources.grid")))
    assert page.status_code == 200
    filtered, filtered_seconds = timed(lambda: client.get(url_for("resources.grid", initiative=initiatives[0])))
    assert filtered.status_code == 200
    person = db.session.get(Person, people[0])
    url = url_for("resources.allocation_cell", initiative_id=initiatives[0], person_id=person.id,
                  month=planning.month_key(MONTHS[5]), _external=False)
    saved, save_seconds = timed(lambda: client.post(url, data={"fte": "0.3", "version": "1"}, headers=HTMX))
    assert saved.status_code == 200 and "hx-swap-oob" in saved.get_data(as_text=True)
    gaps, gaps_seconds = timed(lambda: client.get(url_for("resources.gaps")))
    assert gaps.status_code == 200
    inputs = page.get_data(as_text=True).count('name="fte"')
    print(f"\n{per_person} initiatives each: grid page {page_seconds * 1000:.0f} ms, {len(page.data) / 1024:.0f} KiB, "
          f"{inputs} inputs; filtered by initiative "
          f"{filtered_seconds * 1000:.0f} ms, {len(filtered.data) / 1024:.0f} KiB; cell save "
          f"{save_seconds * 1000:.0f} ms, {len(saved.data)} bytes; gap view {gaps_seconds * 1000:.0f} ms")
    assert page_seconds < 6 and filtered_seconds < 6 and save_seconds < 1.5 and gaps_seconds < 3
    # A page is at most 15 people and about 120 rows, however many initiatives each is on.
    assert inputs <= 15 * 12 * per_person and inputs <= 120 * 12
