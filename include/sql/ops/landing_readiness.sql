-- Is feed date D ready, judged at %(now)s from ops.landings and the stores snapshot in force on D?
-- complete: every expected store has landed a feed and every reference table its snapshot of D; cutoff: past the
-- cutoff with enough of the stores; late: past the deadline and neither; waiting: otherwise, or when no stores
-- snapshot is in force (nothing to expect).
with expected as (
    select store_id
    from raw.stores
    where snapshot_date = raw.snapshot_in_force('stores', %(feed_date)s::date)
),
landed as (
    select distinct store_id
    from ops.landings
    where kind = 'feed' and day = %(feed_date)s::date
),
counts as (
    select
        (select count(*) from expected) as expected,
        (select count(*) from expected join landed using (store_id)) as landed,
        (select array_agg(store_id order by store_id) from expected
         where store_id not in (select store_id from landed)) as missing,
        (select count(distinct split_part(key, '/', 2)) from ops.landings
         where kind = 'reference' and day = %(feed_date)s::date) as references_landed,
        ((%(feed_date)s::date + 1)::timestamp at time zone 'UTC') as day_end
)
select
    case
        when expected = 0 then 'waiting'
        when landed = expected and references_landed >= %(reference_tables)s then 'complete'
        when %(now)s::timestamptz >= day_end + make_interval(hours => %(landing_cutoff_hours)s)
             and landed >= ceil(expected * %(landing_cutoff_share)s::numeric) then 'cutoff'
        when %(now)s::timestamptz >= day_end + make_interval(hours => %(landing_deadline_hours)s) then 'late'
        else 'waiting'
    end as state,
    expected,
    landed,
    coalesce(missing, '{}') as missing
from counts
