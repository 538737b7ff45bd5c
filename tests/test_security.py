"""Security settings at work: CSP and other headers, login throttling, staff-only admin, CSRF."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import make_essay

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_superuser("curator", "c@example.org", PASSWORD)


def login_attempt(client: Client, password: str, ip: str = "203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "curator", "password": password},
        REMOTE_ADDR=ip,
    )


def csrf_token(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


# Headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/essays/", "/admin/login/", "/no-such-page/"])
def test_every_response_carries_the_strict_policy_and_security_headers(client, url) -> None:
    make_essay("A published essay")
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("url", ["/", "/essays/", "/admin/login/"])
def test_pages_have_no_inline_script_or_style_for_the_policy_to_block(client, url) -> None:
    essay = make_essay("A published essay")
    for page in (url, essay.get_absolute_url()):
        html = client.get(page).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
            assert "src=" in tag or 'type="application/ld+json"' in tag, tag
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html, flags=re.I)


# Login throttling ----------------------------------------------------------------------------


def test_five_wrong_passwords_lock_that_username_and_address_out(client, curator) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login_attempt(client, "guess").status_code == 200  # the form again, with an error
    assert login_attempt(client, "guess").status_code == 429  # the fifth failure locks
    locked = login_attempt(client, PASSWORD)  # now even the right password is refused
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out: the lockout is per username and address.
    assert login_attempt(Client(), PASSWORD, ip="198.51.100.1").status_code == 302


def test_a_right_password_before_the_limit_logs_in_and_resets_the_count(client, curator) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login_attempt(client, "guess")
    assert login_attempt(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login_attempt(client, "guess")
    assert login_attempt(client, PASSWORD).status_code == 302


def test_lockout_lasts_fifteen_minutes() -> None:
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


# Staff-only admin ----------------------------------------------------------------------------


def test_admin_needs_a_login(client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_non_staff_account_cannot_enter_the_admin(client, django_user_model) -> None:
    django_user_model.objects.create_user("reader", password=PASSWORD)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "reader", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "staff account" in response.content.decode()
    assert client.get("/admin/").status_code == 302


# CSRF on admin actions -----------------------------------------------------------------------


def test_admin_forms_and_actions_refuse_posts_without_a_csrf_token(curator) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    group = Group.objects.create(name="editors")

    assert client.post("/admin/auth/group/add/", {"name": "forged"}).status_code == 403
    action = {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"}
    assert client.post("/admin/auth/group/", action).status_code == 403
    assert client.post("/admin/logout/").status_code == 403
    assert list(Group.objects.values_list("name", flat=True)) == ["editors"]

    token = csrf_token(client, "/admin/auth/group/add/")
    response = client.post(
        "/admin/auth/group/add/", {"name": "reviewers", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    response = client.post("/admin/auth/group/", {**action, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert list(Group.objects.values_list("name", flat=True)) == ["reviewers"]


def test_login_form_itself_is_csrf_protected(curator) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "curator", "password": PASSWORD})
    assert response.status_code == 403


# The admin in a real browser under the policy ---------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_runs_in_chromium_without_a_single_policy_violation(live_server, curator) -> None:
    """Django's admin needs no inline script or style: log in, open its script-heavy pages."""
    from playwright.sync_api import sync_playwright

    group = Group.objects.create(name="editors")
    pages = [
        "/admin/",
        "/admin/auth/group/add/",  # the filter_horizontal widget (SelectFilter2.js)
        f"/admin/auth/group/{group.pk}/change/",
        f"/admin/auth/user/{curator.pk}/change/",  # dates, calendar and clock shortcuts
        "/admin/auth/user/",  # changelist with actions
    ]
    violations: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.on(
            "console",
            lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text),
        )
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "curator")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        for url in pages:
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
        # Scripts did run: the calendar shortcut link exists only when DateTimeShortcuts.js ran.
        page.goto(live_server.url + f"/admin/auth/user/{curator.pk}/change/")
        assert page.locator(".datetimeshortcuts").count() > 0
        page.goto(live_server.url + "/admin/auth/group/add/")
        assert page.locator(".selector-available").count() == 1
        browser.close()
    assert violations == []
