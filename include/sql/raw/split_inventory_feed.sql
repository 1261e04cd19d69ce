-- Split one feed date's landed lines into the day's new partition and quarantined rows with their reason.
-- Inputs (temp tables): feed_landing (file_no, seq, line) and feed_files (file_no, source_file, header_seq, store_id:
-- the store the file's name says it reports; a file's lines follow its header's seq).
-- Parameters: feed_date and the loader limits of include/sql/vars.yml. Set-based, and one pass over the lines: each line is parsed once, valid rows go straight
-- into raw.inventory_feed_incoming (no index yet: the key is built in one sort afterwards) and the others into
-- feed_rejected with their parsed fields. The loader (ingest/feeds.py) then runs the steps that follow.
set local work_mem = '256MB';

-- The planner must know how large the day is, and its files (a nested loop over a million lines would probe the SKUs
-- a million times).
analyze feed_landing;

analyze feed_files;

select raw.begin_feed_day(%(feed_date)s::date);

create temp table feed_rejected (
    source_file text not null,
    source_line integer not null,
    store_id    text,
    sku_id      text,
    qty         integer,
    ts          timestamptz,
    reason      text not null
) on commit drop;

with lines as (
    -- Quotes are dropped before splitting: no feed value may contain a quote or a comma; an over-long line is never
    -- split (a 100 MB line costs one length, not an array). Offset 0: the split is computed once per line.
    select
        landing.seq,
        landing.line,
        landing.file_no,
        octet_length(landing.line) > %(max_line_bytes)s as too_long,
        case when octet_length(landing.line) <= %(max_line_bytes)s
            then string_to_array(
                case when strpos(landing.line, '"') > 0 then replace(landing.line, '"', '') else landing.line end, ',')
        end as parts
    from feed_landing as landing
    offset 0
),

fields as (
    select
        files.source_file,
        files.store_id as file_store_id,
        (lines.seq - files.header_seq + 1)::integer as source_line,
        lines.line,
        lines.too_long,
        cardinality(parts) as field_count,
        parts[1] as store_id,
        parts[2] as sku_id,
        parts[3] as remaining_qty,
        parts[4] as reported_at
    from lines
    inner join feed_files as files on files.file_no = lines.file_no
),

checked as (
    select
        fields.*,
        case
            when line is null then 'blank_line'
            when too_long then 'line_too_long'
            -- the loader turns NUL, a bare CR and the COPY framing's own bytes into SUB (\x1a): see ingest/feeds.py
            when strpos(line, chr(26)) > 0 then 'control_character'
            when field_count <> 4 then case when btrim(line) = '' then 'blank_line' else 'wrong_column_count' end
            when fields.store_id = '' or fields.sku_id = '' then 'empty_key'
            when length(fields.store_id) > %(max_id_length)s or length(fields.sku_id) > %(max_id_length)s
                then 'field_too_long'
            -- the common case, one to nine digits, costs no regular expression
            when octet_length(remaining_qty) not between 1 and 9 or ltrim(remaining_qty, '0123456789') <> '' then case
                when remaining_qty ~ '^-[0-9]+$' and remaining_qty !~ '^-0+$' then 'negative_quantity'
                when remaining_qty !~ '^[+-]?[0-9]+$' then 'non_integer_quantity'
                when length(ltrim(ltrim(remaining_qty, '+-'), '0')) > 9 then 'quantity_out_of_range'
            end
            when not raw.is_iso8601_with_offset(reported_at) then 'bad_timestamp'
            when known_stores.store_id is null then 'unknown_store'
            when fields.store_id <> file_store_id then 'store_mismatch'
            when known_skus.sku_id is null then 'unknown_sku'
        end as reason
    from fields
    left join raw.known_stores(%(feed_date)s::date) as known_stores on known_stores.store_id = fields.store_id
    left join raw.known_skus(%(feed_date)s::date) as known_skus on known_skus.sku_id = fields.sku_id
    offset 0  -- the reason once per line: the steps below read it four times
),

typed as (
    select
        checked.*,
        case when reason is null then remaining_qty::integer end as qty,
        case when reason is null then reported_at::timestamptz end as ts
    from checked
    offset 0  -- each cast once per line
),

classified as materialized (
    -- a row reported outside the feed day's window (day D in any UTC offset, -12:00 to +14:00) is refused alone;
    -- it still counts for its file's staleness (loader step "file status")
    select
        typed.*,
        case
            when reason is not null then reason
            when ts < (%(feed_date)s::date - interval '14 hours') at time zone 'UTC'
                or ts >= (%(feed_date)s::date + 1 + interval '12 hours') at time zone 'UTC'
                then 'reported_outside_feed_day'
        end as outcome
    from typed
),

rejected as (
    insert into feed_rejected (source_file, source_line, store_id, sku_id, qty, ts, reason)
    select source_file, source_line, store_id, sku_id, qty, ts, outcome
    from classified
    where outcome is not null
)

insert into raw.inventory_feed_incoming (feed_date, store_id, sku_id, remaining_qty, reported_at, source_file,
                                         source_line)
select %(feed_date)s::date, store_id, sku_id, qty, ts, source_file, source_line
from classified
where outcome is null
