"""hypothesis against every parser entry point (issue 7): whatever the bytes or text, the
only exception that may escape is certkit's own :class:`CertkitError` (which the CLI turns
into one ``error:`` line and exit status 2).

Random bytes rarely get past a parser's first check, so most strategies here start from
a *valid* input (a real certificate, keystore, instances or trust file) and damage it:
truncations, flipped bytes, inserted junk, spliced halves. That reaches the deep paths
(a keystore whose MAC verifies but whose bags do not parse, a certificate cryptography
loads whose SAN is garbage).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from certkit.errors import CertkitError
from tests.hostile_support import Workspace, make_workspace

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Parsers that start processes or write files get fewer examples.
FUZZ_LIGHT = settings(max_examples=60, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

_WORKSPACE: Workspace | None = None


def workspace() -> Workspace:
    """Valid inputs made once per test process (hypothesis calls tests many times)."""
    global _WORKSPACE
    if _WORKSPACE is None:
        import tempfile

        _WORKSPACE = make_workspace(Path(tempfile.mkdtemp(prefix="certkit-fuzz-")))
    return _WORKSPACE


@st.composite
def damaged(draw, valid: bytes) -> bytes:
    """``valid`` with up to four random edits: truncate, flip, insert, delete, duplicate."""
    data = bytearray(valid)
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "splice"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if edit == "truncate":
            del data[position:]
        elif edit == "flip" and data:
            data[position] ^= draw(st.integers(1, 255))
        elif edit == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif edit == "delete":
            del data[position:position + draw(st.integers(1, 16))]
        elif edit == "splice":
            data[position:position] = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def der_certificate() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.load_pem_x509_certificate(workspace().node_crt.read_bytes()).public_bytes(Encoding.DER)


def lazily(make):
    """A strategy built on first use, so that collecting this module makes no keys."""
    return st.deferred(lambda: make())


CERTIFICATE_BYTES = lazily(lambda: st.one_of(
    damaged(der_certificate()), damaged(workspace().node_crt.read_bytes()), st.binary(max_size=300)))
P12_BYTES = lazily(lambda: st.one_of(damaged(workspace().ca_p12.read_bytes()), st.binary(max_size=300)))
KEY_BYTES = lazily(lambda: st.one_of(damaged(workspace().node_key.read_bytes()), st.binary(max_size=200)))
YAMLISH = st.text(alphabet="-: \n\t[]{}*&!|>'\"#?,.%@`~abcn01\\é\x00", max_size=120)
INSTANCES_BYTES = lazily(lambda: st.one_of(
    damaged(workspace().instances.read_bytes()), YAMLISH.map(str.encode), st.binary(max_size=200)))
TRUST_BYTES = lazily(lambda: st.one_of(
    damaged(workspace().trust.read_bytes()), YAMLISH.map(str.encode), st.binary(max_size=200)))
JSON_TEXT = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@contextmanager
def cryptography_may_warn() -> Iterator[None]:
    """cryptography's warnings are not failures: it warns (UserWarning, and its subclass
    CryptographyDeprecationWarning) about what it accepts but RFC 5280 disallows, such as
    a countryName that is not two letters or a negative serial, and the command line turns
    each into a ``warning:`` line naming the file (tests/test_cli_warnings.py). certkit
    itself never warns through the warnings module."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def only_certkit_errors(call, *args, **kwargs):
    """``call``'s result, or None when it raised a one-line CertkitError; anything else fails."""
    try:
        with cryptography_may_warn():
            return call(*args, **kwargs)
    except CertkitError as exc:
        assert exc.message and "\n" not in exc.message
        return None


# ----------------------------------------------------------------------------- documents


@FUZZ
@given(INSTANCES_BYTES)
def test_instances_parser(data):
    from certkit.plan.instances import parse_instances

    only_certkit_errors(parse_instances, data, "fuzz.yml")


@FUZZ
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["instances", "name", "dns", "ip", "cn", "filename", "x"]) | st.text(max_size=5),
        children, max_size=4),
    max_leaves=15))
def test_instances_parser_on_any_yaml_structure(document):
    """Well-formed YAML of every shape: wrong types anywhere are one-line errors."""
    import yaml

    from certkit.plan.instances import parse_instances

    only_certkit_errors(parse_instances, yaml.safe_dump({"instances": [document]}), "fuzz.yml")
    only_certkit_errors(parse_instances, yaml.safe_dump(document), "fuzz.yml")


@FUZZ
@given(TRUST_BYTES, st.sampled_from(["trust.yml", "trust.yaml", "trust.json"]))
def test_restrictions_parser(data, name):
    from certkit.audit.trust_file import parse_restrictions

    only_certkit_errors(parse_restrictions, data, name)


@FUZZ
@given(JSON_TEXT)
def test_restrictions_parser_on_any_json_structure(document):
    import json

    from certkit.audit.trust_file import parse_restrictions

    for shaped in (document, {"trust": {"subject_name": document}}, {"trust.subject_name": document}):
        only_certkit_errors(parse_restrictions, json.dumps(shaped).encode(), "trust.json")


@FUZZ
@given(st.text(max_size=60) | st.text(alphabet="*?/\\[]{}()|.+~#@&<>\"^-0123456789,a", max_size=40))
def test_pattern_parser(text):
    from certkit.patterns.language import parse_pattern

    only_certkit_errors(parse_pattern, text)


@FUZZ
@given(st.binary(max_size=200) | YAMLISH | YAMLISH.map(str.encode))
def test_yaml_loader(data):
    from certkit.io.yamlio import load_yaml

    only_certkit_errors(load_yaml, data, "fuzz.yml")


@FUZZ
@given(st.one_of(st.binary(max_size=200), JSON_TEXT.map(lambda d: __import__("json").dumps(d).encode()),
                 JSON_TEXT.map(lambda d: __import__("json").dumps({"trust": d}).encode()),
                 JSON_TEXT.map(lambda d: __import__("json").dumps({"trust": {"direct": d}}).encode())))
def test_cloud_trust_document_loader(data):
    from certkit.wire.cloud import load_trust_document

    only_certkit_errors(load_trust_document, data, "trust.json")


@FUZZ
@given(st.text(max_size=80) | st.text(alphabet="CN=OU,+\\\"#;<> .a1", max_size=40))
def test_naming_parsers(text):
    from certkit.plan.naming import parse_dn, parse_node_name

    only_certkit_errors(parse_node_name, text)
    only_certkit_errors(parse_dn, text)


@FUZZ
@given(st.text(max_size=60))
def test_command_line_value_parsers(text):
    from certkit.audit.trust_file import parse_cluster_spec
    from certkit.io.sources import parse_tls_spec
    from certkit.wire.api_key import check_certificate_identity, parse_metadata
    from certkit.wire.http import parse_es_url
    from certkit.wire.remote import parse_address

    for parse in (parse_cluster_spec, parse_address, check_certificate_identity, parse_metadata, parse_es_url):
        only_certkit_errors(parse, text)
    only_certkit_errors(parse_tls_spec, "tls://" + text)


# ----------------------------------------------------------------------------- certificates and keys


@FUZZ
@given(P12_BYTES, st.sampled_from([None, "", "wrong"]))
def test_pkcs12_diagnosis_and_loader(data, password):
    from certkit.keystores.diagnosis import diagnose
    from certkit.keystores.reader import load_pkcs12

    only_certkit_errors(diagnose, data, source="fuzz.p12")
    only_certkit_errors(load_pkcs12, data, password, source="fuzz.p12")


@FUZZ
@given(CERTIFICATE_BYTES)
def test_source_reader_pem_der_pkcs12(data):
    """certkit.io.sources as inspect and restrictions check use it, on a real file. (What the
    commands then do with a certificate that loads is fuzzed end to end below.)"""
    import tempfile

    from certkit.io.sources import iter_certificates

    with tempfile.NamedTemporaryFile(suffix=".pem") as handle:
        handle.write(data)
        handle.flush()
        only_certkit_errors(lambda: list(iter_certificates([handle.name], password=lambda: None)))


@FUZZ
@given(CERTIFICATE_BYTES | P12_BYTES)
def test_zip_source_reader(data):
    import tempfile
    import zipfile

    from certkit.io.sources import iter_certificates

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("node/node.crt", data)
    for blob in (buffer.getvalue(), buffer.getvalue()[: len(buffer.getvalue()) // 2]):
        with tempfile.NamedTemporaryFile(suffix=".zip") as handle:
            handle.write(blob)
            handle.flush()
            only_certkit_errors(lambda: list(iter_certificates([handle.name], password=lambda: None)))


@FUZZ
@given(CERTIFICATE_BYTES, KEY_BYTES)
def test_ca_readers(certificate_data, key_data):
    from certkit.io.certificates import load_certificates
    from certkit.io.certificates import load_certificates as parse_certificates
    from certkit.issue.ca import load_private_key

    only_certkit_errors(load_certificates, certificate_data, "ca.crt")
    only_certkit_errors(parse_certificates, certificate_data, "ca.crt")
    only_certkit_errors(load_private_key, key_data, None, "ca.key")
    only_certkit_errors(load_private_key, key_data, "pw", "ca.key")


@FUZZ_LIGHT
@given(data=lazily(lambda: damaged(der_certificate())))
def test_inspect_and_check_on_damaged_certificates_never_trace_back(cli, tmp_path, data):
    """End to end: what cryptography accepts but certkit's own DER walk may not (a garbled
    SAN, a truncated extension) is still a verdict or one error line."""
    import warnings

    from cryptography.utils import CryptographyDeprecationWarning

    assume(data)
    path = tmp_path / "damaged.der"
    path.write_bytes(data)
    ws = workspace()
    for args in (("inspect", "--json", path), ("restrictions", "check", ws.trust, path),
                 ("restrictions", "check", "--ca", ws.ca_crt, ws.trust, path),
                 ("cert", "--ca-cert", path, "--ca-key", ws.ca_key, "--name", "n", "--dry-run"),
                 ("cloud", "trust", "--ca", path, "--name", "x", "--scope-id", "123", "--trust-all"),
                 ("wire", "api-key", "--name", "k", "--search", "i", "--certificate-identity", "CN=.*",
                  "--check-cert", path)):
        with warnings.catch_warnings():
            # cryptography warns about (and will one day refuse) a negative serial number.
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            result = cli(*args)
        assert result.exit_code in (0, 1, 2), result
        assert "Traceback" not in result.stderr
        if result.exit_code == 2:
            assert len(result.error_lines) == 1, result.stderr


def test_the_damaging_strategy_reaches_loadable_certificates():
    """A guard on the fuzzing itself: some damaged certificates still load in cryptography,
    so the deep paths (SAN decoding) really are exercised, not only the first check."""
    from cryptography import x509
    from hypothesis import find

    valid = der_certificate()

    def loads_but_differs(data: bytes) -> bool:
        if data == valid:
            return False
        try:
            with cryptography_may_warn():  # a flipped serial bit: cryptography warns, and loads it
                x509.load_der_x509_certificate(data)
        except (ValueError, x509.InvalidVersion):
            return False
        return True

    assert find(damaged(valid), loads_but_differs, settings=settings(max_examples=2000, database=None))


# slow: hypothesis feeds every parser hundreds of generated inputs; the full suite runs it, the fast tier does not.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")]
