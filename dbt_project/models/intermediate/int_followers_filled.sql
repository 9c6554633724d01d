-- One row per account per UTC day from its first to its last absolute follower count (any
-- platform, see int_followers_observed). A day's count is its last observation (end of day);
-- days without one are filled by linear interpolation between the neighbouring observed days,
-- rounded, and flagged is_observed=false. Gains and losses come only from what a platform
-- reports per day (int_follower_changes_unioned), never from differencing counts.
with end_of_day as (
    select
        platform,
        account_id,
        observed_date,
        observed_at as last_observed_at,
        followers as observed_followers,
        followers_source
    from {{ ref('int_followers_observed') }}
    -- re-pulls repeat rows: the latest observation of the day wins, then the latest ingest,
    -- then the API pull over the archive count (for X, both are absolute counts)
    qualify row_number() over (
        partition by platform, account_id, observed_date
        order by observed_at desc, ingested_at desc, followers_source desc
    ) = 1
),

bounds as (
    select
        platform,
        account_id,
        min(observed_date) as first_date,
        max(observed_date) as last_date
    from end_of_day
    group by platform, account_id
),

spine as (
    select
        platform,
        account_id,
        cast(unnest(generate_series(first_date, last_date, interval 1 day)) as date) as date
    from bounds
),

joined as (
    select
        spine.platform,
        spine.account_id,
        spine.date,
        end_of_day.observed_followers,
        end_of_day.last_observed_at,
        end_of_day.followers_source,
        case when end_of_day.observed_followers is not null then spine.date end as observed_date
    from spine
    left join end_of_day
        on
            spine.platform = end_of_day.platform
            and spine.account_id = end_of_day.account_id
            and spine.date = end_of_day.observed_date
),

neighbours as (
    select
        *,
        last_value(observed_followers ignore nulls) over before_day as prev_followers,
        last_value(observed_date ignore nulls) over before_day as prev_date,
        first_value(observed_followers ignore nulls) over after_day as next_followers,
        first_value(observed_date ignore nulls) over after_day as next_date
    from joined
    window
        before_day as (
            partition by platform, account_id order by date
            rows between unbounded preceding and current row
        ),
        after_day as (
            partition by platform, account_id order by date
            rows between current row and unbounded following
        )
),

filled as (
    select
        platform,
        account_id,
        date,
        last_observed_at,
        followers_source,
        observed_followers is not null as is_observed,
        coalesce(
            observed_followers,
            cast(round(
                prev_followers
                + (next_followers - prev_followers)
                * (date - prev_date) / (next_date - prev_date)
            ) as bigint)
        ) as followers
    from neighbours
),

-- two archives on one day: their changes add up
archive_days as (
    select
        platform,
        account_id,
        span_end as date,
        min(span_start) as archive_span_start,
        cast(sum(followers_gained) as bigint) as archive_followers_gained,
        cast(sum(followers_lost) as bigint) as archive_followers_lost
    from {{ ref('int_archive_followers_diffed') }}
    group by platform, account_id, span_end
)

select
    filled.platform,
    filled.account_id,
    filled.date,
    filled.followers,
    -- as the platform reports them; X reports only totals, so gains and losses stay null
    changes.followers_gained,
    changes.followers_lost,
    -- gains the platform attributes to advertising (LinkedIn paidFollowerGain): real people
    changes.paid_followers_gained,
    filled.followers - lag(filled.followers) over (
        partition by filled.platform, filled.account_id order by filled.date
    ) as net_followers,
    filled.is_observed,
    filled.last_observed_at,
    filled.followers_source,
    changes.changes_source,
    -- X archives diffed: followers who came / went between the previous archive and this day
    archive_days.archive_span_start,
    archive_days.archive_followers_gained,
    archive_days.archive_followers_lost
from filled
left join {{ ref('int_follower_changes_unioned') }} as changes
    on
        filled.platform = changes.platform
        and filled.account_id = changes.account_id
        and filled.date = changes.date
left join archive_days
    on
        filled.platform = archive_days.platform
        and filled.account_id = archive_days.account_id
        and filled.date = archive_days.date
