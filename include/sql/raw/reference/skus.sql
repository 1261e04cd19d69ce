-- Rows of a SKU snapshot (temp table reference_landing, all text) that cannot be loaded, with why.
select source_line, reason
from (
    select
        source_line,
        case
            when coalesce(sku_id, '') = '' then 'empty_key'
            when count(*) over (partition by sku_id) > 1 then 'duplicate_key'
            when coalesce(name, '') = '' then 'empty_name'
            when lower(is_liquor) not in ('true', 'false', 't', 'f', '1', '0') or is_liquor is null then 'bad_is_liquor'
            when volume_ml !~ '^[0-9]{1,7}$' or volume_ml is null then 'bad_volume_ml'
            when (coalesce(season_start_month, '') = '') <> (coalesce(season_end_month, '') = '') then 'half_a_season'
            when coalesce(season_start_month, '') <> ''
                and (season_start_month !~ '^([1-9]|1[0-2])$' or season_end_month !~ '^([1-9]|1[0-2])$') then 'bad_season_month'
            when price is not null and price <> '' and price !~ '^[0-9]{1,8}(\.[0-9]{1,2})?$' then 'bad_price'
        end as reason
    from reference_landing
) as checked
where reason is not null
order by source_line
