"""Running the areas of a run on a dask cluster (the optional ``dask`` extra).

>>> with dask_executor(workers=2) as (executor, threads):          # doctest: +SKIP
...     cg.run(config, executor=executor, threads_per_task=threads)

Each area is one task; a worker reads the run's prepared inputs from the staging folder and
writes the area's files there, so the workers need to see the output folder (a local cluster
always does; a remote one needs a shared file system).  Numba threads per task are set so that
workers × threads does not exceed the cores of a machine.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any

from coverage_gaps.errors import SettingsError

__all__ = ["dask_executor", "threads_for"]

INSTALL_HINT = "install the dask extra: pip install 'coverage-gaps[dask]'"


def threads_for(workers: dict[str, dict[str, Any]], cores: dict[str, int]) -> int:
    """Numba threads per task on a cluster: on every host, the host's cores divided by the dask
    threads of all its workers (the smallest over hosts, at least 1).

    Parameters
    ----------
    workers
        ``client.scheduler_info()["workers"]``: per worker its ``host`` and ``nthreads``.
    cores
        Cores per worker address (``client.run(os.cpu_count)``).
    """
    per_host: dict[str, int] = defaultdict(int)
    host_cores: dict[str, int] = {}
    for address, info in workers.items():
        host = str(info.get("host", address))
        per_host[host] += int(info.get("nthreads", 1))
        host_cores[host] = int(cores.get(address) or os.cpu_count() or 1)
    if not per_host:
        return 1
    return max(1, min(host_cores[h] // max(1, n) for h, n in per_host.items()))


@contextlib.contextmanager
def dask_executor(
    *, workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[Executor, int]]:
    """A :class:`concurrent.futures.Executor` on dask, and the numba threads per task.

    Parameters
    ----------
    workers
        Start a local cluster of this many worker processes (one dask thread each).
    scheduler
        Connect to the existing cluster at this address instead.

    Raises
    ------
    SettingsError
        dask is not installed, both or neither of ``workers`` and ``scheduler`` are given, or
        the scheduler cannot be reached.
    """
    if (workers is None) == (scheduler is None):
        raise SettingsError("give exactly one of --workers and --scheduler")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        flag = "--workers" if workers is not None else "--scheduler"
        raise SettingsError(
            f"{flag} runs on dask, which is not installed; {INSTALL_HINT}"
        ) from None
    with contextlib.ExitStack() as stack:
        if workers is not None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    # No dashboard; the scheduler's small HTTP server on any free port, not on
                    # 8787 (taken by another cluster, dask warns and moves anyway).
                    scheduler_kwargs={"dashboard_address": ":0"},
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="20s"))
            except (OSError, TimeoutError) as exc:
                raise SettingsError(
                    f"--scheduler {scheduler!r}: cannot reach the dask scheduler ({exc})"
                ) from None
        info = client.scheduler_info()["workers"]
        cores = client.run(os.cpu_count)
        yield client.get_executor(), threads_for(info, cores)
