-- grain: one row per feed date, store and SKU that passed the loader's row checks
-- materialized: view
select
    feed_date,
    store_id,
    sku_id,
    remaining_qty,
    reported_at
from raw.inventory_feed
