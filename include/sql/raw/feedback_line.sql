-- The shape of one line of retailer feedback: its store, SKU and reason, and the reason it is quarantined for (null:
-- it may load, if the reference in force knows its store and SKU). The line is read as CSV (a value may be quoted and
-- hold commas and doubled quotes), white space around a value is ignored. A blank line, a control character or a
-- wrong column count leaves the fields null. The split (split_retailer_feedback.sql) asks it of every landed line;
-- NUL arrives as SUB (\x1a).

-- White space as Unicode means it, not only ASCII's: what a CSV writer may leave around a value.
create or replace function raw.white_space() returns text
language sql immutable parallel safe as $$
    select '[\t\n\x0b-\x0d\x1c-\x20\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]'
$$;

create or replace function raw.trim_white_space(value text) returns text
language sql immutable parallel safe as $$
    select regexp_replace(value, '^' || raw.white_space() || '+|' || raw.white_space() || '+$', '', 'g')
$$;

-- The values of one CSV line, read as the retailer app's CSV writer means them (Python's csv module, excel dialect):
-- a quote opens a quoted value only where the value starts; inside, a doubled quote is one quote; what follows the
-- closing quote up to the next comma belongs to the value; an unclosed quote runs to the end of the line.
create or replace function raw.csv_values(line text) returns text[]
language plpgsql immutable parallel safe as $$
declare
    found text[] := '{}';
    value text := '';
    state text := 'start';  -- start | unquoted | quoted | quote_in_quoted (a quote read inside a quoted value)
    c text;
begin
    foreach c in array regexp_split_to_array(line, '') loop
        if state = 'quoted' then
            if c = '"' then state := 'quote_in_quoted'; else value := value || c; end if;
        elsif state = 'quote_in_quoted' and c = '"' then
            value := value || c;
            state := 'quoted';
        elsif c = ',' then
            found := found || value;
            value := '';
            state := 'start';
        elsif state = 'start' and c = '"' then
            state := 'quoted';
        else
            value := value || c;
            state := 'unquoted';
        end if;
    end loop;
    return found || value;
end
$$;

create or replace function raw.feedback_line(line text, max_id_length integer, reasons text[])
returns table (store_id text, sku_id text, reason text, problem text)
language sql immutable parallel safe as $$
    with parsed as (
        select array(
            select raw.trim_white_space(part.value)
            from unnest(raw.csv_values(line)) with ordinality as part (value, position)
            order by part.position
        ) as fields
    ),

    shaped as (
        select
            fields,
            case
                when raw.trim_white_space(line) = '' then 'blank_line'
                when line ~ '[\x01-\x08\x0b-\x1f\x7f]' then 'control_character'
                when cardinality(fields) <> 3 then 'wrong_column_count'
            end as unparsed
        from parsed
    )

    select
        case when unparsed is null then fields[1] end,
        case when unparsed is null then fields[2] end,
        case when unparsed is null then fields[3] end,
        coalesce(unparsed, case
            when fields[1] = '' or fields[2] = '' then 'empty_key'
            when length(fields[1]) > max_id_length or length(fields[2]) > max_id_length then 'field_too_long'
            when fields[1] || fields[2] ~ raw.white_space() then 'bad_key'
            when fields[3] <> all(reasons) then 'unknown_reason'
        end)
    from shaped
$$;
