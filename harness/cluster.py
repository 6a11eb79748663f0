"""A Ray cluster of several nodes on this one machine, every node on 127.0.0.1, for the tests and benchmarks:

    python -m harness.cluster [NODES]     # prints the cluster's address, keeps it up until standard input closes

Ray's command line refuses a second node in its single-machine mode (`ray start --address` answers "Multi-node
Ray clusters are not supported"), which is what keeps Ray on loopback; Ray's own test utility,
ray.cluster_utils.Cluster, starts each node's raylet from this process without that check. The caller sets
harness.server.RAY_LOOPBACK in this process's environment, so that it holds before Ray is imported. Each node
offers one CPU.
"""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

NODE = {"node_ip_address": "127.0.0.1", "num_cpus": 1, "object_store_memory": 200 * 2**20}


def main() -> None:
    from ray.cluster_utils import Cluster

    nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    cluster = Cluster(initialize_head=True, head_node_args=NODE | {"include_dashboard": False})
    for _ in range(nodes - 1):
        cluster.add_node(**NODE)
    cluster.wait_for_nodes()
    print(cluster.address, flush=True)
    sys.stdin.read()  # until the caller closes it
    cluster.shutdown()


@contextmanager
def running_cluster(nodes: int, environment: dict) -> Iterator[str]:
    """The address (127.0.0.1:PORT) of a cluster of `nodes` nodes started by `python -m harness.cluster`; it is
    shut down when the block ends."""
    helper = subprocess.Popen(
        [sys.executable, "-m", "harness.cluster", str(nodes)],
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        address = helper.stdout.readline().strip()
        if not address:
            raise RuntimeError(f"the cluster did not start (status {helper.wait(timeout=60)})")
        yield address
    finally:
        helper.stdin.close()
        try:
            helper.wait(timeout=120)
        except subprocess.TimeoutExpired:
            helper.kill()


if __name__ == "__main__":
    main()
