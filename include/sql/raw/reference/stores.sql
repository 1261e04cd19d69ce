-- Rows of a stores snapshot (temp table reference_landing, all text) that cannot be loaded, with why.
-- A reference snapshot loads whole or not at all: one bad row keeps yesterday's stores in place.
select source_line, reason
from (
    select
        source_line,
        case
            when coalesce(store_id, '') = '' then 'empty_key'
            when count(*) over (partition by store_id) > 1 then 'duplicate_key'
            when coalesce(market_id, '') = '' then 'empty_market_id'
            when coalesce(store_name, '') = '' then 'empty_store_name'
            when license_type not in ('full_liquor', 'beer_wine') or license_type is null then 'bad_license_type'
        end as reason
    from reference_landing
) as checked
where reason is not null
order by source_line
