"""The project's own dbt-score rules (dbt_project/README.md, "Conventions, checked").

dbt-score loads the package named ``dbt_score_rules`` from the folder it runs in: run it from
``dbt_project/`` (tests/integration/test_dbt_conventions.py does)."""
