"""The command-line contract every command shares (docs/cli-contract.md, "Global")."""

from __future__ import annotations

import certkit
from tests.conftest import assert_one_line_error, run_certkit


def test_version_as_process():
    result = run_certkit("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"certkit {certkit.__version__}"


def test_help_lists_the_pipeline(cli):
    result = cli("--help")
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_unknown_command_is_one_line_exit_2():
    result = run_certkit("no-such-command")
    assert_one_line_error(result, "no such command")
    assert result.stdout == ""


def test_library_warnings_are_one_warning_line(tmp_path):
    # A certificate with a negative serial number makes cryptography warn when it reads it;
    # the user sees one "warning:" line, not Python's "file:line: Category" pair.
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyasn1.codec.der import decoder, encoder
    from pyasn1.type import univ
    from pyasn1_modules import rfc5280

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "negative")])
    now = datetime.datetime.now(datetime.UTC)
    good = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(5).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    certificate, _ = decoder.decode(good.public_bytes(serialization.Encoding.DER), asn1Spec=rfc5280.Certificate())
    certificate["tbsCertificate"]["serialNumber"] = univ.Integer(-5)
    (tmp_path / "negative.der").write_bytes(encoder.encode(certificate))

    result = run_certkit("inspect", tmp_path / "negative.der")
    assert "Traceback" not in result.stderr
    stderr_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert stderr_lines, "cryptography warns about a negative serial number"
    assert all(line.startswith(("warning: ", "error: ", "hint: ")) for line in stderr_lines), result.stderr
