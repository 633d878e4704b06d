"""EC nodes travel through the issuing pool in batches; every node still comes back, in order.

An EC key costs less than sending a task and its result through a process pool, so
issue_all sends EC nodes EC_BATCH at a time (RSA nodes one by one, to balance their skewed
key times). The pool's tasks are counted by wrapping the executor's submit: counting, the
workers and their keys are real.
"""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from certkit.issue import leaf
from certkit.issue.ca import create_ca
from certkit.model import Instance


@pytest.fixture
def submitted(monkeypatch):
    """How many tasks issue_all hands its pool."""
    count = [0]
    real_submit = leaf.ProcessPoolExecutor.submit

    def counting_submit(self, fn, /, *args, **kwargs):
        count[0] += 1
        return real_submit(self, fn, *args, **kwargs)

    monkeypatch.setattr(leaf.ProcessPoolExecutor, "submit", counting_submit)
    return count


def test_ec_nodes_go_in_batches_and_come_back_in_order(submitted):
    ca = create_ca("CN=batch CA", key_type="ec")
    nodes = 3 * leaf.EC_BATCH + 5
    instances = [Instance(f"node{i}", f"node{i}") for i in range(nodes)]
    progress: list[int] = []
    issued = leaf.issue_all(ca, instances, key_type="ec", jobs=2, progress=lambda done, total: progress.append(done))
    assert submitted[0] == 4  # 3 full batches and 5 nodes
    assert [i.instance.name for i in issued] == [f"node{i}" for i in range(nodes)]
    assert [c.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value for c in issued] == [
        f"node{i}" for i in range(nodes)]
    for node in issued:
        assert node.certificate.public_key() == node.private_key.public_key()
        ca.certificate.public_key().verify(node.certificate.signature, node.certificate.tbs_certificate_bytes,
                                           ec.ECDSA(node.certificate.signature_hash_algorithm))
    assert progress == list(range(1, nodes + 1))
    assert len({node.certificate.serial_number for node in issued}) == nodes


def test_rsa_nodes_go_one_task_each(submitted):
    ca = create_ca("CN=batch CA", key_type="ec")
    issued = leaf.issue_all(ca, [Instance(f"node{i}", f"node{i}") for i in range(3)], key_type="rsa", jobs=2)
    assert submitted[0] == 3
    assert [i.instance.name for i in issued] == ["node0", "node1", "node2"]
