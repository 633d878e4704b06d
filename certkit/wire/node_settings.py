"""Per-node pieces around the elasticsearch.yml lines: the secure settings each layout
needs, the trust store certkit writes, and the settings of every node of a bundle.

The settings themselves are :mod:`certkit.wire.es_yml`'s; the rules they are judged by,
:mod:`certkit.wire.ssl_settings`'s. Nothing here reads a secret other than trying the
empty password on a keystore (to say whether ``keystore.secure_password`` is needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from certkit.errors import InputError, UsageError, param
from certkit.model import Report
from certkit.wire.es_yml import TRANSPORT_SSL, Setting, certificate_model_settings, settings_dict


def _opens_with_empty_password(path: str, config_dir: Path | None) -> bool | None:
    """Whether the PKCS#12 at ``path`` opens with the empty password (None: not at hand)."""
    if config_dir is None:
        return None
    from certkit.errors import CertkitError
    from certkit.io import read_bounded
    from certkit.keystores import load_pkcs12

    file_path = Path(path) if Path(path).is_absolute() else config_dir / path
    try:
        load_pkcs12(read_bounded(file_path, "the keystore"), "", source=str(file_path))
    except CertkitError:
        return False
    return True


def _key_is_encrypted(path: str, config_dir: Path | None) -> bool | None:
    if config_dir is None:
        return None
    from certkit.io import read_bounded

    file_path = Path(path) if Path(path).is_absolute() else config_dir / path
    data = read_bounded(file_path, "the key")
    return b"ENCRYPTED" in data


def secure_settings(settings: Sequence[Setting], *, config_dir: Path | None = None,
                    empty_password_truststores: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(secure setting, why) to add with ``bin/elasticsearch-keystore add``, for every SSL
    context of ``settings``: the passwords Elasticsearch reads only from its keystore. With
    ``config_dir`` the files say which are needed; trust stores certkit wrote with the empty
    password (``empty_password_truststores``) need none."""
    from certkit.wire import ssl_settings

    flat = settings_dict(settings)
    needed: list[tuple[str, str]] = []
    for prefix in (TRANSPORT_SSL, ssl_settings.REMOTE_CLUSTER_SERVER, ssl_settings.REMOTE_CLUSTER_CLIENT):
        context = ssl_settings.context_of(prefix, flat)
        keystore, truststore, key = context.text("keystore.path"), context.text("truststore.path"), context.text("key")
        needed += ssl_settings.secure_settings_needed(
            context,
            keystore_password_empty=_opens_with_empty_password(keystore, config_dir) if keystore else None,
            truststore_password_empty=(True if truststore in empty_password_truststores else
                                       _opens_with_empty_password(truststore, config_dir) if truststore else None),
            key_encrypted=_key_is_encrypted(key, config_dir) if key else None,
        )
    return needed


def secure_settings_comments(needed: Sequence[tuple[str, str]]) -> list[str]:
    """The footer of the yml: the elasticsearch-keystore commands, never a password itself."""
    if not needed:
        return []
    lines = ["", "secure settings (never in elasticsearch.yml): on every node, run"]
    lines += [f"  bin/elasticsearch-keystore add {name}    ({why})" for name, why in needed]
    return lines


def truststore_bytes(ca_files: Sequence[str | Path], *, jdk: int | None = None) -> bytes:
    """A PKCS#12 trust store holding every CA certificate of ``ca_files`` (PEM or DER), with
    the empty password (Elasticsearch's default: no secure setting needed). Aliases are
    ``ca``, ``ca-2``, ... in the order given; a certificate given twice is stored once."""
    from certkit.io import load_certificates, read_certificate_file
    from certkit.keystores import serialize_truststore

    if not ca_files:
        raise UsageError(f"name the CA certificates the trust store holds ({param('truststore_cas')})")
    certificates = []
    for ca_file in ca_files:
        for certificate in load_certificates(read_certificate_file(ca_file), str(ca_file)):
            if certificate not in certificates:
                certificates.append(certificate)
    trusted = [("ca" if index == 0 else f"ca-{index + 1}", certificate) for index, certificate in enumerate(certificates)]
    return serialize_truststore(trusted, password="", jdk=jdk)


@dataclass(frozen=True)
class NodeSettings:
    """One node's transport settings from a bundle: where its files go, what to add to its keystore."""

    node: str
    files: tuple[tuple[str, str], ...]  # (file in the bundle, path in the node's config folder)
    settings: list[Setting]
    secure: list[tuple[str, str]]


def bundle_node_settings(bundle: Path, *, certs_dir: str = "certs", empty_password_truststores: Sequence[str] = (),
                         report: Report | None = None, **trust: object) -> list[NodeSettings]:
    """Per node of a ``certkit cert`` bundle folder: :func:`certificate_model_settings` with
    that node's ``<certs_dir>/<filename>.p12`` (or ``.crt`` + ``.key``) as its identity and
    the shared ``trust`` arguments (``cas``, ``truststore``, ``restrictions``, ...). The
    node's files decide the secure settings: a keystore that opens with the empty password
    or an unencrypted key needs none."""
    from certkit.wire import ssl_settings

    report = report if report is not None else Report()
    nodes: list[NodeSettings] = []
    for folder in sorted(path for path in bundle.iterdir() if path.is_dir() and path.name != "ca"):
        name = folder.name
        files: tuple[tuple[str, str], ...]
        p12, crt, key = folder / f"{name}.p12", folder / f"{name}.crt", folder / f"{name}.key"
        if p12.is_file():
            files = ((str(p12), f"{certs_dir}/{name}.p12"),)
            identity = {"keystore": files[0][1]}
        elif crt.is_file() and key.is_file():
            files = ((str(crt), f"{certs_dir}/{name}.crt"), (str(key), f"{certs_dir}/{name}.key"))
            identity = {"certificate": files[0][1], "key": files[1][1]}
        else:
            continue
        # the warnings are the same for every node: the first node's are enough
        settings = certificate_model_settings(**identity, **trust,  # type: ignore[arg-type]
                                              report=report if not nodes else Report())
        context = ssl_settings.context_of(TRANSPORT_SSL, settings_dict(settings))
        truststore = context.text("truststore.path")
        secure = ssl_settings.secure_settings_needed(
            context,
            keystore_password_empty=_opens_with_empty_password(p12.name, folder) if p12.is_file() else None,
            truststore_password_empty=True if truststore in empty_password_truststores else None,
            key_encrypted=_key_is_encrypted(key.name, folder) if not p12.is_file() else None,
        )
        nodes.append(NodeSettings(name, files, settings, secure))
    if not nodes:
        raise InputError(f"{bundle} holds no node folder (<name>/<name>.p12 or .crt + .key) as certkit cert writes")
    return nodes
