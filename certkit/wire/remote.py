"""Remote clusters: the ``PUT /_cluster/settings`` bodies that add, update or remove one,
the keystore step that stores its API key, and how any request is printed.

* :func:`remote_cluster_body` / :func:`remove_remote_cluster_body`: the settings body;
* :func:`keystore_instructions`: storing the encoded key as
  ``cluster.remote.<alias>.credentials`` and reloading it;
* :func:`render_request`: any request body as JSON, in Kibana Dev Tools (console) form or
  as a curl command that takes the API key from the environment.

Sending a body to a cluster lives in :mod:`certkit.wire.http`.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from certkit.errors import InputError, UsageError, param
from certkit.io import port_number
from certkit.model import Report

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
    port_value = port_number(port_text)
    if port_value is None:
        raise InputError(f"address {text!r}: port {port_text!r} is not a number from 1 to 65535")
    return RemoteAddress(host, port_value)


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
