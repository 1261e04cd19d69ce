-- grain: one row per feed date, store and recommended SKU: the top-selling items in the store's market
--        that it does not carry and may sell (the core model every export reshapes)
-- materialized: incremental
with reporting_stores as (
    -- never recommend from stale stock: a store without a valid feed today gets nothing today
    select coverage.store_id, stores.market_id, stores.sells_liquor
    from marts.fct_store_feed_coverage as coverage
    inner join marts.dim_stores as stores on stores.store_id = coverage.store_id
    where coverage.feed_date = %(feed_date)s::date and coverage.has_valid_feed
),

market_top as (
    select * from marts.fct_market_top_skus
    where feed_date = %(feed_date)s::date
),

in_stock as (
    select * from marts.fct_store_in_stock
    where feed_date = %(feed_date)s::date
),

skus as (
    select
        *,
        not is_seasonal or case
            when season_start_month <= season_end_month
                then extract(month from %(feed_date)s::date) between season_start_month and season_end_month
            else extract(month from %(feed_date)s::date) >= season_start_month
                or extract(month from %(feed_date)s::date) <= season_end_month  -- a season that wraps the year
        end as in_season
    from marts.dim_skus
),

eligible_missing as (
    select
        reporting_stores.store_id,
        market_top.sku_id,
        market_top.market_rank
    from reporting_stores
    inner join market_top on market_top.market_id = reporting_stores.market_id
    inner join skus on skus.sku_id = market_top.sku_id
    left join in_stock
        on in_stock.store_id = reporting_stores.store_id
        and in_stock.sku_id = market_top.sku_id
    where in_stock.sku_id is null
        and (reporting_stores.sells_liquor or not skus.is_liquor)
        and not skus.is_nip
        and skus.in_season
),

ranked as (
    select
        *,
        row_number() over (partition by store_id order by market_rank) as store_rank
    from eligible_missing
)

select
    %(feed_date)s::date as feed_date,
    store_id,
    sku_id,
    market_rank,
    store_rank::integer as store_rank
from ranked
where store_rank <= %(store_top_n)s
