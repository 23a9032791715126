"""Model instances from the rows of precomposed SQL, for the few hot paths that skip the ORM's query compilation.

Compiling a queryset costs 1–3 ms of CPU each time (Django caches no SQL); a vote request ran five of them. A hot path
composes its statement once per process from the models' own table and column names (so a renamed column fails
loudly, not silently), and turns each row into instances with :class:`Columns`, which converts the values exactly
as the ORM does (the backend's and the field's converters) and builds them with ``Model.from_db``: deferred fields
load on access, as with ``.only()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


class Columns(Generic[M]):
    """Some (default: all) concrete fields of ``model`` as they appear in a select list and come back in a row.

    ``fields``: attribute names (``"owner_id"``, ``"status"``); kept in the model's field order, which is the order
    ``select`` lists them in and ``build`` reads them from a row.
    """

    def __init__(self, model: type[M], fields: Sequence[str] | None = None) -> None:
        self.model = model
        concrete = model._meta.concrete_fields
        wanted = set(fields) if fields is not None else {f.attname for f in concrete}
        unknown = wanted - {f.attname for f in concrete}
        if unknown:
            raise ValueError(f"{model.__name__} has no concrete fields {sorted(unknown)}")
        self.fields: list[Field[Any, Any]] = [f for f in concrete if f.attname in wanted]
        self.attnames = [f.attname for f in self.fields]
        self._converters: dict[str, list[tuple[int, Any, list[Callable[..., Any]]]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def select(self, alias: str) -> str:
        """The select list of these columns of table ``alias``."""
        quote = connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(f.column)}" for f in self.fields)

    def _converters_of(self) -> list[tuple[int, Any, list[Callable[..., Any]]]]:
        """``(index, column expression, converters)`` of the columns that have converters on this backend."""
        vendor = connection.vendor
        if vendor not in self._converters:
            found = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                converters = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
                if converters:
                    found.append((i, col, converters))
            self._converters[vendor] = found
        return self._converters[vendor]

    def build(self, values: Sequence[Any]) -> M:
        """The instance whose columns are ``values`` (as the cursor returned them, in ``select``'s order)."""
        converted = list(values)
        for i, col, converters in self._converters_of():
            for converter in converters:
                converted[i] = converter(converted[i], col, connection)
        return self.model.from_db(connection.alias, self.attnames, converted)
