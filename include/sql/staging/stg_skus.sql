-- grain: one row per SKU in the latest SKU snapshot
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
