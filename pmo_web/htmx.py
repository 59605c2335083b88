"""The one place that knows about htmx request and response headers.

Views ask `is_partial()` to choose between a fragment and a full page, and use
`render()` so that responses which vary on it say so with `Vary: HX-Request`.
"""
from __future__ import annotations

from flask import render_template, request
from htmx_flask import Htmx
from htmx_flask import make_response as htmx_response

htmx = Htmx()

__all__ = ["htmx", "is_partial", "render", "htmx_response", "redirect_to"]


def is_partial() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    headers = getattr(request, "htmx", None)
    return bool(headers) and not headers.boosted and not headers.history_restore_request


def render(page: str, fragment: str | None = None, status: int = 200, **context):
    """Render `fragment` for htmx requests and `page` otherwise; both share one context."""
    template = fragment if (fragment and is_partial()) else page
    response = htmx_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str, status: int = 303):
    """Redirect that works for both: HX-Redirect for htmx, a 303 for normal navigation."""
    from flask import redirect

    if is_partial():
        return htmx_response("", 204, redirect=url)
    return redirect(url, status)
