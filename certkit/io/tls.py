"""Reading the certificate a live TLS server presents (``tls://HOST:PORT`` SOURCEs).

Nothing is verified: the point is to see what the server shows, even one that demands a
client certificate. The server may be hostile: the whole exchange has one deadline and a
bounded receive buffer (a server that trickles bytes, or sends HelloRequests forever, is
cut off), and every failure is one :class:`~certkit.errors.RemoteError`.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass

from certkit.errors import InputError, RemoteError
from certkit.io.inputs import port_number

DEFAULT_TLS_TIMEOUT = 10.0
#: What a server may send before its handshake completes. A certificate chain is a few
#: KiB (TLS caps one handshake message at 16 MiB, no real chain comes near 1 MiB); a
#: server that keeps sending (HelloRequests, say) is refused here, not buffered forever.
MAX_TLS_HANDSHAKE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class TlsOptions:
    """How to reach a ``tls://`` SOURCE: an optional client certificate and a timeout
    (seconds for the whole connect and handshake)."""

    client_cert: str | None = None
    client_key: str | None = None
    client_key_password: str | None = None
    timeout: float = DEFAULT_TLS_TIMEOUT


def short_error(exc: BaseException) -> str:
    """An exception as one short line for an error message."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


_short = short_error


def parse_tls_spec(spec: str) -> tuple[str, int]:
    """``tls://HOST:PORT`` (IPv6 as ``[addr]:port``) -> (host, port)."""
    rest = spec[len("tls://"):]
    if rest.startswith("["):
        host, bracket, tail = rest[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
        if not bracket:
            port_text = ""
    else:
        host, _, port_text = rest.rpartition(":")
    host = host.strip()
    port = port_number(port_text)
    if not host or port is None or "/" in host:
        raise InputError(f"{spec} is not tls://HOST:PORT", hint="e.g. tls://node1.example.internal:9300 or tls://[::1]:9300")
    return host, port


def _handshake_certificate(records: bytes) -> bytes | None:
    """The first certificate of a TLS 1.2 Certificate handshake message in raw server records.

    Used when the server aborts the handshake because it wants a client certificate: in
    TLS 1.2 it has already sent its own certificate in the clear.
    """
    handshake = bytearray()
    offset = 0
    while offset + 5 <= len(records):
        content_type = records[offset]
        length = int.from_bytes(records[offset + 3:offset + 5], "big")
        fragment = records[offset + 5:offset + 5 + length]
        offset += 5 + length
        if content_type == 22:
            handshake += fragment
        elif content_type == 20:  # ChangeCipherSpec: what follows is encrypted
            break
    position = 0
    while position + 4 <= len(handshake):
        message_type = handshake[position]
        length = int.from_bytes(handshake[position + 1:position + 4], "big")
        body = handshake[position + 4:position + 4 + length]
        if message_type == 11 and len(body) >= 6:
            first_length = int.from_bytes(body[3:6], "big")
            der = bytes(body[6:6 + first_length])
            return der or None
        position += 4 + length
    return None


def fetch_tls_certificate(host: str, port: int, options: TlsOptions = TlsOptions()) -> bytes:
    """The DER certificate the server at host:port presents (nothing is verified).

    A server that demands a client certificate still shows its own: with TLS 1.3 the
    client's side of the handshake completes first; with TLS 1.2 the certificate is read
    from the server's (unencrypted) handshake records when the server aborts.

    ``options.timeout`` bounds the whole exchange (connecting and the handshake), not
    each read: a server that trickles bytes, or sends a HelloRequest every second, is
    cut off at the deadline. At most MAX_TLS_HANDSHAKE_BYTES are read from it.
    """
    import ssl  # here, not at the top: every audit imports this module, few read a server

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if options.client_cert:
        try:
            context.load_cert_chain(options.client_cert, options.client_key, options.client_key_password)
        except (OSError, ssl.SSLError) as exc:
            raise InputError(f"cannot use the client certificate {options.client_cert}: {_short(exc)}") from None
    try:
        ipaddress.ip_address(host)
        server_hostname = None
    except ValueError:
        server_hostname = host
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_hostname)
    received = bytearray()
    where = f"tls://{host}:{port}"
    deadline = time.monotonic() + options.timeout
    timed_out = RemoteError(f"{where}: timed out: no answer within {options.timeout:g} seconds during the TLS "
                            "handshake (the time bounds the whole handshake, not each read)")
    try:
        connection = socket.create_connection((host, port), timeout=options.timeout)
    except TimeoutError:
        raise timed_out from None
    except OSError as exc:
        raise RemoteError(f"cannot connect to {where}: {exc.strerror or _short(exc)}") from None
    with connection:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                pending = outgoing.read()
                try:
                    if pending:
                        connection.settimeout(_remaining(deadline, timed_out))
                        connection.sendall(pending)
                    connection.settimeout(_remaining(deadline, timed_out))
                    data = connection.recv(min(65536, MAX_TLS_HANDSHAKE_BYTES + 1 - len(received)))
                except TimeoutError:
                    raise timed_out from None
                except OSError as exc:
                    data = b""
                    if not received:
                        raise RemoteError(f"{where}: connection failed during the TLS handshake: {_short(exc)}") from None
                if not data:
                    der = _handshake_certificate(bytes(received))
                    if der:
                        return der
                    raise RemoteError(f"{where} closed the connection during the TLS handshake") from None
                received += data
                if len(received) > MAX_TLS_HANDSHAKE_BYTES:
                    raise RemoteError(f"{where} sent more than {MAX_TLS_HANDSHAKE_BYTES // 1024} KiB without "
                                      "completing the TLS handshake: not a certificate") from None
                incoming.write(data)
            except ssl.SSLError as exc:
                der = _handshake_certificate(bytes(received))
                if der:
                    return der
                raise RemoteError(f"{where}: TLS handshake failed: {exc.reason or _short(exc)}") from None
        der = tls.getpeercert(binary_form=True)
        try:
            tls.unwrap()
        except (ssl.SSLError, ssl.SSLWantReadError):
            pass
        pending = outgoing.read()
        if pending:
            try:
                connection.sendall(pending)
            except OSError:
                pass
    if not der:
        raise RemoteError(f"{where} presented no certificate")
    return der


def _remaining(deadline: float, timed_out: RemoteError) -> float:
    """Seconds left before ``deadline`` (for one socket operation), or ``timed_out`` raised."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise timed_out
    return left
