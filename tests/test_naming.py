"""certkit.plan.naming: the Elastic Cloud node-name convention and certutil-style DNs."""

from __future__ import annotations

import pytest
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from certkit.errors import InputError
from certkit.plan.naming import NodeName, format_node_name, parse_dn, parse_node_name, subject_for

component = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,20}[A-Za-z0-9])?", fullmatch=True)


def test_format_matches_the_cloud_convention():
    assert (format_node_name("instance-0000000001", "aaaabbbbaaaabbbb", "1053523734")
            == "instance-0000000001.node.aaaabbbbaaaabbbb.cluster.1053523734.account")
    assert str(NodeName("es01", "c", "s")) == "es01.node.c.cluster.s.account"


@given(component, component, component)
def test_parse_inverts_format(node, cluster, scope):
    assert parse_node_name(format_node_name(node, cluster, scope)) == NodeName(node, cluster, scope)


@pytest.mark.parametrize("text", [
    "es01.example.internal",
    "a.b.node.c.cluster.d.account",          # a dotted node part is not the convention
    "es01.node.c.cluster.d",                  # no .account (some docs prose drops it)
    "*.node.c.cluster.d.account",             # a pattern, not a name
    "es01.node..cluster.d.account",
])
def test_parse_rejects_what_does_not_follow_the_convention(text):
    assert parse_node_name(text) is None


@pytest.mark.parametrize("part", ["", "a.b", "*", "node?", "-x", "x-", "n\u00e9"])
def test_format_refuses_parts_that_would_make_a_pattern_or_ambiguity(part):
    with pytest.raises(InputError):
        format_node_name(part, "cluster", "scope")


def test_dn_accepts_x500principal_spacing_and_keeps_order():
    name = parse_dn("CN=node1, OU=ops, O=Example, C=DE")
    assert name.rfc4514_string() == "CN=node1,OU=ops,O=Example,C=DE"
    # Leftmost is most specific: the DER order is C, O, OU, CN (as X500Principal encodes it).
    assert [a.oid for a in name] == [NameOID.COUNTRY_NAME, NameOID.ORGANIZATION_NAME,
                                     NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.COMMON_NAME]


def test_dn_keeps_escaped_commas_inside_values():
    assert parse_dn(r"CN=Doe\, Jane, O=x").get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Doe, Jane"


@pytest.mark.parametrize("text, fragment", [
    ("node1", "not KEY=value"),
    ("XX=1", "unknown attribute"),
    ("CN=", "length"),
    ("CN=" + "a" * 65, "64"),
])
def test_bad_dns_are_explained(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_dn(text)


def test_subject_for_plain_name_and_dn():
    assert subject_for("es01").rfc4514_string() == "CN=es01"
    assert subject_for("CN=es01,OU=x").rfc4514_string() == "CN=es01,OU=x"
    with pytest.raises(InputError, match="at most 64"):
        subject_for("x" * 65)
