"""Names: the Elastic Cloud node-name convention and X.500 distinguished names.

Elastic Cloud and ECE nodes present ``{node}.node.{cluster_id}.cluster.{scope_id}.account``
as the otherName commonName SAN of their transport certificate (docs/reference.md §4); trust
restriction patterns such as ``*.node.<cluster>.cluster.<scope>.account`` are written
against it. A self-managed cluster that wants Cloud-style patterns to cover its own nodes
names them the same way; this module formats and recognises such names.

It also parses distinguished names the way users write them for certutil (``--dn``, an
instance ``name`` containing ``=``): Java's X500Principal accepts ``CN=a, OU=b`` (spaces
after commas, RFC 1779), which strict RFC 4514 parsers reject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from certkit.errors import InputError

# One label of a node name: what Cloud uses (lower-case hex ids, numeric scopes,
# "instance-0000000001") and what users pick for their own nodes. No dots (they separate
# the parts), no wildcard or escape characters (they would turn a name into a pattern).
_COMPONENT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?")
_NODE_NAME = re.compile(
    r"(?P<node>[^.]+)\.node\.(?P<cluster>[^.]+)\.cluster\.(?P<scope>[^.]+)\.account"
)
# What Elastic Cloud's direct-trust API accepts as scope_id (docs/reference.md §7).
_CLOUD_SCOPE_ID = re.compile(r"[a-z0-9]{1,32}")


@dataclass(frozen=True)
class NodeName:
    """A node name in the Elastic Cloud convention, split into its three parts."""

    node: str
    cluster_id: str
    scope_id: str

    def __str__(self) -> str:
        return f"{self.node}.node.{self.cluster_id}.cluster.{self.scope_id}.account"


def check_name_component(value: str, what: str) -> str:
    """Return ``value`` if it can be one part of a node name, else raise :class:`InputError`.

    ``what`` names the part in the error ("the node name", "the cluster id"...).
    """
    if not isinstance(value, str) or not value:
        raise InputError(f"{what} is empty")
    if not _COMPONENT.fullmatch(value):
        raise InputError(
            f"{what} {value!r} is not usable in a node name: use letters, digits, '-' and '_' "
            "(no dots, no wildcards), starting and ending with a letter or digit"
        )
    return value


def check_cluster_id(cluster_id: str) -> str:
    """A cluster id: one part of a node name, as a trust pattern and Cloud's ``trust_allowlist`` take it."""
    return check_name_component(cluster_id, "the cluster id")


def cloud_scope_id_problem(scope_id: str) -> str | None:
    """Why Elastic Cloud would refuse ``scope_id`` as a trust ``scope_id`` ("has upper-case
    letters"…), or ``None``: the API wants lower-case letters and digits, 1 to 32 of them.

    The one rule for scope ids, applied through :func:`cloud_scope_warning` (planning:
    ``instances generate|check``, ``cert``, ``restrictions generate`` warn before
    certificates or patterns carry it) and :func:`require_cloud_scope_id` (``cloud trust``
    refuses it: the API would).
    """
    if _CLOUD_SCOPE_ID.fullmatch(scope_id):
        return None
    if not scope_id:
        return "is empty"
    if len(scope_id) > 32:
        return "is longer than 32 characters"
    if scope_id.lower() != scope_id and re.fullmatch(r"[A-Za-z0-9]+", scope_id):
        return "has upper-case letters"
    return "has characters other than lower-case letters and digits"


def check_scope_id(scope_id: str) -> str:
    """A scope id as planning takes it: one part of a node name, or :class:`InputError`.

    What Cloud additionally needs is :func:`cloud_scope_warning` (plans, trust files) and
    :func:`require_cloud_scope_id` (what goes to Cloud's API).
    """
    return check_name_component(scope_id, "the scope id")


def cloud_scope_warning(scope_id: str, *, trusting_cloud_nodes: bool = False) -> str | None:
    """What it means that Elastic Cloud would refuse ``scope_id`` as a trust scope (``None``:
    it accepts it). ``trusting_cloud_nodes``: the id is meant to name Elastic Cloud's own
    nodes (a trust pattern), whose scopes always follow the rule."""
    problem = cloud_scope_id_problem(scope_id)
    if problem is None:
        return None
    meaning = ("no Elastic Cloud node carries such a scope, so the pattern admits only self-managed nodes named so"
               if trusting_cloud_nodes else
               "so a Cloud deployment can trust these nodes only by listing each node name")
    return (f"the scope id {scope_id!r} {problem}: Elastic Cloud trusts clusters by scope only for a scope id "
            f"of lower-case letters and digits (at most 32); {meaning}")


def require_cloud_scope_id(scope_id: str, what: str = "scope id") -> str:
    """``scope_id`` if Elastic Cloud's API accepts it as a scope (or, ``what``, an account id), else raise."""
    problem = cloud_scope_id_problem(scope_id)
    if problem is not None:
        raise InputError(
            f"{what} {scope_id!r} {problem}: Elastic Cloud wants lower-case letters and digits, at most 32",
            hint="the scope id is the organization id (Elastic Cloud) or the environment id (ECE); "
                 "nodes planned with another scope can be trusted by listing their names",
        )
    return scope_id


def format_node_name(node: str, cluster_id: str, scope_id: str) -> str:
    """``<node>.node.<cluster_id>.cluster.<scope_id>.account``, each part validated."""
    return str(
        NodeName(
            check_name_component(node, "the node name"),
            check_name_component(cluster_id, "the cluster id"),
            check_scope_id(scope_id),
        )
    )


def parse_node_name(text: str) -> NodeName | None:
    """Split a Cloud-convention node name into its parts; ``None`` if it does not follow it."""
    match = _NODE_NAME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    parts = match.group("node"), match.group("cluster"), match.group("scope")
    if not all(_COMPONENT.fullmatch(part) for part in parts):
        return None
    return NodeName(*parts)


def is_cloud_scope_id(scope_id: str) -> bool:
    """Whether Elastic Cloud's direct-trust API would accept ``scope_id`` as a scope_id."""
    return cloud_scope_id_problem(scope_id) is None


# Attribute keywords X500Principal understands (RFC 1779/2253 plus its extras) that the
# RFC 4514 parser of cryptography does not know by name.
_EXTRA_DN_KEYWORDS = {
    "SERIALNUMBER": NameOID.SERIAL_NUMBER,
    "EMAILADDRESS": NameOID.EMAIL_ADDRESS,
    "EMAIL": NameOID.EMAIL_ADDRESS,
    "T": NameOID.TITLE,
    "TITLE": NameOID.TITLE,
    "SURNAME": NameOID.SURNAME,
    "GIVENNAME": NameOID.GIVEN_NAME,
    "INITIALS": NameOID.INITIALS,
    "GENERATION": NameOID.GENERATION_QUALIFIER,
    "DNQ": NameOID.DN_QUALIFIER,
    "DNQUALIFIER": NameOID.DN_QUALIFIER,
    "S": NameOID.STATE_OR_PROVINCE_NAME,
}
_LENGTH_LIMITS = {NameOID.COMMON_NAME: 64, NameOID.ORGANIZATIONAL_UNIT_NAME: 64, NameOID.ORGANIZATION_NAME: 64}


def _split_unescaped(text: str, separators: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_dn(text: str) -> x509.Name:
    """Parse a distinguished name as certutil users write it (``CN=a, OU=b, O=c``).

    The leftmost attribute is the most specific, as in X500Principal and RFC 4514.
    Raises :class:`InputError` with the reason when the text is not a usable DN.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("the distinguished name is empty")
    rdns = []
    for rdn in _split_unescaped(text, ",;"):
        attributes = []
        for attribute in _split_unescaped(rdn, "+"):
            keyword, equals, value = attribute.partition("=")
            if not equals or not keyword.strip():
                raise InputError(f"{text!r} is not a distinguished name: {attribute.strip()!r} is not KEY=value")
            # Spaces around '=' and after ',' are layout (RFC 1779); a space inside the value
            # is kept. Trailing spaces are dropped unless escaped.
            value = value.strip() if not value.rstrip(" ").endswith("\\") else value.lstrip()
            attributes.append(f"{keyword.strip()}={value}")
        rdns.append("+".join(attributes))
    normalised = ",".join(rdns)
    try:
        name = x509.Name.from_rfc4514_string(normalised, _EXTRA_DN_KEYWORDS)
    except ValueError as exc:
        detail = f": {exc}" if str(exc) else " (unknown attribute type or bad escaping)"
        raise InputError(f"{text!r} is not a valid distinguished name{detail}") from None
    for name_attribute in name:
        limit = _LENGTH_LIMITS.get(name_attribute.oid)
        attribute_value = name_attribute.value
        if not attribute_value:
            raise InputError(f"{text!r}: the {name_attribute.rfc4514_attribute_name} attribute is empty")
        if limit and isinstance(attribute_value, str) and len(attribute_value) > limit:
            raise InputError(
                f"{text!r}: {name_attribute.rfc4514_attribute_name} is {len(attribute_value)} characters long; "
                f"X.509 allows at most {limit}"
            )
    return name


def _check_common_name(name: str) -> None:
    """The length rules a plain name meets to become ``CN=<name>``."""
    if len(name) > 64:
        raise InputError(
            f"the name {name!r} is {len(name)} characters long; a certificate's CN holds at most 64",
            hint="keep long Cloud-style node names in cn (otherName SAN), not in name",
        )
    # cryptography, which encodes the names certkit writes, counts the CN's UTF-8 bytes.
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > 64:
        raise InputError(
            f"the name {name!r} takes {size} bytes in UTF-8; a certificate's CN holds at most 64 "
            "(certkit counts bytes, as cryptography does)",
            hint="keep long or non-ASCII node names in cn (otherName SAN), not in name",
        )


def subject_for(name: str) -> x509.Name:
    """The subject certutil gives an instance: ``name`` as a DN if it contains ``=``, else ``CN=name``."""
    if "=" in name:
        return parse_dn(name)
    _check_common_name(name)
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])


def check_subject(name: str) -> None:
    """Raise what :func:`subject_for` raises for ``name``, without building the Name of a
    plain name (planning checks every instance; issuing builds them)."""
    if "=" in name:
        parse_dn(name)
    else:
        _check_common_name(name)


#: A plain name RFC 4514 (and cryptography's rfc4514_string) writes as it is: none of the
#: characters it escapes, no leading '#' or space, no trailing space.
_RFC4514_AS_IS = re.compile(r'(?![# ])[^"+,;<>\\\x00=]*(?<! )')


def subject_text(name: str) -> str:
    """``subject_for(name).rfc4514_string()``, without building the Name of a plain name."""
    if "=" not in name and name and _RFC4514_AS_IS.fullmatch(name):
        _check_common_name(name)
        return "CN=" + name
    return subject_for(name).rfc4514_string()
