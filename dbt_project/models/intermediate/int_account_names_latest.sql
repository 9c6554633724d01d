-- Who each account is, as people name it: the latest handle (a profile's username, else the
-- registry's), owner, role and public profile link. The facts take their names from here,
-- not from dim_accounts, which itself reads marts built from those facts.
with profiles as (
    select
        platform,
        account_id,
        observed_at,
        username
    from {{ ref('stg_x__users') }}
    union all
    select
        platform,
        account_id,
        observed_at,
        username
    from {{ ref('stg_x__archive_account') }}
    union all
    select
        platform,
        account_id,
        observed_at,
        username
    from {{ ref('stg_instagram__users') }}
),

profiles_latest as (
    select
        platform,
        account_id,
        arg_max(username, observed_at) filter (where username is not null) as username
    from profiles
    group by platform, account_id
),

owners as (
    select * from {{ ref('int_account_owners_latest') }}
),

named as (
    select
        coalesce(profiles_latest.platform, owners.platform) as platform,
        coalesce(profiles_latest.account_id, owners.account_id) as account_id,
        coalesce(profiles_latest.username, owners.handle) as handle,
        owners.owner,
        owners.role
    from profiles_latest
    full outer join owners
        on
            profiles_latest.platform = owners.platform
            and profiles_latest.account_id = owners.account_id
)

select
    platform,
    account_id,
    handle,
    owner,
    role,
    case platform
        when 'x' then 'https://x.com/' || handle
        when 'instagram' then 'https://www.instagram.com/' || handle || '/'
        when 'facebook' then 'https://www.facebook.com/' || account_id
        when 'linkedin' then 'https://www.linkedin.com/company/' || account_id || '/'
    end as profile_url
from named
