"""Read an uploaded road network in a separate, memory-capped process, never in the process that asked.

:func:`network_stats_isolated` runs :func:`parse_network` through ``gaizao.jobs.isolation.run_isolated`` (the
same mechanism as the registry's imports): a fresh interpreter loads ``gaizao.spatial``, caps its address space
at its size plus ``settings.UPLOAD_PARSE_MEMORY``, builds the walking network from the stored file and sends back
its counts. A file that is not a network fails with a message naming it; one whose parse needs more memory fails
with ``ParseMemoryError``. This module imports without Django set up (the child never sets it up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from gaizao.errors import ApplicationError
from gaizao.jobs.isolation import run_isolated

#: The counts a network record keeps (``RoadNetwork`` fields).
STAT_FIELDS = ("node_count", "edge_count", "component_count", "largest_component_nodes")


def network_stats(net: Any) -> dict[str, int]:
    """The counts of a ``gaizao.spatial.Network`` as the network record keeps them."""
    return {
        "node_count": int(net.n_nodes),
        "edge_count": int(net.n_edges),
        "component_count": int(net.n_components),
        "largest_component_nodes": int(net.component_sizes[0]) if net.n_components else 0,
    }


def unusable_message(detail: str) -> str:
    return f"路网或点位数据无法使用。/ {detail}"


def parse_network(
    data: bytes, *, filename: str, cap: Callable[[], None], path: str, walking_speed_m_per_min: float
) -> Iterator[dict[str, int]]:
    """In the child: build the network of the file at ``path`` and yield its counts (a ``run_isolated`` parser).

    Server paths in the core's messages are replaced by ``filename``, the name the user knows."""
    import gaizao.spatial as spatial

    # the package loads its modules lazily: load them all (numpy, scipy, shapely, pyogrio and pyproj) before the cap,
    # so the cap measures the parse alone
    for name in spatial.__all__:
        getattr(spatial, name)
    cap()
    try:
        net = spatial.load_network(path, walking_speed_m_per_min=walking_speed_m_per_min)
    except spatial.SpatialError as exc:
        message = getattr(exc, "message", str(exc)).replace(path, filename)
        raise ApplicationError(unusable_message(message), field="file") from exc
    yield network_stats(net)


def network_stats_isolated(
    path: Path, *, filename: str, walking_speed_m_per_min: float, limit: int | None = None
) -> dict[str, int]:
    """The counts of the network stored at ``path``, built in a memory-capped child process."""
    messages = list(
        run_isolated(
            "gaizao.lifecircle.parsing:parse_network",
            filename=filename,
            kwargs={"path": str(path), "walking_speed_m_per_min": float(walking_speed_m_per_min)},
            limit=limit,
        )
    )
    if messages:
        return dict(messages[0])
    raise ApplicationError(unusable_message(f"The network file {filename!r} gave no result."), field="file")
