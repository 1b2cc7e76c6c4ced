"""`/login`: an API key or a texted code sets an HttpOnly, SameSite session cookie; pages that
need a role send strangers to /login and back; sign-out ends the session; every form needs
its CSRF token; bad input is a clear 4xx."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import ADMIN_KEY, auth
from tests.web.test_pages import csrf
from web.session import SESSION_COOKIE, safe_next

PHONE = "+15550100199"


def sign_in(client: TestClient, key: str = ADMIN_KEY, next_: str = ""):  # type: ignore[no-untyped-def]
    token = csrf(client, "/login")
    return client.post(
        "/login",
        data={"csrf_token": token, "api_key": key, "next": next_},
        follow_redirects=False,
    )


def test_the_login_page_has_an_api_key_field_and_a_phone_field(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert re.search(r'<label for="api_key">API key</label>', page.text)
    assert 'name="phone"' in page.text and page.headers["cache-control"] == "no-store"


def test_a_key_signs_in_with_an_httponly_samesite_cookie(client: TestClient) -> None:
    answer = sign_in(client, next_="/door?event_id=3")
    assert answer.status_code == 303 and answer.headers["location"] == "/door?event_id=3"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert ADMIN_KEY not in cookie  # the cookie is a session, never the key
    page = client.get("/login")
    assert "signed in as" in page.text and "(admin)" in page.text


def test_a_wrong_key_stays_on_login_with_a_reason(client: TestClient) -> None:
    answer = sign_in(client, key="atk_wrong-key-0000000000000")
    assert answer.status_code == 401 and "not valid" in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    empty = sign_in(client, key="")
    assert empty.status_code == 422


def test_forms_without_the_csrf_token_change_nothing(client: TestClient) -> None:
    client.get("/login")
    for path, data in [
        ("/login", {"api_key": ADMIN_KEY}),
        ("/login/code", {"phone": PHONE}),
        ("/login/verify", {"phone": PHONE, "code": "123456"}),
        ("/logout", {}),
    ]:
        answer = client.post(path, data={**data, "csrf_token": "forged"}, follow_redirects=False)
        assert answer.status_code == 403, path
        assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_sign_out_ends_the_session_for_good(client: TestClient) -> None:
    sign_in(client)
    stolen = client.cookies.get(SESSION_COOKIE)
    assert stolen
    out = client.post(
        "/logout", data={"csrf_token": csrf(client, "/login")}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"].startswith("/login")
    assert client.cookies.get(SESSION_COOKIE) is None
    client.cookies.set(SESSION_COOKIE, stolen)  # replaying the old cookie
    assert "signed in as" not in client.get("/login").text


def test_a_staff_phone_signs_in_with_a_texted_code(client: TestClient) -> None:
    added = client.post("/api/staff-phones", json={"phone": PHONE, "name": "door"}, headers=auth())
    assert added.status_code == 201
    token = csrf(client, "/login")
    asked = client.post("/login/code", data={"csrf_token": token, "phone": "(555) 010-0199"})
    assert asked.status_code == 200 and "6-digit code" in asked.text
    outbox = client.get("/api/messages?channel=sms", headers=auth()).json()["messages"]
    code = re.match(r"(\d{6}) ", outbox[0]["body"]).group(1)  # type: ignore[union-attr]
    wrong = client.post(
        "/login/verify", data={"csrf_token": token, "phone": PHONE, "code": "000000"}
    )
    assert wrong.status_code in (401, 422) and "wrong or has expired" in wrong.text
    ok = client.post(
        "/login/verify",
        data={"csrf_token": token, "phone": PHONE, "code": code},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/door"
    assert "(staff)" in client.get("/login").text


def test_bad_phone_input_is_a_clear_4xx(client: TestClient) -> None:
    token = csrf(client, "/login")
    answer = client.post("/login/code", data={"csrf_token": token, "phone": "call me"})
    assert answer.status_code == 422 and "phone" in answer.text


def test_next_only_goes_to_this_site() -> None:
    assert safe_next("/door?event_id=2", "/x") == "/door?event_id=2"
    for evil in ("//evil.example/x", "https://evil.example", "/\\evil.example", "door"):
        assert safe_next(evil, "/x") == "/x"
