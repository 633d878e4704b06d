"""certkit.wire.ssl_settings: Elasticsearch's refusals of one SSL context, in its words.

The messages are Elasticsearch's own (SslConfigurationLoader, SslVerificationMode,
SslClientAuthenticationMode, SSLService.validateServerConfiguration: docs/wire.md), so
the expectations are those strings with the prefix filled in.
"""

from __future__ import annotations

import pytest

from certkit.wire.ssl_settings import (
    REMOTE_CLUSTER_SERVER,
    TRANSPORT,
    context_of,
    context_problems,
    keystore_type,
    node_problems,
    secure_settings_needed,
)

T = TRANSPORT


def problems(settings: dict, secure=(), complete=True) -> list[str]:
    return context_problems(context_of(T, {f"{T}.{k}": v for k, v in settings.items()}, secure), complete=complete)


def test_a_complete_layout_loads():
    assert problems({"enabled": True, "keystore.path": "n.p12", "certificate_authorities": ["ca.crt"]}) == []
    assert problems({"enabled": "true", "certificate": "n.crt", "key": "n.key", "truststore.path": "t.p12"}) == []


@pytest.mark.parametrize(("settings", "message"), [
    ({"enabled": True, "keystore.path": "n.p12", "certificate_authorities": ["a"], "truststore.path": "t.p12"},
     f"cannot specify both [{T}.certificate_authorities] and [{T}.truststore.path]"),
    ({"enabled": True, "keystore.path": "n.p12", "certificate": "n.crt", "key": "n.key"},
     f"cannot specify both [{T}.certificate] and [{T}.keystore.path]"),
    ({"enabled": True, "certificate": "n.crt"}, f"cannot specify [{T}.certificate] without also setting [{T}.key]"),
    ({"enabled": True, "key": "n.key"}, f"cannot specify [{T}.keystore.path] without also setting [{T}.certificate]"),
    ({"enabled": True, "keystore.path": "n.p12", "verification_mode": "strict"},
     "could not resolve ssl client verification mode, unknown value [strict], recognised values are "
     "[none,certificate,full]"),
    ({"enabled": True, "keystore.path": "n.p12", "client_authentication": "yes"},
     "could not resolve ssl client authentication, unknown value [yes], recognised values are [none,optional,required]"),
    ({"enabled": True, "certificate_authorities": ["ca.crt"]},
     f"invalid SSL configuration for {T} - server ssl configuration requires a key and certificate, but these have "
     f"not been configured; you must set either [{T}.keystore.path], or both [{T}.key] and [{T}.certificate]"),
    ({"keystore.path": "n.p12"},
     f"invalid configuration for {T} - [{T}.enabled] is not set, but the following settings have been configured "
     f"in elasticsearch.yml : [{T}.keystore.path]"),
    ({"enabled": "yes", "keystore.path": "n.p12"}, "Failed to parse value [yes] as only [true] or [false] are allowed."),
])
def test_each_rule_in_elasticsearch_words(settings, message):
    found = problems(settings)
    assert any(problem.startswith(message) for problem in found), found


def test_a_password_in_the_yml_is_refused_and_both_forms_conflict():
    only_yml = problems({"enabled": True, "keystore.path": "n.p12", "keystore.password": "x"})
    assert only_yml == [f"unknown setting [{T}.keystore.password]: Elasticsearch 8 reads this password only from "
                        f"the keystore, as [{T}.keystore.secure_password]"]
    both = problems({"enabled": True, "keystore.path": "n.p12", "keystore.password": "x"},
                    secure=[f"{T}.keystore.secure_password"])
    assert both == [f"cannot specify both [{T}.keystore.secure_password] and [{T}.keystore.password]"]


def test_a_fragment_skips_what_must_be_present_but_not_conflicts():
    assert problems({"certificate_authorities": ["ca.crt"]}, complete=False) == []
    assert problems({"certificate_authorities": ["ca.crt"], "truststore.path": "t.p12"}, complete=False)


def test_the_remote_cluster_server_is_judged_only_when_enabled():
    assert node_problems({f"{T}.enabled": True, f"{T}.keystore.path": "n.p12"}) == {}
    flat = {f"{T}.enabled": True, f"{T}.keystore.path": "n.p12", "remote_cluster_server.enabled": True}
    assert list(node_problems(flat)) == [REMOTE_CLUSTER_SERVER]  # its ssl.enabled defaults to true: it needs a key
    flat[f"{REMOTE_CLUSTER_SERVER}.keystore.path"] = "rcs.p12"
    assert node_problems(flat) == {}


def test_transport_ssl_off_is_refused_with_security_on():
    found = node_problems({f"{T}.enabled": False})
    assert found[T] == ["Transport SSL must be enabled if security is enabled. Please set "
                        f"[{T}.enabled] to [true] or disable security by setting [xpack.security.enabled] to [false]"]


def test_keystore_type_by_file_name():
    assert [keystore_type(p) for p in ("a.p12", "A.PFX", "b.pkcs12", "c.jks", "d.keystore")] == [
        "PKCS12", "PKCS12", "PKCS12", "jks", "jks"]
    assert keystore_type("c.jks", "PKCS12") == "PKCS12"


def test_secure_settings_each_store_has_its_own_password():
    same_file = context_of(T, {f"{T}.keystore.path": "n.p12", f"{T}.truststore.path": "n.p12"})
    assert [name for name, _ in secure_settings_needed(same_file)] == [
        f"{T}.keystore.secure_password", f"{T}.truststore.secure_password"]
    assert secure_settings_needed(same_file, keystore_password_empty=True, truststore_password_empty=True) == []
    pem = context_of(T, {f"{T}.certificate": "n.crt", f"{T}.key": "n.key"})
    assert secure_settings_needed(pem, key_encrypted=False) == []
    assert [name for name, _ in secure_settings_needed(pem)] == [f"{T}.secure_key_passphrase"]
