-- grain: one row per store and SKU that passed the loader's row checks on the run's feed date
-- materialized: view
select
    feed_date,
    store_id,
    sku_id,
    remaining_qty,
    reported_at
from raw.inventory_feed
where feed_date = %(feed_date)s::date
