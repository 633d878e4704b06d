"""certkit: certificates and trust restrictions for Elasticsearch clusters that trust each other.

This module holds the version only, so that ``certkit --version`` and ``import certkit``
stay instant; the library lives in the submodules (``certkit.issue.leaf``, ``certkit.patterns.language``…).
"""

__version__ = "0.1.0"
