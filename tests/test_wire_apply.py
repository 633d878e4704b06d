"""`wire remote --apply` against a real HTTPS server on 127.0.0.1 that presents a
certkit-issued certificate and records what it receives."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import assert_one_line_error, run_certkit

API_KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
ACKNOWLEDGED = {"acknowledged": True, "persistent": {"cluster": {"remote": {"a": {"mode": "proxy"}}}}, "transient": {}}
BAD_REQUEST = {
    "error": {
        "root_cause": [{"type": "illegal_argument_exception",
                        "reason": "persistent setting [cluster.remote.a.proxy_address], not recognized"}],
        "type": "illegal_argument_exception",
        "reason": "Setting \"cluster.remote.a.seeds\" cannot be used with the configured \"cluster.remote.a.mode\"",
    },
    "status": 400,
}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=lambda: ACKNOWLEDGED)
    content_type: str = "application/json"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _record_and_answer(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.requests.append(  # type: ignore[attr-defined]
            Recorded(self.command, self.path, dict(self.headers.items()), self.rfile.read(length)))
        answer: Answer = self.server.answer  # type: ignore[attr-defined]
        data = answer.body.encode() if isinstance(answer.body, str) else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    do_PUT = do_POST = do_GET = _record_and_answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        pass


class RecordingHTTPSServer(http.server.HTTPServer):
    """One thread, TLS per connection; handshake failures are recorded, not printed."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.answer = Answer()
        self.requests: list[Recorded] = []
        self.tls_failures: list[str] = []

    def finish_request(self, request, client_address) -> None:
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.tls_failures.append(str(exc))
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request, client_address) -> None:
        self.tls_failures.append("handler error")

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"

    @property
    def localhost_url(self) -> str:
        return f"https://localhost:{self.server_address[1]}"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A certkit CA, a certkit-issued server certificate for localhost/127.0.0.1, and a
    second certificate (from the same CA) that names another host only."""
    from certkit.issue.ca import certificate_pem, create_ca, private_key_pem
    from certkit.issue.leaf import issue_certificate
    from certkit.model import Instance

    folder = tmp_path_factory.mktemp("pki")
    ca = create_ca("CN=certkit test HTTP CA", key_type="ec")
    other_ca = create_ca("CN=Some other CA", key_type="ec")
    paths = {"ca": folder / "http_ca.crt", "other_ca": folder / "other_ca.crt"}
    paths["ca"].write_bytes(certificate_pem(ca.certificate))
    paths["other_ca"].write_bytes(certificate_pem(other_ca.certificate))
    for label, instance in (
        ("server", Instance("localhost", "localhost", dns=("localhost",), ip=("127.0.0.1",))),
        ("elsewhere", Instance("es.elsewhere.example", "elsewhere", dns=("es.elsewhere.example",))),
    ):
        issued = issue_certificate(ca, instance, key_type="ec")
        paths[f"{label}_crt"] = folder / f"{label}.crt"
        paths[f"{label}_key"] = folder / f"{label}.key"
        paths[f"{label}_crt"].write_bytes(certificate_pem(issued.certificate))
        paths[f"{label}_key"].write_bytes(private_key_pem(issued.private_key))
    return paths


def _serve(certificate: Path, key: Path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server = RecordingHTTPSServer(context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def server(pki):
    server, thread = _serve(pki["server_crt"], pki["server_key"])
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def elsewhere_server(pki):
    server, thread = _serve(pki["elsewhere_crt"], pki["elsewhere_key"])
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


REMOTE = ("wire", "remote", "--alias", "a", "--address", "proxy.example:9443", "--server-name", "proxy.example")


def test_apply_sends_the_body_with_the_api_key_and_prints_the_answer(cli, server, pki):
    printed = json.loads(cli(*REMOTE).stdout)
    result = cli(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["ca"], env={"CERTKIT_ES_API_KEY": API_KEY})
    assert result.exit_code == 0, result.stderr
    (request,) = server.requests
    assert (request.method, request.path) == ("PUT", "/_cluster/settings")
    assert request.headers["Authorization"] == f"ApiKey {API_KEY}"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == printed
    assert json.loads(result.stdout) == ACKNOWLEDGED
    assert "200 OK" in result.stderr
    assert API_KEY not in result.stdout + result.stderr


def test_apply_with_a_key_file_and_a_path_prefix_and_host_name(cli, server, pki, tmp_path):
    key_file = tmp_path / "es-api-key"
    key_file.write_text(API_KEY + "\n")
    key_file.chmod(0o600)
    result = cli("wire", "remote", "--alias", "a", "--remove", "--apply", "--es-url", server.localhost_url + "/es/",
                 "--es-ca", pki["ca"], "--api-key-file", key_file)
    assert result.exit_code == 0, result.stderr
    (request,) = server.requests
    assert request.path == "/es/_cluster/settings"
    assert request.headers["Authorization"] == f"ApiKey {API_KEY}"
    assert all(v is None for v in json.loads(request.body)["persistent"]["cluster"]["remote"]["a"].values())


def test_a_400_answer_is_exit_1_with_the_reason(cli, server, pki):
    server.answer = Answer(400, BAD_REQUEST)
    result = cli(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["ca"], env={"CERTKIT_ES_API_KEY": API_KEY})
    assert result.exit_code == 1
    assert result.stdout == ""
    (error,) = result.error_lines
    assert "400 Bad Request" in error
    assert "illegal_argument_exception: Setting \"cluster.remote.a.seeds\" cannot be used" in error
    assert "hint: root cause: illegal_argument_exception: persistent setting" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_401_answer_points_at_the_key(cli, server, pki):
    server.answer = Answer(401, {"error": {"type": "security_exception", "reason": "unable to authenticate with "
                                                                                   "provided credentials"},
                                 "status": 401})
    result = cli(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["ca"], env={"CERTKIT_ES_API_KEY": "bad"})
    assert result.exit_code == 1
    assert "401" in result.error_lines[0] and "security_exception" in result.error_lines[0]
    assert "hint: check the API key" in result.stderr


def test_a_non_json_error_page_is_reported_as_text(cli, server, pki):
    server.answer = Answer(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
    result = cli(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["ca"], env={"CERTKIT_ES_API_KEY": API_KEY})
    assert result.exit_code == 1
    assert "502" in result.error_lines[0] and "Bad Gateway" in result.error_lines[0]


def test_a_server_signed_by_another_ca_is_refused_before_sending(cli, server, pki):
    result = cli(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["other_ca"],
                 env={"CERTKIT_ES_API_KEY": API_KEY})
    assert_one_line_error(result, "cannot verify the TLS certificate", "127.0.0.1")
    assert "hint: check that --es-ca is the CA" in result.stderr
    assert server.requests == []


def test_without_es_ca_the_system_store_does_not_know_the_ca(cli, server):
    result = cli(*REMOTE, "--apply", "--es-url", server.url, env={"CERTKIT_ES_API_KEY": API_KEY,
                                                                   "SSL_CERT_FILE": os.devnull})
    assert_one_line_error(result, "cannot verify the TLS certificate")
    assert "pass the CA" in result.stderr and "--es-ca" in result.stderr
    assert server.requests == []


def test_a_certificate_for_another_host_is_refused(cli, elsewhere_server, pki):
    result = cli(*REMOTE, "--apply", "--es-url", elsewhere_server.url, "--es-ca", pki["ca"],
                 env={"CERTKIT_ES_API_KEY": API_KEY})
    assert_one_line_error(result, "is not issued for 127.0.0.1")
    assert elsewhere_server.requests == []


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--es-url", "http://127.0.0.1:9200"], "plain HTTP"),
    (["--es-url", "https://user:pw@127.0.0.1:9200"], "must not carry credentials"),
    (["--es-url", "ftp://x"], "not an https:// URL"),
    ([], "--apply needs --es-url"),
    (["--es-url", "https://127.0.0.1:9200", "--format", "console"], "--format is for printing"),
])
def test_usage_errors_before_any_connection(cli, extra, fragment):
    assert_one_line_error(cli(*REMOTE, "--apply", *extra, env={"CERTKIT_ES_API_KEY": API_KEY}), fragment)


def test_no_api_key_anywhere(cli, monkeypatch):
    monkeypatch.delenv("CERTKIT_ES_API_KEY", raising=False)
    assert_one_line_error(cli(*REMOTE, "--apply", "--es-url", "https://127.0.0.1:9200"), "needs an API key")


def test_the_api_key_is_never_an_argument(cli):
    assert_one_line_error(cli(*REMOTE, "--apply", "--es-url", "https://127.0.0.1:9200", "--api-key", API_KEY),
                          "no such option")


def test_connection_refused(cli, pki):
    import socket

    # Bound, never listening, for the whole run: refused by the kernel, and no parallel
    # test's server can take the port in between.
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        result = cli(*REMOTE, "--apply", "--es-url", f"https://127.0.0.1:{port}", "--es-ca", pki["ca"],
                     env={"CERTKIT_ES_API_KEY": API_KEY})
    assert_one_line_error(result, "refused the connection")


def test_apply_as_a_real_process(server, pki):
    result = run_certkit(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["ca"],
                         env={"CERTKIT_ES_API_KEY": API_KEY})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == ACKNOWLEDGED
    server.answer = Answer(400, BAD_REQUEST)
    rejected = run_certkit(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["ca"],
                           env={"CERTKIT_ES_API_KEY": API_KEY})
    assert rejected.exit_code == 1 and "400 Bad Request" in rejected.stderr


def test_the_printed_curl_command_sends_the_same_request(cli, server, pki, tmp_path):
    """The curl form, run by real curl and bash, is the same request --apply makes."""
    if shutil.which("curl") is None:
        if os.environ.get("CI"):
            pytest.fail("curl is required under CI")
        pytest.skip("curl is not installed")
    script = cli(*REMOTE, "--format", "curl", "--es-url", server.url, "--es-ca", str(pki["ca"])).stdout
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CERTKIT_ES_API_KEY": API_KEY})
    assert proc.returncode == 0, proc.stderr
    cli(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["ca"], env={"CERTKIT_ES_API_KEY": API_KEY})
    by_curl, by_apply = server.requests
    assert (by_curl.method, by_curl.path) == (by_apply.method, by_apply.path)
    assert by_curl.headers["Authorization"] == by_apply.headers["Authorization"]
    assert json.loads(by_curl.body) == json.loads(by_apply.body)
    assert json.loads(proc.stdout) == ACKNOWLEDGED
