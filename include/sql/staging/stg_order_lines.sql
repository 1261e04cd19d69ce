-- grain: one row per order and SKU, in the order-lines snapshot in force on the run's feed date
-- materialized: view
select
    order_id,
    order_date,
    store_id,
    sku_id,
    units,
    revenue
from raw.order_lines
where snapshot_date = raw.snapshot_in_force('order_lines', %(feed_date)s::date)
