"""Point sets handed to the analyses: communities (origins), facilities, stock sites."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gaizao.spatial.crs import to_wgs84
from gaizao.spatial.errors import SpatialInputError

__all__ = ["Points"]


@dataclass(frozen=True, eq=False)
class Points:
    """Points with ids, WGS84 lon/lat and optionally a category and a weight each.

    Build them with :meth:`from_arrays` (which validates and converts the datum); the arrays are aligned by
    position with :attr:`ids`.

    Attributes
    ----------
    ids
        Unique identifiers (strings), e.g. community or facility primary keys.
    lon, lat
        ``(n,)`` WGS84 degrees.
    categories
        Facility category of each point (e.g. a ``gaizao.policy`` facility id), or ``None``.
    weights
        ``(n,)`` weight of each point (residents of a community), or ``None`` (all 1).
    name
        What the points are (``"origins"``, ``"facilities"``), used in error messages and reports.
    """

    ids: tuple[str, ...]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    categories: tuple[str, ...] | None = None
    weights: NDArray[np.float64] | None = None
    name: str = "points"

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_arrays(
        cls,
        ids: Sequence[object],
        lon: ArrayLike,
        lat: ArrayLike,
        *,
        categories: Sequence[object] | None = None,
        weights: ArrayLike | None = None,
        crs: str = "wgs84",
        name: str = "points",
    ) -> Points:
        """Validate and build a point set, converting GCJ-02 or BD-09 coordinates to WGS84.

        Parameters
        ----------
        ids
            Unique identifiers; converted to ``str``.
        lon, lat
            Degrees in ``crs``.
        categories
            Optional category per point; converted to ``str``.
        weights
            Optional non-negative weight per point (residents).
        crs
            ``"wgs84"`` (default), ``"gcj02"`` or ``"bd09"``.
        name
            Name used in error messages (``"origins"``).

        Raises
        ------
        SpatialInputError
            On mismatched lengths, duplicate ids, missing or out-of-range coordinates, negative weights.
        UnknownCRSError
            If ``crs`` is not supported.
        """
        id_tuple = tuple(str(i) for i in ids)
        x = np.asarray(lon, dtype=np.float64).reshape(-1)
        y = np.asarray(lat, dtype=np.float64).reshape(-1)
        n = len(id_tuple)
        if len(x) != n or len(y) != n:
            raise SpatialInputError(f"{name}.lon", f"{name}: ids, lon and lat must have the same length.")
        if len(set(id_tuple)) != n:
            seen: set[str] = set()
            dup = next(i for i in id_tuple if i in seen or seen.add(i))  # type: ignore[func-returns-value]
            raise SpatialInputError(f"{name}.id", f"{name}: the id {dup!r} appears more than once.")
        bad = ~(np.isfinite(x) & np.isfinite(y)) | (np.abs(x) > 180) | (np.abs(y) > 90)
        if np.any(bad):
            first = int(np.flatnonzero(bad)[0])
            raise SpatialInputError(
                f"{name}.lon",
                f"{name}: point {id_tuple[first]!r} has a missing or out-of-range lon/lat ({x[first]}, {y[first]}).",
            )
        x, y = to_wgs84(x, y, crs)
        cats: tuple[str, ...] | None = None
        if categories is not None:
            cats = tuple(str(c) for c in categories)
            if len(cats) != n:
                raise SpatialInputError(f"{name}.category", f"{name}: one category per point is needed.")
        w: NDArray[np.float64] | None = None
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64).reshape(-1)
            if len(w) != n:
                raise SpatialInputError(f"{name}.weight", f"{name}: one weight per point is needed.")
            if np.any(~np.isfinite(w)) or np.any(w < 0):
                raise SpatialInputError(f"{name}.weight", f"{name}: weights must be non-negative numbers.")
        return cls(ids=id_tuple, lon=x, lat=y, categories=cats, weights=w, name=name)

    @property
    def weight_or_one(self) -> NDArray[np.float64]:
        """The weights, or ones when none were given."""
        return self.weights if self.weights is not None else np.ones(len(self.ids))

    def category_names(self) -> tuple[str, ...]:
        """The distinct categories, sorted."""
        return tuple(sorted(set(self.categories or ())))

    def subset(self, mask: NDArray[np.bool_]) -> Points:
        """The points where ``mask`` is true."""
        idx = np.flatnonzero(mask)
        return Points(
            ids=tuple(self.ids[i] for i in idx),
            lon=self.lon[idx],
            lat=self.lat[idx],
            categories=None if self.categories is None else tuple(self.categories[i] for i in idx),
            weights=None if self.weights is None else self.weights[idx],
            name=self.name,
        )
