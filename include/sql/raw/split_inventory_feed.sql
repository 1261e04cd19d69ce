-- Split one feed date's landed lines (temp table feed_landing: source_file, seq, line) into typed rows
-- and quarantined rows with their reason. Set-based: one pass, no Python per row.
-- grain: one row per landed line; rows in = rows loaded + rows quarantined.
create temp table feed_classified on commit drop as
with lines as (
    select
        source_file,
        (row_number() over (partition by source_file order by seq) + 1)::int as source_line,  -- line 1 is the header
        line,
        string_to_array(line, ',') as fields
    from feed_landing
),

fields as (
    select
        source_file,
        source_line,
        line,
        cardinality(fields) as field_count,
        btrim(btrim(fields[1]), '"') as store_id,
        btrim(btrim(fields[2]), '"') as sku_id,
        btrim(btrim(fields[3]), '"') as remaining_qty,
        btrim(btrim(fields[4]), '"') as reported_at
    from lines
),

checked as (
    select
        fields.*,
        case
            when line is null or btrim(line) = '' then 'blank_line'
            when field_count <> 4 then 'wrong_column_count'
            when store_id = '' or sku_id = '' then 'empty_key'
            when remaining_qty ~ '^-[0-9]+$' and remaining_qty !~ '^-0+$' then 'negative_quantity'
            when remaining_qty !~ '^[+-]?[0-9]+$' then 'non_integer_quantity'
            when length(ltrim(ltrim(remaining_qty, '+-'), '0')) > 9 then 'quantity_out_of_range'
            when not raw.is_iso8601_with_offset(reported_at) then 'bad_timestamp'
            when not exists (select 1 from raw.stores as s where s.store_id = fields.store_id) then 'unknown_store'
        end as reason
    from fields
)

select
    source_file,
    source_line,
    line,
    store_id,
    sku_id,
    remaining_qty,
    reported_at,
    coalesce(reason, case
        -- the first occurrence of a key wins; later ones are kept in quarantine, never silently merged
        when row_number() over (partition by reason is null, store_id, sku_id order by source_file, source_line) > 1
            then 'duplicate_key'
    end) as reason
from checked;

delete from raw.inventory_feed where feed_date = %(feed_date)s;

delete from raw.feed_quarantine where feed_date = %(feed_date)s;

insert into raw.inventory_feed (feed_date, store_id, sku_id, remaining_qty, reported_at, source_file, source_line)
select %(feed_date)s::date, store_id, sku_id, remaining_qty::integer, reported_at::timestamptz, source_file, source_line
from feed_classified
where reason is null;

insert into raw.feed_quarantine (feed_date, source_file, source_line, raw_record, reason)
select %(feed_date)s::date, source_file, source_line, line, reason
from feed_classified
where reason is not null;
