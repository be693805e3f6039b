-- The clock of the league's last monitoring run before this one: the drift window starts there.
select max(as_of)
from monitoring.runs
where league = ? and as_of < ?
