"""Wire: the settings, payloads and requests that connect two clusters (the last stage).

* :mod:`~certkit.wire.es_yml`: the ``elasticsearch.yml`` lines of the certificate model
  and of the API key model;
* :mod:`~certkit.wire.ssl_settings`: what Elasticsearch refuses in one SSL context, in its
  words; :mod:`~certkit.wire.node_settings`: secure settings, trust stores, per-node bundles;
* :mod:`~certkit.wire.remote`: the remote cluster settings body, the keystore step for its
  API key, and any request printed as JSON, console or curl;
* :mod:`~certkit.wire.api_key`: the cross-cluster API key body and its certificate identity;
* :mod:`~certkit.wire.cloud`: Elastic Cloud / ECE direct-trust payloads, merged into what exists;
* :mod:`~certkit.wire.cloud_accounts`: the account and external entries of the same payload;
* :mod:`~certkit.wire.http`: sending a body to Elasticsearch over verified HTTPS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from certkit._lazy import lazy_exports

if TYPE_CHECKING:
    from certkit.wire.api_key import (
        IdentityCheck,
        IdentityMismatch,
        check_certificate_identity,
        cross_cluster_api_key_body,
        identity_for_cluster,
        identity_matches,
        parse_metadata,
    )
    from certkit.wire.cloud import (
        DirectTrust,
        MergeResult,
        TrustedCA,
        build_direct_trust,
        load_ca_certificates,
        load_trust_document,
        merge_direct_trust,
        settings_payload,
        trust_settings,
    )
    from certkit.wire.cloud_accounts import (
        REPLACES_EVERYTHING,
        ScopedTrust,
        build_account_trust,
        build_external_trust,
        merge_scoped_trusts,
    )
    from certkit.wire.es_yml import (
        DEFAULT_REMOTE_CLUSTER_PORT,
        Setting,
        api_key_model_settings,
        certificate_model_settings,
        render_yml,
        settings_dict,
    )
    from certkit.wire.http import (
        ElasticsearchRejected,
        parse_es_url,
        send_json,
    )
    from certkit.wire.node_settings import (
        NodeSettings,
        bundle_node_settings,
        secure_settings,
        secure_settings_comments,
        truststore_bytes,
    )
    from certkit.wire.remote import (
        KeystoreInstructions,
        RemoteAddress,
        keystore_instructions,
        parse_address,
        remote_cluster_body,
        remove_remote_cluster_body,
        render_request,
    )
    from certkit.wire.ssl_settings import (
        SslContext,
        context_of,
        context_problems,
        keystore_type,
        node_problems,
        secure_settings_needed,
    )

__all__ = [
    "DEFAULT_REMOTE_CLUSTER_PORT", "DirectTrust", "ElasticsearchRejected", "IdentityCheck",
    "IdentityMismatch", "KeystoreInstructions", "MergeResult", "NodeSettings", "REPLACES_EVERYTHING",
    "RemoteAddress", "ScopedTrust", "Setting", "SslContext", "TrustedCA", "api_key_model_settings",
    "build_account_trust", "build_direct_trust", "build_external_trust", "bundle_node_settings",
    "certificate_model_settings", "check_certificate_identity", "context_of", "context_problems",
    "cross_cluster_api_key_body", "identity_for_cluster", "identity_matches", "keystore_instructions",
    "keystore_type", "load_ca_certificates", "load_trust_document", "merge_direct_trust",
    "merge_scoped_trusts", "node_problems",
    "parse_address", "parse_es_url", "parse_metadata", "remote_cluster_body", "remove_remote_cluster_body",
    "render_request", "render_yml", "secure_settings", "secure_settings_comments", "secure_settings_needed",
    "send_json", "settings_dict", "settings_payload", "trust_settings", "truststore_bytes",
]

__getattr__ = lazy_exports(__name__, __all__, {
    "es_yml": (
        "DEFAULT_REMOTE_CLUSTER_PORT", "Setting", "api_key_model_settings", "certificate_model_settings",
        "render_yml", "settings_dict",
    ),
    "ssl_settings": (
        "SslContext", "context_of", "context_problems", "keystore_type", "node_problems", "secure_settings_needed",
    ),
    "node_settings": (
        "NodeSettings", "bundle_node_settings", "secure_settings", "secure_settings_comments", "truststore_bytes",
    ),
    "remote": (
        "KeystoreInstructions", "RemoteAddress", "keystore_instructions", "parse_address",
        "remote_cluster_body", "remove_remote_cluster_body", "render_request",
    ),
    "api_key": (
        "IdentityCheck", "IdentityMismatch", "check_certificate_identity", "cross_cluster_api_key_body",
        "identity_for_cluster", "identity_matches", "parse_metadata",
    ),
    "cloud": (
        "DirectTrust", "MergeResult", "TrustedCA", "build_direct_trust", "load_ca_certificates",
        "load_trust_document", "merge_direct_trust", "settings_payload", "trust_settings",
    ),
    "cloud_accounts": (
        "REPLACES_EVERYTHING", "ScopedTrust", "build_account_trust", "build_external_trust", "merge_scoped_trusts",
    ),
    "http": (
        "ElasticsearchRejected", "parse_es_url", "send_json",
    ),
})
