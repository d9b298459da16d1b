"""A second, independent relying party: Python's authlib signs in to Ward by OpenID Connect
(discovery, authorization code + PKCE S256 through Ward's real login pages, ID token validated
against the JWKS, userinfo, refresh rotation, end-session). Prints one line per check and
`rp-check: N passed, M failed`. Usage: authlib_journey.py <ward base URL> <admin API token>"""
import sys
import warnings
from urllib.parse import parse_qs, urlparse

import requests
from authlib.integrations.requests_client import OAuth2Session

with warnings.catch_warnings():
    # authlib.jose is deprecated for joserfc but still ships and works through 1.x.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, jwt

BASE, TOKEN = sys.argv[1], sys.argv[2]
REDIRECT = "http://127.0.0.1:9/authlib/callback"
LOGGED_OUT = "http://127.0.0.1:9/authlib/logged-out"
SECRET = "authlib-client-secret-0123456789-0123456789"
PASSWORD = "carol password 12345"
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'FAILED'}: {name}{'' if ok else ' -- ' + str(detail)}")


api = requests.Session()
api.headers["Authorization"] = f"Bearer {TOKEN}"


def rest(method, path, **kw):
    res = api.request(method, f"{BASE}/api/v3{path}", **kw)
    res.raise_for_status()
    return res.json() if res.content else None


def flow_pk(slug):
    return rest("GET", f"/flows/instances/{slug}/")["pk"]


key = rest("GET", "/crypto/certificatekeypairs/")["results"][0]["pk"]
provider = rest("POST", "/providers/oauth2/", json={
    "name": "authlib",
    "authorization_flow": flow_pk("default-provider-authorization-implicit-consent"),
    "invalidation_flow": flow_pk("default-provider-invalidation-flow"),
    "redirect_uris": [
        {"matching_mode": "strict", "url": REDIRECT},
        {"matching_mode": "strict", "url": LOGGED_OUT, "redirect_uri_type": "logout"},
    ],
    "signing_key": key,
    "client_secret": SECRET,
})
rest("POST", "/core/applications/", json={"name": "Authlib", "slug": "authlib", "provider": provider["pk"]})
user = rest("POST", "/core/users/", json={"username": "carol", "name": "Carol Example", "email": "carol@example.com"})
rest("POST", f"/core/users/{user['pk']}/set_password/", json={"password": PASSWORD})

issuer = f"{BASE}/application/o/authlib/"
meta = requests.get(f"{issuer}.well-known/openid-configuration").json()
check("discovery names the issuer", meta.get("issuer") == issuer, meta.get("issuer"))
jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"]).json())

rp = OAuth2Session(provider["client_id"], SECRET, scope="openid email profile offline_access",
                   redirect_uri=REDIRECT, code_challenge_method="S256",
                   token_endpoint_auth_method="client_secret_basic")
verifier = "v" * 20 + "-authlib-pkce-verifier-0123456789"
nonce = "authlib-nonce-42"
url, state = rp.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)

# The browser: a cookie-keeping client that goes through Ward's login pages.
browser = requests.Session()
res = browser.get(url, allow_redirects=False)
login = res.headers.get("location", "")
check("an anonymous browser is sent to the login flow", res.status_code == 302 and login.startswith("/if/flow/"), login)
nxt = parse_qs(urlparse(login).query)["next"][0]
slug = "default-authentication-flow"
browser.post(f"{BASE}/-/fn/flow/load", data={"slug": slug, "query[next]": nxt}, headers={"Accept": "application/json"})
browser.post(f"{BASE}/-/fn/flow/submit", data={"slug": slug, "fields[uid_field]": "carol"}, headers={"Accept": "application/json"})
view = browser.post(f"{BASE}/-/fn/flow/submit", data={"slug": slug, "fields[password]": PASSWORD},
                    headers={"Accept": "application/json"}).json()
check("the password signs carol in", view.get("challenge", {}).get("component") == "redirect", view)
res = browser.get(BASE + view["challenge"]["to"], allow_redirects=False)
callback = res.headers.get("location", "")
check("authorize answers the client with a code", callback.startswith(REDIRECT) and "code=" in callback, callback)
params = parse_qs(urlparse(callback).query)
check("the state comes back", params.get("state", [""])[0] == state, params)
check("iss is in the response (RFC 9207)", params.get("iss", [""])[0] == issuer, params)

tokens = rp.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
claims = jwt.decode(tokens["id_token"], jwks, claims_options={
    "iss": {"essential": True, "value": issuer},
    "aud": {"essential": True, "value": provider["client_id"]},
    "nonce": {"essential": True, "value": nonce},
})
try:
    claims.validate()
    check("the ID token verifies against the JWKS", True)
except Exception as e:  # noqa: BLE001 - the check reports it
    check("the ID token verifies against the JWKS", False, e)
check("the ID token carries the profile", claims.get("preferred_username") == "carol" and claims.get("email") == "carol@example.com", dict(claims))
check("amr says a password signed in", claims.get("amr") == ["pwd"], claims.get("amr"))

info = rp.get(meta["userinfo_endpoint"]).json()
check("userinfo answers for the same subject", info.get("sub") == claims["sub"] and info.get("name") == "Carol Example", info)

first = tokens["refresh_token"]
refreshed = rp.refresh_token(meta["token_endpoint"], refresh_token=first)
check("a refresh rotates the refresh token", refreshed.get("refresh_token") not in (None, first), refreshed)
again = requests.post(meta["token_endpoint"], auth=(provider["client_id"], SECRET),
                      data={"grant_type": "refresh_token", "refresh_token": first})
check("the old refresh token is refused", again.status_code == 400 and again.json().get("error") == "invalid_grant", again.text)

end = browser.get(meta["end_session_endpoint"], params={
    "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGGED_OUT, "state": "bye",
}, allow_redirects=False)
check("end-session returns to the registered logout URI", end.headers.get("location") == f"{LOGGED_OUT}?state=bye", end.headers.get("location"))

passed = sum(results)
print(f"rp-check: {passed} passed, {len(results) - passed} failed")
sys.exit(0 if all(results) else 1)
