"""Reading a PKCS#12 file imports only what the file needs: no ASN.1 library.

``certkit convert node.p12`` was 24 times slower than ``openssl pkcs12 -nodes`` because
reading a keystore imported pyasn1 and pyasn1-modules (~0.7 s). certkit walks the PKCS#12
DER itself (certkit.keystores.der); these checks run in fresh interpreters, since this test
process may have imported anything already.
"""

from __future__ import annotations

import json
import subprocess
import sys

from certkit.keystores.writer import serialize_keystore
from tests.pkcs12_support import make_pki

ASN1_LIBRARIES = ("pyasn1", "pyasn1_modules")

PROBE = """
import json, sys
{prepare}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {libraries!r})))
"""


def _asn1_modules_after(prepare: str) -> list[str]:
    code = PROBE.format(prepare=prepare, libraries=ASN1_LIBRARIES)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_keystores_package_imports_no_asn1_library():
    assert _asn1_modules_after("import certkit.keystores, certkit.keystores.reader, certkit.keystores.writer") == []


def test_reading_and_converting_a_pkcs12_imports_no_asn1_library(tmp_path):
    pki = make_pki()
    path = tmp_path / "node.p12"
    path.write_bytes(serialize_keystore(alias="node1", private_key=pki.leaf_key, chain=[pki.leaf, pki.intermediate],
                                        trusted=[("ca", pki.root)], password="pw"))
    prepare = (
        "from certkit.keystores.reader import load_pkcs12\n"
        f"loaded = load_pkcs12(open({str(path)!r}, 'rb').read(), 'pw', source='node.p12')\n"
        "assert loaded.key is not None and len(loaded.jdk_entries) == 2\n"
        "from certkit.cli import main\n"
        f"assert main(['convert', {str(path)!r}, '--pass', 'pw', '--out', {str(tmp_path / 'node.pem')!r}]) == 0\n"
    )
    assert _asn1_modules_after(prepare) == []
    assert (tmp_path / "node.pem").exists()


def test_the_package_offers_its_public_names_and_a_worker_loads_only_the_writer():
    from certkit import keystores

    assert all(getattr(keystores, name) is not None for name in keystores.__all__)
    code = ("import sys, certkit.keystores.writer\n"
            "print('certkit.keystores.reader' in sys.modules, 'certkit.keystores.diagnosis' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
