"""An HTTP API over the warehouse and the registry (issue 15): FastAPI, versioned under ``/v1``.

Reads come from the dbt marts and ``ml.predictions`` through the named queries of
``sql/api/``; ``POST /v1/predict`` runs the registry's champion on the features batch scoring
reads (:mod:`ml.api.predict`); the retraining actions run steps of the catalogue
(:mod:`ml.api.jobs`). ``plpred api`` serves it; ``docs/api.md`` describes it.
"""

from ml.api.app import create_app, openapi_text, serve, write_openapi
from ml.api.config import ApiConfig

__all__ = ["ApiConfig", "create_app", "openapi_text", "serve", "write_openapi"]
