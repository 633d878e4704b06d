#!/usr/bin/env python3
"""Convert benchmark: ``certkit convert`` against what users run instead, an openssl loop.

Targets (issue 15), both per file and against ``openssl pkcs12 -nodes`` timed in the same
run, the commands taking turns:

* one file per process: ``certkit convert node.p12`` <= 3x ``openssl pkcs12 -in node.p12
  -nodes -out node.pem`` (the interpreter's start-up is most of certkit's cost here);
* a bundle of ``--files`` keystores: one ``certkit convert FOLDER`` run <= 3x a shell loop
  of ``openssl pkcs12`` over the same files (per file, it should do far better).

The keystores are what ``certkit cert`` writes by default (RSA-2048, PBES2/AES-256 with
10,000 iterations, as the JDK writes them), so both sides run the same key derivations.

    python scripts/bench_convert.py [--files 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import CERTKIT, interleaved, machine_description, ratio_line  # noqa: E402

PASSWORD = "bench-password"
TARGET = 3.0


CRYPTOGRAPHY_IMPORTS = "import cryptography.hazmat.primitives.serialization, cryptography.x509"
#: The least a Python convert does: cryptography's own PKCS#12 loader (which also checks an
#: RSA key's primes, ~40 ms for RSA-2048, a check certkit's reader skips), then PEM out.
BARE_CONVERT = """
import os, sys
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.serialization import pkcs12
key, cert, extra = pkcs12.load_key_and_certificates(open(sys.argv[1], "rb").read(), os.environb[b"CERTKIT_PASS"])
pem = key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption())
pem += b"".join(c.public_bytes(s.Encoding.PEM) for c in [cert, *extra])
open(sys.argv[2], "wb").write(pem)
"""


def openssl_loop_command(files: list[Path]) -> list[str]:
    """One shell running ``openssl pkcs12`` once per file, as a user's loop would."""
    loop = "; ".join(f"openssl pkcs12 -in {f} -passin env:CERTKIT_PASS -nodes -out {f.with_suffix('.openssl.pem')}"
                     for f in files)
    return ["sh", "-c", f"set -e; {loop}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50, help="keystores in the bundle")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    os.environ["CERTKIT_PASS"] = os.environ["CERTKIT_CA_PASS"] = PASSWORD
    work = Path(tempfile.mkdtemp(prefix="certkit-bench-convert-"))
    quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        subprocess.run(CERTKIT + ["ca", "--out", str(work / "ca.p12")], **quiet)
        subprocess.run(CERTKIT + ["instances", "generate", "--cluster-id", "aaaabbbbaaaabbbb", "--scope-id",
                                  "1053523734", "--nodes", str(args.files), "--prefix", "node",
                                  "--out", str(work / "instances.yaml")], **quiet)
        bundle = work / "bundle"
        subprocess.run(CERTKIT + ["cert", "--ca", str(work / "ca.p12"), "--in", str(work / "instances.yaml"),
                                  "--out", str(bundle)], **quiet)
        files = sorted(bundle.rglob("*.p12"))
        single = files[0]

        def fresh() -> None:
            for pem in bundle.rglob("*.pem"):
                pem.unlink()

        print(f"machine: {machine_description()}")
        print(f"inputs: {len(files)} keystores written by certkit cert (RSA-2048, AES-256, 10,000 iterations); "
              f"median of {args.runs} runs, the commands taking turns")
        runs = interleaved({
            "python": [sys.executable, "-c", "pass"],
            # What any Python reading a keystore and writing its certificates imports: the
            # floor of a Python convert, before any certkit code or any key derivation.
            "imports": [sys.executable, "-c", CRYPTOGRAPHY_IMPORTS],
            "bare loader": [sys.executable, "-c", BARE_CONVERT, str(single), str(work / "bare.pem")],
            "certkit one": CERTKIT + ["convert", str(single)],
            "openssl one": openssl_loop_command([single]),
            "certkit many": CERTKIT + ["convert", str(bundle)],
            "openssl many": openssl_loop_command(files),
        }, args.runs, prepare=fresh)
        one = runs["certkit one"].wall / runs["openssl one"].wall
        many = runs["certkit many"].wall / runs["openssl many"].wall
        print(f"one file per process: certkit convert {runs['certkit one'].wall * 1e3:.0f} ms, "
              f"openssl pkcs12 -nodes {runs['openssl one'].wall * 1e3:.0f} ms: {one:.2f}x")
        print(f"  (the interpreter alone, python -c pass: {runs['python'].wall * 1e3:.0f} ms = "
              f"{runs['python'].wall / runs['openssl one'].wall:.2f}x openssl: the floor of any Python command)")
        print(f"  (python importing cryptography's serialization and x509: {runs['imports'].wall * 1e3:.0f} ms = "
              f"{runs['imports'].wall / runs['openssl one'].wall:.2f}x openssl; a bare convert with cryptography's "
              f"pkcs12 loader and nothing else: {runs['bare loader'].wall * 1e3:.0f} ms = "
              f"{runs['bare loader'].wall / runs['openssl one'].wall:.2f}x)")
        print(f"{len(files)} files: one certkit convert run {runs['certkit many'].wall:.2f} s "
              f"({runs['certkit many'].wall / len(files) * 1e3:.1f} ms per file), an openssl loop "
              f"{runs['openssl many'].wall:.2f} s ({runs['openssl many'].wall / len(files) * 1e3:.1f} ms per file): "
              f"{many:.2f}x")
        print("RESULT convert: " + "; ".join([
            ratio_line("one file per process vs openssl pkcs12", one, TARGET),
            ratio_line(f"{len(files)} files in one run vs an openssl loop, per file", many, TARGET),
        ]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
