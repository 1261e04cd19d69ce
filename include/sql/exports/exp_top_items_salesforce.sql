-- grain: one row per feed date, store and recommended SKU: a Top_Item__c record for account managers
-- materialized: incremental
with recommendations as (
    select * from marts.store_missing_top_items
    where feed_date = %(feed_date)s::date
),

skus as (
    select sku_id, sku_name from marts.dim_skus where feed_date = %(feed_date)s::date
)

select
    recommendations.feed_date,
    recommendations.store_id || ':' || recommendations.sku_id as top_item_key,
    recommendations.store_id,
    recommendations.sku_id,
    skus.sku_name,
    recommendations.market_rank
from recommendations
inner join skus on skus.sku_id = recommendations.sku_id
