-- grain: one row per SKU in the SKU snapshot in force on the run's feed date
-- materialized: view
select
    sku_id,
    name as sku_name,
    brand,
    category,
    is_liquor,
    volume_ml,
    season_start_month,
    season_end_month,
    price
from raw.skus
where snapshot_date = raw.snapshot_in_force('skus', %(feed_date)s::date)
