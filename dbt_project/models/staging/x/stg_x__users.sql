-- X accounts as pulled (users lookup): one row per account per pull, renamed and cast.
with source as (
    select * from {{ lake_rows('x', 'users') }} as lake
    where {{ not_retracted('lake') }}
)

select
    cast(platform as varchar) as platform,
    cast(account_id as varchar) as account_id,
    cast(observed_at as timestamptz) as observed_at,
    {{ stg_x_profile_columns() }}
    cast(listed_count as bigint) as listed_count,
    cast(source_file as varchar) as source_file,
    cast(source_sha256 as varchar) as source_sha256,
    cast(ingested_at as timestamptz) as ingested_at
from source
