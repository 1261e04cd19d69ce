-- grain: one row per feed date, market and top-selling SKU (the market's top list for that day)
-- materialized: incremental
with order_lines as (
    select * from staging.stg_order_lines
    where order_date between %(feed_date)s::date - (%(lookback_days)s - 1) and %(feed_date)s::date
),

stores as (
    select store_id, market_id from marts.dim_stores where feed_date = %(feed_date)s::date
),

market_sales as (
    select
        stores.market_id,
        order_lines.sku_id,
        sum(order_lines.revenue) as revenue,
        sum(order_lines.units) as units
    from order_lines
    inner join stores on stores.store_id = order_lines.store_id
    group by stores.market_id, order_lines.sku_id
),

ranked as (
    select
        *,
        -- ties rank deterministically: revenue, then units, then the SKU id
        row_number() over (partition by market_id order by revenue desc, units desc, sku_id asc) as market_rank
    from market_sales
)

select
    %(feed_date)s::date as feed_date,
    market_id,
    sku_id,
    market_rank::integer as market_rank,
    revenue,
    units
from ranked
where market_rank <= %(market_top_n)s
