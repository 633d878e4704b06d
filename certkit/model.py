"""Plain data shared by every stage of the pipeline.

Stage-specific types live beside the code that produces them (``patterns.Pattern``,
``restrictions.Verdict``…); only what crosses stages is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from certkit.errors import name_parameters


@dataclass(frozen=True)
class Instance:
    """One entry of certutil's ``instances.yml``: a node to issue a certificate for.

    ``name`` is the subject (``CN=<name>`` unless it contains ``=``, then a full DN);
    ``cn`` values become otherName SANs (2.5.4.3), ``dns`` dNSName SANs, ``ip`` iPAddress
    SANs, each in file order.
    """

    name: str
    filename: str
    dns: tuple[str, ...] = ()
    ip: tuple[str, ...] = ()
    cn: tuple[str, ...] = ()

    @property
    def subject_is_dn(self) -> bool:
        return "=" in self.name


@dataclass(frozen=True)
class Finding:
    """A finding that does not stop the command (printed as ``warning: …``).

    ``template`` may name parameters (:func:`certkit.errors.param`); ``message`` reads
    them by their library names, ``explain`` by the caller's (the CLI: flags).
    """

    template: str
    where: str | None = None

    @property
    def message(self) -> str:
        return name_parameters(self.template)

    def explain(self, name_of: Callable[[str], str]) -> str:
        return name_parameters(self.template, name_of)


@dataclass
class Report:
    """Warnings collected by a library call, for the CLI to render."""

    warnings: list[Finding] = field(default_factory=list)

    def warn(self, message: str, where: str | None = None) -> None:
        self.warnings.append(Finding(message, where))
