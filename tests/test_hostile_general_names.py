"""Issue 13, point 4: the GeneralName forms nobody uses (EDIPartyName [5], x400Address [3])
in every extension that carries GeneralNames, in a CA certificate, through every command
that reads a CA: each answers (a result, or one ``error:`` line), never a traceback.

cryptography refuses to write these forms, so the CA certificates are assembled from DER
pieces (tests/san_support.py) and signed with the tests' key, whose private half the
commands get as the CA key.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import assert_one_line_error
from tests.restrictions_support import _KEY
from tests.san_support import certificate, extension, name_der, oid, seq, tlv, utf8

EDI_PARTY = tlv(0xA5, tlv(0xA1, utf8("party")))
X400_ADDRESS = tlv(0xA3, seq())
ODD_NAMES = {"edi-party": EDI_PARTY, "x400-address": X400_ADDRESS}

CA_SUBJECT = name_der(("2.5.4.3", 0x0C, b"Odd CA"))
BASIC_CONSTRAINTS_CA = extension("2.5.29.19", seq(tlv(0x01, b"\xff")), critical=True)
KEY_USAGE_CERT_SIGN = extension("2.5.29.15", tlv(0x03, b"\x01\x06"), critical=True)


def _carrying(where: str, name: bytes) -> bytes:
    """An extension of kind ``where`` whose GeneralName is ``name``."""
    if where == "subjectAltName":
        return extension("2.5.29.17", seq(name))
    if where == "issuerAltName":
        return extension("2.5.29.18", seq(name))
    if where == "nameConstraints":  # permittedSubtrees [0] of one GeneralSubtree
        return extension("2.5.29.30", seq(tlv(0xA0, seq(name))), critical=True)
    if where == "authorityInfoAccess":  # an OCSP access description
        return extension("1.3.6.1.5.5.7.1.1", seq(seq(tlv(0x06, oid("1.3.6.1.5.5.7.48.1")), name)))
    if where == "crlDistributionPoints":  # distributionPoint [0] fullName [0]
        return extension("2.5.29.31", seq(seq(tlv(0xA0, tlv(0xA0, name)))))
    raise AssertionError(where)


EXTENSIONS = ["subjectAltName", "issuerAltName", "nameConstraints", "authorityInfoAccess", "crlDistributionPoints"]
CASES = [(where, kind) for where in EXTENSIONS for kind in ODD_NAMES]


def _write_pem(path, der: bytes):
    from cryptography import x509

    path.write_bytes(x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(params=CASES, ids=[f"{where}-{kind}" for where, kind in CASES])
def odd_extension(request):
    where, kind = request.param
    return _carrying(where, ODD_NAMES[kind])


@pytest.fixture
def odd_ca(odd_extension, tmp_path):
    ca_pem = _write_pem(tmp_path / "ca.crt",
                        certificate([BASIC_CONSTRAINTS_CA, KEY_USAGE_CERT_SIGN, odd_extension], subject=CA_SUBJECT))
    ca_key = tmp_path / "ca.key"
    ca_key.write_bytes(_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, ca_key


def _answered(result) -> None:
    """A result or one error line: never a traceback, and exit 1 only where violations were found."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1, 2), result
    if result.exit_code == 2:
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, result.stderr


def test_every_command_that_reads_a_ca_answers(cli, odd_ca, tmp_path):
    ca_pem, ca_key = odd_ca
    # Issuing and the Cloud payload need cryptography's view of the CA (its extensions),
    # which cannot decode these forms at all: one line that names them.
    issued = cli("cert", "--ca-cert", ca_pem, "--ca-key", ca_key, "--name", "node1", "--pem",
                 "--out", tmp_path / "bundle", "--pass", "")
    assert_one_line_error(issued, "ca.crt", "x400Address or EDIPartyName")
    assert not (tmp_path / "bundle").exists()
    cloud = cli("cloud", "trust", "--ca", ca_pem, "--name", "self-managed", "--node-name", "node1.example")
    assert_one_line_error(cloud, "ca.crt", "x400Address or EDIPartyName")
    _answered(cli("wire", "yml", "--ca", ca_pem))
    _answered(cli("inspect", ca_pem))


def test_the_audit_reads_them_as_the_jdk_does(cli, odd_extension, odd_ca, tmp_path):
    # The audit reads names with certkit's own DER walk (certkit.jdk), which knows these
    # forms: a verdict for a node certificate carrying the extension, with and without
    # that CA (the node is not signed by it: the chain fails, the verdict is still given).
    ca_pem, _ = odd_ca
    node = _write_pem(tmp_path / "node.crt", certificate([odd_extension]))
    trust = tmp_path / "trust.yml"
    trust.write_text('trust.subject_name: ["*"]\n')
    for arguments in ([node], [node, "--ca", ca_pem]):
        result = cli("restrictions", "check", trust, *arguments)
        _answered(result)
        assert result.exit_code == 1, result  # no otherName: rejected, as Elasticsearch would
        assert "REJECTED" in result.stdout
