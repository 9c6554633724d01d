-- Spike episodes: abnormal days (int_followers_baselined) merged into one episode when at most
-- spike_max_gap_days normal days separate them (gaps and islands), with what was gained vs
-- expected and how unusual that is for this account: the episode's sum against the NB of its
-- days (means and variances add up), the largest day and week z inside it, and the episode's
-- largest day / 7-day sum as a multiple of the account's largest organic day / week before it.
-- spike_id is the account and the first abnormal day: a spike that grows (a drip's later days)
-- keeps it, so its alert is updated rather than raised again. Detection is causal (every
-- baseline looks only backwards), so later data never moves a spike's start.
with baselined as (
    -- the columns used only: referenced twice, this CTE is materialized, and the model's 55
    -- columns cost 1.4 s to read at 1,000 accounts (these, 0.1 s)
    select
        platform,
        account_id,
        date,
        is_abnormal,
        gain,
        paid_gain,
        net_followers,
        expected_gain,
        gain_variance,
        gain_7d,
        day_z,
        week_z,
        organic_max_day,
        organic_max_week,
        dispersion,
        history_days,
        followers_before,
        followers,
        is_observed
    from {{ ref('int_followers_baselined') }}
),

abnormal_days as (
    select
        platform,
        account_id,
        date,
        case
            when
                lag(date) over (partition by platform, account_id order by date)
                >= date - ({{ var('spike_max_gap_days') }} + 1)
                then 0
            else 1
        end as starts_episode
    from baselined
    where is_abnormal
),

numbered as (
    select
        *,
        sum(starts_episode) over (
            partition by platform, account_id order by date
            rows between unbounded preceding and current row
        ) as episode_number
    from abnormal_days
),

episodes as (
    select
        platform,
        account_id,
        episode_number,
        min(date) as spike_start,
        max(date) as spike_end,
        count(*) as abnormal_days
    from numbered
    group by platform, account_id, episode_number
),

sums as (
    select
        episodes.platform || ':' || episodes.account_id || ':'
        || strftime(episodes.spike_start, '%Y-%m-%d') as spike_id,
        episodes.platform,
        episodes.account_id,
        episodes.spike_start,
        episodes.spike_end,
        episodes.spike_end - episodes.spike_start + 1 as duration_days,
        episodes.abnormal_days,
        cast(sum(baselined.gain) as bigint) as followers_gained,
        cast(sum(baselined.paid_gain) as bigint) as paid_followers_gained,
        cast(sum(baselined.net_followers) as bigint) as net_followers_gained,
        sum(baselined.expected_gain) as expected_sum,
        sum(baselined.gain_variance) as variance_sum,
        max(baselined.gain) as peak_day_gain,
        max(baselined.gain_7d) as peak_week_gain,
        max(baselined.day_z) as peak_day_z,
        max(baselined.week_z) as peak_week_z,
        arg_min(baselined.organic_max_day, baselined.date) as organic_max_day,
        arg_min(baselined.organic_max_week, baselined.date) as organic_max_week,
        arg_min(baselined.dispersion, baselined.date) as dispersion,
        arg_min(baselined.history_days, baselined.date) as history_days,
        arg_min(baselined.followers_before, baselined.date) as followers_before,
        arg_max(baselined.followers, baselined.date) as followers_after,
        bool_or(not baselined.is_observed) as includes_filled_days
    from episodes
    inner join baselined
        on
            episodes.platform = baselined.platform
            and episodes.account_id = baselined.account_id
            and baselined.date between episodes.spike_start and episodes.spike_end
    group by all
),

scored as (
    select
        *,
        cast(round(expected_sum) as bigint) as expected_gained,
        -- the strongest of: the whole episode, its most unusual day, its most unusual week
        greatest(
            {{ nb_tail_z('followers_gained', 'expected_sum', 'variance_sum') }},
            peak_day_z,
            coalesce(peak_week_z, peak_day_z)
        ) as tail_z,
        greatest(
            peak_day_gain / greatest(organic_max_day, 1),
            coalesce(peak_week_gain / greatest(organic_max_week, 1), 0)
        ) as organic_max_multiple
    from sums
)

select
    *,
    {{ normal_upper_tail('tail_z') }} as tail_probability
from scored
-- an episode is a spike only when its days, together, gained more than expected: a day that
-- is abnormal through its week's sum can stand beside a normal day with losses (LinkedIn's
-- gains are net) or round to its expectation, and such an episode has nothing to explain
where followers_gained > expected_gained
