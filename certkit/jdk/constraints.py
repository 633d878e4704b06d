"""Name constraints and certificate policies as the JDK's ConstraintsChecker and PolicyChecker apply them.

Name constraints (sun.security.x509.NameConstraintsExtension.verify and the
``constrains`` methods of DNSName, RFC822Name, URIName, IPAddressName, X500Name,
OtherName): the subject DN (when not empty), every subjectAltName, an emailAddress
attribute of the subject when there are no subjectAltNames, and the subject's most
specific CN as a DNS name (or IP address) when no subjectAltName of that type exists.
A constraint and a name of the same type whose comparison the JDK does not implement
(otherName, x400Address, ediPartyName) throws, so such a chain never validates.

Policies (sun.security.provider.certpath.PolicyChecker) with the trust manager's defaults:
initial policy set {anyPolicy}, explicit policy not required, mapping and anyPolicy not
inhibited, and policy qualifiers in a critical certificatePolicies rejected.
"""

from __future__ import annotations

import ipaddress
from typing import cast

from certkit.jdk.cert_fields import GeneralName

MATCH, NARROWS, WIDENS, SAME_TYPE, DIFF_TYPE = "match", "narrows", "widens", "same", "diff"
COMMON_NAME = "2.5.4.3"
EMAIL_ADDRESS = "1.2.840.113549.1.9.1"
ANY_POLICY = "2.5.29.32.0"


class UncomparableNames(Exception):
    """The JDK throws UnsupportedOperationException comparing these two names."""


def _dns_constrains(constraint: str, name: str) -> str:
    this, other = constraint.lower(), name.lower()
    if this == other:
        return MATCH
    if this.endswith(other):
        return WIDENS if this[len(this) - len(other) - 1] == "." else SAME_TYPE
    if other.endswith(this):
        return NARROWS if other[len(other) - len(this) - 1] == "." or this.startswith(".") else SAME_TYPE
    return SAME_TYPE


def _email_constrains(constraint: str, name: str) -> str:
    this, other = constraint.lower(), name.lower()
    if this == other:
        return MATCH
    if other.endswith(this):
        if "@" in this:
            return SAME_TYPE
        if this.startswith("."):
            return NARROWS
        return NARROWS if other[len(other) - len(this) - 1] == "@" else SAME_TYPE
    if this.endswith(other):
        return WIDENS if "@" not in other and (other.startswith(".") or this[len(this) - len(other) - 1] == "@") else SAME_TYPE
    return SAME_TYPE


def _uri_host(uri: str) -> str:
    rest = uri.split("://", 1)[1] if "://" in uri else uri
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.split(":", 1)[0]


def _uri_constrains(constraint: str, name: str) -> str:
    this, host = constraint.lower(), _uri_host(name).lower()
    if this == host:
        return MATCH
    if this.startswith(".") and host.endswith(this):
        return NARROWS
    return SAME_TYPE


def _dn_constrains(constraint: tuple, name: tuple) -> str:
    if constraint == name:
        return MATCH
    if name[:len(constraint)] == constraint:
        return NARROWS
    if constraint[:len(name)] == name:
        return WIDENS
    return SAME_TYPE


def constrains(constraint: GeneralName, name: GeneralName) -> str:
    if constraint.kind != name.kind:
        return DIFF_TYPE
    kind = constraint.kind
    if kind == "dns":
        return _dns_constrains(cast(str, constraint.value), cast(str, name.value))
    if kind == "email":
        return _email_constrains(cast(str, constraint.value), cast(str, name.value))
    if kind == "uri":
        return _uri_constrains(cast(str, constraint.value), cast(str, name.value))
    if kind == "ip":
        network, address = constraint.value, name.value
        if isinstance(network, ipaddress._BaseNetwork) and isinstance(address, ipaddress._BaseAddress):
            return NARROWS if address.version == network.version and address in network else SAME_TYPE
        return SAME_TYPE
    if kind == "dn":
        return _dn_constrains(cast(tuple, constraint.value), cast(tuple, name.value))
    if kind == "rid":
        return MATCH if constraint.value == name.value else SAME_TYPE
    raise UncomparableNames(f"Narrowing, widening, and matching are not supported for {kind} names")


def _is_dns_name(text: str) -> bool:
    """Whether the JDK's DNSName(String) constructor accepts ``text`` (no wildcard)."""
    if not text or text.startswith(".") or text.endswith("."):
        return False
    for label in text.split("."):
        if not label or not label[0].isascii() or not label[0].isalnum():
            return False
        if any(not (c.isascii() and (c.isalnum() or c == "-")) for c in label):
            return False
    return True


def names_to_check(subject: tuple, alt_names: list[GeneralName] | None) -> list[GeneralName]:
    names = [GeneralName("dn", subject)] if subject else []
    extra = list(alt_names or [])
    if alt_names is None:
        extra += [GeneralName("email", value) for rdn in subject for oid, value in rdn if oid == EMAIL_ADDRESS]
    common_names = [value for rdn in subject for oid, value in rdn if oid == COMMON_NAME]
    if common_names:
        cn = common_names[-1]
        try:
            address = ipaddress.ip_address(cn)
        except ValueError:
            if _is_dns_name(cn) and not any(n.kind == "dns" for n in extra):
                extra.append(GeneralName("dns", cn))
        else:
            if not any(n.kind == "ip" for n in extra):
                extra.append(GeneralName("ip", address))
    return names + extra


def name_allowed(name: GeneralName, permitted: list | None, excluded: list | None) -> bool:
    for constraint in excluded or ():
        if constrains(constraint, name) in (MATCH, NARROWS):
            return False
    if permitted is not None:
        same_type = False
        for constraint in permitted:
            relation = constrains(constraint, name)
            if relation in (MATCH, NARROWS):
                return True
            if relation in (WIDENS, SAME_TYPE):
                same_type = True
        if same_type:
            return False
    return True


# ----------------------------------------------------------------------------- policies


class PolicyProcessing:
    """RFC 5280 6.1 policy tree, one certificate at a time (``n``: the path length)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.explicit_policy = n + 1
        self.policy_mapping = n + 1
        self.inhibit_any = n + 1
        # The tree level at the current depth: valid_policy -> (expected policies, root-to-node path set)
        self.level: dict[str, set[str]] | None = {ANY_POLICY: {ANY_POLICY}}

    def process(self, index: int, self_issued: bool, policies: list[str] | None,
                mappings: list[tuple[str, str]] | None, require: int | None, inhibit_mapping: int | None,
                inhibit_any: int | None) -> str | None:
        """Process certificate ``index`` (1-based from the anchor); the JDK's words when it fails."""
        last = index == self.n
        if policies is not None and self.level is not None:
            level: dict[str, set[str]] = {}
            for policy in policies:
                if policy == ANY_POLICY:
                    continue
                parents = [p for p, expected in self.level.items() if policy in expected]
                if not parents and ANY_POLICY in self.level:
                    parents = [ANY_POLICY]
                if parents:
                    level[policy] = {policy}
            if ANY_POLICY in policies and (self.inhibit_any > 0 or (not last and self_issued)):
                for _parent, expected in self.level.items():
                    for policy in expected:
                        level.setdefault(policy, {policy})
                if ANY_POLICY in self.level:
                    level.setdefault(ANY_POLICY, {ANY_POLICY})
            self.level = level or None
        elif policies is None:
            self.level = None
        if self.explicit_policy == 0 and self.level is None:
            return "non-null policy tree required and policy tree is null"
        if last:
            if self.explicit_policy > 0:
                self.explicit_policy -= 1
            if require == 0:
                self.explicit_policy = 0
            if self.explicit_policy == 0 and self.level is None:
                return "non-null policy tree required and policy tree is null"
            return None
        if mappings:
            for issuer_policy, subject_policy in mappings:
                if ANY_POLICY in (issuer_policy, subject_policy):
                    return "PolicyMappings: anyPolicy not allowed"
            if self.level is not None:
                mapped: dict[str, set[str]] = {}
                for issuer_policy, subject_policy in mappings:
                    if self.policy_mapping > 0 and (issuer_policy in self.level or ANY_POLICY in self.level):
                        mapped.setdefault(issuer_policy, set()).add(subject_policy)
                for policy, expected in self.level.items():
                    if policy in mapped:
                        continue
                    if self.policy_mapping == 0 and any(policy == i for i, _ in mappings):
                        continue
                    mapped[policy] = expected
                self.level = mapped or None
        if not self_issued:
            self.explicit_policy = max(self.explicit_policy - 1, 0)
            self.policy_mapping = max(self.policy_mapping - 1, 0)
            self.inhibit_any = max(self.inhibit_any - 1, 0)
        if require is not None:
            self.explicit_policy = min(self.explicit_policy, require)
        if inhibit_mapping is not None:
            self.policy_mapping = min(self.policy_mapping, inhibit_mapping)
        if inhibit_any is not None:
            self.inhibit_any = min(self.inhibit_any, inhibit_any)
        return None
