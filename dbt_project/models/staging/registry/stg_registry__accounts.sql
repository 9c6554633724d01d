-- accounts.csv rows: who owns which account, on which platform, in which role.
with source as (
    select * from {{ lake_rows('registry', 'accounts') }} as lake
    where {{ not_retracted('lake') }}
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
