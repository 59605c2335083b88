"""A small OpenID provider for tests, served on 127.0.0.1 in a thread.

It serves the discovery document, a JWKS with one test RSA key, an authorize endpoint that
sends the browser straight back with a code (it remembers the nonce and PKCE challenge it
was given), and a token endpoint returning an id_token. `next_claims` and `sign_with_other_key`
let a test tamper with the next token (wrong audience, expired, wrong nonce, bad signature).
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "pmo-web-tests"
CLIENT_SECRET = "fake-client-secret-value"


class FakeProvider:
    """The provider; `start()` serves it, `url` is its issuer."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "alg": "RS256"})
        self.codes: dict[str, dict] = {}
        self.user = {"sub": "user-1", "email": "Sso.User@Example.test", "name": "Sso User", "groups": []}
        self.next_claims: dict = {}      # merged into the next id_token's claims
        self.sign_with_other_key = False  # sign the next id_token with a key not in the JWKS
        self.token_requests: list[dict] = []
        self.server = None
        self.url = ""

    def start(self) -> FakeProvider:
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        self.next_claims, self.sign_with_other_key = {}, False
        self.user = {"sub": "user-1", "email": "Sso.User@Example.test", "name": "Sso User", "groups": []}

    def wsgi(self, environ, start_response):
        request = Request(environ)
        handler = {
            "/.well-known/openid-configuration": self.discovery,
            "/jwks": self.jwks,
            "/authorize": self.authorize,
            "/token": self.token,
        }.get(request.path)
        response = handler(request) if handler else Response("not found", 404)
        return response(environ, start_response)

    def discovery(self, _request):
        return _json({
            "issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        })

    def jwks(self, _request):
        return _json({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, request):
        """Signs the configured user in at once and sends the browser back with a code."""
        args = request.args
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": args.get("nonce"), "challenge": args.get("code_challenge"),
                            "redirect_uri": args.get("redirect_uri"), "client_id": args.get("client_id")}
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Response("", 302, {"Location": f"{args['redirect_uri']}?{query}"})

    def token(self, request):
        form = request.form
        self.token_requests.append(dict(form))
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None:
            return _json({"error": "invalid_grant"}, 400)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant["challenge"] and challenge != grant["challenge"]:
            return _json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        now = int(time.time())
        claims = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **self.user, **self.next_claims}
        key = self.other_key if self.sign_with_other_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)
        return _json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                      "expires_in": 300, "id_token": id_token})


def _json(body, status=200):
    return Response(json.dumps(body), status, {"Content-Type": "application/json"})
