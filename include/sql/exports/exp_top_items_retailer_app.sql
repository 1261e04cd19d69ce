-- grain: one row per feed date and store with a valid feed: the ranked list the retailer app shows
--        (an empty list means "nothing missing today", never stale data)
-- materialized: incremental
with reporting_stores as (
    select store_id from marts.fct_store_feed_coverage
    where feed_date = %(feed_date)s::date and has_valid_feed
),

recommendations as (
    select * from marts.store_missing_top_items
    where feed_date = %(feed_date)s::date
),

skus as (
    select sku_id, sku_name from marts.dim_skus where feed_date = %(feed_date)s::date
),

items as (
    select
        recommendations.store_id,
        jsonb_agg(
            jsonb_build_object('sku_id', recommendations.sku_id, 'name', skus.sku_name, 'rank', recommendations.store_rank)
            order by recommendations.store_rank
        ) as items
    from recommendations
    inner join skus on skus.sku_id = recommendations.sku_id
    group by recommendations.store_id
)

select
    %(feed_date)s::date as feed_date,
    reporting_stores.store_id,
    coalesce(items.items, '[]'::jsonb) as items
from reporting_stores
left join items on items.store_id = reporting_stores.store_id
