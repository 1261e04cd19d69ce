-- grain: one row per last-mile override in force on the run's feed date (created <= D < expires), so a day
--        recomputed later gets the very overrides it had; an expired override stops applying here
-- materialized: view
select
    override_id,
    rule,
    sku_id,
    store_id,
    market_id,
    license_type,
    owner,
    expires
from raw.overrides
where created <= %(feed_date)s::date and %(feed_date)s::date < expires
