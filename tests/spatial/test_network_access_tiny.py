"""Hand-checked tiny networks: joining, same-segment paths, ends, disconnected pieces, the snap tolerance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gaizao.spatial import (
    SpatialInputError,
    counts_within,
    distances_between,
    join_points,
    nearest_facilities,
)
from tests.spatial.conftest import net, pts

TOL = 1e-3  # metres; the local test frame and the network's own projection differ by far less


def test_lengths_nodes_and_curves_keep_their_length() -> None:
    # given a road bent through a middle vertex and a second road meeting it at its end
    network = net([(0, 0), (300, 400), (600, 0)], [(600, 0), (600, 100)])
    # then every vertex is a node, coincident ends merge, lengths are metres
    assert network.n_nodes == 4
    assert network.n_edges == 3
    assert sorted(np.round(network.edge_length_m, 3)) == [100.0, 500.0, 500.0]
    assert network.n_components == 1


def test_coincident_vertices_merge_and_parallel_segments_keep_the_shortest() -> None:
    network = net([(0, 0), (100, 0)], [(100, 0), (100, 100), (0, 0)], [(0, 0), (100, 0)])
    assert network.n_nodes == 3
    # two identical segments 0-100 plus the detour; the graph holds each pair once
    assert network.graph.nnz == 6
    assert network.graph[0, 1] == pytest.approx(100.0, abs=TOL) or network.graph[1, 0] == pytest.approx(
        100.0, abs=TOL
    )


def test_origin_and_facility_on_the_same_segment_go_straight_along_it() -> None:
    network = net([(0, 0), (1000, 0)])
    origins = pts({"o": (200, 50)})
    facilities = pts({"f": (700, -30)}, categories=["school"])
    result = nearest_facilities(network, origins, facilities, max_distance_m=2000)
    # 50 m connector + 500 m along the road + 30 m connector
    assert result.distance("o", "school") == pytest.approx(580.0, abs=TOL)
    assert result.nearest_facility_id("o", "school") == "f"
    assert result.origins.offset_m[0] == pytest.approx(200.0, abs=TOL)
    assert result.origins.connector_m[0] == pytest.approx(50.0, abs=TOL)


def test_same_segment_two_facilities_on_either_side() -> None:
    network = net([(0, 0), (1000, 0)], [(1000, 0), (1000, 1000)])
    origins = pts({"o": (500, 10)})
    facilities = pts({"left": (100, 0), "right": (950, 5)}, categories=["c", "c"])
    result = nearest_facilities(network, origins, facilities, max_distance_m=5000)
    assert result.distance("o", "c") == pytest.approx(10 + 400, abs=TOL)
    assert result.nearest_facility_id("o", "c") == "left"


def test_point_beyond_the_end_joins_the_end_node_with_its_straight_connector() -> None:
    network = net([(0, 0), (1000, 0)])
    origins = pts({"o": (1100, 0), "diag": (1030, 40)})
    facilities = pts({"f": (700, 0)}, categories=["c"])
    result = nearest_facilities(network, origins, facilities, max_distance_m=2000)
    assert result.distance("o", "c") == pytest.approx(100 + 300, abs=TOL)
    assert result.distance("diag", "c") == pytest.approx(50 + 300, abs=TOL)
    assert result.origins.offset_m[0] == pytest.approx(1000.0, abs=TOL)


def test_path_around_a_corner_and_the_cutoff_is_inclusive() -> None:
    network = net([(0, 0), (1000, 0), (1000, 1000)])
    origins = pts({"o": (100, 0)})
    facilities = pts({"f": (1000, 500)}, categories=["c"])
    exact = nearest_facilities(network, origins, facilities, max_distance_m=1400.001)
    assert exact.distance("o", "c") == pytest.approx(1400.0, abs=TOL)
    short = nearest_facilities(network, origins, facilities, max_distance_m=1399.99)
    assert short.distance("o", "c") is None
    assert short.nearest_facility_id("o", "c") is None


def test_disconnected_pieces_are_reported_and_not_crossed() -> None:
    network = net([(0, 0), (1000, 0)], [(3000, 0), (3500, 0), (3500, 200)])
    assert network.n_components == 2
    assert network.component_sizes.tolist() == [3, 2]
    origins = pts({"main": (10, 10), "island": (3100, 0)})
    facilities = pts({"f": (3400, 0)}, categories=["c"])
    result = nearest_facilities(network, origins, facilities, max_distance_m=100_000)
    assert result.distance("main", "c") is None
    assert result.distance("island", "c") == pytest.approx(300.0, abs=TOL)
    assert result.origins.component.tolist() == [1, 0]
    assert result.origins.off_main_piece_ids == ("main",)


def test_points_beyond_the_snap_tolerance_are_reported_not_joined() -> None:
    network = net([(0, 0), (1000, 0)])
    origins = pts({"near": (500, 100), "far": (500, 800)})
    facilities = pts({"f": (500, 0), "g": (0, -600)}, categories=["c", "c"])
    result = nearest_facilities(network, origins, facilities, max_distance_m=5000, snap_tolerance_m=500)
    assert result.origins.not_joined_ids == ("far",)
    assert result.origins.road_distance_m[1] == pytest.approx(800.0, abs=TOL)
    assert result.facilities.not_joined_ids == ("g",)
    assert result.distance("far", "c") is None
    assert result.distance("near", "c") == pytest.approx(100.0, abs=TOL)
    wider = join_points(network, origins, snap_tolerance_m=1000)
    assert wider.joined.all()


def test_categories_are_columns_and_a_missing_category_is_all_empty() -> None:
    network = net([(0, 0), (1000, 0)])
    origins = pts({"a": (0, 0), "b": (1000, 0)})
    facilities = pts({"s": (100, 0), "k": (900, 0)}, categories=["school", "kindergarten"])
    result = nearest_facilities(
        network, origins, facilities, max_distance_m=1000, categories=["kindergarten", "school", "clinic"]
    )
    assert result.categories == ("kindergarten", "school", "clinic")
    np.testing.assert_allclose(result.distance_m[:, :2], [[900, 100], [100, 900]], atol=TOL)
    assert np.isnan(result.distance_m[:, 2]).all()
    rows = list(result.rows())
    assert rows[2] == ("a", "clinic", None)
    assert result.as_mapping()["b"]["school"] == pytest.approx(900, abs=TOL)
    assert result.minutes()[0, 1] == pytest.approx(100 / 80, abs=1e-6)


def test_counts_and_pairs_within_a_distance() -> None:
    network = net([(0, 0), (1000, 0)])
    origins = pts({"a": (0, 0), "b": (1000, 0)})
    facilities = pts({"1": (100, 0), "2": (200, 0), "3": (950, 0)}, categories=["c", "c", "d"])
    counts = counts_within(network, origins, facilities, distance_m=200.001)
    assert counts.categories == ("c", "d")
    assert counts.count.tolist() == [[2, 0], [0, 1]]
    pairs = distances_between(network, origins, origins, max_distance_m=1000.01)
    assert list(zip(pairs.source_index.tolist(), pairs.target_index.tolist(), strict=True)) == [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
    ]
    assert pairs.distance_m[1] == pytest.approx(1000, abs=TOL)


def test_several_points_at_the_same_place_on_one_segment() -> None:
    network = net([(0, 0), (1000, 0)])
    origins = pts({"a": (300, 10), "b": (300, -10), "c": (0, 0)})
    facilities = pts({"f": (300, 0), "g": (300, 0)}, categories=["c", "c"])
    result = nearest_facilities(network, origins, facilities, max_distance_m=1000)
    np.testing.assert_allclose(result.distance_m[:, 0], [10, 10, 300], atol=TOL)


def test_invalid_inputs_name_the_field() -> None:
    network = net([(0, 0), (1000, 0)])
    origins = pts({"a": (0, 0)})
    with pytest.raises(SpatialInputError) as err:
        nearest_facilities(network, origins, origins, max_distance_m=100)
    assert err.value.field == "facilities.category"
    facilities = pts({"f": (1, 0)}, categories=["c"])
    with pytest.raises(SpatialInputError) as err:
        nearest_facilities(network, origins, facilities, max_distance_m=-1)
    assert err.value.field == "max_distance_m"
    with pytest.raises(SpatialInputError) as err:
        pts({"a": (0, 0)}, categories=["x", "y"])
    assert "category" in err.value.field
    assert math.isfinite(network.edge_length_m.sum())


def test_progress_is_reported_per_category() -> None:
    network = net([(0, 0), (1000, 0)])
    facilities = pts({"s": (100, 0), "k": (900, 0)}, categories=["school", "kindergarten"])
    seen: list[tuple[int, int, str]] = []
    nearest_facilities(
        network, pts({"a": (0, 0)}), facilities, max_distance_m=1000, progress=lambda *a: seen.append(a)
    )
    assert seen == [(1, 2, "kindergarten"), (2, 2, "school")]
