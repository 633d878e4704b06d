"""The audit's per-certificate shortcuts give the answers of the general paths they skip.

An audit renders one subject per certificate (every one with --json): a Name of one plain
commonName is printed without the general X.500 parse (certkit.jdk.x500._single_plain_cn).
The general path is the one tests/test_jdk_strings_and_dns.py holds to the JDK's own
X500Principal.toString(); here the shortcut is held to the general path, on the shapes it
takes and on the near misses it must leave to it.
"""

from __future__ import annotations

import warnings

from cryptography import x509
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.jdk import x500

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
