-- Every account we have data for or that accounts.csv lists, with its latest handle and count.
with users_latest as (
    select * from {{ ref('stg_x__users') }}
    qualify row_number() over (
        partition by platform, account_id
        order by observed_at desc, ingested_at desc
    ) = 1
),

registry_latest as (
    select * from {{ ref('stg_registry__accounts') }}
    qualify row_number() over (
        partition by platform, account_id
        order by observed_at desc, ingested_at desc
    ) = 1
),

observations as (
    select
        platform,
        account_id,
        observed_at
    from {{ ref('stg_x__users') }}
    union all
    select
        platform,
        account_id,
        observed_at
    from {{ ref('stg_x__tweets') }}
    union all
    select
        platform,
        account_id,
        observed_at
    from {{ ref('stg_x__followers') }}
),

seen as (
    select
        platform,
        account_id,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at
    from observations
    group by platform, account_id
),

accounts as (
    select
        platform,
        account_id
    from seen
    union
    select
        platform,
        account_id
    from registry_latest
)

select
    accounts.platform,
    accounts.account_id,
    coalesce(users_latest.username, registry_latest.handle) as handle,
    users_latest.display_name as name,
    registry_latest.owner,
    registry_latest.role,
    users_latest.followers_count as followers,
    seen.first_seen_at,
    seen.last_seen_at,
    registry_latest.account_id is not null as is_registered
from accounts
left join users_latest
    on accounts.platform = users_latest.platform and accounts.account_id = users_latest.account_id
left join registry_latest
    on
        accounts.platform = registry_latest.platform
        and accounts.account_id = registry_latest.account_id
left join seen
    on accounts.platform = seen.platform and accounts.account_id = seen.account_id
