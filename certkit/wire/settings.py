"""The last stage: the settings and request bodies that connect two clusters.

* :func:`certificate_model_settings` / :func:`api_key_model_settings`: the
  ``elasticsearch.yml`` lines (REFERENCE.md 8), rendered by :func:`render_yml` as flat
  keys with double-quoted values, so a path or pattern can never be read as a YAML alias,
  a number or a boolean;
* :func:`remote_cluster_body` / :func:`remove_remote_cluster_body`: the
  ``PUT /_cluster/settings`` body that adds, updates or removes a remote cluster;
* :func:`cross_cluster_api_key_body`: the ``POST /_security/cross_cluster/api_key`` body,
  with :func:`check_certificate_identity` and :func:`identity_matches`;
* :func:`keystore_instructions`: storing the encoded key as
  ``cluster.remote.<alias>.credentials`` and reloading it;
* :func:`render_request`: any of those bodies as JSON, in Kibana Dev Tools (console) form
  or as a curl command that takes the API key from the environment.

Sending a body to a cluster lives in :mod:`certkit.wire.http`.
Everything is validated here; nothing in this module reads a secret.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from certkit.errors import InputError, UsageError, param
from certkit.model import Report

# --------------------------------------------------------------------------- elasticsearch.yml

TRANSPORT_SSL = "xpack.security.transport.ssl"
X509_FIELD_OTHERNAME = "subjectAltName.otherName.commonName"
X509_FIELD_DNS = "subjectAltName.dnsName"
DEFAULT_X509_FIELDS = (X509_FIELD_OTHERNAME,)
_FIELD_NAMES = {
    X509_FIELD_OTHERNAME.lower(): X509_FIELD_OTHERNAME,
    X509_FIELD_DNS.lower(): X509_FIELD_DNS,
    "othername": X509_FIELD_OTHERNAME,
    "dns": X509_FIELD_DNS,
}
VERIFICATION_MODES = ("certificate", "full")
RESTRICTIONS_SUFFIXES = (".yml", ".yaml", ".json")
DEFAULT_REMOTE_CLUSTER_PORT = 9443

SettingValue = str | int | bool | list[str]


@dataclass(frozen=True)
class Setting:
    """One ``elasticsearch.yml`` setting, with an optional comment line printed above it."""

    key: str
    value: SettingValue
    comment: str | None = None


def normalise_x509_fields(fields: Sequence[str]) -> tuple[str, ...]:
    """Canonical field names (``othername`` / ``dns`` accepted), duplicates dropped.

    Elasticsearch compares field names case-insensitively and refuses any other value.
    """
    result: list[str] = []
    for field in fields:
        canonical = _FIELD_NAMES.get(field.strip().lower())
        if canonical is None:
            raise InputError(
                f"{field!r} is not a supported x509 field for trust restrictions",
                hint=f"use {X509_FIELD_OTHERNAME} (othername) and/or {X509_FIELD_DNS} (dns)",
            )
        if canonical not in result:
            result.append(canonical)
    return tuple(result)


def config_path(path: str, what: str, config_dir: Path | None, report: Report) -> str:
    """``path`` as it goes into elasticsearch.yml: relative to the config folder as written.

    Elasticsearch resolves relative paths against its config folder and reads TLS files
    only from inside it. Without ``config_dir`` the path is written as given (it describes
    the node's file system, not this machine's). With ``config_dir`` the file must exist
    there, and an absolute path inside it is made relative.
    """
    if not path or not path.strip():
        raise UsageError(f"the path of {what} is empty")
    if "\n" in path or "\r" in path:
        raise InputError(f"the path of {what} contains a line break")
    given = Path(path)
    if ".." in PurePosixPath(path.replace("\\", "/")).parts:
        report.warn(f"{path} ({what}) leaves the config folder with '..'; Elasticsearch reads TLS files "
                    "only from inside its config folder")
    if config_dir is None:
        return path
    resolved = given if given.is_absolute() else config_dir / given
    if not resolved.is_file():
        raise InputError(f"{what} {path} is not a file in {config_dir}",
                         hint=f"paths are relative to the Elasticsearch config folder ({param('config_dir')})")
    try:
        relative = resolved.resolve().relative_to(config_dir.resolve())
    except ValueError:
        report.warn(f"{path} ({what}) is outside {config_dir}; Elasticsearch reads TLS files only from "
                    "inside its config folder")
        return path
    return relative.as_posix() if given.is_absolute() else path


def _check_pem_certificates(path: str, config_dir: Path | None, what: str) -> None:
    """With a config folder at hand, a CA file must hold certificates Elasticsearch can read."""
    if config_dir is None:
        return
    from certkit.io.certificates import load_certificates, read_certificate_file

    file_path = Path(path) if Path(path).is_absolute() else config_dir / path
    data = read_certificate_file(file_path)
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise InputError(f"{what} {file_path} is not a PEM certificate file (Elasticsearch wants PEM here)")
    load_certificates(data, str(file_path))


def _check_restrictions_file(path: str, config_dir: Path | None) -> None:
    if not path.endswith(RESTRICTIONS_SUFFIXES):
        raise InputError(
            f"trust restrictions file {path!r} must end in .yml, .yaml or .json",
            hint="Elasticsearch reads it as a settings file and picks the format by its extension",
        )
    if config_dir is None:
        return
    from certkit.io.inputs import MAX_TEXT_INPUT_BYTES, read_bounded
    from certkit.io.yamlio import load_yaml

    file_path = Path(path) if Path(path).is_absolute() else config_dir / path
    document = load_yaml(read_bounded(file_path, "the trust restrictions file", MAX_TEXT_INPUT_BYTES), str(file_path))
    nested = document.get("trust") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not (
        "trust.subject_name" in document or (isinstance(nested, dict) and "subject_name" in nested)
    ):
        raise InputError(f"{file_path} has no trust.subject_name: it is not a trust restrictions file")


def certificate_model_settings(
    *,
    cas: Sequence[str],
    restrictions: str | None = None,
    x509_fields: Sequence[str] = (),
    verification_mode: str | None = None,
    config_dir: Path | None = None,
    report: Report | None = None,
) -> list[Setting]:
    """Transport TLS trust for the certificate model: CA list, restrictions, fields, mode."""
    report = report if report is not None else Report()
    if not cas:
        raise UsageError(f"name the CA certificates to trust ({param('cas')}, relative to the config folder)",
                         hint=f"your own CA and the remote cluster's CA, e.g. {param('cas')} certs/ca.crt "
                              f"{param('cas')} certs/cloud-ca.crt")
    paths = list(dict.fromkeys(config_path(ca, "the CA certificate", config_dir, report) for ca in cas))
    for path in paths:
        _check_pem_certificates(path, config_dir, "the CA certificate")
    settings = [Setting(f"{TRANSPORT_SSL}.certificate_authorities", paths,
                        "CAs whose node certificates this cluster accepts on the transport port")]
    if restrictions is not None:
        restrictions_path = config_path(restrictions, "the trust restrictions file", config_dir, report)
        _check_restrictions_file(restrictions_path, config_dir)
        settings.append(Setting(f"{TRANSPORT_SSL}.trust_restrictions.path", restrictions_path,
                                "only certificates whose names match a pattern of this file are accepted"))
    else:
        report.warn(f"no {param('restrictions')}: a shared CA (every Elastic Cloud region has one) would let every "
                    "cluster it signed connect; add a trust_restrictions file")
    fields = normalise_x509_fields(x509_fields) if x509_fields else DEFAULT_X509_FIELDS
    if fields != DEFAULT_X509_FIELDS:
        if restrictions is None:
            raise UsageError(f"{param('x509_fields')} only matters with {param('restrictions')}")
        settings.append(Setting(f"{TRANSPORT_SSL}.trust_restrictions.x509_fields", list(fields),
                                "needs Elasticsearch 8.6 / 8.5.3 / 7.17.8 or later"))
    if verification_mode is not None:
        if verification_mode not in VERIFICATION_MODES:
            raise UsageError(f"verification mode {verification_mode!r}: choose certificate or full",
                             hint="'none' would switch off the checks the restrictions build on")
        settings.append(Setting(f"{TRANSPORT_SSL}.verification_mode", verification_mode))
    return settings


def api_key_model_settings(
    *,
    server_certificate: str | None = None,
    server_key: str | None = None,
    server_keystore: str | None = None,
    port: int = DEFAULT_REMOTE_CLUSTER_PORT,
    client_cas: Sequence[str] = (),
    signing_alias: str | None = None,
    signing_certificate: str | None = None,
    signing_key: str | None = None,
    signing_cas: Sequence[str] = (),
    config_dir: Path | None = None,
    report: Report | None = None,
) -> list[Setting]:
    """Settings of the API-key model (port 9443): the remote cluster server and/or the client.

    * server side (the cluster others connect to): ``remote_cluster_server.enabled``, the
      port, and the TLS identity of that port (PEM certificate + key, or a keystore);
    * client side (the cluster that connects): the CAs that signed the remote side's
      server certificate;
    * request signing (Elasticsearch 9.3, "strong identity verification"): the local
      cluster signs with ``cluster.remote.<alias>.signing.*``, the remote cluster trusts
      the signing CA with ``cluster.remote.signing.certificate_authorities``.
    """
    report = report if report is not None else Report()
    settings: list[Setting] = []
    server = server_certificate is not None or server_key is not None or server_keystore is not None
    if server:
        if server_keystore is not None and (server_certificate or server_key):
            raise UsageError(f"give the server identity as {param('server_keystore')} or as "
                             f"{param('server_certificate')} + {param('server_key')}, not both")
        if server_keystore is None and (server_certificate is None or server_key is None):
            raise UsageError(f"{param('server_certificate')} and {param('server_key')} go together")
        if not 1 <= port <= 65535:
            raise UsageError(f"port {port} is not between 1 and 65535")
        settings += [
            Setting("remote_cluster_server.enabled", True,
                    "remote cluster server (API key model): other clusters connect to this port"),
            Setting("remote_cluster.port", port),
            Setting("xpack.security.remote_cluster_server.ssl.enabled", True),
        ]
        prefix = "xpack.security.remote_cluster_server.ssl"
        if server_keystore is not None:
            settings.append(Setting(f"{prefix}.keystore.path",
                                    config_path(server_keystore, "the server keystore", config_dir, report),
                                    f"password: bin/elasticsearch-keystore add {prefix}.keystore.secure_password"))
        else:
            certificate = config_path(server_certificate or "", "the server certificate", config_dir, report)
            _check_pem_certificates(certificate, config_dir, "the server certificate")
            settings.append(Setting(f"{prefix}.certificate", certificate))
            settings.append(Setting(f"{prefix}.key", config_path(server_key or "", "the server key", config_dir, report),
                                    f"an encrypted key: bin/elasticsearch-keystore add {prefix}.secure_key_passphrase"))
    elif port != DEFAULT_REMOTE_CLUSTER_PORT:
        raise UsageError(f"{param('port')} is the remote cluster server's port: give "
                         f"{param('server_certificate')}/{param('server_key')} or {param('server_keystore')}")
    if client_cas:
        paths = list(dict.fromkeys(config_path(ca, "the remote CA certificate", config_dir, report) for ca in client_cas))
        for path in paths:
            _check_pem_certificates(path, config_dir, "the remote CA certificate")
        settings += [
            Setting("xpack.security.remote_cluster_client.ssl.enabled", True,
                    "remote cluster client: trust the CA of the remote cluster's server certificate (port 9443)"),
            Setting("xpack.security.remote_cluster_client.ssl.certificate_authorities", paths),
        ]
    if signing_certificate is not None or signing_key is not None:
        if signing_certificate is None or signing_key is None:
            raise UsageError(f"{param('signing_certificate')} and {param('signing_key')} go together")
        if signing_alias is None:
            raise UsageError(f"request signing is set per remote cluster: add {param('signing_alias')} ALIAS")
        check_alias(signing_alias, report)
        prefix = f"cluster.remote.{signing_alias}.signing"
        certificate = config_path(signing_certificate, "the signing certificate", config_dir, report)
        _check_pem_certificates(certificate, config_dir, "the signing certificate")
        settings += [
            Setting(f"{prefix}.certificate", certificate,
                    "sign cross-cluster requests (Elasticsearch 9.3+, strong identity verification)"),
            Setting(f"{prefix}.key", config_path(signing_key, "the signing key", config_dir, report),
                    f"an encrypted key: bin/elasticsearch-keystore add {prefix}.key.secure_passphrase"),
        ]
    elif signing_alias is not None:
        raise UsageError(f"{param('signing_alias')} names the remote cluster the signing settings are for: "
                         f"add {param('signing_certificate')} and {param('signing_key')}")
    if signing_cas:
        paths = list(dict.fromkeys(config_path(ca, "the signing CA", config_dir, report) for ca in signing_cas))
        for path in paths:
            _check_pem_certificates(path, config_dir, "the signing CA")
        settings.append(Setting("cluster.remote.signing.certificate_authorities", paths,
                                "verify the signatures of calling clusters (Elasticsearch 9.3+)"))
    if not settings:
        raise UsageError(
            f"nothing to configure: give the server side ({param('server_certificate')} + {param('server_key')} "
            f"or {param('server_keystore')}), the client side ({param('client_cas')} REMOTE_CA), or request signing "
            f"({param('signing_certificate')}, {param('signing_key')}, {param('signing_cas')})"
        )
    return settings


def _yaml_scalar(value: SettingValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_scalar(item) for item in value) + "]"
    # A JSON string is a valid YAML double-quoted scalar (same escapes): a value starting
    # with '*', '&', '!' or looking like a number or boolean stays a string.
    return json.dumps(value, ensure_ascii=False)


def render_yml(settings: Sequence[Setting], header: Sequence[str] = ()) -> str:
    """The settings as elasticsearch.yml lines: flat keys, quoted strings, flow lists."""
    lines = [f"# {line}" if line else "#" for line in header]
    for setting in settings:
        if setting.comment:
            lines.append(f"# {setting.comment}")
        lines.append(f"{setting.key}: {_yaml_scalar(setting.value)}")
    return "\n".join(lines) + "\n"


def settings_dict(settings: Sequence[Setting]) -> dict[str, SettingValue]:
    """The settings as the flat mapping Elasticsearch reads from the YAML."""
    return {setting.key: setting.value for setting in settings}


# --------------------------------------------------------------------------- remote clusters

_ALIAS = re.compile(r"[A-Za-z0-9_-]+")
_HOST_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
MODES = ("proxy", "sniff")
# Every per-alias setting of cluster.remote.<alias>.* (Elasticsearch's remote cluster
# settings reference); removing an alias sets each to null so that nothing of the alias survives.
REMOTE_CLUSTER_SETTINGS = (
    "mode",
    "seeds",
    "node_connections",
    "proxy_address",
    "proxy_socket_connections",
    "server_name",
    "skip_unavailable",
    "transport.compress",
    "transport.compression_scheme",
    "transport.ping_schedule",
)


def check_alias(alias: str, report: Report | None = None) -> str:
    """A remote cluster alias: letters, digits, ``-`` and ``_``; upper case is a warning."""
    if not alias:
        raise UsageError("the remote cluster alias is empty")
    if not _ALIAS.fullmatch(alias):
        bad = sorted({c for c in alias if not re.fullmatch(r"[A-Za-z0-9_-]", c)})
        raise InputError(
            f"remote cluster alias {alias!r} has {' '.join(repr(c) for c in bad)}: use letters, digits, '-' and '_'",
        )
    if alias != alias.lower() and report is not None:
        report.warn(f"alias {alias!r} has upper-case letters; Elastic Cloud wants lower-case aliases "
                    "(and the alias must equal the one given with the API key)")
    return alias


def _hostname_problem(host: str) -> str | None:
    if len(host) > 253:
        return "is longer than 253 characters"
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    for label in labels:
        if not _HOST_LABEL.fullmatch(label):
            return "is not a host name (letters, digits, '-' in dot-separated labels) nor an IP address"
    return None


@dataclass(frozen=True)
class RemoteAddress:
    """``host:port`` of a remote cluster; an IPv6 host is printed in brackets."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_address(text: str) -> RemoteAddress:
    """``HOST:PORT``, ``IPv4:PORT`` or ``[IPv6]:PORT``; one-line errors for everything else."""
    hint_ports = "9443 for the API key model, 9300 for the certificate model"
    value = text.strip()
    if "://" in value:
        raise InputError(f"address {text!r} is a URL; remote clusters take HOST:PORT of the transport or "
                         "remote cluster port", hint=f"e.g. {value.split('://', 1)[1].split('/')[0] or 'host:9443'}")
    if value.startswith("["):
        close = value.find("]")
        if close < 0:
            raise InputError(f"address {text!r} opens '[' without closing it")
        host_text, rest = value[1:close], value[close + 1:]
        try:
            host = ipaddress.IPv6Address(host_text).compressed
        except ValueError:
            raise InputError(f"address {text!r}: {host_text!r} in brackets is not an IPv6 address") from None
        if not rest.startswith(":") or not rest[1:]:
            raise InputError(f"address {text!r} has no port", hint=f"[{host}]:9443 ({hint_ports})")
        port_text = rest[1:]
    elif value.count(":") > 1 and re.fullmatch(r"[0-9A-Fa-f:.%]+", value):
        example = "[2001:db8::1]:9443"
        head, _, tail = value.rpartition(":")
        for candidate, port in ((head, tail), (value, "9443")):
            try:
                example = f"[{ipaddress.IPv6Address(candidate).compressed}]:{port}"
                break
            except ValueError:
                continue
        raise InputError(f"IPv6 address {text!r} must be in brackets followed by the port", hint=f"e.g. {example}")
    else:
        host, _, port_text = value.rpartition(":")
        if not host:
            raise InputError(f"address {text!r} has no port" if value and ":" not in value
                             else f"address {text!r} has no host",
                             hint=f"HOST:PORT, e.g. {value or 'host'}:9443 ({hint_ports})")
        try:
            host = str(ipaddress.IPv4Address(host))
        except ValueError:
            problem = _hostname_problem(host)
            if problem:
                raise InputError(f"address {text!r}: {host!r} {problem}") from None
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise InputError(f"address {text!r}: port {port_text!r} is not a number from 1 to 65535")
    return RemoteAddress(host, int(port_text))


def check_server_name(name: str) -> str:
    """The TLS SNI name: a host name, not an IP address (SNI cannot carry one)."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        raise InputError(f"server name {name!r} is an IP address; TLS server name indication takes host names only")
    problem = _hostname_problem(name.rstrip(".")) if name else "is empty"
    if problem:
        raise InputError(f"server name {name!r} {problem}")
    return name


def remote_cluster_body(
    *,
    alias: str,
    addresses: Sequence[str],
    mode: str = "proxy",
    server_name: str | None = None,
    socket_connections: int | None = None,
    node_connections: int | None = None,
    skip_unavailable: bool | None = None,
    report: Report | None = None,
) -> dict[str, Any]:
    """The ``PUT /_cluster/settings`` body that adds (or updates) remote cluster ``alias``.

    Proxy mode (the only one that works through Elastic Cloud's proxies) takes one
    address; sniff mode takes one or more seeds. Settings of the other mode are refused
    rather than sent for Elasticsearch to refuse.
    """
    report = report if report is not None else Report()
    check_alias(alias, report)
    if mode not in MODES:
        raise UsageError(f"mode {mode!r}: choose proxy or sniff")
    if not addresses:
        raise UsageError(f"give the remote address ({param('addresses')} HOST:PORT)")
    parsed = [parse_address(a) for a in addresses]
    unique = list(dict.fromkeys(str(a) for a in parsed))
    remote: dict[str, Any] = {"mode": mode}
    if mode == "proxy":
        if len(unique) > 1:
            raise UsageError(f"proxy mode takes one {param('addresses')} (the proxy or load balancer); "
                             f"use {param('mode')} sniff for seeds")
        if node_connections is not None:
            raise UsageError(f"{param('node_connections')} is a sniff-mode setting; proxy mode has {param('socket_connections')}")
        remote["proxy_address"] = unique[0]
        if server_name is not None:
            remote["server_name"] = check_server_name(server_name)
        if socket_connections is not None:
            remote["proxy_socket_connections"] = _positive(socket_connections, "socket_connections")
    else:
        if server_name is not None:
            raise UsageError(f"{param('server_name')} is a proxy-mode setting (SNI towards the proxy)")
        if socket_connections is not None:
            raise UsageError(f"{param('socket_connections')} is a proxy-mode setting; sniff mode has {param('node_connections')}")
        remote["seeds"] = unique
        if node_connections is not None:
            remote["node_connections"] = _positive(node_connections, "node_connections")
    if skip_unavailable is not None:
        remote["skip_unavailable"] = skip_unavailable
    return {"persistent": {"cluster": {"remote": {alias: remote}}}}


def _positive(value: int, parameter: str) -> int:
    if value < 1:
        raise UsageError(f"{param(parameter)} must be at least 1")
    return value


def remove_remote_cluster_body(alias: str, report: Report | None = None) -> dict[str, Any]:
    """The body that removes remote cluster ``alias``: every one of its settings set to null."""
    check_alias(alias, report)
    return {"persistent": {"cluster": {"remote": {alias: {key: None for key in REMOTE_CLUSTER_SETTINGS}}}}}


# --------------------------------------------------------------------------- cross-cluster API key

_EXPIRATION = re.compile(r"[1-9][0-9]*(?:nanos|micros|ms|s|m|h|d)")
_INDEX_FORBIDDEN = set(' "\\/|?<>\t\n')
# Constructs of java.util.regex that Python's re does not know: a pattern using them
# cannot be compile-checked here (Elasticsearch checks it when the key is created).
_JAVA_ONLY = re.compile(r"\\[pP]\{|\\x\{|\\[QEhHRXzGe]|\\c[A-Za-z@\[\]^_?]|\(\?<[A-Za-z]|\\k<|&&")


@dataclass(frozen=True)
class IdentityCheck:
    """How far certkit could check a ``certificate_identity`` regular expression."""

    pattern: str
    compiled: re.Pattern[str] | None  # None when it uses Java-only syntax (unchecked)
    note: str | None = None


def identity_for_cluster(cluster_id: str) -> str:
    """The identity that admits every node of one Cloud-style cluster: ``CN=.*\\.node\\.ID\\.cluster\\..*``."""
    from certkit.plan.naming import check_cluster_id

    check_cluster_id(cluster_id)
    escaped = "".join(c if c.isalnum() or c == "_" else "\\" + c for c in cluster_id)
    return f"CN=.*\\.node\\.{escaped}\\.cluster\\..*"


def _unbalanced_brace(pattern: str) -> int | None:
    """Where Java would report "Illegal repetition": a ``{`` that is not ``{n}``, ``{n,}``, ``{n,m}``.

    Python takes such a brace as a literal; java.util.regex refuses the pattern, which is
    what a template placeholder such as ``CN={cluster}`` runs into.
    """
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            following = pattern[index + 1:index + 2]
            if following in ("p", "P", "x", "N") and pattern[index + 2:index + 3] == "{":
                close = pattern.find("}", index + 3)  # \p{Alpha}, \x{41}: braces of the escape
                index = len(pattern) if close < 0 else close + 1
            elif following == "Q":  # \Q…\E quotes everything, braces included
                close = pattern.find("\\E", index + 2)
                index = len(pattern) if close < 0 else close + 2
            else:
                index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1:index + 2] == "]":
                index += 1
        elif char == "{" and not re.match(r"\{\d+(,\d*)?\}", pattern[index:]):
            return index
        index += 1
    return None


def check_certificate_identity(pattern: str) -> IdentityCheck:
    """Check that ``pattern`` compiles as a Java regular expression, as far as Python can tell.

    Python's ``re`` and ``java.util.regex`` agree on the syntax such identities use
    (literals, ``.``, ``*``, ``+``, ``?``, classes, groups, alternation, ``{n,m}``, escapes).
    Where they differ, certkit leans to Java: a ``{`` that is not a repetition and
    Python-only ``(?P<…>)`` / ``(?#…)`` are refused; Java-only syntax (``\\p{…}``,
    ``\\Q…\\E``, ``(?<name>…)``, class intersection ``&&``…) is accepted unchecked with a
    note. tests/java/WireDn.java holds certkit's verdicts to java.util.regex.Pattern's.
    """
    if not pattern:
        raise InputError("the certificate identity is empty")
    position = _unbalanced_brace(pattern)
    if position is not None:
        raise InputError(f"certificate identity [{pattern}]: '{{' at position {position} is not a repetition "
                         "{n}, {n,} or {n,m}; Java refuses it (Illegal repetition)",
                         hint="escape a literal brace as \\{")
    for python_only, what in (("(?P<", "(?P<name>…) is Python syntax; Java writes (?<name>…)"),
                              ("(?P=", "(?P=name) is Python syntax; Java writes \\k<name>"),
                              ("(?#", "(?#…) comments are not Java syntax")):
        if python_only in pattern:
            raise InputError(f"certificate identity [{pattern}]: {what}")
    with warnings.catch_warnings():
        # re warns (FutureWarning) about '&&' or '[[' inside classes: Java syntax, handled below.
        warnings.simplefilter("ignore")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            if exc.msg.startswith("invalid group reference"):
                # Java compiles a back-reference to a missing group; it just never matches.
                return IdentityCheck(pattern, None, f"has a back-reference to a group that does not exist "
                                                    f"(position {exc.pos}): Java accepts it, but it never matches")
            if _JAVA_ONLY.search(pattern):
                return IdentityCheck(pattern, None, "uses Java-only syntax; certkit cannot compile-check it "
                                                    "(Elasticsearch checks it when the key is created)")
            where = f" at position {exc.pos}" if exc.pos is not None else ""
            raise InputError(f"certificate identity [{pattern}] is not a valid regular expression: {exc.msg}{where}") \
                from None
    if _JAVA_ONLY.search(pattern):
        return IdentityCheck(pattern, None, "uses syntax Java reads differently from Python; certkit cannot check "
                                            "it against a certificate")
    return IdentityCheck(pattern, compiled)


def identity_matches(check: IdentityCheck, subject_dn: str) -> bool | None:
    """Whether the whole subject DN matches (``Matcher.matches()``); None if it cannot be told."""
    if check.compiled is None:
        return None
    return check.compiled.fullmatch(subject_dn) is not None


def _index_names(values: Sequence[str], parameter: str) -> list[str]:
    flag = param(parameter)
    names: list[str] = []
    for value in values:
        # Index names cannot contain commas, so "logs-*,metrics-*" is two names.
        for name in value.split(","):
            name = name.strip()
            if not name:
                raise InputError(f"{flag} {value!r} has an empty index name")
            bad = sorted(set(name) & _INDEX_FORBIDDEN)
            if bad:
                raise InputError(f"{flag} {name!r}: an index name cannot contain {' '.join(repr(c) for c in bad)}")
            if name not in names:
                names.append(name)
    return names


def parse_metadata(text: str) -> dict[str, Any]:
    """The metadata JSON: an object whose top-level keys do not start with ``_`` (reserved)."""
    try:
        metadata = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{param('metadata')} is not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(metadata, dict):
        raise InputError(f"{param('metadata')} must be a JSON object, e.g. '{{\"team\": \"search\"}}'")
    reserved = [key for key in metadata if key.startswith("_")]
    if reserved:
        raise InputError(f"{param('metadata')} key {reserved[0]!r}: keys starting with '_' are reserved for Elasticsearch")
    return metadata


def cross_cluster_api_key_body(
    *,
    name: str,
    search: Sequence[str] = (),
    replication: Sequence[str] = (),
    expiration: str | None = None,
    metadata: dict[str, Any] | None = None,
    certificate_identity: str | None = None,
) -> dict[str, Any]:
    """The ``POST /_security/cross_cluster/api_key`` body (REFERENCE.md 8)."""
    if not name or name != name.strip():
        raise UsageError(f"the API key needs a name ({param('name')}) without leading or trailing spaces")
    search_names = _index_names(search, "search")
    replication_names = _index_names(replication, "replication")
    if not search_names and not replication_names:
        raise UsageError(f"grant some access: {param('search')} INDEX and/or {param('replication')} INDEX")
    access: dict[str, Any] = {}
    if search_names:
        access["search"] = [{"names": search_names}]
    if replication_names:
        access["replication"] = [{"names": replication_names}]
    body: dict[str, Any] = {"name": name, "access": access}
    if expiration is not None:
        if not _EXPIRATION.fullmatch(expiration):
            raise InputError(f"expiration {expiration!r} is not a time value such as 30d, 12h or 90m",
                             hint="units: d, h, m, s, ms, micros, nanos")
        body["expiration"] = expiration
    if metadata:
        body["metadata"] = metadata
    if certificate_identity is not None:
        check_certificate_identity(certificate_identity)
        body["certificate_identity"] = certificate_identity
    return body


# --------------------------------------------------------------------------- keystore


@dataclass(frozen=True)
class KeystoreInstructions:
    """How to store a cross-cluster API key on the local cluster's nodes and reload it.

    ``command`` prompts for the value without echo (interactive use); ``stdin_command``
    reads it from standard input (scripts: ``< FILE``). Neither carries the key itself.
    """

    setting: str
    command: tuple[str, ...]
    stdin_command: tuple[str, ...]
    reload_method: str = "POST"
    reload_path: str = "/_nodes/reload_secure_settings"


def keystore_instructions(alias: str, report: Report | None = None) -> KeystoreInstructions:
    """``elasticsearch-keystore add cluster.remote.<alias>.credentials`` and the reload call."""
    check_alias(alias, report)
    setting = f"cluster.remote.{alias}.credentials"
    tool = "bin/elasticsearch-keystore"
    return KeystoreInstructions(setting, (tool, "add", setting), (tool, "add", "--stdin", setting))


class IdentityMismatch(InputError):
    """The certificate's subject DN does not match the identity (exit 1)."""

    exit_code = 1


# --------------------------------------------------------------------------- rendering requests

FORMATS = ("json", "console", "curl")


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_request(method: str, path: str, body: dict[str, Any] | None, fmt: str, *,
                   es_url: str | None = None, es_ca: str | None = None) -> str:
    """``body`` as JSON, as a Kibana Dev Tools request, or as a curl command.

    The curl form reads the API key from ``$CERTKIT_ES_API_KEY`` when it runs, so the key
    is never part of the printed text (nor of shell history).
    """
    if fmt not in FORMATS:
        raise UsageError(f"format {fmt!r}: choose json, console or curl")
    if fmt == "json":
        if body is None:
            raise UsageError(f"this request has no body; use {param('fmt')} console or curl")
        return dumps(body)
    if fmt == "console":
        return f"{method} {path}\n" + (dumps(body) if body is not None else "")
    url = shlex.quote(es_url.rstrip("/") + path) if es_url else f'"${{ES_URL:?set ES_URL to https://host:9200}}{path}"'
    lines = [f"curl --fail-with-body -sS -X {method} {url}"]
    if es_ca:
        lines.append(f"--cacert {shlex.quote(es_ca)}")
    lines.append('-H "Authorization: ApiKey ${CERTKIT_ES_API_KEY:?set CERTKIT_ES_API_KEY}"')
    if body is None:
        return " \\\n  ".join(lines) + "\n"
    lines += ["-H 'Content-Type: application/json'", "--data-binary @- <<'JSON'"]
    return " \\\n  ".join(lines) + "\n" + dumps(body) + "JSON\n"
