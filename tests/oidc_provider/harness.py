"""Start the test identity provider as its own server process, set its users, and sign in through it
with a plain HTTP client (the browser journey is in tests/e2e/test_sso_journey.py)."""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "ott-portal"
CLIENT_SECRET = "portal-secret-for-tests"
PROVIDER_NAME = "Test IdP"
# Claim values (the provider's group names) -> the portal's groups.
GROUP_MAP = "ott-admins=Admins,ott-marketing=Marketers,ott-audit=Auditors,ott-approvers=Approvers"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class IdentityProvider:
    url: str
    folder: Path
    env: dict[str, str]
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "django", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"test IdP: {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def register_portal(self, portal_url: str) -> None:
        self.manage(
            "idp_client",
            f"--client-id={CLIENT_ID}",
            f"--secret={CLIENT_SECRET}",
            f"--redirect-uri={portal_url}/oidc/callback/",
            f"--post-logout-uri={portal_url}/login/",
        )

    def set_user(self, username: str, password: str, groups: list[str], email: str = "", first_name: str = "") -> None:
        self.manage(
            "idp_user",
            username,
            f"--password={password}",
            f"--email={email or f'{username}@example.com'}",
            f"--first-name={first_name}",
            f"--groups={','.join(groups)}",
        )

    def portal_env(self) -> dict[str, str]:
        """The portal's OIDC_* settings for this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPES": "openid email profile groups",
            "OIDC_GROUP_MAP": GROUP_MAP,
            "OIDC_PROVIDER_NAME": PROVIDER_NAME,
        }

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_identity_provider(folder: Path, timeout: float = 60.0) -> IdentityProvider:
    """Migrate a fresh provider database, make its RSA signing key, and serve it on a free port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "IDP_DB": str(folder / "idp.sqlite3"),
        "IDP_URL": url,
        "PYTHONUNBUFFERED": "1",
    }
    idp = IdentityProvider(url=url, folder=folder, env=env)
    idp.manage("migrate", "--noinput", "--verbosity=0")
    idp.manage("creatersakey")
    log = (folder / "idp.log").open("w")
    idp.process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{idp.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return idp
        except requests.RequestException:
            pass
        if idp.process.poll() is not None or time.monotonic() > deadline:
            idp.stop()
            raise RuntimeError(f"the test IdP did not start:\n{(folder / 'idp.log').read_text()}")
        time.sleep(0.2)


def _form_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else ""


def sso_sign_in(
    portal_url: str, username: str, password: str, *, session: requests.Session | None = None, next_path: str = ""
):
    """The whole authorization code flow as a browser does it: the portal's start address, the
    provider's login form, the redirects back to the portal's callback. Returns the session (with the
    portal's cookie) and the last answer."""
    session = session or requests.Session()
    start = f"{portal_url}/oidc/authenticate/" + (f"?next={next_path}" if next_path else "")
    page = session.get(start, timeout=30)
    if page.url.startswith(portal_url):  # still signed in at the provider: straight back
        return session, page
    answer = session.post(
        page.url,
        data={
            "csrfmiddlewaretoken": _form_value(page.text, "csrfmiddlewaretoken"),
            "username": username,
            "password": password,
            "next": _form_value(page.text, "next"),
        },
        timeout=30,
    )
    return session, answer
