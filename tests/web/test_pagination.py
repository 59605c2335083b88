"""The one pagination macro (templates/_pagination.html) that every paged list draws."""
import html as markup
import re

from flask import render_template_string

TEMPLATE = '{% from "_pagination.html" import pagination %}{{ pagination(page, endpoint, args, "Pages", **extra) }}'


def links(app, page, endpoint="lessons.library", args=None, **extra) -> list[tuple[str, str]]:
    with app.test_request_context():
        html = render_template_string(TEMPLATE, page=page, endpoint=endpoint, args=args or {}, extra=extra)
    found = re.findall(r'<a[^>]*href="([^"]+)"[^>]*rel="(prev|next)"', html) + [
        (href, "number") for href in re.findall(r'class="govuk-link govuk-pagination__link" href="([^"]+)"'
                                                r'[^>]*aria-label="Page \d+"', html)]
    return [(markup.unescape(href), kind) for href, kind in found]


def test_one_page_draws_nothing(app):
    assert links(app, {"page": 1, "pages": 1}) == []


def test_every_link_keeps_the_filters_and_names_the_page(app):
    found = links(app, {"page": 2, "pages": 3}, args={"category": "Procurement", "q": "vans"})
    assert sorted(found) == sorted([
        ("/lessons?category=Procurement&q=vans&page=1", "prev"),
        ("/lessons?category=Procurement&q=vans&page=3", "next"),
        *((f"/lessons?category=Procurement&q=vans&page={n}", "number") for n in (1, 2, 3)),
    ])


def test_a_second_list_on_the_page_pages_by_its_own_argument_and_lands_on_its_anchor(app):
    found = links(app, {"page": 1, "pages": 2}, endpoint="benefits.register", param="roi_page", anchor="#roi")
    assert ("/benefits?roi_page=2#roi", "next") in found
    assert not any(kind == "prev" for _href, kind in found)
    assert all(href.endswith("#roi") and "roi_page=" in href for href, _kind in found)
