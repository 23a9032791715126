"""Writes of the life-circle app: networks, analysis runs (as background jobs), catchments, siting proposals.

Every write is ``@transaction.atomic`` and records its audit event (catchments drawn on first view are a cache of
the run's own output, not audited). The analysis is done by ``gaizao.spatial`` with the standards of
``gaizao.policy``; see ``gaizao.lifecircle.engine`` for the bridge. A run is fetched (``runs.run_fetch``),
calculated on plain data without the database (``runs.run_calculate``) and stored (``runs.run_store``).

The services live in one module per aggregate (``networks``, ``runs``, ``catchments``, ``siting``; shared
constants in ``_common``, the bulk insert in ``_bulk``); this package re-exports their public names, so
``services.analysis_run_start(...)`` and ``from gaizao.lifecircle.services import X`` keep working. To replace a
service's helper or constant in a test, patch the module that uses it (e.g. ``services.runs.CATCHMENT_MAX_COMMUNITIES``).
"""

from gaizao.lifecircle.services._common import (
    CATCHMENT_MAX_COMMUNITIES,
    JOB_KIND,
    MAX_SITING_K,
    NETWORK_EXTENSIONS,
    NETWORK_JOB_KIND,
    NETWORK_ROLES,
    RUN_ROLES,
    RUN_STALE_AFTER,
    UNIT_NEIGHBOUR_M,
)
from gaizao.lifecircle.services.catchments import catchment_areas, catchments_fill
from gaizao.lifecircle.services.networks import (
    network_loaded_message,
    network_register,
    network_register_packaged_osm,
    network_upload_load,
    network_upload_start,
)
from gaizao.lifecircle.services.runs import (
    RunInputs,
    RunOutcome,
    analysis_run_execute,
    analysis_run_start,
    run_calculate,
    run_fetch,
    run_store,
)
from gaizao.lifecircle.services.siting import siting_propose, siting_save

__all__ = [
    "CATCHMENT_MAX_COMMUNITIES",
    "JOB_KIND",
    "MAX_SITING_K",
    "NETWORK_EXTENSIONS",
    "NETWORK_JOB_KIND",
    "NETWORK_ROLES",
    "RUN_ROLES",
    "RUN_STALE_AFTER",
    "UNIT_NEIGHBOUR_M",
    "RunInputs",
    "RunOutcome",
    "analysis_run_execute",
    "analysis_run_start",
    "catchment_areas",
    "catchments_fill",
    "network_loaded_message",
    "network_register",
    "network_register_packaged_osm",
    "network_upload_load",
    "network_upload_start",
    "run_calculate",
    "run_fetch",
    "run_store",
    "siting_propose",
    "siting_save",
]
