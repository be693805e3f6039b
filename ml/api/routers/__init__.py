"""One router per area of the API, mounted under ``/v1`` by :func:`ml.api.app.create_app`."""
