"""Shared by the hardening tests (issue 7): a small valid workspace, hostile inputs made
from it, misbehaving TLS servers, and measurements of a real certkit process.

Everything valid is made once per module with certkit's own library and EC P-256 keys
(the point of these tests is never the key); the hostile inputs are cut from the valid
ones, so that "truncated PKCS#12" really is the first half of a real keystore.
"""

from __future__ import annotations

import base64
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

CLUSTER_ID = "abc"
SCOPE_ID = "123"
CANARY = "S3cr3t-Canary-9f2c"
HUGE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Workspace:
    """Valid inputs every hostile case starts from (absolute paths)."""

    folder: Path
    ca_crt: Path
    ca_key: Path
    ca_p12: Path
    node_crt: Path
    node_key: Path
    instances: Path
    trust: Path

    def snapshot(self) -> set[str]:
        return {str(p.relative_to(self.folder)) for p in self.folder.rglob("*")}


def make_workspace(folder: Path) -> Workspace:
    """A CA (PEM and PKCS#12), one node certificate signed by it, an instances file and a
    trust file: the inputs a hostile case replaces one at a time."""
    from certkit.issue.bundle import ca_keystore
    from certkit.issue.ca import certificate_pem, create_ca, private_key_pem
    from certkit.issue.leaf import issue_certificate
    from certkit.plan.instances import dump_instances, make_instance

    folder.mkdir(parents=True, exist_ok=True)
    ca = create_ca("CN=Hostile Test CA", key_type="ec", curve="P-256")
    node_name = f"node1.node.{CLUSTER_ID}.cluster.{SCOPE_ID}.account"
    instance = make_instance("node1", cn=[node_name])
    node = issue_certificate(ca, instance, key_type="ec")
    ws = Workspace(
        folder=folder,
        ca_crt=folder / "ca.crt", ca_key=folder / "ca.key", ca_p12=folder / "ca.p12",
        node_crt=folder / "node1.crt", node_key=folder / "node1.key",
        instances=folder / "instances.yml", trust=folder / "trust.yml",
    )
    ws.ca_crt.write_bytes(certificate_pem(ca.certificate))
    ws.ca_key.write_bytes(private_key_pem(ca.private_key))
    ws.ca_p12.write_bytes(ca_keystore(ca, ""))
    ws.node_crt.write_bytes(certificate_pem(node.certificate))
    ws.node_key.write_bytes(private_key_pem(node.private_key))
    ws.instances.write_text(dump_instances([instance]))
    ws.trust.write_text(f'trust.subject_name:\n  - "*.node.{CLUSTER_ID}.cluster.{SCOPE_ID}.account"\n')
    for path in (ws.ca_key, ws.node_key, ws.ca_p12):
        path.chmod(0o600)
    return ws


def hostile_inputs(ws: Workspace) -> dict[str, bytes]:
    """Every kind of bad input, by name (deterministic: a seeded generator)."""
    rng = random.Random(20261128)
    pem = ws.node_crt.read_bytes()
    certificate_der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    p12 = ws.ca_p12.read_bytes()
    # A valid block, binary junk, then a block whose body is base64 of nothing like DER.
    garbage_block = (pem + bytes(rng.getrandbits(8) for _ in range(300))
                     + b"\n-----BEGIN CERTIFICATE-----\nAAAAAAAA!!!!\n-----END CERTIFICATE-----\n")
    # An X.509 "v4" certificate: cryptography raises InvalidVersion, which is no ValueError.
    version_field = certificate_der.find(b"\xa0\x03\x02\x01\x02")
    bad_version = bytearray(certificate_der)
    bad_version[version_field + 4] = 3
    depth = 100_000  # far beyond what libyaml's recursive composer survives (~30,000)
    return {
        "empty": b"",
        "random": bytes(rng.getrandbits(8) for _ in range(4096)),
        "truncated_pem": pem[: len(pem) // 2],
        "truncated_der": certificate_der[: len(certificate_der) // 2],
        "truncated_p12": p12[: len(p12) // 2],
        "bad_version_der": bytes(bad_version),
        "bad_version_pem": b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(bytes(bad_version))
                           + b"-----END CERTIFICATE-----\n",
        "pem_garbage_block": garbage_block,
        "non_utf8": b"instances:\n  - name: \xff\xfe\xfa\n",
        "yaml_bomb": b"".join(
            [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
            + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n".encode() for i in range(8)]
        ),
        "deep_yaml": b"a: " + b"[" * depth + b"]" * depth + b"\n",
        "deep_block_yaml": b"- " * depth + b"x\n",
        "deep_json": b'{"trust": ' + b"[" * depth + b"]" * depth + b"}",
        "truncated_json": b'{"trust": {"direct": [{"name": "x", ',
        "bad_date_yaml": b"instances:\n  - name: 2001-13-45\n",
    }


def write_sparse(path: Path, head: bytes = b"", size: int = HUGE_BYTES) -> Path:
    """A ``size``-byte file that costs no disk: ``head`` then a hole (zeros)."""
    path.write_bytes(head)
    os.truncate(path, size)
    return path


# ----------------------------------------------------------------------------- TLS servers


#: A TLS HelloRequest in one handshake record: "please renegotiate". A client in the middle
#: of its first handshake ignores it, so a server can send these forever.
HELLO_REQUEST_RECORD = b"\x16\x03\x03\x00\x04" + b"\x00\x00\x00\x00"

#: handler(connection, stop): what the server does with one accepted connection; ``stop``
#: is set when the server closes or its lifetime ends, and every handler must then return.
Handler = Callable[[socket.socket, threading.Event], None]


class MisbehavingServer:
    """A TCP server on 127.0.0.1 that accepts connections and then either stays silent,
    sends ``garbage`` and closes, or hands each connection to ``handler`` (in a thread of
    its own). It stops by itself after ``lifetime`` seconds, so a test that fails half-way
    leaves nothing listening."""

    def __init__(self, *, garbage: bytes | None = None, handler: Handler | None = None,
                 lifetime: float = 120.0) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._garbage = garbage
        self._handler = handler
        self._deadline = time.monotonic() + lifetime
        self._connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="misbehaving-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            while not self._stop.is_set() and time.monotonic() < self._deadline:
                try:
                    connection, _ = self._listener.accept()
                except (TimeoutError, OSError):
                    continue
                if self._handler is not None:
                    self._connections.append(connection)
                    threading.Thread(target=self._handle, args=(connection,), daemon=True).start()
                elif self._garbage is None:
                    self._connections.append(connection)  # held open, never answered
                else:
                    try:
                        connection.recv(4096)
                        connection.sendall(self._garbage)
                    except OSError:
                        pass
                    connection.close()
        finally:
            self._stop.set()
            for connection in self._connections:
                connection.close()
            self._listener.close()

    def _handle(self, connection: socket.socket) -> None:
        try:
            self._handler(connection, self._stop)  # type: ignore[misc]
        except OSError:
            pass  # the client hung up: what a misbehaving server expects

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def __enter__(self) -> MisbehavingServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def hello_requests(interval: float) -> Handler:
    """Read the ClientHello, then send a HelloRequest every ``interval`` seconds, forever."""
    def handle(connection: socket.socket, stop: threading.Event) -> None:
        connection.recv(65536)
        while not stop.wait(interval):
            connection.sendall(HELLO_REQUEST_RECORD)
    return handle


def hello_request_flood(sent: list[int]) -> Handler:
    """Read the ClientHello, then send HelloRequests as fast as the client takes them
    (``sent[0]`` counts the bytes), until it hangs up."""
    burst = HELLO_REQUEST_RECORD * 8192  # 72 KiB per send

    def handle(connection: socket.socket, stop: threading.Event) -> None:
        connection.recv(65536)
        sent.append(0)
        while not stop.is_set():
            connection.sendall(burst)
            sent[0] += len(burst)
    return handle


def trickling_https(context, answer: bytes, interval: float) -> Handler:
    """TLS with ``context``, read the request, then send ``answer`` one byte per ``interval``."""
    def handle(connection: socket.socket, stop: threading.Event) -> None:
        connection.settimeout(30)
        with context.wrap_socket(connection, server_side=True) as tls:
            tls.recv(65536)
            for index in range(len(answer)):
                if stop.wait(interval):
                    return
                tls.sendall(answer[index:index + 1])
    return handle


# ----------------------------------------------------------------------------- processes


@dataclass
class Measured:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mib: float


#: Starts the measured command from a small interpreter and reports its rusage. Linux
#: counts into a process's peak RSS the memory of the process it was forked from (the copied
#: mm at fork, and with vfork the parent's own peak, is recorded at exec), so measuring a
#: child of a pytest worker that once held 150 MiB reports 150 MiB whatever the child did.
#: Forked from this launcher, the floor is the launcher's few MiB.
_MEASURING_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_measured(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> Measured:
    """Run ``python -m certkit ARGS`` and measure its own peak memory (see _MEASURING_LAUNCHER:
    neither RUSAGE_CHILDREN nor a direct child's wait4 would exclude this test process)."""
    out_path, err_path, report_path = cwd / ".measured-stdout", cwd / ".measured-stderr", cwd / ".measured-rusage"
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        launcher = subprocess.Popen(
            [sys.executable, "-c", _MEASURING_LAUNCHER, str(report_path), "-m", "certkit", *map(str, args)],
            cwd=cwd, env={**os.environ, **(env or {})}, stdout=out, stderr=err, start_new_session=True)
        try:
            launcher.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, 9)
            launcher.wait()
            raise AssertionError(f"certkit {' '.join(map(str, args))} still ran after {timeout} s") from None
    exit_code, max_rss_kib = map(int, report_path.read_text().split())
    result = Measured(exit_code, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
                      time.monotonic() - started, max_rss_kib / 1024)
    for path in (out_path, err_path, report_path):
        path.unlink()
    return result


def files_below(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


Builder = Callable[[Path, Workspace], list[str]]
