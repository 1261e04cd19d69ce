-- Split one day's retailer feedback into items and quarantined lines, and turn each item into an override.
-- Input (temp table): feedback_landing (source_file, source_line, raw_record: one line, its shape checked by
-- raw.feedback_line). Parameters: feed_date, feedback_ttl_days, max_id_length, feedback_reasons.
-- Rows in = rows loaded + rows quarantined. A re-run replaces the day and nothing else.
delete from raw.overrides where source = 'retailer_feedback' and feed_date = %(feed_date)s::date;
delete from raw.retailer_feedback where feed_date = %(feed_date)s::date;
delete from raw.feedback_quarantine where feed_date = %(feed_date)s::date;

create temp table feedback_classified on commit drop as
with checked as (
    select
        landing.*,
        line.store_id,
        line.sku_id,
        line.reason,
        coalesce(line.problem, case
            when known_stores.store_id is null then 'unknown_store'
            when known_skus.sku_id is null then 'unknown_sku'
        end) as first_problem
    from feedback_landing as landing
    cross join lateral raw.feedback_line(landing.raw_record, %(max_id_length)s, %(feedback_reasons)s) as line
    left join raw.known_stores(%(feed_date)s::date) as known_stores on known_stores.store_id = line.store_id
    left join raw.known_skus(%(feed_date)s::date) as known_skus on known_skus.sku_id = line.sku_id
)

select
    *,
    case
        when first_problem is not null then first_problem
        -- the same store and SKU twice in a day is one item: the first occurrence wins
        when row_number() over (partition by first_problem is null, store_id, sku_id
                                order by source_file, source_line) > 1 then 'duplicate_key'
    end as quarantine
from checked;

insert into raw.retailer_feedback (feed_date, store_id, sku_id, reason, source_file, source_line)
select %(feed_date)s::date, store_id, sku_id, reason, source_file, source_line
from feedback_classified where quarantine is null;

insert into raw.feedback_quarantine (feed_date, source_file, source_line, raw_record, reason)
select %(feed_date)s::date, source_file, source_line, raw_record, quarantine
from feedback_classified where quarantine is not null;

-- Each item: the SKU leaves that store's list in every consumer, from the day of the feedback, for the TTL.
insert into raw.overrides (override_id, rule, sku_id, store_id, owner, reason, created, expires, source, feed_date,
                           source_file)
select
    'feedback:' || %(feed_date)s::date || ':' || store_id || ':' || sku_id,
    'suppress',
    sku_id,
    store_id,
    'retailer:' || store_id,
    'retailer feedback: ' || reason,
    %(feed_date)s::date,
    %(feed_date)s::date + %(feedback_ttl_days)s::integer,
    'retailer_feedback',
    %(feed_date)s::date,
    source_file
from raw.retailer_feedback
where feed_date = %(feed_date)s::date
