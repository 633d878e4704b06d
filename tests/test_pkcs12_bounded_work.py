"""A PKCS#12 file cannot make certkit work without end: iteration counts are bounded.

A MAC, safe or key iteration count of 2^31-1 (which the file format allows) would keep the
RFC 7292 KDF or PBKDF2 busy for hours. certkit refuses counts above
certkit.keystores.reader.MAX_ITERATIONS before deriving any key, with one error line naming
the file and the count. The files are crafted here with certkit's own DER writer; the work
is counted in function calls (tests/work_support.py), never in seconds.
"""

from __future__ import annotations

import os

import pytest

from certkit.errors import InputError
from certkit.keystores import der
from certkit.keystores.kdf import pfx_mac
from certkit.keystores.reader import MAX_ITERATIONS, load_pkcs12
from tests.conftest import assert_one_line_error
from tests.work_support import python_calls

HUGE = 2**31 - 1
_DATA = der.oid("1.2.840.113549.1.7.1")
_ENCRYPTED_DATA = der.oid("1.2.840.113549.1.7.6")
_SHROUDED_KEY_BAG = der.oid("1.2.840.113549.1.12.10.1.2")
_PBE_SHA1_3DES = der.oid("1.2.840.113549.1.12.1.3")
_PBES2 = der.oid("1.2.840.113549.1.5.13")
_PBKDF2 = der.oid("1.2.840.113549.1.5.12")
_HMAC_SHA256 = der.oid("1.2.840.113549.2.9")
_AES256_CBC = der.oid("2.16.840.1.101.3.4.1.42")
_SHA256 = der.oid("2.16.840.1.101.3.4.2.1")


def _pbes2(iterations: int) -> bytes:
    kdf = der.sequence(der.octet_string(os.urandom(16)), der.integer(iterations), der.algorithm(_HMAC_SHA256))
    return der.algorithm(_PBES2, der.sequence(der.algorithm(_PBKDF2, kdf),
                                              der.algorithm(_AES256_CBC, der.octet_string(os.urandom(16)))))


def _data_safe(safe_contents: bytes) -> bytes:
    return der.sequence(_DATA, der.explicit(0, der.octet_string(safe_contents)))


def _pfx(safes: list[bytes], mac_iterations: int, password: str = "pw") -> bytes:
    auth_safe = der.sequence(*safes)
    salt = os.urandom(32)
    # A real MAC when the count is sane, so that only the count under test is hostile.
    digest = pfx_mac(auth_safe, password, salt, mac_iterations, "sha256") if mac_iterations <= 4096 else bytes(32)
    mac_data = der.sequence(der.sequence(der.algorithm(_SHA256), der.octet_string(digest)), der.octet_string(salt),
                            der.integer(mac_iterations))
    return der.sequence(der.integer(3), _data_safe(auth_safe), mac_data)


def _shrouded_key_bag(algorithm: bytes) -> bytes:
    key = der.sequence(algorithm, der.octet_string(os.urandom(48)))
    return der.sequence(_SHROUDED_KEY_BAG, der.explicit(0, key))


def hostile_mac() -> bytes:
    return _pfx([_data_safe(der.sequence())], HUGE)


def hostile_safe() -> bytes:
    encrypted = der.sequence(_DATA, _pbes2(HUGE), der.implicit_octets(0, os.urandom(64)))
    safe = der.sequence(_ENCRYPTED_DATA, der.explicit(0, der.sequence(der.integer(0), encrypted)))
    return _pfx([safe], 2048)


def hostile_key() -> bytes:
    legacy = der.algorithm(_PBE_SHA1_3DES, der.sequence(der.octet_string(os.urandom(8)), der.integer(HUGE)))
    return _pfx([_data_safe(der.sequence(_shrouded_key_bag(legacy)))], 2048)


HOSTILE = {"mac": hostile_mac, "safe": hostile_safe, "key": hostile_key}


@pytest.mark.parametrize("part", sorted(HOSTILE))
def test_a_huge_iteration_count_is_refused_before_any_derivation(part):
    data = HOSTILE[part]()

    def load():
        with pytest.raises(InputError) as caught:
            load_pkcs12(data, "pw", source="hostile.p12")
        message = str(caught.value)
        assert "hostile.p12" in message and f"{HUGE:,}" in message and f"{MAX_ITERATIONS:,}" in message

    # Deriving one key at 2^31-1 rounds would be billions of calls; the refusal is a few
    # thousand (a real 2048-round MAC is verified first in the "safe" and "key" files).
    assert python_calls(load) < 60_000


def test_the_ceiling_admits_what_real_tools_write():
    # keytool's legacy MAC (100,000) and a generous margin over it pass the check.
    from certkit.keystores.diagnosis import diagnose
    from certkit.keystores.reader import check_work

    check_work(diagnose(_pfx([_data_safe(der.sequence())], 2048)), "ok.p12")
    assert MAX_ITERATIONS >= 1_000_000


@pytest.mark.parametrize("part", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["inspect", "convert", "check"])
def test_every_command_answers_one_error_line(cli, tmp_path, part, command):
    path = tmp_path / "hostile.p12"
    path.write_bytes(HOSTILE[part]())
    trust = tmp_path / "trust.yml"
    trust.write_text("trust.subject_name:\n  - '*.n.node.c.cluster.org'\n")
    argv = {
        "inspect": ["inspect", path],
        "convert": ["convert", path, "--nokeys", "--pass", "pw", "--out", tmp_path / "out.pem"],
        "check": ["restrictions", "check", trust, path],
    }[command]
    result = cli(*argv, env={"CERTKIT_PASS": "pw"})
    assert_one_line_error(result, "hostile.p12", f"{HUGE:,}")
    assert not (tmp_path / "out.pem").exists()
