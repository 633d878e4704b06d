"""Public names of a package, imported from their modules on first use (PEP 562).

Each stage package lists its API in ``__all__``; importing the package must stay as cheap
as importing one of its modules (``certkit --help`` loads a few modules only, and
``import certkit.audit.trust_file`` must not start loading the parallel engine). So a
package maps each public name to the module that defines it, and its ``__getattr__``
imports that module when the name is first looked up. (Type checkers read the same names
from the package's ``if TYPE_CHECKING:`` imports.)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(package: str, public: Sequence[str],
                 modules_of: Mapping[str, Sequence[str]]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``, whose ``__all__`` is ``public``; ``modules_of``
    maps each of its modules to the public names it defines."""
    module_of = {name: module for module, names in modules_of.items() for name in names}
    if sorted(module_of) != sorted(public):
        raise ImportError(f"{package}: __all__ and the modules of its names disagree on "
                          f"{sorted(set(module_of) ^ set(public))}")
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # looked up once
        return value

    return __getattr__
