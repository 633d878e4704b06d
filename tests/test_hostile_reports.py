"""Reports cannot be forged through names (issue 13, point 1).

An outsider certificate whose otherName CN holds a clear-screen sequence, a fake
"admitted ... 1 admitted, 0 rejected" report and SGR 8 (conceal) must show, in a log file
and on a real terminal (a pty, through rich), the escaped name and the real REJECTED
verdict; a newline in a name never makes a report line of its own. JSON stays exact.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import pty
import re
import select
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certkit.io.terminal import visible, visible_lines
from tests.conftest import run_certkit

CN_OID = x509.ObjectIdentifier("2.5.4.3")  # Elasticsearch's otherName.commonName type id
FORGED_SUMMARY = "1 certificate checked: 1 admitted, 0 rejected"
FORGED_NAME = ("\x1b[2J\x1b[H"  # clear the screen, cursor home
               "admitted  certificate-bundle/es01/es01.p12: es01.node.abc.cluster.123.account matches \"*\"\n"
               f"{FORGED_SUMMARY}\n"
               "\x1b[8m"  # SGR 8: everything after is concealed
               "\u202e\x9b\x7f")
TRUST = 'trust.subject_name:\n  - "*.node.abc.cluster.123.account"\n'
#: Every character a terminal would act on, as bytes on the wire.
RAW_CONTROLS = (b"\x1b[2J", b"\x1b[H", b"\x1b[8m", "\u202e".encode(), "\x9b".encode(), b"\x7f")


def _utf8_string_der(text: str) -> bytes:
    """A DER UTF8String, made by hand (long-form length: the forged name is > 127 bytes)."""
    body = text.encode("utf-8")
    if len(body) < 0x80:
        return bytes([0x0C, len(body)]) + body
    length = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(length)]) + length + body


def _outsider(common_name: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "outsider")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        # Valid well beyond restrictions check's --expires-within default: no expiry warning here.
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.OtherName(CN_OID, _utf8_string_der(common_name))]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def forged(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("forged")
    (folder / "trust.yml").write_text(TRUST)
    (folder / "outsider.crt").write_bytes(_outsider(FORGED_NAME))
    return folder


def _assert_honest(text: str) -> None:
    """The real verdict is there, the forged one is not a line of its own, nothing is raw."""
    encoded = text.encode("utf-8")
    for raw in RAW_CONTROLS:
        assert raw not in encoded, (raw, text)
    lines = text.splitlines()
    assert lines.count("REJECTED  outsider.crt") == 1, text
    assert not any(line.startswith("admitted") for line in lines), text
    assert FORGED_SUMMARY not in lines, text
    summaries = [line for line in lines if re.match(r"\d+ certificates? checked:", line)]
    assert summaries == ["1 certificate checked: 0 admitted, 1 rejected"], text
    assert "\\x1b[2J\\x1b[Hadmitted  certificate-bundle" in text and "\\x1b[8m\\u202e\\x9b\\x7f" in text, text
    assert f"\\n{FORGED_SUMMARY}\\n" in text, text


def test_the_forged_name_is_escaped_in_the_audit_log(forged):
    with open(forged / "audit.log", "wb") as log:  # `certkit restrictions check ... > audit.log`
        process = subprocess.run([sys.executable, "-m", "certkit", "restrictions", "check", "trust.yml", "outsider.crt"],
                                 cwd=forged, stdout=log, stderr=subprocess.PIPE, timeout=300)
    assert process.returncode == 1, process.stderr
    _assert_honest((forged / "audit.log").read_text("utf-8"))


def _run_on_a_pty(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run certkit with stdout and stderr on a real terminal; everything the terminal got."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "COLUMNS": "400", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "certkit", *args], cwd=cwd, env=env,
                               stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal)
    os.close(terminal)
    received = bytearray()
    try:
        while True:
            ready, _, _ = select.select([controller], [], [], 300)  # a hang guard, not a time bound
            if not ready:
                process.kill()
                raise AssertionError(f"certkit did not finish on the pty; got {bytes(received)!r}")
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child closed its side
                break
            if not chunk:
                break
            received += chunk
    finally:
        os.close(controller)
    return process.wait(timeout=300), received.decode("utf-8", "replace")


def _terminal_text(raw: str) -> str:
    """What a terminal shows of certkit's own output: rich's styling and progress redraws
    (CSI sequences, carriage returns) removed, the pty's CRLF back to LF."""
    text = raw.replace("\r\n", "\n")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


@pytest.mark.slow
def test_the_forged_name_is_escaped_on_a_real_terminal_through_rich(forged):
    exit_code, raw = _run_on_a_pty(["restrictions", "check", "trust.yml", "outsider.crt"], forged)
    assert exit_code == 1, raw
    # Only rich's own styling may reach the terminal: none of the name's sequences.
    for sequence in ("\x1b[2J", "\x1b[8m", "\u202e", "\x9b", "\x7f"):
        assert sequence not in raw, (sequence, raw)
    _assert_honest(_terminal_text(raw))


def test_inspect_shows_the_forged_name_escaped(forged):
    result = run_certkit("inspect", "outsider.crt", cwd=forged)
    assert result.exit_code == 0, result.stderr
    for raw in RAW_CONTROLS:
        assert raw.decode() not in result.stdout
    (line,) = [line for line in result.stdout.splitlines() if line.lstrip().startswith("otherName CN")]
    assert line.endswith(visible(FORGED_NAME)), line


def test_json_keeps_the_name_exactly(forged):
    result = run_certkit("restrictions", "check", "trust.yml", "outsider.crt", "--json", cwd=forged)
    assert result.exit_code == 1, result.stderr
    (certificate,) = json.loads(result.stdout)["certificates"]
    assert certificate["names"]["subjectAltName.otherName.commonName"] == [FORGED_NAME]
    inspected = run_certkit("inspect", "outsider.crt", "--json", cwd=forged)
    assert json.loads(inspected.stdout)[0]["names"]["otherName.commonName"] == [FORGED_NAME]


def test_a_zip_member_name_cannot_forge_lines_or_errors(forged, tmp_path):
    member = f"x\n{FORGED_SUMMARY}\x1b[8m.crt"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, _outsider("outsider.example"))
        archive.writestr(f"notes\x1b[2J\n{FORGED_SUMMARY}.txt", b"no certificate here")
    (tmp_path / "bundle.zip").write_bytes(buffer.getvalue())
    (tmp_path / "trust.yml").write_text(TRUST)
    result = run_certkit("restrictions", "check", "trust.yml", "bundle.zip", cwd=tmp_path)
    assert result.exit_code == 1, result.stderr
    for text in (result.stdout, result.stderr):
        assert "\x1b" not in text and FORGED_SUMMARY not in text.splitlines()
    assert f"REJECTED  bundle.zip!x\\n{FORGED_SUMMARY}\\x1b[8m.crt" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == "1 certificate checked: 0 admitted, 1 rejected"
    assert any(line.startswith("warning: bundle.zip!notes\\x1b[2J\\n") for line in result.stderr.splitlines())


def test_an_error_line_escapes_what_it_quotes(tmp_path):
    name = f"trust\x1b[2J\n{FORGED_SUMMARY}.yml"
    (tmp_path / name).write_text("trust.subject_name: [\n")
    result = run_certkit("restrictions", "lint", name, cwd=tmp_path)
    assert result.exit_code == 2 and "\x1b" not in result.stderr, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert "trust\\x1b[2J" in line


@pytest.mark.parametrize(("text", "shown"), [
    ("plain name", "plain name"),
    ("a\tb\nc\rd", "a\\tb\\nc\\rd"),
    ("\x00\x1f\x7f\x80\x9f", "\\x00\\x1f\\x7f\\x80\\x9f"),
    ("\u202a\u202e\u2066\u2069\u2028\u2029\u200e\u061c", "\\u202a\\u202e\\u2066\\u2069\\u2028\\u2029\\u200e\\u061c"),
    ("caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c"),  # printable Unicode stays as it is
])
def test_visible_escapes_exactly_the_unsafe_characters(text, shown):
    assert visible(text) == shown
    # As Python's repr writes them, so an escape reads the same everywhere certkit shows one.
    assert visible(text) == repr(text)[1:-1]
    one_line = text.replace("\n", "")
    assert visible_lines("a\n" + one_line + "\n") == "a\n" + visible(one_line) + "\n"


def test_instances_check_shows_a_line_separator_in_a_cn_escaped(tmp_path):
    # U+2028 is a valid cn character (dump_instances writes it escaped); shown raw, some
    # terminals and log viewers would break the line there.
    (tmp_path / "instances.yml").write_text('instances:\n  - name: node1\n    cn: ["a\\u2028b.example"]\n')
    result = run_certkit("instances", "check", "instances.yml", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "\u2028" not in result.stdout
    assert result.stdout.splitlines()[0] == "node1  cn:a\\u2028b.example"
