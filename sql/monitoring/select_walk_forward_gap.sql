-- What a champion's validation promised: its walk-forward RPS and the pre-match market's over
-- every season its training run evaluated ('all'; one season in progress alone would be a few
-- dozen matches) (parameters: model, variant, the run).
select
    max(case when model = ? and variant = ? then value end) as champion_rps,
    max(case when model = 'market_pre' then value end) as market_rps
from ml.model_evaluations
where run_id = ? and metric = 'rps' and season = 'all'
