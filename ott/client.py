"""The only code that talks HTTP to Marketing Cloud's OTT API.

It owns the base URLs, the OAuth token, timeouts and what counts as success. Callers get an
outcome value, never a `requests` exception:
- `Accepted`: 2xx with what was asked for (ottRequestId for a send);
- `Rejected`: a validation refusal (400-class with Marketing Cloud's error body); permanent;
- `Failed`: anything else, `transient` (worth retrying: connection errors, timeouts, 5xx, 429) or
  permanent, and `ambiguous` when the request may have reached Marketing Cloud (read timeout,
  connection dropped after sending, an unreadable 2xx): then ask `get_send_status` before resending.
"""

from __future__ import annotations

import dataclasses
import email.utils
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from ott.redaction import is_secret_key, redact, redact_text

logger = logging.getLogger(__name__)

RAW_TEXT_LIMIT = 4000  # characters of an answer kept for the record
TOKEN_EARLY_RENEWAL = 60  # seconds before `expires_in` runs out that a new token is fetched


@dataclass(frozen=True)
class Accepted:
    http_status: int
    body: Any
    latency_ms: int
    ott_request_id: str = ""
    transient = False


@dataclass(frozen=True)
class Rejected:
    http_status: int
    errorcode: int | None
    message: str
    validation_errors: list = field(default_factory=list)
    raw_text: str = ""
    latency_ms: int = 0
    transient = False


@dataclass(frozen=True)
class Failed:
    reason: str
    transient: bool
    http_status: int = 0  # 0: no HTTP answer (network error, timeout)
    retry_after: float | None = None
    ambiguous: bool = False
    exception_type: str = ""
    errorcode: int | None = None
    raw_text: str = ""
    latency_ms: int = 0


Outcome = Accepted | Rejected | Failed


@dataclass(frozen=True)
class SendStatus:
    """The answer of `GET /ott/v1/send/{messageId}`; `found` is False on 404."""

    found: bool
    request_body: Any = None
    events: list = field(default_factory=list)
    ott_request_id: str = ""  # not in the documented answer; kept when Marketing Cloud sends it
    latency_ms: int = field(default=0, compare=False)  # how long the answer took, not part of it


class OttError(Exception):
    """A call whose outcome was not a success, for callers that cannot go on without one."""

    def __init__(self, outcome: Rejected | Failed):
        self.outcome = outcome
        text = outcome.message if isinstance(outcome, Rejected) else outcome.reason
        super().__init__(text)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _TokenCache:
    """Access tokens shared by every thread of the process, one per set of credentials."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: dict[tuple, tuple[str, float]] = {}

    def get(self, key: tuple) -> str | None:
        entry = self._tokens.get(key)
        if entry and entry[1] > time.monotonic():
            return entry[0]
        return None

    def put(self, key: tuple, token: str, expires_in: float) -> None:
        self._tokens[key] = (token, time.monotonic() + max(0.0, expires_in - TOKEN_EARLY_RENEWAL))

    def drop(self, key: tuple, token: str | None) -> None:
        with self._lock:
            if token is None or self._tokens.get(key, (None,))[0] == token:
                self._tokens.pop(key, None)

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


TOKENS = _TokenCache()


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _raw(response: requests.Response) -> str:
    return redact_text(response.text[:RAW_TEXT_LIMIT])


class OttClient:
    def __init__(
        self,
        *,
        auth_url: str,
        rest_url: str,
        client_id: str,
        client_secret: str,
        account_id: str = "",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        pool_size: int = 16,
    ):
        self.auth_url = auth_url.rstrip("/")
        self.rest_url = rest_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.account_id = account_id
        self.timeout = (connect_timeout, read_timeout)
        self.pool_size = pool_size
        self._local = threading.local()
        self._token_key = (self.auth_url, client_id, account_id)

    @classmethod
    def from_settings(cls) -> OttClient:
        from django.conf import settings

        return cls(
            auth_url=settings.OTT_AUTH_URL,
            rest_url=settings.OTT_REST_URL,
            client_id=settings.OTT_CLIENT_ID,
            client_secret=settings.OTT_CLIENT_SECRET,
            account_id=settings.OTT_ACCOUNT_ID,
            connect_timeout=settings.OTT_CONNECT_TIMEOUT,
            read_timeout=settings.OTT_READ_TIMEOUT,
            pool_size=settings.OTT_SEND_CONCURRENCY,
        )

    def __repr__(self) -> str:  # never show the secret
        return f"OttClient(rest_url={self.rest_url!r}, client_id={self.client_id!r})"

    # --- plumbing -------------------------------------------------------------------------------
    @property
    def session(self) -> requests.Session:
        """One Session per thread: requests.Session is not safe to share between threads."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # Read the environment (proxies, CA bundle) once here instead of on every request: with
            # trust_env on, requests scans os.environ twice per call, a third of a send's CPU time.
            session.proxies.update(requests.utils.get_environ_proxies(self.rest_url or "https://localhost"))
            session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            session.trust_env = False
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=self.pool_size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = "ott-portal/1"
            self._local.session = session
            self._local.headers = dict(session.headers)  # read once: iterating the Session's is slow
        return session

    def _http(
        self,
        method: str,
        url: str,
        *,
        headers: dict | None = None,
        json: Any = None,
        params: dict | None = None,
        data: bytes | None = None,
    ) -> tuple[requests.Response | None, Failed | None, int]:
        started = time.monotonic()
        session = self.session
        try:
            # Prepared here and handed straight to the session's connection pool (its adapter):
            # Session.request and Session.send would merge the environment, cookies, auth and hooks
            # and look for redirects on every call, none of which this client uses (Marketing Cloud
            # answers every call itself; a redirected POST must not silently become a GET). A third
            # of the CPU a post costs (bench/send_throughput.py).
            request = requests.PreparedRequest()
            request.prepare_method(method)
            request.prepare_url(url, params)
            request.headers = CaseInsensitiveDict({**self._local.headers, **(headers or {})})
            request.hooks = {"response": []}
            if data is not None:
                request.headers["Content-Type"] = "application/json"
                request.headers["Content-Length"] = str(len(data))
                request.body = data
            else:
                request.prepare_body(None, None, json)
            response = session.get_adapter(request.url).send(
                request, timeout=self.timeout, proxies=session.proxies, verify=session.verify
            )
            response.content  # noqa: B018  (read the body now, inside the timing and the error handling)
        except requests.RequestException as exc:
            latency = int((time.monotonic() - started) * 1000)
            failure = _network_failure(exc, latency)
            logger.warning("ott %s %s failed: %s", method, url, failure.reason)
            return None, failure, latency
        latency = int((time.monotonic() - started) * 1000)
        logger.info("ott %s %s -> %s in %d ms", method, url, response.status_code, latency)
        return response, None, latency

    def _token(self) -> str | Failed:
        token = TOKENS.get(self._token_key)
        if token:
            return token
        with TOKENS.lock:  # one request for a new token, however many threads need it
            token = TOKENS.get(self._token_key)
            if token:
                return token
            body = {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._client_secret,
            }
            if self.account_id:
                body["account_id"] = self.account_id
            response, failure, latency = self._http("POST", f"{self.auth_url}/v2/token", json=body)
            if failure:
                return dataclasses.replace(failure, reason=f"token request: {failure.reason}")
            data = _json_or_none(response)
            if response.status_code == 200 and isinstance(data, dict) and data.get("access_token"):
                try:
                    expires_in = float(data.get("expires_in", 1080))
                except (TypeError, ValueError):
                    expires_in = 1080.0
                TOKENS.put(self._token_key, str(data["access_token"]), expires_in)
                return str(data["access_token"])
            transient = response.status_code >= 500 or response.status_code in (408, 429)
            reason = (
                "Marketing Cloud refused the client credentials"
                if response.status_code in (400, 401, 403)
                else "the token endpoint gave no access token"
            )
            return Failed(
                reason=f"token request: {reason} (HTTP {response.status_code})",
                transient=transient,
                http_status=response.status_code,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                raw_text=_raw(response),
                latency_ms=latency,
            )

    def _rest(self, method: str, path: str, **kwargs) -> tuple[requests.Response | None, Failed | None, int]:
        """A REST call with the bearer token; on a 401, one new token and one retry."""
        for attempt in (1, 2):
            token = self._token()
            if isinstance(token, Failed):
                return None, token, token.latency_ms
            headers = {"Authorization": f"Bearer {token}"}
            response, failure, latency = self._http(method, f"{self.rest_url}{path}", headers=headers, **kwargs)
            if response is not None and response.status_code == 401 and attempt == 1:
                TOKENS.drop(self._token_key, token)
                continue
            return response, failure, latency
        raise AssertionError("unreachable")

    # --- the API ----------------------------------------------------------------------------------
    def send(self, body: dict | str) -> Outcome:
        """`POST /ott/v1/send` of `body`: data, or JSON text posted as it is."""
        if isinstance(body, str):
            response, failure, latency = self._rest("POST", "/ott/v1/send", data=body.encode())
        else:
            response, failure, latency = self._rest("POST", "/ott/v1/send", json=body)
        if failure:
            return failure
        outcome = _classify(response, latency)
        if isinstance(outcome, Accepted):
            request_id = outcome.body.get("ottRequestId") if isinstance(outcome.body, dict) else None
            if not request_id:
                # Marketing Cloud probably took it, but the answer does not prove it.
                return Failed(
                    reason=f"accepted (HTTP {response.status_code}) without an ottRequestId",
                    transient=True,
                    ambiguous=True,
                    http_status=response.status_code,
                    raw_text=_raw(response),
                    latency_ms=latency,
                )
            return Accepted(response.status_code, outcome.body, latency, ott_request_id=str(request_id))
        return outcome

    def get_send_status(self, message_id: str) -> SendStatus | Rejected | Failed:
        """`GET /ott/v1/send/{messageId}`: messageId is a messageKey or an ottRequestId."""
        response, failure, latency = self._rest("GET", f"/ott/v1/send/{requests.utils.quote(message_id, safe='')}")
        if failure:
            return failure
        if response.status_code == 404:
            return SendStatus(found=False, latency_ms=latency)
        outcome = _classify(response, latency)
        if not isinstance(outcome, Accepted):
            return outcome
        data = outcome.body if isinstance(outcome.body, dict) else {}
        events = data.get("status") if isinstance(data.get("status"), list) else []
        request_id = data.get("ottRequestId")
        return SendStatus(
            found=True,
            request_body=data.get("requestBody"),
            events=events,
            ott_request_id=request_id if isinstance(request_id, str) else "",
            latency_ms=latency,
        )

    def register(self, platform: str, attributes: dict) -> Outcome:
        """`POST /ott/v1/registration` (registering an existing id overwrites it)."""
        body = {"ottPlatformName": platform, "ottPlatformAttributes": attributes}
        response, failure, latency = self._rest("POST", "/ott/v1/registration", json=body)
        if failure:
            return failure
        secrets = tuple(str(value) for key, value in attributes.items() if value and is_secret_key(key))
        outcome = _classify(response, latency, secrets=secrets)
        if isinstance(outcome, Accepted):
            return Accepted(outcome.http_status, redact(outcome.body, secrets), latency)
        return outcome

    def list_registrations(self, platform: str, *, page_size: int = 50) -> list[dict]:
        """Every registration of a platform, following all pages. Raises OttError on a failure."""
        items: list[dict] = []
        page = 1
        while True:
            params = {"$page": page, "$pagesize": page_size}
            response, failure, latency = self._rest("GET", f"/ott/v1/registration/{platform}", params=params)
            if failure:
                raise OttError(failure)
            outcome = _classify(response, latency)
            if not isinstance(outcome, Accepted):
                raise OttError(outcome)
            data = outcome.body if isinstance(outcome.body, dict) else {}
            batch = data.get("items") if isinstance(data.get("items"), list) else []
            items.extend(redact(item) for item in batch if isinstance(item, dict))
            links = data.get("links") if isinstance(data.get("links"), dict) else {}
            if not batch or not links.get("next") or page >= 10_000:
                return items
            page += 1


def _network_failure(exc: requests.RequestException, latency: int) -> Failed:
    name = type(exc).__name__
    if isinstance(exc, requests.ConnectTimeout):
        return Failed("connect timeout", transient=True, exception_type=name, latency_ms=latency)
    if isinstance(exc, requests.ReadTimeout):
        return Failed(
            "no answer before the read timeout", True, ambiguous=True, exception_type=name, latency_ms=latency
        )
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        never_sent = "NewConnectionError" in text or "Failed to establish a new connection" in text
        reason = "connection refused or unreachable" if never_sent else "connection dropped"
        return Failed(reason, True, ambiguous=not never_sent, exception_type=name, latency_ms=latency)
    return Failed(f"request error: {name}", True, ambiguous=True, exception_type=name, latency_ms=latency)


def _classify(response: requests.Response, latency: int, *, secrets: tuple[str, ...] = ()) -> Outcome:
    status = response.status_code
    data = _json_or_none(response)
    raw = redact_text(response.text[:RAW_TEXT_LIMIT], secrets)
    if 200 <= status < 300:
        if data is None:
            return Failed(
                f"unreadable answer (HTTP {status})", True, status, ambiguous=True, raw_text=raw, latency_ms=latency
            )
        return Accepted(status, data, latency)
    errorcode = data.get("errorcode") if isinstance(data, dict) else None
    message = data.get("message") if isinstance(data, dict) else None
    if status == 429 or status == 408 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None and isinstance(data, dict):
            try:
                retry_after = float(data.get("retryAfter"))
            except (TypeError, ValueError):
                retry_after = None
        label = "rate limited" if status == 429 else "server error" if status >= 500 else "request timeout"
        return Failed(
            f"{label} (HTTP {status})" + (f": {redact_text(str(message), secrets)}" if message else ""),
            transient=True,
            http_status=status,
            retry_after=retry_after,
            errorcode=errorcode if isinstance(errorcode, int) else None,
            raw_text=raw,
            latency_ms=latency,
        )
    if 400 <= status < 500 and status not in (401, 403) and isinstance(data, dict) and message:
        errors = data.get("validationErrors")
        return Rejected(
            http_status=status,
            errorcode=errorcode if isinstance(errorcode, int) else None,
            message=redact_text(str(message), secrets),
            validation_errors=redact(errors, secrets) if isinstance(errors, list) else [],
            raw_text=raw,
            latency_ms=latency,
        )
    reason = {401: "unauthorized (token refused twice)", 403: "forbidden"}.get(status, "unexpected answer")
    detail = f": {redact_text(str(message), secrets)}" if message else ""
    return Failed(
        f"{reason} (HTTP {status}){detail}",
        transient=False,
        http_status=status,
        errorcode=errorcode if isinstance(errorcode, int) else None,
        raw_text=raw,
        latency_ms=latency,
    )
