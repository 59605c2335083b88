"""PMO_TRUSTED_PROXIES: how many reverse proxies to believe about the client's address and
scheme. None by default, so X-Forwarded-* headers are ignored; a bad value stops start-up."""
from __future__ import annotations

import pytest
from flask import request

from pmo_web import config, create_app

BASE = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def app_with(**settings):
    """An app with a page that shows the address and scheme a request is seen to come with."""
    app = create_app({**BASE, **settings})

    @app.get("/seen-as")
    def seen_as():
        return f"{request.remote_addr} {request.scheme}"

    return app


def seen_as(app, forwarded_for: str, proto: str = "https") -> str:
    response = app.test_client().get("/seen-as", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                                     headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": proto})
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("trusted", "forwarded_for", "proto", "expected"), [
    ({}, "203.0.113.9", "https", "10.0.0.1 http"),  # the default: no header believed
    ({"TRUSTED_PROXIES": 0}, "203.0.113.9", "https", "10.0.0.1 http"),
    ({"TRUSTED_PROXIES": 1}, "203.0.113.9", "https", "203.0.113.9 https"),
    # What the client wrote itself sits left of what our proxy appended: ignored.
    ({"TRUSTED_PROXIES": 1}, "192.0.2.66, 203.0.113.9", "https", "203.0.113.9 https"),
    # Two proxies: the outer one saw the client on https, the inner one was reached over http.
    ({"TRUSTED_PROXIES": 2}, "192.0.2.66, 203.0.113.9, 10.0.0.7", "https, http", "203.0.113.9 https"),
])
def test_the_client_address_and_scheme_come_from_trusted_proxies_only(trusted, forwarded_for, proto, expected):
    assert seen_as(app_with(**trusted), forwarded_for, proto) == expected


@pytest.mark.parametrize("value", ["", "one", "-1", "1.5", "6", "99", "١", True, None])
def test_a_bad_trusted_proxy_count_stops_the_app_at_start_up(value):
    with pytest.raises(RuntimeError, match="PMO_TRUSTED_PROXIES is .* set it to the number of reverse proxies"):
        create_app({**BASE, "TRUSTED_PROXIES": value})


def test_the_count_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    monkeypatch.setenv("PMO_TRUSTED_PROXIES", " 2 ")
    settings = config.from_environment(str(tmp_path))
    app = create_app({**BASE, "TRUSTED_PROXIES": settings["TRUSTED_PROXIES"]})
    assert app.config["TRUSTED_PROXIES"] == 2
    for unset in ("", None):  # like the other settings, empty is unset: the default, 0
        if unset is None:
            monkeypatch.delenv("PMO_TRUSTED_PROXIES")
        else:
            monkeypatch.setenv("PMO_TRUSTED_PROXIES", unset)
        assert "TRUSTED_PROXIES" not in config.from_environment(str(tmp_path))
