-- One row per account per UTC day from its first to its last follower-count observation.
-- A day's count is its last observation (end of day); days without one are filled by linear
-- interpolation between the neighbouring observed days, rounded, and flagged is_observed=false.
with observations as (
    select
        platform,
        account_id,
        observed_at,
        ingested_at,
        followers_count,
        {{ utc_date('observed_at') }} as observed_date
    from {{ ref('stg_x__users') }}
    where followers_count is not null
),

end_of_day as (
    select
        platform,
        account_id,
        observed_date,
        observed_at as last_observed_at,
        followers_count as observed_followers
    from observations
    -- re-pulls repeat rows: the latest observation of the day wins, then the latest ingest
    qualify row_number() over (
        partition by platform, account_id, observed_date
        order by observed_at desc, ingested_at desc
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
)

select
    platform,
    account_id,
    date,
    followers,
    -- X reports only the total: gains and losses are not knowable from it, so stay null
    cast(null as bigint) as followers_gained,
    cast(null as bigint) as followers_lost,
    -- gains the platform attributes to advertising (LinkedIn paidFollowerGain): real people
    cast(null as bigint) as paid_followers_gained,
    followers - lag(followers) over (
        partition by platform, account_id order by date
    ) as net_followers,
    is_observed,
    last_observed_at
from filled
