"""The portfolio risk heat map: counts per cell, a cell's list, top risks, filters and who sees what."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from pmo_web.extensions import db
from pmo_web.models.base import utcnow
from tests import factories

TODAY = date.today()


def heat_map_counts(page: str) -> dict[tuple[int, int], int]:
    """{(likelihood, impact): count} read from the heat map table as drawn."""
    table = page.split('class="govuk-table app-heatmap"', 1)[1].split("</table>", 1)[0]
    counts = {}
    for row in table.split("<tr")[2:]:  # the first row is the impact headers
        likelihood = int(re.search(r'scope="row"[^>]*>Likelihood (\d)', row).group(1))
        cells = re.findall(r'class="app-heatmap__count[^"]*">(\d+)<', row)
        assert len(cells) == 5, row
        for impact, count in enumerate(cells, start=1):
            counts[(likelihood, impact)] = int(count)
    return counts


def section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"', 1)[1]


@pytest.fixture
def delivering(users):
    return factories.make_initiative(owner=users["requester"], state="delivery", title="Custody record replacement")


def risk(initiative, likelihood, impact, **fields):
    return factories.make_raid_item(initiative, "risk", likelihood=likelihood, impact=impact,
                                    title=fields.pop("title", f"Risk {likelihood}x{impact}"), **fields)


def test_the_heat_map_counts_open_risks_of_live_work_per_cell(client, auth, users, delivering):
    other = factories.make_initiative(owner=users["requester"], state="business_case")
    # Counted: three in (4, 5), two in (2, 3), one in (1, 1), one in (5, 5) on another initiative.
    for _ in range(3):
        risk(delivering, 4, 5)
    risk(delivering, 2, 3)
    risk(other, 2, 3)
    risk(other, 1, 1)
    risk(other, 5, 5)
    # Not counted: closed, soft-deleted, other kinds, on a draft or on work that has ended.
    risk(delivering, 4, 5, status="closed")
    risk(delivering, 4, 5, deleted_at=utcnow())
    factories.make_raid_item(delivering, "issue")
    factories.make_raid_item(delivering, "assumption")
    risk(factories.make_initiative(owner=users["requester"], state="draft"), 4, 5)
    risk(factories.make_initiative(owner=users["requester"], state="closed"), 4, 5)
    risk(factories.make_initiative(owner=users["requester"], state="cancelled"), 2, 3)
    db.session.commit()
    auth.login(users["pmo"])

    page = client.get("/portfolio/risks").get_data(as_text=True)

    expected = {(likelihood, impact): 0 for likelihood in range(1, 6) for impact in range(1, 6)}
    expected.update({(4, 5): 3, (2, 3): 2, (1, 1): 1, (5, 5): 1})
    assert heat_map_counts(page) == expected
    assert "Open risks by likelihood and impact: 7 risks" in page


def test_each_cell_names_its_band_in_words_and_links_only_when_it_has_risks(client, auth, users, delivering):
    risk(delivering, 4, 5)
    db.session.commit()
    auth.login(users["pmo"])
    page = client.get("/portfolio/risks").get_data(as_text=True)
    for band, score in (("Very high", 20), ("High", 12), ("Medium", 6), ("Low", 4), ("Very high", 25)):
        assert f'<span class="app-heatmap__band">{band} ({score})</span>' in page
    links = [html.unescape(link) for link in re.findall(r'class="app-heatmap__link" href="([^"]+)"', page)]
    assert links == ["/portfolio/risks?likelihood=4&impact=5#risk-cell-list"]
    # Rows and columns are headed with the docs/rules.md 4 words.
    for words in ("Almost certain", "Likely", "Possible", "Unlikely", "Rare",
                  "Severe", "Major", "Moderate", "Minor", "Negligible"):
        assert words in page


def test_a_cell_lists_its_risks_below_the_map(client, auth, users, delivering):
    wanted = risk(delivering, 4, 5, title="Supplier engineers lack NPPV2 vetting")
    risk(delivering, 5, 4, title="Home Office grant withdrawn")
    risk(delivering, 4, 5, title="Closed risk", status="closed")
    db.session.commit()
    auth.login(users["pmo"])

    page = client.get("/portfolio/risks?likelihood=4&impact=5").get_data(as_text=True)

    listed = page.split('id="risk-cell-list"', 1)[1].split("</section>", 1)[0]
    assert "Risks with likelihood Likely and impact Severe" in listed
    assert wanted.title in listed and delivering.reference in listed
    assert "Home Office grant withdrawn" not in listed and "Closed risk" not in listed
    assert 'aria-current="true"' in page
    # Each risk leads to its row in the initiative's RAID log.
    assert f'href="/initiatives/{delivering.id}/raid?kind=risk#raid-item-{wanted.id}"' in listed


def test_htmx_gets_the_map_and_list_as_a_fragment(client, auth, users, delivering):
    risk(delivering, 3, 3, title="Custody network outage")
    db.session.commit()
    auth.login(users["pmo"])

    response = client.get("/portfolio/risks?likelihood=3&impact=3", headers={"HX-Request": "true"})

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="risk-heatmap"')
    assert "<html" not in body and "Top risks by score" not in body
    assert "Custody network outage" in body and "data-focus" in body
    assert "HX-Request" in response.headers["Vary"]
    page = client.get("/portfolio/risks?likelihood=3&impact=3").get_data(as_text=True)
    assert "<html" in page and "Top risks by score" in page and "Custody network outage" in page


@pytest.mark.parametrize("query", ["likelihood=9&impact=2", "likelihood=abc&impact=3", "likelihood=3",
                                   "likelihood=0&impact=0", "likelihood=99999999999999999999&impact=1"])
def test_a_bad_cell_in_the_address_shows_the_map_without_a_list(client, auth, users, delivering, query):
    risk(delivering, 3, 3)
    db.session.commit()
    auth.login(users["pmo"])
    response = client.get(f"/portfolio/risks?{query}")
    assert response.status_code == 200
    assert 'id="risk-cell-list"' not in response.get_data(as_text=True)


def test_top_risks_are_the_ten_highest_scores_ties_by_review_date(client, auth, users, delivering):
    # Twelve open risks; the two lowest scores (I: 9, J: 2) fall outside the top ten.
    specs = [("A", 5, 5, 30), ("B", 4, 5, 5), ("C", 5, 4, 2), ("D", 4, 4, 9), ("E", 3, 5, 9),
             ("F", 3, 4, None), ("G", 4, 3, 1), ("H", 2, 5, 3), ("I", 3, 3, 1), ("J", 1, 2, 1),
             ("K", 4, 5, 40), ("L", 2, 5, 50)]
    for name, likelihood, impact, days in specs:
        risk(delivering, likelihood, impact, title=f"Top risk {name}",
             review_date=TODAY + timedelta(days=days) if days is not None else None)
    db.session.commit()
    auth.login(users["pmo"])

    page = client.get("/portfolio/risks").get_data(as_text=True)

    top = re.findall(r"Top risk ([A-L])", section(page, "top-risks"))
    # 25: A; 20: C (2 days), B (5), K (40); 16: D; 15: E; 12: G (1 day), F (none); 10: H, L (50 days).
    assert top == ["A", "C", "B", "K", "D", "E", "G", "F", "H", "L"]


def test_filters_narrow_the_map_and_the_top_risks(client, auth, users, delivering):
    programme = factories.make_programme("Estates capital programme")
    other_department = factories.make_department("Estates and Facilities")
    estates = factories.make_initiative(owner=factories.make_user(department=other_department), state="delivery",
                                        programme=programme)
    risk(delivering, 2, 2, title="Contact centre risk")
    risk(estates, 5, 5, title="Asbestos in cell block B")
    db.session.commit()
    auth.login(users["pmo"])

    for query in (f"programme={programme.id}", f"department={other_department.id}"):
        page = client.get(f"/portfolio/risks?{query}").get_data(as_text=True)
        counts = heat_map_counts(page)
        assert counts[(5, 5)] == 1 and counts[(2, 2)] == 0, query
        assert "Asbestos in cell block B" in page and "Contact centre risk" not in page
        # A cell keeps the filters it was drawn under.
        link = re.search(r'class="app-heatmap__link" href="([^"]+)"', page).group(1)
        assert html.unescape(link).startswith(f"/portfolio/risks?likelihood=5&impact=5&{query}")


def test_a_requester_sees_only_their_own_departments_risks(client, auth, users, delivering):
    elsewhere = factories.make_initiative(owner=factories.make_user(), state="delivery", title="Estates secret")
    risk(delivering, 3, 3, title="Own department risk")
    risk(elsewhere, 5, 5, title="Other department risk")
    db.session.commit()
    auth.login(users["requester"])  # a sergeant: may read the portfolio, narrowed to what they may see

    page = client.get("/portfolio/risks").get_data(as_text=True)
    counts = heat_map_counts(page)
    assert counts[(3, 3)] == 1 and counts[(5, 5)] == 0
    assert "Own department risk" in page and "Other department risk" not in page
    listed = client.get("/portfolio/risks?likelihood=5&impact=5").get_data(as_text=True)
    assert "Other department risk" not in listed and "Estates secret" not in listed

    auth.logout()
    auth.login(users["viewer"])
    assert heat_map_counts(client.get("/portfolio/risks").get_data(as_text=True))[(5, 5)] == 1


@pytest.mark.parametrize(("role", "rank", "status"), [
    ("requester", "constable", 403), ("viewer", "constable", 403),
    ("requester", "sergeant", 200), ("viewer", "sergeant", 200), ("pmo", "constable", 200),
    ("approver", "constable", 200),
])
@pytest.mark.parametrize("url", ["/portfolio/risks", "/portfolio/escalations", "/portfolio/dependencies"])
def test_only_portfolio_readers_open_the_views(client, auth, app, role, rank, status, url):
    user = factories.make_user(roles=(role,), rank=rank)
    db.session.commit()
    auth.login(user)
    assert client.get(url).status_code == status


def test_the_navigation_leads_portfolio_readers_to_the_heat_map(client, auth, users):
    below_rank = factories.make_user(roles=("requester",), rank="constable")
    db.session.commit()
    auth.login(users["viewer"])
    page = client.get("/portfolio/escalations").get_data(as_text=True)
    # The menu's Registers hub is where the heat map is found, and is current on its pages.
    menu = page.split('aria-label="Main menu"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'href="/registers" aria-current="page"', menu)
    hub = client.get("/registers").get_data(as_text=True)
    assert re.search(r'href="/portfolio/risks">Risks and issues</a>', hub)
    subnav = page.split('aria-label="Risks and issues views"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/portfolio/dependencies"' in subnav
    assert re.search(r'href="/portfolio/escalations" aria-current="page"', subnav)
    auth.logout()
    auth.login(below_rank)
    page = client.get("/intake/mine").get_data(as_text=True)
    assert "Main menu" in page and "Risks and issues" not in page and 'href="/registers"' not in page
    assert client.get("/registers").status_code == 403
