"""Bounded time and memory against misbehaving servers, and --es-ca pinning (issue 13,
points 3 and 6).

Every server runs on 127.0.0.1 and stops by itself (MisbehavingServer's lifetime). The
outcomes asserted never depend on the machine's speed: the error message says which
bound ended the exchange, memory is measured (tracemalloc) and bytes are counted; the
servers' lifetimes are generous hang guards (minutes), not time bounds.
"""

from __future__ import annotations

import json
import tracemalloc

import pytest

from certkit.io.sources import MAX_TLS_HANDSHAKE_BYTES
from tests.conftest import assert_one_line_error
from tests.hostile_support import (
    CANARY,
    MisbehavingServer,
    hello_request_flood,
    hello_requests,
    make_workspace,
    trickling_https,
)
from tests.test_wire_apply import ACKNOWLEDGED, API_KEY, REMOTE, pki, server  # noqa: F401 - fixtures

HANG_GUARD = 300.0  # seconds a server lives: only a broken deadline would ever reach it


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("network-ws"))


@pytest.mark.slow
@pytest.mark.parametrize("command", [("inspect",), ("restrictions", "check", "{trust}")], ids=["inspect", "check"])
def test_a_server_sending_a_hello_request_every_half_second_meets_the_deadline(cli, ws, command):
    with MisbehavingServer(handler=hello_requests(0.5), lifetime=HANG_GUARD) as hostile:
        endpoint = f"tls://127.0.0.1:{hostile.port}"
        result = cli(*(part.format(trust=ws.trust) for part in command), endpoint, "--timeout", "2")
    # Before: each HelloRequest restarted the per-read time-out, and the run lasted as long
    # as the server (the server closing is "closed the connection", not a time-out).
    assert_one_line_error(result, endpoint, "no answer within 2 seconds", "the whole handshake")


def test_a_hello_request_flood_is_cut_off_with_bounded_memory(cli, ws):
    sent: list[int] = []
    with MisbehavingServer(handler=hello_request_flood(sent), lifetime=HANG_GUARD) as hostile:
        endpoint = f"tls://127.0.0.1:{hostile.port}"
        tracemalloc.start()
        try:
            result = cli("inspect", endpoint, "--timeout", "120")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert_one_line_error(result, endpoint, f"more than {MAX_TLS_HANDSHAKE_BYTES // 1024} KiB",
                          "without completing the TLS handshake")
    # Before: every byte was kept (750 MB in 30 s). Now the buffer stops at the limit.
    assert peak < 4 * MAX_TLS_HANDSHAKE_BYTES + 8 * 2**20, peak
    assert sent and sent[0] >= MAX_TLS_HANDSHAKE_BYTES  # the server did flood


def _slow_answer() -> bytes:
    body = json.dumps(ACKNOWLEDGED).encode()
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


@pytest.mark.slow
def test_apply_against_a_server_answering_a_byte_every_half_second_meets_the_deadline(cli, pki):  # noqa: F811
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["server_crt"], pki["server_key"])
    answer = _slow_answer()  # > 150 bytes: 75 s at this pace, were only each read bounded
    with MisbehavingServer(handler=trickling_https(context, answer, 0.5), lifetime=HANG_GUARD) as slow:
        result = cli(*REMOTE, "--apply", "--es-url", f"https://127.0.0.1:{slow.port}", "--es-ca", pki["ca"],
                     "--timeout", "2", env={"CERTKIT_ES_API_KEY": API_KEY})
    assert_one_line_error(result, f"127.0.0.1:{slow.port}", "did not answer within 2 seconds", "whole exchange")
    assert API_KEY not in result.stdout + result.stderr and CANARY not in result.stderr


def test_es_ca_is_the_only_trust_for_apply(cli, server, pki):  # noqa: F811
    # The server's CA is in the system store (SSL_CERT_FILE): without --es-ca it is accepted...
    trusted_by_system = {"CERTKIT_ES_API_KEY": API_KEY, "SSL_CERT_FILE": str(pki["ca"])}
    accepted = cli(*REMOTE, "--apply", "--es-url", server.url, env=trusted_by_system)
    assert accepted.exit_code == 0, accepted.stderr
    assert len(server.requests) == 1
    # ...but --es-ca names another CA: that CA alone is trusted, and the key is never sent.
    pinned = cli(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["other_ca"], env=trusted_by_system)
    assert_one_line_error(pinned, "cannot verify the TLS certificate", "127.0.0.1")
    assert len(server.requests) == 1
    # The pinned CA verifies host names as before.
    assert cli(*REMOTE, "--apply", "--es-url", server.url, "--es-ca", pki["ca"],
               env={"CERTKIT_ES_API_KEY": API_KEY, "SSL_CERT_FILE": str(pki["other_ca"])}).exit_code == 0
    assert len(server.requests) == 2
