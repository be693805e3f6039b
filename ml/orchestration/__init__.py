"""Orchestration: the one catalogue of steps (``steps``) and its thin adapters, the CLI
(``cli``), the Airflow task bodies (``tasks``), ``plpred run`` (``pipeline``), the season
replay (``replay``) and a local Airflow (``airflow_local``). Nothing below this package imports it."""
