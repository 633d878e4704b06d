"""What Elasticsearch refuses to start with in one SSL context's settings, in its words.

One model of the rules of Elasticsearch's ``SslConfigurationLoader`` (``load``,
``buildKeyConfig``, ``buildTrustConfig``, ``resolvePasswordSetting``), of
``SslVerificationMode.parse`` / ``SslClientAuthenticationMode.parse``, of
``KeyStoreUtil.inferKeyStoreType`` and of ``SSLService.validateServerConfiguration``
(docs/wire.md cites class, method and version). ``wire yml`` refuses what it would write
wrongly with it, and ``preflight`` judges a node's settings with it.

Only settings are judged here (values and which keys are set); whether the files they
name exist and open is :mod:`certkit.wire.preflight`'s business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TRANSPORT = "xpack.security.transport.ssl"
HTTP = "xpack.security.http.ssl"
REMOTE_CLUSTER_SERVER = "xpack.security.remote_cluster_server.ssl"
REMOTE_CLUSTER_CLIENT = "xpack.security.remote_cluster_client.ssl"
#: Contexts that serve connections, so need a key (SSLService.validateServerConfiguration).
SERVER_CONTEXTS = (TRANSPORT, HTTP, REMOTE_CLUSTER_SERVER)
#: Contexts whose ``enabled`` defaults to true (XPackSettings): the API-key model's pair.
ENABLED_BY_DEFAULT = (REMOTE_CLUSTER_SERVER, REMOTE_CLUSTER_CLIENT)

VERIFICATION_MODES = ("none", "certificate", "full")
CLIENT_AUTHENTICATION_MODES = ("none", "optional", "required")
PKCS12_SUFFIXES = (".p12", ".pfx", ".pkcs12")

#: (secure setting, the yml setting Elasticsearch 7 read instead): never both, and the yml
#: form is gone in 8 (a password in elasticsearch.yml is what certkit never writes).
PASSWORD_SETTINGS = (
    ("keystore.secure_password", "keystore.password"),
    ("keystore.secure_key_password", "keystore.key_password"),
    ("secure_key_passphrase", "key_passphrase"),
    ("truststore.secure_password", "truststore.password"),
)


@dataclass(frozen=True)
class SslContext:
    """One SSL context as Elasticsearch resolves it: its prefix, its yml settings (flat keys
    without the prefix) and the names of the secure settings in elasticsearch-keystore."""

    prefix: str
    settings: Mapping[str, Any]
    secure: frozenset[str] = frozenset()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def text(self, name: str) -> str | None:
        """A string setting as ``resolveSetting`` reads it: absent and empty are both None."""
        value = self.settings.get(name)
        if value is None or value == "" or value == []:
            return None
        return str(value)

    def listed(self, name: str) -> list[str] | None:
        """A list setting as ``resolveListSetting`` reads it (a lone string is a list of one)."""
        value = self.settings.get(name)
        if value is None or value == "" or value == []:
            return None
        return [str(item) for item in value] if isinstance(value, list) else [str(value)]

    @property
    def has_key_store(self) -> bool:
        return self.text("keystore.path") is not None

    @property
    def has_pem_key(self) -> bool:
        return self.text("certificate") is not None and self.text("key") is not None


def context_of(prefix: str, flat: Mapping[str, Any], secure: Iterable[str] = ()) -> SslContext:
    """The context ``prefix`` out of a whole node's flat settings (and secure setting names)."""
    start = prefix + "."
    own = {key[len(start):]: value for key, value in flat.items() if key.startswith(start)}
    own_secure = frozenset(name[len(start):] for name in secure if name.startswith(start))
    return SslContext(prefix, own, own_secure)


def keystore_type(path: str, explicit: str | None = None) -> str:
    """``KeyStoreUtil.inferKeyStoreType``: PKCS12 by file name, else jks (unless ``*.type`` says)."""
    if explicit:
        return explicit
    return "PKCS12" if path.lower().endswith(PKCS12_SUFFIXES) else "jks"


def _boolean(context: SslContext, name: str) -> tuple[bool | None, str | None]:
    """(value, problem) of a boolean setting: Elasticsearch takes only true and false."""
    value = context.settings.get(name)
    if value is None:
        return None, None
    if isinstance(value, bool):
        return value, None
    if str(value) in ("true", "false"):
        return str(value) == "true", None
    return None, (f"Failed to parse value [{value}] as only [true] or [false] are allowed. "
                  f"(setting [{context.key(name)}])")


def enabled(context: SslContext) -> bool:
    """Whether Elasticsearch builds this context as a server/client it uses."""
    value, _problem = _boolean(context, "enabled")
    if value is None:
        return context.prefix in ENABLED_BY_DEFAULT
    return value


def _mode_problems(context: SslContext) -> list[str]:
    problems = []
    mode = context.text("verification_mode")
    if mode is not None and mode.lower() not in VERIFICATION_MODES:
        problems.append(f"could not resolve ssl client verification mode, unknown value [{mode}], "
                        f"recognised values are [{','.join(VERIFICATION_MODES)}]")
    client_auth = context.text("client_authentication")
    if client_auth is not None and client_auth.lower() not in CLIENT_AUTHENTICATION_MODES:
        problems.append(f"could not resolve ssl client authentication, unknown value [{client_auth}], "
                        f"recognised values are [{','.join(CLIENT_AUTHENTICATION_MODES)}]")
    return problems


def _key_problems(context: SslContext) -> list[str]:
    """``buildKeyConfig``: a keystore or a PEM pair, never both, never half a pair."""
    certificate, key, keystore = (context.text(name) for name in ("certificate", "key", "keystore.path"))
    if certificate is not None and keystore is not None:
        return [f"cannot specify both [{context.key('certificate')}] and [{context.key('keystore.path')}]"]
    if certificate is not None and key is None:
        return [f"cannot specify [{context.key('certificate')}] without also setting [{context.key('key')}]"]
    if key is not None and certificate is None:
        # Elasticsearch's own words name keystore.path here (buildKeyConfig, 8.x): quoted as it says them.
        return [f"cannot specify [{context.key('keystore.path')}] without also setting [{context.key('certificate')}]"]
    return []


def _trust_problems(context: SslContext) -> list[str]:
    """``buildTrustConfig``: a CA list or a trust store, never both."""
    if context.listed("certificate_authorities") is not None and context.text("truststore.path") is not None:
        return [f"cannot specify both [{context.key('certificate_authorities')}] and "
                f"[{context.key('truststore.path')}]"]
    return []


def _password_problems(context: SslContext) -> list[str]:
    """``resolvePasswordSetting``; and Elasticsearch 8 knows no password setting in the yml."""
    problems = []
    for secure, legacy in PASSWORD_SETTINGS:
        if context.text(legacy) is None:
            continue
        if secure in context.secure:
            problems.append(f"cannot specify both [{context.key(secure)}] and [{context.key(legacy)}]")
        else:
            problems.append(f"unknown setting [{context.key(legacy)}]: Elasticsearch 8 reads this password "
                            f"only from the keystore, as [{context.key(secure)}]")
    return problems


def _server_problems(context: SslContext, configured: list[str]) -> list[str]:
    """``SSLService.validateServerConfiguration`` for the contexts that accept connections."""
    if context.prefix not in SERVER_CONTEXTS:
        return []
    explicit, _problem = _boolean(context, "enabled")
    if explicit is None and context.prefix not in ENABLED_BY_DEFAULT and configured:
        return [f"invalid configuration for {context.prefix} - [{context.key('enabled')}] is not set, but the "
                f"following settings have been configured in elasticsearch.yml : [{','.join(configured)}]"]
    if enabled(context) and not (context.has_key_store or context.has_pem_key):
        return [f"invalid SSL configuration for {context.prefix} - server ssl configuration requires a key and "
                f"certificate, but these have not been configured; you must set either "
                f"[{context.key('keystore.path')}], or both [{context.key('key')}] and "
                f"[{context.key('certificate')}]"]
    return []


def context_problems(context: SslContext, *, complete: bool = True) -> list[str]:
    """Why Elasticsearch would refuse to start with this context, in its words; [] when it loads.

    ``complete=False`` judges a fragment meant to be added to settings that already exist
    (e.g. trust settings only): the rules about what must be present are skipped, the
    conflicts and bad values are not.
    """
    problems: list[str] = []
    _value, enabled_problem = _boolean(context, "enabled")
    if enabled_problem:
        problems.append(enabled_problem)
    problems += _mode_problems(context)
    problems += _key_problems(context)
    problems += _trust_problems(context)
    problems += _password_problems(context)
    if complete:
        configured = sorted(context.key(name) for name in context.settings if name != "enabled")
        problems += _server_problems(context, configured)
    return problems


def node_problems(flat: Mapping[str, Any], secure: Iterable[str] = ()) -> dict[str, list[str]]:
    """Every SSL context of a node's flat settings, judged: {prefix: problems} (only non-empty)."""
    secure = tuple(secure)
    found: dict[str, list[str]] = {}
    for prefix in (TRANSPORT, HTTP, REMOTE_CLUSTER_SERVER, REMOTE_CLUSTER_CLIENT):
        context = context_of(prefix, flat, secure)
        if prefix == REMOTE_CLUSTER_SERVER:
            if not _remote_cluster_server_on(flat):
                continue  # built only when the remote cluster server is on; then it serves, so needs a key
        elif not context.settings and prefix != TRANSPORT:
            continue
        problems = context_problems(context)
        if prefix == TRANSPORT and context.settings.get("enabled") in (False, "false"):
            problems.append("Transport SSL must be enabled if security is enabled. Please set "
                            f"[{TRANSPORT}.enabled] to [true] or disable security by setting "
                            "[xpack.security.enabled] to [false]")
        if problems:
            found[prefix] = problems
    return found


def _remote_cluster_server_on(flat: Mapping[str, Any]) -> bool:
    return flat.get("remote_cluster_server.enabled") in (True, "true")


def secure_settings_needed(context: SslContext, *, keystore_password_empty: bool | None = None,
                           truststore_password_empty: bool | None = None,
                           key_encrypted: bool | None = None) -> list[tuple[str, str]]:
    """(secure setting, why) the node's elasticsearch-keystore must hold for this context.

    Elasticsearch opens ``keystore.path`` and ``truststore.path`` each with its own secure
    password, the empty one when that is not set (``resolvePasswordSetting``), and a JDK
    PKCS#12 opens with the empty password only when it was written with it (``*_empty``:
    known from the file, or None when unknown: then the setting is listed). A node .p12
    used as both stores needs both settings. A PEM key needs its passphrase when encrypted.
    """
    needed: list[tuple[str, str]] = []
    if context.has_key_store and keystore_password_empty is not True:
        needed.append((context.key("keystore.secure_password"), "the password of keystore.path"))
    if context.text("truststore.path") is not None and truststore_password_empty is not True:
        needed.append((context.key("truststore.secure_password"), "the password of truststore.path"))
    if context.has_pem_key and key_encrypted is not False:
        needed.append((context.key("secure_key_passphrase"), "the passphrase of key, if it is encrypted"))
    return needed
