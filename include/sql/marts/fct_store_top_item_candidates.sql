-- grain: one row per feed date, reporting store and SKU of its market's top list, with the rule that excludes it
--        (null when it may be recommended) and the override that pins it: the one place the article's last-mile
--        rules live, the built-in ones and the overrides in force that day (staging.stg_overrides)
-- materialized: incremental
with reporting_stores as (
    -- never recommend from stale stock: a store without a valid feed today gets nothing today
    select coverage.store_id, stores.market_id, stores.license_type, stores.sells_liquor
    from marts.fct_store_feed_coverage as coverage
    inner join marts.dim_stores as stores
        on stores.feed_date = coverage.feed_date and stores.store_id = coverage.store_id
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
    where feed_date = %(feed_date)s::date
),

-- An override reaches the stores in its scope: one store, every store of a market, or of a licence type. When
-- several reach the same store and SKU, the first by id is the one named.
overrides_by_store as (
    select
        reporting_stores.store_id,
        overrides.sku_id,
        min(overrides.override_id) filter (where overrides.rule = 'suppress') as suppressed_by,
        min(overrides.override_id) filter (where overrides.rule = 'pin') as pinned_by
    from reporting_stores
    inner join staging.stg_overrides as overrides
        on overrides.store_id = reporting_stores.store_id
        or overrides.market_id = reporting_stores.market_id
        or overrides.license_type = reporting_stores.license_type
    group by reporting_stores.store_id, overrides.sku_id
)

select
    %(feed_date)s::date as feed_date,
    reporting_stores.store_id,
    market_top.sku_id,
    market_top.market_rank,
    case
        when in_stock.sku_id is not null then 'carried'
        when skus.is_liquor and not reporting_stores.sells_liquor then 'liquor_for_beer_wine_store'  -- the AM's rule
        when skus.is_nip then 'nip_50ml_or_less'  -- the CRM team's rule
        when not skus.in_season then 'out_of_season'  -- the retailer app team's rule
        -- last: an override that only repeats a built-in rule shows up as never excluding anything
        when overrides_by_store.suppressed_by is not null then 'override:' || overrides_by_store.suppressed_by
    end as excluded_because,
    overrides_by_store.pinned_by
from reporting_stores
inner join market_top on market_top.market_id = reporting_stores.market_id
inner join skus on skus.sku_id = market_top.sku_id
left join in_stock
    on in_stock.store_id = reporting_stores.store_id
    and in_stock.sku_id = market_top.sku_id
left join overrides_by_store
    on overrides_by_store.store_id = reporting_stores.store_id
    and overrides_by_store.sku_id = market_top.sku_id
