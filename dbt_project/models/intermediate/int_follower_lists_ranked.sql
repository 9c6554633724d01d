-- The followers list each account is audited on, newest first: of all the pulls that kept
-- list order, the one that listed the most followers (the latest on ties), cut to its newest
-- batch_max_pages pages. list_rank 1 = the newest follower. follow_lower_bound is Meeder et
-- al.'s bound: a follower followed no earlier than the creation of anyone who followed before
-- it, i.e. anyone further down the list (itself included).
with listed as (
    select
        platform,
        account_id,
        observed_at,
        follower_id,
        account_created_at,
        list_page,
        list_position
    from {{ ref('stg_x__followers') }}
    where list_page is not null and list_position is not null
    -- a page landed twice (re-pull of the same file) counts once
    qualify row_number() over (
        partition by platform, account_id, observed_at, follower_id
        order by list_page, list_position
    ) = 1
),

pulls as (
    select
        platform,
        account_id,
        observed_at,
        count(*) as listed_followers,
        max(list_page) as pages
    from listed
    group by platform, account_id, observed_at
),

audited_pull as (
    select *
    from pulls
    qualify row_number() over (
        partition by platform, account_id
        order by listed_followers desc, observed_at desc
    ) = 1
),

ranked as (
    select
        listed.platform,
        listed.account_id,
        listed.observed_at as pulled_at,
        listed.follower_id,
        listed.account_created_at,
        listed.list_page,
        audited_pull.listed_followers,
        audited_pull.pages as listed_pages,
        row_number() over (
            partition by listed.platform, listed.account_id
            order by listed.list_page, listed.list_position
        ) as list_rank
    from listed
    inner join audited_pull
        on
            listed.platform = audited_pull.platform
            and listed.account_id = audited_pull.account_id
            and listed.observed_at = audited_pull.observed_at
    where listed.list_page <= {{ var('batch_max_pages') }}
)

select
    ranked.platform,
    ranked.account_id,
    ranked.pulled_at,
    ranked.follower_id,
    ranked.list_rank,
    ranked.list_page,
    ranked.account_created_at,
    -- never after the pull (a creation date after it is the data's error, not a bound)
    least(max(ranked.account_created_at) over (
        partition by ranked.platform, ranked.account_id
        order by ranked.list_rank desc
        rows between unbounded preceding and current row
    ), ranked.pulled_at) as follow_lower_bound,
    profiles.is_suspicious,
    profiles.quality_score,
    count(*) over (partition by ranked.platform, ranked.account_id) as audited_followers,
    ranked.listed_followers,
    ranked.listed_pages
from ranked
left join {{ ref('int_follower_profiles_scored') }} as profiles
    on
        ranked.platform = profiles.platform
        and ranked.account_id = profiles.account_id
        and ranked.follower_id = profiles.follower_id
