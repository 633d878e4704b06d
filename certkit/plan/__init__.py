"""Plan: the node names and the instances file certificates are issued from.

* :mod:`~certkit.plan.naming`: the Elastic Cloud node-name convention
  (``<node>.node.<cluster>.cluster.<scope>.account``), the one rule for cluster and scope
  ids, and distinguished names written the way certutil users write them;
* :mod:`~certkit.plan.instances`: certutil's ``instances.yml`` read, validated, linted,
  generated from a node list or an inventory, and written;
* :mod:`~certkit.plan.inventory`: the inventory CSV (header, separator) ``--from-csv`` reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from certkit._lazy import lazy_exports

if TYPE_CHECKING:
    from certkit.plan.instances import (
        check_instances,
        dump_instances,
        generate_instances,
        lint_instances,
        load_instances,
        make_instance,
        parse_instances,
        scope_findings,
    )
    from certkit.plan.inventory import InventoryRow, read_inventory_csv
    from certkit.plan.naming import (
        NodeName,
        check_cluster_id,
        check_name_component,
        check_scope_id,
        check_subject,
        cloud_scope_id_problem,
        cloud_scope_warning,
        format_node_name,
        is_cloud_scope_id,
        parse_dn,
        parse_node_name,
        require_cloud_scope_id,
        subject_for,
        subject_text,
    )

__all__ = [
    "InventoryRow", "NodeName", "check_cluster_id", "check_instances", "check_name_component",
    "check_scope_id", "check_subject", "cloud_scope_id_problem", "cloud_scope_warning", "dump_instances", "format_node_name",
    "generate_instances", "is_cloud_scope_id", "lint_instances", "load_instances", "make_instance",
    "parse_dn", "parse_instances", "parse_node_name", "read_inventory_csv", "require_cloud_scope_id",
    "scope_findings", "subject_for", "subject_text",
]

__getattr__ = lazy_exports(__name__, __all__, {
    "instances": (
        "check_instances", "dump_instances", "generate_instances", "lint_instances",
        "load_instances", "make_instance", "parse_instances", "scope_findings",
    ),
    "inventory": ("InventoryRow", "read_inventory_csv"),
    "naming": (
        "NodeName", "check_cluster_id", "check_name_component", "check_scope_id", "check_subject", "cloud_scope_id_problem",
        "cloud_scope_warning", "format_node_name", "is_cloud_scope_id", "parse_dn", "parse_node_name",
        "require_cloud_scope_id", "subject_for", "subject_text",
    ),
})
