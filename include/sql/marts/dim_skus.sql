-- grain: one row per feed date and SKU (the SKU catalogue as it stood that day)
-- materialized: incremental
with skus as (
    select * from staging.stg_skus
)

select
    %(feed_date)s::date as feed_date,
    sku_id,
    sku_name,
    brand,
    category,
    is_liquor,
    volume_ml,
    volume_ml <= %(max_nip_volume_ml)s as is_nip,  -- nips are never recommended
    season_start_month is not null as is_seasonal,
    season_start_month,
    season_end_month,
    price
from skus
