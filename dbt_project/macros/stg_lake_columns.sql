{#- The columns every lake table starts with (ingestion/schemas.py COMMON), cast: who, when
    observed, and which landing file (path and version) the row came from; the
    version keys the incremental staging tables (macro lake_rows). -#}
{% macro stg_lake_columns() %}
    cast(platform as varchar) as platform,
    cast(account_id as varchar) as account_id,
    cast(observed_at as timestamptz) as observed_at,
    cast(source_file as varchar) as source_file,
    cast(source_sha256 as varchar) as source_sha256,
    cast(ingested_at as timestamptz) as ingested_at,
{%- endmacro %}
