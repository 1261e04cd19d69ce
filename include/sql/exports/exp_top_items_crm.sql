-- grain: one row per feed date and store with at least one recommendation: a CRM company for the weekly email
-- materialized: incremental
with recommendations as (
    select * from marts.store_missing_top_items
    where feed_date = %(feed_date)s::date
),

stores as (
    select store_id, email from marts.dim_stores where feed_date = %(feed_date)s::date
),

skus as (
    select sku_id, sku_name from marts.dim_skus where feed_date = %(feed_date)s::date
)

select
    recommendations.feed_date,
    recommendations.store_id,
    stores.email,
    string_agg(skus.sku_name, '; ' order by recommendations.store_rank) as top_items_you_dont_carry,
    recommendations.feed_date as top_items_feed_date
from recommendations
inner join stores on stores.store_id = recommendations.store_id
inner join skus on skus.sku_id = recommendations.sku_id
group by recommendations.feed_date, recommendations.store_id, stores.email
