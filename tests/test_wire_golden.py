"""Golden files for `wire yml` and `wire remote`: the exact text users paste.

A change to any of these outputs must show up as a reviewed diff of tests/golden/wire/.
Regenerate deliberately: CERTKIT_REGENERATE_GOLDEN=1 pytest tests/test_wire_golden.py -n 0
"""

from __future__ import annotations

import pytest

from tests.wiring_support import assert_golden

CASES = {
    # wire yml, certificate model
    "yml-certificate.yml": ["wire", "yml", "--ca", "certs/elastic-stack-ca.crt", "--ca", "certs/cloud-ca.crt",
                            "--restrictions", "trust.yml"],
    "yml-certificate-dns-full.yml": ["wire", "yml", "--ca", "certs/ca.crt", "--restrictions", "trust.yaml",
                                     "--fields", "othername", "--fields", "dns", "--verification-mode", "full"],
    "yml-certificate.json": ["wire", "yml", "--ca", "certs/ca.crt", "--restrictions", "trust.yml", "--json"],
    # wire yml, API key model
    "yml-api-key-server.yml": ["wire", "yml", "--model", "api-key", "--server-cert", "certs/rcs.crt",
                               "--server-key", "certs/rcs.key"],
    "yml-api-key-keystore-port.yml": ["wire", "yml", "--model", "api-key", "--server-keystore", "certs/rcs.p12",
                                      "--port", "9444"],
    "yml-api-key-client-signing.yml": ["wire", "yml", "--model", "api-key", "--ca", "certs/remote-ca.crt",
                                       "--alias", "cloud-prod", "--signing-cert", "certs/node.crt",
                                       "--signing-key", "certs/node.key", "--signing-ca", "certs/signing-ca.crt"],
    # wire remote
    "remote-proxy.json": ["wire", "remote", "--alias", "cloud-prod",
                          "--address", "my-deployment.es.europe-west1.gcp.cloud.es.io:9443",
                          "--server-name", "my-deployment.es.europe-west1.gcp.cloud.es.io"],
    "remote-proxy-ipv6.console": ["wire", "remote", "--alias", "dc2", "--address", "[2001:DB8:0::1]:9443",
                                  "--socket-connections", "6", "--skip-unavailable", "--format", "console"],
    "remote-sniff.json": ["wire", "remote", "--alias", "self_managed", "--mode", "sniff",
                          "--address", "10.0.0.1:9300", "--address", "10.0.0.2:9300", "--node-connections", "2",
                          "--no-skip-unavailable"],
    "remote-remove.json": ["wire", "remote", "--alias", "cloud-prod", "--remove"],
    "remote-proxy.curl": ["wire", "remote", "--alias", "cloud-prod", "--address", "proxy.example:9443",
                          "--format", "curl", "--es-url", "https://es.internal:9200", "--es-ca", "certs/http_ca.crt"],
    "remote-remove-env-url.curl": ["wire", "remote", "--alias", "old", "--remove", "--format", "curl"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_matches_the_golden_file(cli, name):
    result = cli(*CASES[name])
    assert result.exit_code == 0, result.stderr
    assert_golden(name, result.stdout)
