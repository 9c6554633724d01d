-- What an incremental build recomputes of int_interactions_daily_aggregated, per account: the
-- days from the first day any recomputed post can count on (int_posts_invalidated) or the
-- first day a new account-level insight describes. Each post's daily increments only look back
-- (at its own earlier observations), so nothing before write_from changes. An account whose
-- posts are all new to this build (it may have had none: "posts" turns from NULL to counts on
-- every day) or that a retraction touched: its whole history. No rows on a full build.
with post_days as (
    select
        platform,
        account_id,
        min(first_date) as changed_from,
        count(distinct post_id) as posts_recomputed
    from {{ ref('int_posts_invalidated') }}
    group by platform, account_id
),

known_posts as (
    select
        platform,
        account_id,
        count(*) as posts
    from {{ ref('int_post_metrics_latest') }}
    group by platform, account_id
),

account_level_days as (
    {{ new_rows_described([
        ('stg_instagram__insights', 'value_date'),
        ('stg_facebook__insights', 'value_date'),
        ('stg_linkedin__share_statistics', utc_date('range_start')),
    ]) }}
),

changed as (
    select
        post_days.platform,
        post_days.account_id,
        case
            when post_days.posts_recomputed >= coalesce(known_posts.posts, 0)
                then date '0001-01-01'
            else post_days.changed_from
        end as changed_from
    from post_days
    left join known_posts
        on
            post_days.platform = known_posts.platform
            and post_days.account_id = known_posts.account_id
    union all
    select
        platform,
        account_id,
        described_date as changed_from
    from account_level_days
    union all
    select
        platform,
        account_id,
        date '0001-01-01' as changed_from
    from {{ whole_accounts() }}
)

select
    platform,
    account_id,
    min(changed_from) as write_from,
    min(changed_from) as read_from
from changed
group by platform, account_id
