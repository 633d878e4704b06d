"""Sending a request body to Elasticsearch over verified HTTPS (``wire remote --apply``).

Only the standard library (http.client + ssl): certkit has no HTTP dependency. The
server certificate is verified (chain and host name) against ``--es-ca`` alone (the CA
pins the server: the system's trust store is not consulted) or, without it, against the
system's trust store; plain ``http://`` is refused because the request carries an API
key. The time-out bounds the whole exchange (connect, handshake, request, answer), not
each socket operation: a server answering one byte per second is cut off. Outcomes, as the CLI contract wants them:

* a 2xx answer: its JSON is returned;
* any other answer: :class:`ElasticsearchRejected` (exit status 1) naming the server's
  ``error.type`` and ``error.reason``: the request ran and Elasticsearch said no;
* no answer at all (TLS verification failed, connection refused, time-out, DNS): a
  :class:`~certkit.errors.RemoteError` (exit status 2), because nothing was applied and
  the fix is in the invocation (the CA, the URL).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from certkit.errors import InputError, RemoteError, UsageError

USER_AGENT = "certkit"
MAX_RESPONSE_BYTES = 4 * 1024 * 1024


class ElasticsearchRejected(RemoteError):
    """Elasticsearch answered, with an error status: exit status 1, the reason in the message."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None, status: int, body: Any) -> None:
        super().__init__(message, hint)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    body: Any  # parsed JSON, or the text when the answer is not JSON


@dataclass(frozen=True)
class Endpoint:
    """An Elasticsearch HTTPS URL split for http.client (a path prefix behind a proxy is kept)."""

    host: str
    port: int
    prefix: str

    @property
    def display(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}{self.prefix}"


def parse_es_url(url: str) -> Endpoint:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "http":
        raise UsageError(f"{url} is plain HTTP: certkit sends the API key only over HTTPS",
                         hint="use https:// (Elasticsearch enables HTTPS on 9200 by default)")
    if parsed.scheme != "https" or not parsed.hostname:
        raise UsageError(f"--es-url {url!r} is not an https:// URL such as https://es.example:9200")
    if parsed.username or parsed.password:
        raise UsageError("--es-url must not carry credentials; the API key comes from --api-key-file or "
                         "$CERTKIT_ES_API_KEY")
    if parsed.query or parsed.fragment:
        raise UsageError(f"--es-url {url!r} has a query or fragment; give the base URL only")
    try:
        port = parsed.port or 443
    except ValueError:
        raise UsageError(f"--es-url {url!r} has an invalid port") from None
    return Endpoint(parsed.hostname, port, parsed.path.rstrip("/"))


def tls_context(es_ca: str | Path | None) -> ssl.SSLContext:
    """A client context that verifies the chain and the host name: against ``es_ca`` only
    when it is given (the API key goes to no server another CA vouches for), else against
    the system's trust store."""
    if es_ca is None:
        return ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca_path = Path(es_ca)
    if not ca_path.is_file():
        raise InputError(f"--es-ca {ca_path} is not a file")
    # create_default_context(cafile=...) would load the system store as well; a bare
    # client context verifies the chain and the host name, and trusts nothing yet.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=str(ca_path))
    except ssl.SSLError:
        raise InputError(f"--es-ca {ca_path} holds no PEM certificate") from None
    return context


class _Deadline:
    """Ends an HTTP exchange at a fixed time, whatever the server does.

    http.client's time-out applies to each socket operation, so a server that sends one
    byte per second never trips it. This arms a timer when the connection's socket is
    made; at the deadline it shuts the socket down (through a duplicate descriptor, so
    TLS wrapping does not hide it), which ends any read or write in progress.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = threading.Event()
        self._timer: threading.Timer | None = None
        self._watched: socket.socket | None = None

    def remaining(self) -> float:
        return max(self.at - time.monotonic(), 0.001)

    def create_connection(self, address, timeout=None, source_address=None, **kwargs) -> socket.socket:
        raw = socket.create_connection(address, min(self.remaining(), timeout or self.seconds), source_address,
                                       **kwargs)
        self._watched = raw.dup()
        self._timer = threading.Timer(self.remaining(), self._expire)
        self._timer.daemon = True
        self._timer.start()
        return raw

    def _expire(self) -> None:
        self.expired.set()
        if self._watched is not None:
            try:
                self._watched.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._watched is not None:
            self._watched.close()


def _explain_tls(exc: ssl.SSLError, endpoint: Endpoint, es_ca: str | Path | None) -> RemoteError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = exc.verify_message or exc.reason or str(exc)
        if "hostname mismatch" in detail.lower() or "ip address mismatch" in detail.lower():
            return RemoteError(
                f"the certificate of {endpoint.display} is not issued for {endpoint.host} ({detail})",
                hint="use the host name the Elasticsearch HTTP certificate names in its subjectAltName",
            )
        hint = ("check that --es-ca is the CA that signed the Elasticsearch HTTP certificate"
                if es_ca is not None else
                "pass the CA that signed the Elasticsearch HTTP certificate with --es-ca CA.pem")
        return RemoteError(f"cannot verify the TLS certificate of {endpoint.display}: {detail}", hint=hint)
    return RemoteError(f"TLS handshake with {endpoint.display} failed: {exc.reason or exc}",
                       hint="is this the HTTPS port of Elasticsearch (9200)?")


def _error_reason(body: Any) -> tuple[str, str | None]:
    """(type: reason, root cause) from Elasticsearch's error JSON, or a short text."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            reason = f"{error.get('type', 'error')}: {error.get('reason', '(no reason given)')}"
            causes = error.get("root_cause")
            if isinstance(causes, list) and causes and isinstance(causes[0], dict):
                cause = causes[0]
                cause_text = f"{cause.get('type', 'error')}: {cause.get('reason', '')}"
                return reason, (cause_text if cause_text != reason else None)
            return reason, None
        if isinstance(error, str):
            return error, None
    text = body if isinstance(body, str) else json.dumps(body)
    text = " ".join(text.split())
    return (text[:300] + "…" if len(text) > 300 else text) or "(empty answer)", None


def _raise_for(exc: Exception, endpoint: Endpoint, es_ca: str | Path | None) -> NoReturn:
    """The RemoteError for an exchange that failed before the deadline."""
    if isinstance(exc, ssl.SSLError):
        raise _explain_tls(exc, endpoint, es_ca) from None
    if isinstance(exc, socket.gaierror):
        raise RemoteError(f"cannot resolve {endpoint.host}: {exc.strerror}") from None
    if isinstance(exc, ConnectionRefusedError):
        raise RemoteError(f"{endpoint.display} refused the connection",
                          hint="is Elasticsearch listening there?") from None
    raise RemoteError(f"talking to {endpoint.display} failed: {exc}") from None


def send_json(method: str, url: str, path: str, body: Any, *, api_key: str, es_ca: str | Path | None = None,
              timeout: float = 30.0) -> Response:
    """Send ``body`` as JSON with ``Authorization: ApiKey …``; the answer or a clear error."""
    if not api_key or any(c in api_key for c in "\r\n"):
        raise InputError("the Elasticsearch API key is empty or spans lines",
                         hint="the file or $CERTKIT_ES_API_KEY holds the 'encoded' value of the key")
    endpoint = parse_es_url(url)
    context = tls_context(es_ca)
    payload = json.dumps(body).encode("utf-8")
    connection = http.client.HTTPSConnection(endpoint.host, endpoint.port, timeout=timeout, context=context)
    deadline = _Deadline(timeout)
    # HTTPConnection.connect makes its socket through this hook (socket.create_connection
    # by default): the deadline watches the very socket the exchange uses.
    connection._create_connection = deadline.create_connection  # type: ignore[attr-defined]
    timed_out = RemoteError(f"{endpoint.display} did not answer within {timeout:g} seconds "
                            "(the time bounds the whole exchange, not each read)")
    try:
        connection.request(method, endpoint.prefix + path, body=payload, headers={
            "Authorization": f"ApiKey {api_key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        })
        answer = connection.getresponse()
        raw = answer.read(MAX_RESPONSE_BYTES + 1)
        if deadline.expired.is_set():  # the shut-down socket may read as a short answer
            raise timed_out
    except TimeoutError:
        raise timed_out from None
    except (ssl.SSLError, OSError, http.client.HTTPException) as exc:
        if deadline.expired.is_set():
            raise timed_out from None
        _raise_for(exc, endpoint, es_ca)
    finally:
        deadline.close()
        connection.close()
    if len(raw) > MAX_RESPONSE_BYTES:
        raise RemoteError(f"{endpoint.display} answered with more than 4 MiB; not an Elasticsearch answer")
    text = raw.decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        parsed = text
    if not 200 <= answer.status < 300:
        reason, root_cause = _error_reason(parsed)
        hint = None
        if answer.status in (401, 403):
            hint = "check the API key and that it may manage cluster settings (cluster privilege 'manage')"
        elif root_cause:
            hint = f"root cause: {root_cause}"
        raise ElasticsearchRejected(
            f"Elasticsearch answered {answer.status} {answer.reason} to {method} {path}: {reason}",
            hint, answer.status, parsed,
        )
    return Response(answer.status, answer.reason, parsed)
