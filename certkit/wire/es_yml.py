"""The ``elasticsearch.yml`` lines that connect two clusters (docs/reference.md §8).

:func:`certificate_model_settings` (transport TLS trust: CAs, trust restrictions, fields,
verification mode) and :func:`api_key_model_settings` (the remote cluster server on port
9443, its client side, request signing), rendered by :func:`render_yml` as flat keys with
double-quoted values, so a path or pattern can never be read as a YAML alias, a number or
a boolean. Everything is validated here; nothing in this module reads a secret.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from certkit.errors import InputError, UsageError, param
from certkit.model import Report
from certkit.wire.remote import check_alias

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
    from certkit.io import load_certificates, read_certificate_file

    file_path = Path(path) if Path(path).is_absolute() else config_dir / path
    data = read_certificate_file(file_path)
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise InputError(f"{what} {file_path} is not a PEM certificate file (Elasticsearch wants PEM here)")
    load_certificates(data, str(file_path))


def _ca_paths(cas: Sequence[str], what: str, config_dir: Path | None, report: Report) -> list[str]:
    """CA certificate files as they go into elasticsearch.yml: each once, each readable PEM."""
    paths = list(dict.fromkeys(config_path(ca, what, config_dir, report) for ca in cas))
    for path in paths:
        _check_pem_certificates(path, config_dir, what)
    return paths


def _check_restrictions_file(path: str, config_dir: Path | None) -> None:
    """The trust file Elasticsearch will load: its name (always) and, with the config folder
    at hand, its content, read as :func:`certkit.audit.trust_file.load_restrictions` does."""
    from certkit.audit import content_type, load_restrictions

    try:
        content_type(path)
    except InputError:
        raise InputError(
            f"trust restrictions file {path!r} must end in .yml, .yaml or .json",
            hint="Elasticsearch reads it as a settings file and picks the format by its extension",
        ) from None
    if config_dir is None:
        return
    file_path = Path(path) if Path(path).is_absolute() else config_dir / path
    if not load_restrictions(file_path).has_subject_name:
        raise InputError(f"{file_path} has no trust.subject_name: it is not a trust restrictions file")


def _identity_settings(prefix: str, *, keystore: str | None, certificate: str | None, key: str | None,
                       config_dir: Path | None, report: Report) -> list[Setting]:
    """The node's own key and certificate: a PKCS#12 ``keystore.path`` or PEM ``certificate`` + ``key``."""
    settings = []
    if keystore is not None:
        settings.append(Setting(f"{prefix}.keystore.path", config_path(keystore, "the node keystore", config_dir, report),
                                "this node's key and certificate chain (PKCS#12)"))
    if certificate is not None:
        path = config_path(certificate, "the node certificate", config_dir, report)
        _check_pem_certificates(path, config_dir, "the node certificate")
        settings.append(Setting(f"{prefix}.certificate", path, "this node's certificate chain (PEM)"))
    if key is not None:
        settings.append(Setting(f"{prefix}.key", config_path(key, "the node key", config_dir, report)))
    return settings


def refuse_what_elasticsearch_refuses(settings: Sequence[Setting], prefix: str, *, complete: bool) -> None:
    """Raise, in Elasticsearch's words, when the ``prefix`` context of ``settings`` would not load."""
    from certkit.wire.ssl_settings import context_of, context_problems

    problems = context_problems(context_of(prefix, settings_dict(settings)), complete=complete)
    if problems:
        raise UsageError(f"Elasticsearch would refuse to start: {problems[0]}",
                         hint="the rules of Elasticsearch's SslConfigurationLoader: docs/wire.md")


def certificate_model_settings(
    *,
    cas: Sequence[str],
    restrictions: str | None = None,
    x509_fields: Sequence[str] = (),
    verification_mode: str | None = None,
    keystore: str | None = None,
    certificate: str | None = None,
    key: str | None = None,
    truststore: str | None = None,
    truststore_written: bool = False,
    config_dir: Path | None = None,
    report: Report | None = None,
) -> list[Setting]:
    """Transport TLS for the certificate model.

    Without the node's identity (``keystore`` or ``certificate`` + ``key``) the result is
    the trust part only, to add to settings that name it already. With it, the whole
    context: ``enabled``, ``verification_mode`` (``certificate`` unless told: the trust
    restrictions, not host names, say which nodes get in), the identity, the trust (a CA
    list or a ``truststore``, never both) and the restrictions. Either way the settings
    are judged by :mod:`certkit.wire.ssl_settings` before they are returned.
    ``truststore_written``: the caller writes ``truststore`` (see :func:`truststore_bytes`).
    """
    report = report if report is not None else Report()
    if not cas and truststore is None:
        raise UsageError(f"name the CA certificates to trust ({param('cas')}, relative to the config folder)",
                         hint=f"your own CA and the remote cluster's CA, e.g. {param('cas')} certs/ca.crt "
                              f"{param('cas')} certs/cloud-ca.crt, or a trust store holding both")
    complete = keystore is not None or certificate is not None or key is not None
    settings: list[Setting] = []
    if complete:
        settings.append(Setting(f"{TRANSPORT_SSL}.enabled", True, "TLS on the transport port (port 9300)"))
        settings.append(Setting(f"{TRANSPORT_SSL}.verification_mode", verification_mode or "certificate",
                                "the certificate chain is verified; the trust restrictions say which names get in"))
        settings += _identity_settings(TRANSPORT_SSL, keystore=keystore, certificate=certificate, key=key,
                                       config_dir=config_dir, report=report)
    if cas:
        paths = _ca_paths(cas, "the CA certificate", config_dir, report)
        settings.append(Setting(f"{TRANSPORT_SSL}.certificate_authorities", paths,
                                "CAs whose node certificates this cluster accepts on the transport port"))
    if truststore is not None:
        settings.append(Setting(f"{TRANSPORT_SSL}.truststore.path",
                                # a trust store certkit is about to write is not in the config folder yet
                                config_path(truststore, "the trust store", None if truststore_written else config_dir,
                                            report),
                                "CAs whose node certificates this cluster accepts: your own and the remote one"))
        if truststore == keystore:
            report.warn("a node keystore from certkit cert or elasticsearch-certutil trusts only the CA that signed "
                        "it: as truststore.path it refuses the remote cluster's nodes; write a trust store with "
                        f"both CAs ({param('truststore_cas')})")
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
        if not complete:
            settings.append(Setting(f"{TRANSPORT_SSL}.verification_mode", verification_mode))
    refuse_what_elasticsearch_refuses(settings, TRANSPORT_SSL, complete=complete)
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
        paths = _ca_paths(client_cas, "the remote CA certificate", config_dir, report)
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
        paths = _ca_paths(signing_cas, "the signing CA", config_dir, report)
        settings.append(Setting("cluster.remote.signing.certificate_authorities", paths,
                                "verify the signatures of calling clusters (Elasticsearch 9.3+)"))
    if server:
        refuse_what_elasticsearch_refuses(settings, "xpack.security.remote_cluster_server.ssl", complete=True)
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


def render_yml(settings: Sequence[Setting], header: Sequence[str] = (), footer: Sequence[str] = ()) -> str:
    """The settings as elasticsearch.yml lines: flat keys, quoted strings, flow lists."""
    lines = [f"# {line}" if line else "#" for line in header]
    for setting in settings:
        if setting.comment:
            lines.append(f"# {setting.comment}")
        lines.append(f"{setting.key}: {_yaml_scalar(setting.value)}")
    lines += [f"# {line}" if line else "#" for line in footer]
    return "\n".join(lines) + "\n"


def settings_dict(settings: Sequence[Setting]) -> dict[str, SettingValue]:
    """The settings as the flat mapping Elasticsearch reads from the YAML."""
    return {setting.key: setting.value for setting in settings}
