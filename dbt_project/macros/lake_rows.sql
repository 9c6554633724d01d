{#- Incremental staging (README "How the build works"). On a full refresh a staging model
    reads its whole lake kind (the source's glob). Otherwise it reads only the lake files
    logged since the last build: realreach/transform.py writes them, lake-relative, to
    <home>/state/dbt/changes/lake_files.parquet; the kind's zero-row schema file is always
    in the list, so the columns are the same with no new file. Staging is keyed on the
    landing file version (source_file, source_sha256): delete+insert, so a version read
    twice (a build whose watermark did not advance) replaces its rows instead of adding. -#}
{% macro lake_rows(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if is_incremental() -%}
        {%- set kind = 'platform=' ~ source_name ~ '/kind=' ~ table_name ~ '/' -%}
        {%- set lake = env_var('REALREACH_HOME') ~ '/lake/' -%}
        {%- set files = [lake ~ kind ~ '_schema/schema.parquet'] -%}
        {%- if execute -%}
            {%- set listed = run_query(
                "select lake_file from read_parquet('" ~ changes_file('lake_files') ~ "') "
                ~ "where starts_with(lake_file, '" ~ kind ~ "') order by lake_file"
            ) -%}
            {%- for row in listed.rows -%}
                {%- do files.append(lake ~ row[0]) -%}
            {%- endfor -%}
        {%- endif -%}
        read_parquet([
        {%- for file in files %}'{{ file | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}
        ], union_by_name = true)
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{% endmacro %}

{#- One of the change files realreach/transform.py writes before an incremental build. -#}
{% macro changes_file(name) -%}
    {{ env_var('REALREACH_HOME') | replace("'", "''") }}/state/dbt/changes/{{ name }}.parquet
{%- endmacro %}

{#- Pre-hook of every staging model: on an incremental build, the rows of landing file
    versions retracted since the last build go first (realreach quarantine, or a landing file
    superseded by a new version); a full refresh anti-joins every retraction instead
    (macro not_retracted). -#}
{% macro delete_retracted() %}
    {%- if is_incremental() -%}
        delete from {{ this }} as staged
        using read_parquet('{{ changes_file("retracted") }}') as retracted
        where
            staged.source_file = retracted.source_file
            and staged.source_sha256 = retracted.source_sha256
    {%- endif -%}
{% endmacro %}
