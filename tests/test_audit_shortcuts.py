"""The audit's per-certificate shortcuts give the answers of the general paths they skip.

An audit renders one subject per certificate (every one with --json): a Name of one plain
commonName is printed without the general X.500 parse (certkit.jdk.x500._single_plain_cn).
The general path is the one tests/test_jdk_strings_and_dns.py holds to the JDK's own
X500Principal.toString(); here the shortcut is held to the general path, on the shapes it
takes and on the near misses it must leave to it. So are the certificate walk and the
subjectAltName reading of certkit.jdk.names (below).
"""

from __future__ import annotations

import datetime as dt
import warnings
from binascii import a2b_base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.audit.checker import RestrictionChecker
from certkit.audit.expiry import expiry_of
from certkit.audit.trust_file import parse_restrictions
from certkit.errors import CertkitError
from certkit.io import pem_text_certificates
from certkit.io.sources import NotCertificates, PasswordCache, folder_file_certificates, plain_certificate_bodies
from certkit.jdk import names as jdk_names
from certkit.jdk import x500
from certkit.jdk.der import MalformedCertificate
from tests.restrictions_support import NOW, make_leaf, name, pem
from tests.restrictions_support import der as der_of

TEXT = st.text(st.sampled_from("aZ09 .-_*@:,+=\"\\#;<>'()/?é\x00\n"), min_size=1, max_size=130)


def _name(*attributes: tuple[x509.ObjectIdentifier, str, x509.name._ASN1Type | None]) -> bytes:
    # Certificates in the wild carry commonNames longer than X.520's 64 characters, and the
    # JDK prints them; cryptography builds one only unvalidated, with a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return x509.Name([x509.NameAttribute(oid, value, _type=kind, _validate=False) if kind
                          else x509.NameAttribute(oid, value, _validate=False)
                          for oid, value, kind in attributes]).public_bytes()


@settings(max_examples=400, deadline=None)
@given(text=TEXT)
def test_a_single_common_name_prints_as_the_general_path_prints_it(text):
    der = _name((NameOID.COMMON_NAME, text, x509.name._ASN1Type.UTF8String))
    assert x500.jdk_dn(der) == x500._jdk_dn_in_general(der)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.sampled_from("aZ09 .-"), min_size=1, max_size=60), second=st.text("ab", min_size=1, max_size=5))
def test_other_name_shapes_are_left_to_the_general_path(text, second):
    for der in (
        _name((NameOID.COMMON_NAME, text, x509.name._ASN1Type.PrintableString)),
        _name((NameOID.ORGANIZATION_NAME, text, None)),
        _name((NameOID.COMMON_NAME, text, None), (NameOID.ORGANIZATION_NAME, second, None)),
    ):
        assert x500._single_plain_cn(der) is None
        assert x500.jdk_dn(der) == x500._jdk_dn_in_general(der)


def test_the_usual_node_subject_takes_the_shortcut():
    der = _name((NameOID.COMMON_NAME, "node000001", None))
    assert x500._single_plain_cn(der) == "CN=node000001" == x500._jdk_dn_in_general(der)
    assert x500._single_plain_cn(der[:-1]) is None  # truncated: the general path says what it is


# ----------------------------------------------------------------------------- the certificate walk
# certkit.jdk.names reads a certificate of the usual shape with _locate_usual and leaves
# every other one to the general walk (_locate_walk, which the JDK oracle tests hold to the
# JDK through read_names). Held here: on the shapes CAs issue the shortcut is taken and
# agrees; on any damage it either agrees or steps aside, so that locate_fields always
# answers (or fails) as the general walk does.

_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
LABEL = st.text(st.sampled_from("abz09-"), min_size=1, max_size=40)


def _outcome(locate, der: bytes):
    try:
        return locate(der)
    except MalformedCertificate as exc:
        return ("refused", str(exc))


@st.composite
def usual_certificates(draw) -> bytes:
    """Certificates as CAs issue them: SANs from none to past 255 octets (every length form)."""
    return der_of(make_leaf(
        draw(LABEL),
        cns=draw(st.lists(LABEL.map(lambda label: f"{label}.node.c1.cluster.s1.account"), max_size=6)),
        dns=draw(st.lists(LABEL.map(lambda label: f"{label}.example.com"), max_size=6)),
        ips=draw(st.lists(st.sampled_from(["10.0.0.1", "::1", "192.168.1.200"]), max_size=2)),
        ca=draw(st.sampled_from([None, False, True])),
        key=draw(st.sampled_from([None, _RSA_KEY])),
        eku=draw(st.sampled_from([None, ()])) or None,
    ))


@settings(max_examples=150, deadline=None)
@given(der=usual_certificates())
def test_the_usual_walk_takes_issued_certificates_and_agrees(der):
    usual = jdk_names._locate_usual(der)
    assert usual is not None
    assert usual == jdk_names._locate_walk(der) == jdk_names.locate_fields(der)


_SAMPLES = [
    der_of(make_leaf("n", cns=["a.node.c.cluster.s.account"], dns=["a.example"])),
    der_of(make_leaf("n", cns=["b" * 60 + ".node.c.cluster.s.account"] * 4, ca=True, key=_RSA_KEY)),
    der_of(make_leaf("ca", ca=None, eku=None)),
]


def _header_octets(der: bytes, start: int = 0, end: int | None = None) -> list[int]:
    """The positions of every tag and length octet in ``der`` (constructed elements entered,
    and the OCTET STRINGs that hold extension values): where damage changes the structure."""
    end = len(der) if end is None else end
    found: list[int] = []
    offset = start
    while offset + 2 <= end:
        tag, first = der[offset], der[offset + 1]
        count = first & 0x7F if first & 0x80 else 0
        content = offset + 2 + count
        size = int.from_bytes(der[offset + 2:content], "big") if count else first
        found += range(offset, min(content, end))
        if content + size > end:
            break
        if tag & 0x20 or tag == 0x04:
            found += _header_octets(der, content, content + size)
        offset = content + size
    return found


def _damaged(data, sample: bytes) -> bytes:
    """``sample`` cut short, or with one octet changed: a structure octet (a length one more
    or less, or any value) as often as anywhere else."""
    headers = _header_octets(sample)
    position = data.draw(st.one_of(st.sampled_from(headers), st.integers(0, len(sample) - 1)))
    if data.draw(st.booleans()) and data.draw(st.booleans()):
        return sample[:position]
    octet = sample[position]
    replacement = data.draw(st.one_of(st.sampled_from([(octet + 1) % 256, (octet - 1) % 256]), st.integers(0, 255)))
    return sample[:position] + bytes([replacement]) + sample[position + 1:]


def _every_structural_damage(sample: bytes):
    """Each structure octet changed to each value that matters to a reader (a length one
    more or less, the long forms, the extremes), and every cut."""
    for position in _header_octets(sample):
        octet = sample[position]
        for replacement in {(octet + 1) % 256, (octet - 1) % 256, 0x00, 0x7F, 0x80, 0x81, 0x82, 0x83, 0xFF}:
            yield sample[:position] + bytes([replacement]) + sample[position + 1:]
    for size in range(len(sample)):
        yield sample[:size]


@pytest.mark.parametrize("sample", _SAMPLES, ids=["leaf", "ca-rsa-long-sans", "no-extensions"])
def test_every_structural_damage_is_read_or_refused_as_the_general_walk_does(sample):
    cases = 0
    for damaged in _every_structural_damage(sample):
        assert _outcome(jdk_names.locate_fields, damaged) == _outcome(jdk_names._locate_walk, damaged), damaged.hex()
        cases += 1
    assert cases > len(sample)


@settings(max_examples=800, deadline=None)
@given(sample=st.sampled_from(_SAMPLES), data=st.data())
def test_a_damaged_certificate_is_read_or_refused_as_the_general_walk_does(sample, data):
    damaged = _damaged(data, sample)
    assert _outcome(jdk_names.locate_fields, damaged) == _outcome(jdk_names._locate_walk, damaged)


def _header(tag: int, size: int) -> bytes:
    return _tlv(tag, bytes(size))[:-size or None]


def _crafted(sample: bytes) -> dict[str, bytes]:
    """Inputs no single damage makes: lengths changed together so that every other check
    of the walk still holds, leaving one inconsistency each (built on the leaf sample)."""
    cert = _elements(sample, 0, len(sample))[0]
    tbs = _elements(sample, cert[2], cert[3])[0]
    fields = _elements(sample, tbs[2], tbs[3])
    extensions_wrapper = fields[-1]
    extensions = _elements(sample, extensions_wrapper[2], extensions_wrapper[3])[0]
    tbs_body = sample[tbs[2]:fields[-1][1]]
    last_extensions = sample[extensions[2]:extensions[3]]

    rest = sample[tbs[3]:cert[3]]  # signatureAlgorithm, signature

    def with_tbs(body: bytes, short_by: int = 0) -> bytes:
        tbs_der = _tlv(0x30, body)
        return _header(0x30, len(tbs_der) + len(rest) - short_by) + tbs_der + rest

    subject, spki = fields[-3], fields[-2]
    subject_eats_key = (sample[tbs[2]:subject[0]] + _header(0x30, subject[3] - subject[2] + spki[3] - spki[0])
                        + sample[subject[2]:subject[3]] + sample[spki[0]:spki[3]])
    # A critical flag of two octets whose second one reads as an OCTET STRING tag.
    odd_flag = _tlv(0x30, b"\x06\x03\x55\x1d\x11" + b"\x01\x02\xff\x04" + _tlv(0x04, b"\x30\x01\x00"))
    second_san = _tlv(0x30, b"\x06\x03\x55\x1d\x11" + _tlv(0x04, _tlv(0x30, _tlv(0x82, b"b.example"))))
    return {
        "tbs longer than its certificate": with_tbs(sample[tbs[2]:tbs[3]], short_by=len(rest) + 1),
        "subject running to the end": with_tbs(subject_eats_key),
        "critical flag of two octets": with_tbs(tbs_body + _tlv(0xA3, _tlv(0x30, odd_flag))),
        "two subjectAltNames": with_tbs(tbs_body + _tlv(0xA3, _tlv(0x30, last_extensions + second_san))),
        "extension past the extensions": with_tbs(
            tbs_body + _tlv(0xA3, _tlv(0x30, last_extensions[:-1])) + last_extensions[-1:]),
    }


def _elements(der: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, start, contents start, end) of each element between ``start`` and ``end``."""
    found = []
    offset = start
    while offset < end:
        first = der[offset + 1]
        count = first & 0x7F if first & 0x80 else 0
        content = offset + 2 + count
        size = int.from_bytes(der[offset + 2:content], "big") if count else first
        found.append((der[offset], offset, content, content + size))
        offset = content + size
    return found


@pytest.mark.parametrize("case", ["tbs longer than its certificate", "subject running to the end",
                                  "critical flag of two octets", "two subjectAltNames",
                                  "extension past the extensions"])
def test_crafted_inconsistencies_are_left_to_the_general_walk(case):
    crafted = _crafted(_SAMPLES[0])[case]
    assert jdk_names._locate_usual(crafted) is None
    assert _outcome(jdk_names.locate_fields, crafted) == _outcome(jdk_names._locate_walk, crafted)


def test_the_unusual_shapes_are_left_to_the_general_walk():
    key = _RSA_KEY
    builder = (x509.CertificateBuilder().subject_name(name("n")).issuer_name(name("n"))
               .public_key(key.public_key()).serial_number(1)
               .not_valid_before(NOW).not_valid_after(NOW + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True))
    with_path_length = der_of(builder.sign(key, hashes.SHA256()))
    assert jdk_names._locate_usual(with_path_length) is None
    assert jdk_names.locate_fields(with_path_length) == jdk_names._locate_walk(with_path_length)
    assert jdk_names.locate_fields(with_path_length).is_ca is True


# ----------------------------------------------------------------------------- the SAN shortcut
# _usual_names reads a subjectAltName of dNSNames, IP addresses and the certutil-shaped
# otherName without the JDK's model (_decode_in_general, held to the JDKs by
# tests/test_jdk_names.py). Held here to that model on both JDK generations.

_CN_OTHER_NAME = b"\x06\x03\x55\x04\x03"


def _tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


_ENTRY = st.one_of(
    st.binary(max_size=70).map(lambda data: _tlv(0x82, data)),  # dNSName, any octets
    st.sampled_from([4, 16, 3, 8]).flatmap(lambda n: st.binary(min_size=n, max_size=n)).map(lambda a: _tlv(0x87, a)),
    st.binary(max_size=70).map(lambda text: _tlv(0xA0, _CN_OTHER_NAME + _tlv(0xA0, _tlv(0x0C, text)))),
    st.binary(max_size=20).map(lambda text: _tlv(0xA0, _CN_OTHER_NAME + _tlv(0xA0, _tlv(0x13, text)))),
    st.binary(max_size=20).map(lambda text: _tlv(0xA0, b"\x06\x03\x2a\x03\x04" + _tlv(0xA0, _tlv(0x0C, text)))),
    st.binary(min_size=1, max_size=6),  # arbitrary octets: damage between entries
)


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(_ENTRY, max_size=6), outer=st.sampled_from([0x30, 0x31]), data=st.data())
def test_the_san_shortcut_reads_what_the_jdk_model_reads(entries, outer, data):
    value = _tlv(outer, b"".join(entries))
    for candidate in (value, _damaged(data, value), *_every_structural_damage(value)):
        usual = jdk_names._usual_names(candidate)
        if usual is not None:
            for jdk in (17, 21):
                assert usual == jdk_names._decode_in_general(candidate, jdk), candidate.hex()


def test_the_san_shortcut_takes_the_usual_names():
    value = _tlv(0x30, _tlv(0xA0, _CN_OTHER_NAME + _tlv(0xA0, _tlv(0x0C, "é.node".encode())))
                 + _tlv(0x82, b"a.example") + _tlv(0x87, bytes([10, 0, 0, 1])))
    usual = jdk_names._usual_names(value)
    assert usual is not None and usual.other_name_cns == ("é.node",) and usual.ip_addresses == ("10.0.0.1",)
    assert usual == jdk_names._decode_in_general(value, 21)


# ----------------------------------------------------------------------------- cutting a slice
# A slice of a PEM bundle, or a file of a folder, made only of plain CERTIFICATE blocks is
# cut with one split (certkit.io.sources.plain_certificate_bodies); anything else goes
# through the PEM reader. Held to that reader: whenever the split answers, it finds the
# same certificates.

_BLOCKS = [pem(make_leaf(f"n{i}", cns=[f"n{i}.node.c.cluster.s.account"])) for i in range(3)]
_PIECE = st.one_of(
    st.sampled_from(_BLOCKS),
    st.sampled_from([b"\n", b"junk text\n", b"glued text", b"-", b"------", b"---", b"-----", b"-----BEGIN CERTIFICATE-----\n",
                     b"-----END CERTIFICATE-----\n", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                     b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"]),
    st.sampled_from(_BLOCKS).map(lambda block: block.replace(b"-----END", b"------END")),
    st.sampled_from(_BLOCKS).map(lambda block: block[:40] + b"-" + block[40:]),
)


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(_PIECE, max_size=8))
def test_a_slice_is_cut_as_the_pem_reader_reads_it(pieces):
    data = b"".join(pieces)
    expected = data.count(b"-----BEGIN CERTIFICATE-----")
    bodies = plain_certificate_bodies(data, expected)
    if bodies is None:
        return
    try:  # as the engine loads them: a body that fails sends the slice to the PEM reader
        cut = [x509.load_der_x509_certificate(a2b_base64(body)) for body in bodies]
    except ValueError:
        return
    try:
        read = [item.der for item in pem_text_certificates(data, "slice")]
    except NotCertificates:
        read = []
    except CertkitError:
        read = None
    assert [certificate.public_bytes(Encoding.DER) for certificate in cut] == read


def test_a_slice_of_plain_blocks_is_cut_by_the_split():
    data = b"\n".join(_BLOCKS) + b"\n"
    bodies = plain_certificate_bodies(data, 3)
    assert bodies is not None and [a2b_base64(b) for b in bodies] == [item.der for item in pem_text_certificates(data, "s")]


# ----------------------------------------------------------------------------- expiry per Validity
# A checker judges the dates of each distinct Validity once (RestrictionChecker._expiry):
# held to expiry_of on every certificate, with validities shared, distinct, and differing
# by one second.


def test_expiry_judged_once_per_validity_is_every_certificates_own():
    within = dt.timedelta(days=30)
    windows = [(NOW - dt.timedelta(days=9), NOW - dt.timedelta(days=2)),  # expired
               (NOW + dt.timedelta(days=2), NOW + dt.timedelta(days=90)),  # not yet valid
               (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=5)),  # expiring
               (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=5, seconds=1)),
               (NOW - dt.timedelta(days=1), NOW + within + dt.timedelta(seconds=2)),  # valid by a second
               (NOW - dt.timedelta(days=1), NOW + within - dt.timedelta(seconds=1))]  # expiring by a second
    certificates = [make_leaf(f"n{i}", cns=[f"n{i}.node.c.cluster.s.account" if i % 3 else "other"],
                              not_before=windows[i % len(windows)][0], not_after=windows[i % len(windows)][1])
                    for i in range(30)]
    bundle = pem(*certificates)
    restrictions = parse_restrictions(b'trust.subject_name: ["*.node.c.cluster.s.account"]\n', "trust.yml")
    at = NOW.replace(microsecond=0) + dt.timedelta(seconds=1)
    checker = RestrictionChecker(restrictions, expires_within=within, now=at)
    items = list(pem_text_certificates(bundle, "bundle.pem"))
    verdicts = list(checker.check_items(items))
    assert len(verdicts) == len(certificates) and len(checker._expiries) == len(windows)
    seen = set()
    for verdict, item in zip(verdicts, items, strict=True):
        assert (verdict.expiry, verdict.not_after, verdict.expiry_note) == expiry_of(item.certificate, at, within)
        seen.add(verdict.expiry)
    assert seen == {"expired", "not yet valid", "expiring", "valid"}


@pytest.mark.parametrize("glue", [b"glued text", b"", b"\nmore text "])
def test_a_begin_glued_to_text_is_left_to_the_pem_reader(glue):
    # After the first block, on the line its END ends (or after text on a line of its own):
    # the PEM reader reads that BEGIN as text, so the split must not answer.
    first, second = _BLOCKS[0].rstrip(b"\n") if not glue.startswith(b"\n") else _BLOCKS[0], _BLOCKS[1]
    data = first + glue + second
    assert plain_certificate_bodies(data, 2) is None
    assert len(list(pem_text_certificates(data, "s"))) == 1
    assert plain_certificate_bodies(b"glued text" + second, 1) is None


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(_PIECE, min_size=1, max_size=5))
def test_a_folder_file_is_read_as_the_pem_reader_reads_it(tmp_path_factory, pieces):
    # A file of a folder is cut with the split when it is made of plain blocks: held to the
    # PEM reader on the same bytes (labels, #N numbering, positions, the error's words).
    data = b"".join(pieces)
    path = tmp_path_factory.mktemp("folder") / "node.crt"
    path.write_bytes(data)

    def outcome(read):
        try:
            return [(item.source, item.der, item.container, item.position) for item in read()]
        except NotCertificates:
            return "no certificates"
        except CertkitError as exc:
            return str(exc)

    notes: list[str] = []
    from_folder = outcome(lambda: folder_file_certificates(str(path), PasswordCache(None), notes.append))
    from_reader = outcome(lambda: pem_text_certificates(data, str(path)))
    if from_reader == "no certificates":
        assert from_folder == [] and notes
    else:
        assert from_folder == from_reader
