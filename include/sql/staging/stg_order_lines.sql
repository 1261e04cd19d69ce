-- grain: one row per order and SKU
-- materialized: view
select
    order_id,
    order_date,
    store_id,
    sku_id,
    units,
    revenue
from raw.order_lines
