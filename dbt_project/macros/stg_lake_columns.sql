{#- The columns every lake table starts with (ingestion/schemas.py COMMON), cast: who, when
    observed, and which landing file the row came from. -#}
{% macro stg_lake_columns() %}
    cast(platform as varchar) as platform,
    cast(account_id as varchar) as account_id,
    cast(observed_at as timestamptz) as observed_at,
    cast(source_file as varchar) as source_file,
    cast(ingested_at as timestamptz) as ingested_at,
{%- endmacro %}
