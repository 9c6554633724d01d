-- X archive data/account.js: the archive owner's account, one row per archive.
with source as (
    select * from {{ lake_rows('x', 'archive_account') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
    cast(username as varchar) as username,
    cast(display_name as varchar) as display_name,
    cast(created_at as timestamptz) as account_created_at
from source
