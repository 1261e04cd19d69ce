-- grain: one row per feed date, store and SKU the store carries (quantity above zero) that day
-- materialized: incremental
with inventory as (
    select * from staging.stg_inventory_feed
    where feed_date = %(feed_date)s::date
)

select
    feed_date,
    store_id,
    sku_id,
    remaining_qty
from inventory
where remaining_qty > 0  -- a listed SKU with nothing left is not carried
