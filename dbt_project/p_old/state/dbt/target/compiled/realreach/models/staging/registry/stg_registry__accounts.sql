-- accounts.csv rows: who owns which account, on which platform, in which role.
with source as (
    select * from read_parquet('p_old/lake/platform=registry/kind=accounts/**/*.parquet', union_by_name = true) as lake
    where 
    not exists (
        select 1
        from read_parquet('p_old/lake/retracted_files/**/*.parquet', union_by_name = true) as retracted
        where
            retracted.source_file = lake.source_file
            and retracted.source_sha256 = lake.source_sha256
    )
)

select
    cast(platform as varchar) as platform,
    cast(account_id as varchar) as account_id,
    cast(observed_at as timestamptz) as observed_at,
    nullif(trim(cast(handle as varchar)), '') as handle,
    nullif(trim(cast(owner as varchar)), '') as owner,
    lower(nullif(trim(cast(role as varchar)), '')) as role,
    cast(source_file as varchar) as source_file,
    cast(source_sha256 as varchar) as source_sha256,
    cast(ingested_at as timestamptz) as ingested_at
from source