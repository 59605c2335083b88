"""The portfolio's new filters (issue 14) reach the downloads: a filtered list downloads what
it shows, and the download page offers the same filters."""
from pmo_web.extensions import db
from tests import factories


def test_a_download_takes_the_portfolios_new_filters(client, auth, users):
    capital = factories.make_initiative(owner=users["requester"], state="delivery", funding_type="capital",
                                        delivery_confidence="red", title="Capital work")
    revenue = factories.make_initiative(owner=users["requester"], state="delivery", funding_type="revenue",
                                        title="Revenue work")
    factories.make_score(capital, users["pmo"], band="Low")
    db.session.commit()
    auth.login(users["viewer"])
    for query in ("funding=capital", "confidence=red", "band=Low"):
        csv = client.get(f"/exports/portfolio.csv?{query}").get_data(as_text=True)
        assert "Capital work" in csv and "Revenue work" not in csv, query
    assert revenue.title in client.get("/exports/portfolio.csv?confidence=none").get_data(as_text=True)
    page = client.get("/exports?funding=capital").get_data(as_text=True)
    for label in ("Priority band", "Strategic priority", "Funding type", "Delivery confidence"):
        assert label in page
    assert '<option selected value="capital">' in page or 'value="capital" selected' in page
