-- Rows of an order-lines snapshot (temp table reference_landing, all text) that cannot be loaded, with why.
select source_line, reason
from (
    select
        source_line,
        case
            when coalesce(order_id, '') = '' or coalesce(sku_id, '') = '' or coalesce(store_id, '') = '' then 'empty_key'
            when count(*) over (partition by order_id, sku_id) > 1 then 'duplicate_key'
            when order_date !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' or order_date is null then 'bad_order_date'
            when units !~ '^[0-9]{1,9}$' or units is null then 'bad_units'
            when revenue !~ '^-?[0-9]{1,10}(\.[0-9]{1,2})?$' or revenue is null then 'bad_revenue'
        end as reason
    from reference_landing
) as checked
where reason is not null
order by source_line
