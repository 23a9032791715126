"""Errors raised by the spatial core.

Every error names what was wrong (the argument, file or column) so a user, an API client or a log reader can fix
the input without reading code. The stable code for API mapping is the class attribute :attr:`code`.
"""

from __future__ import annotations


class SpatialError(ValueError):
    """Base class of every error the spatial core raises on purpose.

    Parameters
    ----------
    field
        The name of the offending argument, file or column (``"network"``, ``"origins.lon"``, ``"crs"``).
    message
        A full sentence that names the field and says what is wrong.
    """

    code = "spatial_error"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[SpatialError], tuple[str, str]]:
        return (type(self), (self.field, self.message))


class SpatialInputError(SpatialError):
    """An input the analysis cannot use: a missing column, an empty file, a coordinate out of range."""

    code = "spatial_input"


class NetworkReadError(SpatialInputError):
    """The street network file cannot be read or holds no LineString features."""

    code = "network_unreadable"


class UnknownCRSError(SpatialInputError):
    """A coordinate reference system other than ``wgs84``, ``gcj02`` or ``bd09`` was named."""

    code = "crs_unknown"


class SolverError(SpatialError):
    """The optimisation solver failed or returned no usable solution."""

    code = "solver_failed"
