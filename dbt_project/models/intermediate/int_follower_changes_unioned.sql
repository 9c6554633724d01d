-- Daily follower gains and losses where a platform reports them, one row per account-day.
-- A value re-pulled later replaces the earlier one (latest observation wins): platforms revise
-- recent days. Precedence per platform is documented in _intermediate__models.yml.
with insight_rows as (
    select
        platform,
        account_id,
        metric,
        source_metric,
        period,
        value_date as date,
        metric_value,
        observed_at,
        ingested_at
    from {{ ref('stg_instagram__insights') }}
    where metric = 'follower_count'
    union all
    select
        platform,
        account_id,
        metric,
        source_metric,
        period,
        value_date as date,
        metric_value,
        observed_at,
        ingested_at
    from {{ ref('stg_facebook__insights') }}
    where metric in ('page_daily_follows_unique', 'page_daily_unfollows_unique')
),

insights as (
    select * from insight_rows
    where period = 'day' and date is not null and metric_value is not null
    qualify row_number() over (
        partition by platform, account_id, metric, date
        -- an old export may carry page_fan_adds beside page_fan_adds_unique (both map to
        -- page_daily_follows_unique): the unique count is the one the successor reports
        order by
            observed_at desc,
            ingested_at desc,
            (source_metric is null or source_metric like '%\_unique' escape '\') desc
    ) = 1
),

-- Instagram follower_count (gross new follows) and Facebook daily follows / unfollows
insight_changes as (
    select
        platform,
        account_id,
        date,
        cast(round(max(metric_value) filter (
            where metric in ('follower_count', 'page_daily_follows_unique')
        )) as bigint) as followers_gained,
        cast(round(max(metric_value) filter (
            where metric = 'page_daily_unfollows_unique'
        )) as bigint) as followers_lost,
        cast(null as bigint) as paid_followers_gained,
        -- net change only where both sides are reported (Facebook); Instagram's follower_count
        -- is gross new follows, so its net change stays unknown
        cast(round(
            max(metric_value) filter (where metric = 'page_daily_follows_unique')
            - max(metric_value) filter (where metric = 'page_daily_unfollows_unique')
        ) as bigint) as net_change,
        platform || '_insights' as changes_source
    from insights
    group by platform, account_id, date
),

-- DYI follow timestamps: each follower counted once, on the day of its earliest known follow.
-- Only people still following at export time are listed, so this is a lower bound of gains.
dyi_follows as (
    select
        platform,
        account_id,
        follower_username,
        min(followed_at) as followed_at
    from {{ ref('stg_instagram__dyi_followers') }}
    where followed_at is not null
    group by platform, account_id, follower_username
),

dyi_changes as (
    select
        platform,
        account_id,
        {{ utc_date('followed_at') }} as date,
        count(*) as followers_gained,
        cast(null as bigint) as followers_lost,
        cast(null as bigint) as paid_followers_gained,
        cast(null as bigint) as net_change,
        'instagram_dyi' as changes_source
    from dyi_follows
    group by platform, account_id, {{ utc_date('followed_at') }}
),

-- LinkedIn DAY elements: organic + paid gains. A negative gain (LinkedIn nets unfollows into
-- it on some days) is reported as a loss, so gains and losses both stay non-negative.
linkedin_days as (
    select
        platform,
        account_id,
        {{ utc_date('range_start') }} as date,
        organic_follower_gain,
        paid_follower_gain
    from {{ ref('stg_linkedin__follower_statistics') }}
    where range_start is not null
    qualify row_number() over (
        partition by platform, account_id, {{ utc_date('range_start') }}
        order by observed_at desc, ingested_at desc
    ) = 1
),

linkedin_changes as (
    select
        platform,
        account_id,
        date,
        greatest(coalesce(organic_follower_gain, 0), 0)
        + greatest(coalesce(paid_follower_gain, 0), 0) as followers_gained,
        case
            when least(organic_follower_gain, paid_follower_gain) < 0
                then -(
                    least(coalesce(organic_follower_gain, 0), 0)
                    + least(coalesce(paid_follower_gain, 0), 0)
                )
        end as followers_lost,
        case
            when paid_follower_gain is not null then greatest(paid_follower_gain, 0)
        end as paid_followers_gained,
        -- LinkedIn's gains are net of unfollows (negative on some days): they integrate to the
        -- count between networkSizes pulls
        case
            when organic_follower_gain is not null or paid_follower_gain is not null
                then coalesce(organic_follower_gain, 0) + coalesce(paid_follower_gain, 0)
        end as net_change,
        'linkedin_follower_statistics' as changes_source
    from linkedin_days
),

unioned as (
    select * from insight_changes
    union all by name
    select * from dyi_changes
    union all by name
    select * from linkedin_changes
)

-- Instagram insights beat DYI timestamps on the same day: insights count every new follow,
-- DYI only those who still follow
select
    platform,
    account_id,
    date,
    followers_gained,
    followers_lost,
    paid_followers_gained,
    net_change,
    changes_source
from unioned
qualify row_number() over (
    partition by platform, account_id, date
    order by case changes_source when 'instagram_dyi' then 2 else 1 end
) = 1
