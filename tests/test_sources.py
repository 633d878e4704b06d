"""SOURCE readers: PEM bundles, DER, PKCS#12, folders, zips and live TLS endpoints."""

from __future__ import annotations

import io
import socket
import zipfile

import pytest

from certkit.errors import InputError, PasswordError, RemoteError
from certkit.io.sources import TlsOptions, fetch_tls_certificate, iter_certificates, parse_tls_spec, read_certificates
from tests.restrictions_support import (
    PythonTlsServer,
    der,
    key_pem,
    make_ca,
    make_leaf,
    openssl_server,
    pem,
    write_pem,
)


def labels(specs, **options) -> list[str]:
    return [item.source for item in iter_certificates([str(s) for s in specs], **options)]


def test_single_and_multi_certificate_pem_with_garbage(tmp_path):
    a, b, c = (make_leaf(f"n{i}", cns=[f"n{i}"]) for i in range(3))
    single = write_pem(tmp_path / "one.pem", a)
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(b"Bag Attributes\n    friendlyName: n0\n" + pem(a) + b"some text\r\n\n" + pem(b)
                       + b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + pem(c).replace(b"\n", b"\r\n"))
    assert labels([single]) == [str(single)]
    items = read_certificates([str(bundle)])
    assert [i.source for i in items] == [f"{bundle}#1", f"{bundle}#2", f"{bundle}#3"]
    assert [i.der for i in items] == [der(a), der(b), der(c)]
    assert [i.position for i in items] == [0, 1, 2]


def test_corrupted_pem_block_names_file_block_and_line(tmp_path):
    good, bad = pem(make_leaf("a")), pem(make_leaf("b"))
    lines = bad.split(b"\n")
    lines[3] = lines[3][:10] + b"!!" + lines[3][12:-4]  # damage the base64 of the second certificate
    path = tmp_path / "broken.pem"
    path.write_bytes(good + b"\n".join(lines))
    second_block_line = good.count(b"\n") + 1
    with pytest.raises(InputError) as error:
        list(iter_certificates([str(path)]))
    assert f"{path}: certificate block 2 (line {second_block_line}) is corrupted" in str(error.value)


def test_truncated_pem(tmp_path):
    path = tmp_path / "cut.pem"
    path.write_bytes(pem(make_leaf("a"))[:200])
    with pytest.raises(InputError, match="no END line"):
        list(iter_certificates([str(path)]))


def test_der_file(tmp_path):
    leaf = make_leaf("d", cns=["d"])
    path = tmp_path / "node.der"
    path.write_bytes(der(leaf))
    (item,) = read_certificates([str(path)])
    assert item.source == str(path) and item.der == der(leaf)


@pytest.mark.openssl
def test_pkcs12_made_by_openssl(tmp_path, openssl):
    ca, ca_key = make_ca()
    leaf = make_leaf("p", cns=["p.node.c.cluster.s.account"], issuer=(ca, ca_key))
    (tmp_path / "leaf.pem").write_bytes(pem(leaf))
    (tmp_path / "ca.pem").write_bytes(pem(ca))
    (tmp_path / "key.pem").write_bytes(key_pem())
    p12 = tmp_path / "node.p12"
    openssl("pkcs12", "-export", "-in", tmp_path / "leaf.pem", "-inkey", tmp_path / "key.pem",
            "-certfile", tmp_path / "ca.pem", "-out", p12, "-passout", "pass:s3cret")
    asked = []
    items = read_certificates([str(p12)], password=lambda: asked.append(1) or "s3cret")
    assert asked == [1]
    assert [i.source for i in items] == [f"{p12}#1", f"{p12}#2"]
    assert items[0].der == der(leaf) and not items[0].chain
    assert items[1].der == der(ca) and items[1].chain
    assert items[0].pkcs12 is not None
    with pytest.raises(PasswordError):
        read_certificates([str(p12)], password=lambda: "wrong")
    with pytest.raises(PasswordError):
        read_certificates([str(p12)])


def test_directory_recursive_sorted_skipping_other_files(tmp_path):
    write_pem(tmp_path / "b" / "node2.crt", make_leaf("n2"))
    write_pem(tmp_path / "a" / "node1.crt", make_leaf("n1"))
    (tmp_path / "a" / "node1.key").write_bytes(key_pem())
    (tmp_path / "README.txt").write_text("not a certificate\n")
    notes: list[str] = []
    assert labels([tmp_path], on_note=notes.append) == [
        str(tmp_path / "a" / "node1.crt"), str(tmp_path / "b" / "node2.crt")]
    assert any("node1.key: skipped (no certificate in PEM file (it holds PRIVATE KEY))" in n for n in notes)
    assert any("README.txt: skipped" in n for n in notes)


def test_empty_directory_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(InputError, match="no certificates found in the folder"):
        list(iter_certificates([str(tmp_path)]))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        list(iter_certificates([str(tmp_path / "nope.pem")]))


def test_not_a_certificate_file(tmp_path):
    path = tmp_path / "x.pem"
    path.write_text("hello\n")
    with pytest.raises(InputError, match="not a certificate file"):
        list(iter_certificates([str(path)]))


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_is_read_in_memory_even_with_traversal_names(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    bundle = work / "bundle.zip"
    bundle.write_bytes(_zip({"../escape.crt": pem(make_leaf("e")), "node1/node1.crt": pem(make_leaf("n1")),
                             "/abs.crt": pem(make_leaf("abs")), "node1/node1.key": key_pem()}))
    notes: list[str] = []
    assert labels([bundle], on_note=notes.append) == [f"{bundle}!../escape.crt", f"{bundle}!/abs.crt",
                                                     f"{bundle}!node1/node1.crt"]
    assert sum("would escape the folder" in n for n in notes) == 2
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bundle.zip", "work"]  # nothing extracted


def test_zip_member_size_limit(tmp_path, monkeypatch):
    import certkit.io.sources as sources

    monkeypatch.setattr(sources, "MAX_ZIP_MEMBER_BYTES", 1000)
    bundle = tmp_path / "bomb.zip"
    bundle.write_bytes(_zip({"big.pem": b"-----BEGIN CERTIFICATE-----\n" + b"A" * 5000}))
    with pytest.raises(InputError, match="zip bomb"):
        list(iter_certificates([str(bundle)]))


def test_streaming_yields_before_reading_later_sources(tmp_path):
    first = write_pem(tmp_path / "first.pem", make_leaf("f"))
    stream = iter_certificates([str(first), str(tmp_path / "missing.pem")])
    assert next(stream).source == str(first)
    with pytest.raises(InputError):
        next(stream)


@pytest.mark.parametrize("spec, expected", [
    ("tls://node1.example:9300", ("node1.example", 9300)),
    ("tls://127.0.0.1:443", ("127.0.0.1", 443)),
    ("tls://[::1]:9443", ("::1", 9443)),
])
def test_tls_spec(spec, expected):
    assert parse_tls_spec(spec) == expected


@pytest.mark.parametrize("spec", ["tls://host", "tls://:9300", "tls://host:99999", "tls://[::1]", "tls://host:\u00b9",
                                  "tls://host:\u0669\u0663\u0660\u0660"])
def test_bad_tls_spec(spec):
    with pytest.raises(InputError):
        parse_tls_spec(spec)


# ----------------------------------------------------------------------------- live servers


@pytest.mark.parametrize("require_client_cert, tls12_only", [(False, False), (True, False), (True, True)],
                         ids=["plain", "client-cert-required-tls13", "client-cert-required-tls12"])
def test_python_tls_server_presents_its_leaf(tmp_path, require_client_cert, tls12_only):
    leaf = make_leaf("srv", cns=["srv.node.c.cluster.s.account"])
    with PythonTlsServer(tmp_path, leaf, require_client_cert=require_client_cert, tls12_only=tls12_only) as server:
        got = fetch_tls_certificate("127.0.0.1", server.port, TlsOptions(timeout=120))
    assert got == der(leaf)


def test_tls_with_client_certificate(tmp_path):
    leaf = make_leaf("srv", cns=["srv"])
    client = make_leaf("client", cns=["client"])
    (tmp_path / "client.pem").write_bytes(pem(client))
    (tmp_path / "client.key").write_bytes(key_pem())
    with PythonTlsServer(tmp_path, leaf) as server:
        (item,) = read_certificates([f"tls://127.0.0.1:{server.port}"], tls=TlsOptions(
            client_cert=str(tmp_path / "client.pem"), client_key=str(tmp_path / "client.key")))
    assert item.der == der(leaf) and item.source == f"tls://127.0.0.1:{server.port}"


def test_tls_connection_refused():
    # The port stays bound, never listening, while certkit connects: the kernel refuses the
    # connection, and no parallel test's server can take the port in between.
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        with pytest.raises(RemoteError, match="cannot connect"):
            fetch_tls_certificate("127.0.0.1", port, TlsOptions(timeout=120))


@pytest.mark.openssl
@pytest.mark.parametrize("extra", [(), ("-tls1_2",)], ids=["tls13", "tls12"])
def test_openssl_s_server_demanding_client_cert(tmp_path, openssl_bin, extra):
    leaf = make_leaf("ossl", cns=["ossl.node.c.cluster.s.account"])
    with openssl_server(openssl_bin, tmp_path, leaf, *extra) as port:
        got = fetch_tls_certificate("127.0.0.1", port, TlsOptions(timeout=120))
    assert got == der(leaf)
