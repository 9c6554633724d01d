-- Who owns each account and in which role: the latest accounts.csv row per account wins
-- (a later registry supersedes an earlier one; a re-ingest of the same file changes nothing).
select
    platform,
    account_id,
    handle,
    owner,
    role,
    observed_at as registered_at
from {{ ref('stg_registry__accounts') }}
qualify row_number() over (
    partition by platform, account_id
    order by observed_at desc, ingested_at desc
) = 1
