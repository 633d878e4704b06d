"""The instances file: certutil's ``instances.yml``, read strictly and written safely.

Format (elasticsearch-certutil, docs/reference.md §5)::

    instances:
      - name: "node1"                 # required; subject CN=node1 (a DN if it contains '=')
        filename: "node1"             # optional, defaults to name; the bundle folder
        cn: ["node1.node.<cluster>.cluster.<scope>.account"]   # otherName SANs
        dns: ["node1.example.internal"]                      # dNSName SANs
        ip: ["10.0.0.1"]                                     # iPAddress SANs

certutil accepts a file and fails later, or silently drops what it does not know; certkit
refuses it up front with an error that names the entry (its number and name) and the key.
Things that are legal but probably not what the user wants are :class:`Finding` warnings
from :func:`check_instances`.

(Over 400 lines: each key of the file and the generator share one set of per-value
checks, and splitting them would scatter the file format's rules. The inventory CSV is
read in :mod:`certkit.plan.inventory`.)
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from certkit.errors import InputError, param
from certkit.io import load_yaml
from certkit.model import Finding, Instance
from certkit.plan.inventory import InventoryRow
from certkit.plan.naming import (
    check_cluster_id,
    check_scope_id,
    check_subject,
    cloud_scope_warning,
    format_node_name,
    parse_node_name,
)

# certutil's CertificateTool.isValidFilename, verbatim character class and length.
FILENAME_PATTERN = re.compile(r"[a-zA-Z0-9!@#$%^&{}\[\]()_+\-=,.~'` ]{1,251}")
ENTRY_KEYS = ("name", "filename", "cn", "dns", "ip")
# The bundle keeps the CA certificate in ca/: an instance may not take that folder.
RESERVED_NAME = "ca"

_DNS_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CLOUD_CONVENTION = "<node>.node.<cluster_id>.cluster.<scope_id>.account"


# ---------------------------------------------------------------------------------------
# Single values


def dns_name_problem(value: str) -> str | None:
    """Why ``value`` is not a valid DNS SAN (``None`` when it is).

    Host names per RFC 1123 (letters, digits, hyphens; labels of 1-63 characters; at most
    253 in all), a wildcard ``*`` only as the whole left-most label (RFC 6125), and
    internationalised names only in their ASCII ``xn--`` form.
    """
    if not value:
        return "it is empty"
    if not value.isascii():
        return "it is not ASCII (write internationalised names in their xn-- form)"
    if len(value) > 253:
        return "it is longer than 253 characters"
    labels = value.split(".")
    if labels[0] == "*":
        labels = labels[1:]
        if not labels:
            return "a wildcard needs a domain after it (*.example.com)"
    for label in labels:
        if "*" in label:
            return "a wildcard '*' is allowed only as the whole left-most label (*.example.com)"
        if not label:
            return "it has an empty label (two dots in a row, or a leading or trailing dot)"
        if not _DNS_LABEL.fullmatch(label):
            if len(label) > 63:
                return f"the label {label[:20]!r}... is longer than 63 characters"
            return (
                f"the label {label!r} may hold only letters, digits and '-', "
                "and may not start or end with '-'"
            )
    return None


def ip_address_problem(value: str) -> str | None:
    """Why ``value`` is not an IPv4/IPv6 address for an iPAddress SAN (``None`` when it is)."""
    if "%" in value:
        return "a zone index (%...) cannot be put in a certificate"
    if "/" in value:
        return "it is a network, not an address"
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return "it is not an IPv4 or IPv6 address"
    return None


def filename_problem(filename: str) -> str | None:
    """Why ``filename`` is not a bundle folder name certutil would accept (``None`` when it is)."""
    if not FILENAME_PATTERN.fullmatch(filename):
        if len(filename) > 251:
            return "it is longer than 251 characters"
        bad = sorted({c for c in filename if not FILENAME_PATTERN.fullmatch(c)})
        shown = "".join(bad) if bad else filename
        return f"it contains characters a filename may not hold ({shown!r}; allowed: letters, digits, space and !@#$%^&{{}}[]()_+-=,.~'`)"
    if filename.startswith("."):
        return "it starts with '.' (a hidden file)"
    if filename.lower() == RESERVED_NAME:
        return "'ca' is where the bundle keeps the CA certificate"
    return None


# ---------------------------------------------------------------------------------------
# Building and validating instances


def _entry_label(index: int, name: object) -> str:
    return f"entry {index + 1} ({name})" if isinstance(name, str) and name else f"entry {index + 1}"


def _string_list(value: Any, key: str, where: str) -> tuple[str, ...]:
    # certutil's parser (ObjectParser string arrays) accepts a single value for a list.
    items = [value] if isinstance(value, str) else value
    if items is None:
        return ()
    if not isinstance(items, list):
        raise InputError(f"{where}: '{key}' must be a list of strings, not {_yaml_type(items)}")
    result = []
    for item in items:
        if not isinstance(item, str):
            raise InputError(
                f"{where}: every '{key}' value must be a string; {item!r} is {_yaml_type(item)}",
                hint="put the value in double quotes",
            )
        result.append(item)
    return tuple(result)


def _yaml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"a {type(value).__name__}"


def make_instance(
    name: str,
    *,
    filename: str | None = None,
    dns: Iterable[str] = (),
    ip: Iterable[str] = (),
    cn: Iterable[str] = (),
    where: str | None = None,
) -> Instance:
    """Validate one instance's values and return it (``filename`` defaults to ``name``).

    ``where`` prefixes error messages ("instances.yaml: entry 2 (node2)").
    """
    where = where or repr(name)
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: 'name' is required and must be a non-empty string")
    if name == RESERVED_NAME:
        raise InputError(f"{where}: 'ca' may not be used as an instance name (the bundle's ca/ folder holds the CA certificate)")
    if _CONTROL.search(name):
        raise InputError(f"{where}: the name contains control characters")
    try:
        check_subject(name)
    except InputError as exc:
        raise exc.within(where) from None
    resolved_filename = name if filename is None else filename
    if not isinstance(resolved_filename, str):
        raise InputError(f"{where}: 'filename' must be a string, not {_yaml_type(resolved_filename)}")
    problem = filename_problem(resolved_filename)
    if problem:
        origin = "filename" if filename is not None else "filename (defaulted from the name)"
        raise InputError(f"{where}: {origin} {resolved_filename!r} is not valid: {problem}",
                         hint="set 'filename' to a plain name such as node1" if filename is None else None)
    dns, ip, cn = tuple(dns), tuple(ip), tuple(cn)
    for value in dns:
        reason = dns_name_problem(value)
        if reason:
            raise InputError(f"{where}: dns {value!r} is not a valid DNS name: {reason}")
    for value in ip:
        reason = ip_address_problem(value)
        if reason:
            raise InputError(f"{where}: ip {value!r} is not valid: {reason}")
    for value in cn:
        if not value.strip():
            raise InputError(f"{where}: a cn value is empty")
        if _CONTROL.search(value):
            raise InputError(f"{where}: cn {value!r} contains control characters")
    return Instance(name=name, filename=resolved_filename, dns=dns, ip=ip, cn=cn)


def check_unique(instances: Sequence[Instance], source: str) -> None:
    """Names must be unique, and so must filenames (ignoring case: the bundle may be unpacked
    on a case-insensitive file system, where Node1/ and node1/ are the same folder)."""
    seen_names: dict[str, int] = {}
    seen_files: dict[str, int] = {}
    for index, instance in enumerate(instances):
        where = f"{source}: {_entry_label(index, instance.name)}"
        if instance.name in seen_names:
            raise InputError(f"{where}: the name {instance.name!r} is already used by entry {seen_names[instance.name] + 1}")
        seen_names[instance.name] = index
        key = instance.filename.lower()
        if key in seen_files:
            other = instances[seen_files[key]]
            raise InputError(
                f"{where}: filename {instance.filename!r} collides with entry {seen_files[key] + 1} ({other.name}), "
                f"whose filename is {other.filename!r}",
                hint="give one of them a distinct 'filename'",
            )
        seen_files[key] = index


def parse_instances(data: bytes | str, source: str) -> list[Instance]:
    """Parse and validate an instances document; ``source`` names it in errors."""
    document = load_yaml(data, source)
    if document is None:
        raise InputError(f"{source} is empty", hint="it must hold a top-level 'instances:' list")
    if not isinstance(document, dict):
        raise InputError(f"{source}: the top level must be a mapping with an 'instances:' list, not {_yaml_type(document)}")
    unknown = [key for key in document if key != "instances"]
    if unknown:
        raise InputError(f"{source}: unknown top-level key {str(unknown[0])!r} (only 'instances' is allowed)")
    if "instances" not in document:
        raise InputError(f"{source}: there is no top-level 'instances:' list")
    entries = document["instances"]
    if not isinstance(entries, list):
        raise InputError(f"{source}: 'instances' must be a list, not {_yaml_type(entries)}",
                         hint="write each instance as a list item starting with '- name: ...'")
    if not entries:
        raise InputError(f"{source}: the 'instances' list is empty")
    instances = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InputError(f"{source}: entry {index + 1} must be a mapping (name: ..., dns: [...]), not {_yaml_type(entry)}")
        where = f"{source}: {_entry_label(index, entry.get('name'))}"
        for key in entry:
            if key not in ENTRY_KEYS:
                raise InputError(f"{where}: unknown key {str(key)!r} (allowed: {', '.join(ENTRY_KEYS)})")
        if "name" not in entry or entry["name"] is None:
            raise InputError(f"{where}: 'name' is required")
        if not isinstance(entry["name"], str):
            raise InputError(f"{where}: 'name' must be a string, not {_yaml_type(entry['name'])}",
                             hint="put the name in double quotes")
        instances.append(
            make_instance(
                entry["name"],
                filename=entry.get("filename"),
                dns=_string_list(entry.get("dns"), "dns", where),
                ip=_string_list(entry.get("ip"), "ip", where),
                cn=_string_list(entry.get("cn"), "cn", where),
                where=where,
            )
        )
    check_unique(instances, source)
    return instances


def load_instances(path: str | os.PathLike[str]) -> list[Instance]:
    """Read and validate an instances file; :class:`InputError` names the entry at fault."""
    from certkit.io import MAX_TEXT_INPUT_BYTES, read_bounded

    data = read_bounded(path, "the instances file", MAX_TEXT_INPUT_BYTES)
    return parse_instances(data, str(Path(path)))


def lint_instances(instances: Sequence[Instance]) -> list[Finding]:
    """Warnings about valid instances that will probably not work as intended."""
    findings: list[Finding] = []
    cn_owner: dict[str, str] = {}
    for index, instance in enumerate(instances):
        where = _entry_label(index, instance.name)
        if not instance.cn:
            findings.append(Finding(
                "no cn: the certificate has no otherName commonName, the only field a node with "
                "default trust restrictions reads, so such a node will reject it", where))
        for value in instance.cn:
            node_name = parse_node_name(value)
            if node_name is None:
                findings.append(Finding(
                    f"cn {value!r} does not follow the Elastic Cloud convention {CLOUD_CONVENTION}; "
                    "Cloud-style trust patterns will not match it", where))
            if any(c in value for c in "*?\\/"):
                findings.append(Finding(
                    f"cn {value!r} contains a pattern character (* ? \\ /); in a certificate it is "
                    "a literal name, not a pattern", where))
            if value in cn_owner and cn_owner[value] != instance.name:
                findings.append(Finding(f"cn {value!r} is also used by {cn_owner[value]}: two nodes share one identity", where))
            cn_owner.setdefault(value, instance.name)
        for key in ("cn", "dns", "ip"):
            values = getattr(instance, key)
            duplicates = sorted({v for v in values if values.count(v) > 1})
            if duplicates:
                findings.append(Finding(f"{key} lists {', '.join(map(repr, duplicates))} more than once", where))
    return findings + scope_findings(instances)


def scope_findings(instances: Sequence[Instance]) -> list[Finding]:
    """A warning per scope of the plan's Cloud-style names that Elastic Cloud cannot trust by
    scope (:func:`~certkit.plan.naming.cloud_scope_warning`), at its first instance: part of
    :func:`lint_instances`, and what ``cert`` and ``restrictions generate --from-instances``
    say before certificates or patterns carry such names."""
    findings: list[Finding] = []
    warned: set[str] = set()
    for index, instance in enumerate(instances):
        for value in instance.cn:
            node_name = parse_node_name(value)
            if node_name is None or node_name.scope_id in warned:
                continue
            warned.add(node_name.scope_id)  # once per scope: 100 nodes with one bad scope are one mistake
            warning = cloud_scope_warning(node_name.scope_id)
            if warning is not None:
                findings.append(Finding(warning, _entry_label(index, instance.name)))
    return findings


def check_instances(path: str | os.PathLike[str]) -> tuple[list[Instance], list[Finding]]:
    """Validate an instances file: the instances (or :class:`InputError`) and the warnings."""
    instances = load_instances(path)
    return instances, lint_instances(instances)


# ---------------------------------------------------------------------------------------
# Writing


def _quoted(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar (validation has refused control
    # characters), and quoting every value keeps '*' patterns, 'yes', '1.0' and ':' literal.
    # U+2028/U+2029 are line breaks to YAML (folded to a space inside quotes) and U+FEFF
    # a byte-order mark: escape them so the value reads back exactly.
    quoted = json.dumps(value, ensure_ascii=False)
    for character in ("\u2028", "\u2029", "\ufeff"):
        quoted = quoted.replace(character, f"\\u{ord(character):04x}")
    return quoted


def dump_instances(instances: Sequence[Instance], *, comment: str | None = None) -> str:
    """certutil-compatible YAML for ``instances``, every string quoted, keys in a fixed order.

    ``filename`` is written only when it differs from the name (certutil's default).
    """
    lines: list[str] = []
    if comment:
        lines.extend(f"# {line}".rstrip() for line in comment.splitlines())
    lines.append("instances:")
    for instance in instances:
        lines.append(f"  - name: {_quoted(instance.name)}")
        if instance.filename != instance.name:
            lines.append(f"    filename: {_quoted(instance.filename)}")
        for key in ("cn", "dns", "ip"):
            values = getattr(instance, key)
            if values:
                lines.append(f"    {key}:")
                lines.extend(f"      - {_quoted(value)}" for value in values)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# Generating a plan from node names or an inventory


def generate_instances(
    cluster_id: str,
    scope_id: str,
    nodes: Sequence[InventoryRow | str],
    *,
    dns_domain: str | None = None,
    extra_ips: Mapping[str, Sequence[str]] | None = None,
) -> list[Instance]:
    """Instances for ``nodes`` of one cluster, each with its Cloud-convention cn.

    Every node gets ``cn: [<node>.node.<cluster_id>.cluster.<scope_id>.account]``, the DNS
    names and addresses of its inventory row, ``<node>.<dns_domain>`` when a domain is
    given, and the addresses ``extra_ips[node]``.
    """
    check_cluster_id(cluster_id)
    check_scope_id(scope_id)
    rows = [InventoryRow(node) if isinstance(node, str) else node for node in nodes]
    if not rows:
        raise InputError("no nodes given", hint=f"use {param('nodes')}")
    if dns_domain is not None:
        domain = dns_domain.strip().strip(".")
        reason = dns_name_problem(domain)
        if reason or domain.startswith("*"):
            raise InputError(f"{param('dns_domain')} {dns_domain!r} is not a valid DNS domain: {reason or 'no wildcards'}")
    extra_ips = dict(extra_ips or {})
    known = {row.name for row in rows}
    for node in extra_ips:
        if node not in known:
            raise InputError(f"{param('extra_ips')} names the node {node!r}, which is not in the list of nodes")
    instances = []
    for index, row in enumerate(rows):
        where = f"node {index + 1} ({row.name})"
        try:
            cn = format_node_name(row.name, cluster_id, scope_id)
        except InputError as exc:
            raise exc.within(where) from None
        dns = list(row.dns)
        if dns_domain is not None and f"{row.name}.{domain}" not in dns:
            dns.append(f"{row.name}.{domain}")
        ip = list(row.ip) + [a for a in extra_ips.get(row.name, ()) if a not in row.ip]
        instances.append(make_instance(row.name, dns=dns, ip=ip, cn=[cn], where=where))
    check_unique(instances, "the node list")
    return instances
