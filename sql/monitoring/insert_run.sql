insert into monitoring.runs (
    run_id, league, as_of, computed_at, model_version, status, n_current, n_settled,
    report_path, detail
) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
