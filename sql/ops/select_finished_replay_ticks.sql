-- The clocks of the replay ticks this warehouse finished for a league (plpred replay skips
-- them, so a killed replay resumes and a finished one adds nothing). Parameter: league.
select distinct as_of
from ops.runs
where kind = 'replay' and status = 'success' and league = ?
order by as_of
