"""The options that describe the nodes and their keys, shared by ``cert`` and ``csr``.

Both commands plan the same nodes (an instances file, or one node from flags) and make
the same keys, so a user moving from one to the other meets the same flags with the same
words. Each is a typed alias (``Annotated``) that a command's signature uses with its
default: ``in_file: InstancesFile = None``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

InstancesFile = Annotated[Optional[Path], typer.Option("--in", metavar="instances.yaml", help="The instances file.")]
NodeName = Annotated[Optional[str], typer.Option("--name", metavar="N", help="One node: its name (subject CN=N).")]
NodeFolder = Annotated[Optional[str], typer.Option(
    "--filename", metavar="FOLDER", help="With --name: the node's folder in the output (default: the name).")]
DnsNames = Annotated[Optional[list[str]], typer.Option(
    "--dns", metavar="D", help="With --name: a DNS name. Repeatable.")]
IpAddresses = Annotated[Optional[list[str]], typer.Option(
    "--ip", metavar="A", help="With --name: an IP address. Repeatable.")]
OtherNameCns = Annotated[Optional[list[str]], typer.Option(
    "--cn", metavar="C", help="With --name: an otherName CN. Repeatable.")]
KeyType = Annotated[str, typer.Option("--key-type", metavar="rsa|ec", help="Key algorithm of the node keys.")]
KeySize = Annotated[Optional[int], typer.Option(
    "--keysize", metavar="BITS", help="RSA bits (default 2048) or EC curve size (256, 384, 521).")]
KeyJobs = Annotated[Optional[int], typer.Option(
    "--jobs", metavar="N", help="Processes generating keys (default: CPUs).")]
