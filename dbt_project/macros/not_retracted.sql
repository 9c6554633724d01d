{#- Lake rows still valid: not from a landing file version retracted by `realreach quarantine`
    or superseded by a newer version of the same path (ingestion writes lake/retracted_files;
    the lake itself stays append-only). `lake` is the alias of the raw table. -#}
{% macro not_retracted(lake) %}
    not exists (
        select 1
        from {{ source('ingestion', 'retracted_files') }} as retracted
        where
            retracted.source_file = {{ lake }}.source_file
            and retracted.source_sha256 = {{ lake }}.source_sha256
    )
{%- endmacro %}
