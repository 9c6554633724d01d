-- How much of each audience is real, per platform x account x ISO week.
-- bought_followers_est: the excess of suspicious spikes (gain - expected - the losses of the
--   28 days after, which take purged fakes out again) plus suspicious batches found in a
--   followers list that no suspicious spike already counts (a batch dated within
--   batch_spike_overlap_days of a spike is that spike's purchase) - never twice.
-- fake_followers_est: from the latest profile sample taken by the week's end: the corrected
--   fake share of the audited (newest) followers, and for the followers the sample does not
--   cover, the bought followers it did not find (assumed to be among the older ones); never
--   fewer than bought_followers_est. Without a sample, the bought estimate alone.
--   real_followers_est = followers - fake_followers_est.
with weeks as (
    select
        platform,
        account_id,
        date_trunc('week', date)::date as week_start,
        arg_max(followers, date) as followers,
        max(date) as last_day
    from {{ ref('fct_followers_daily') }}
    where followers is not null
    group by platform, account_id, date_trunc('week', date)
),

spikes as (
    select
        platform,
        account_id,
        spike_start,
        spike_end,
        greatest(followers_gained - expected_gained - coalesce(lost_after, 0), 0) as bought
    from {{ ref('follower_spikes') }}
    where verdict = 'suspicious'
),

batches as (
    select batches.*
    from {{ ref('int_follower_batches_detected') }} as batches
    where
        batches.verdict = 'suspicious'
        and not exists (
            select 1
            from spikes
            where
                spikes.platform = batches.platform
                and spikes.account_id = batches.account_id
                and batches.followed_to::date
                between spikes.spike_start - {{ var('batch_spike_overlap_days') }}
                and spikes.spike_end + {{ var('batch_spike_overlap_days') }}
        )
),

bought as (
    select
        weeks.platform,
        weeks.account_id,
        weeks.week_start,
        coalesce((
            select sum(spikes.bought)
            from spikes
            where
                spikes.platform = weeks.platform
                and spikes.account_id = weeks.account_id
                and spikes.spike_start <= weeks.last_day
        ), 0) + coalesce((
            select sum(batches.fake_followers_est)
            from batches
            where
                batches.platform = weeks.platform
                and batches.account_id = weeks.account_id
                and batches.followed_to::date <= weeks.last_day
        ), 0) as bought_followers_est
    from weeks
),

sampled as (
    select
        weeks.platform,
        weeks.account_id,
        weeks.week_start,
        samples.audited_followers,
        samples.profiles_judged,
        samples.fake_share,
        samples.fake_share_low,
        samples.fake_share_high
    from weeks
    inner join {{ ref('int_audience_sampled') }} as samples
        on
            weeks.platform = samples.platform
            and weeks.account_id = samples.account_id
            and samples.pulled_at::date <= weeks.last_day
    qualify row_number() over (
        partition by weeks.platform, weeks.account_id, weeks.week_start
        order by samples.pulled_at desc
    ) = 1
),

engagement as (
    select
        platform,
        account_id,
        date_trunc('week', date)::date as week_start,
        sum(interactions) as interactions
    from {{ ref('fct_engagement_daily') }}
    group by platform, account_id, date_trunc('week', date)
),

combined as (
    select
        weeks.platform,
        weeks.account_id,
        weeks.week_start,
        weeks.followers,
        bought.bought_followers_est,
        least(coalesce(sampled.audited_followers, 0), weeks.followers) as covered,
        sampled.profiles_judged,
        sampled.fake_share,
        sampled.fake_share_low,
        sampled.fake_share_high,
        engagement.interactions
    from weeks
    inner join bought
        on
            weeks.platform = bought.platform
            and weeks.account_id = bought.account_id
            and weeks.week_start = bought.week_start
    left join sampled
        on
            weeks.platform = sampled.platform
            and weeks.account_id = sampled.account_id
            and weeks.week_start = sampled.week_start
    left join engagement
        on
            weeks.platform = engagement.platform
            and weeks.account_id = engagement.account_id
            and weeks.week_start = engagement.week_start
),

estimated as (
    select
        *,
        case
            when fake_share is null then least(bought_followers_est, followers)
            -- never fewer than the purchases found: they are fake whatever the sample says
            else least(
                greatest(
                    round(fake_share * covered)
                    + least(
                        greatest(bought_followers_est - round(fake_share * covered), 0),
                        followers - covered
                    ),
                    bought_followers_est
                ),
                followers
            )
        end::bigint as fake_followers_est,
        -- the uncovered part as above, at both ends of the sample's interval
        case
            when fake_share is not null
                then least(
                    fake_share_low * covered
                    + least(
                        greatest(bought_followers_est - fake_share * covered, 0),
                        followers - covered
                    ),
                    followers
                )
        end as fake_low,
        case
            when fake_share is not null
                then least(
                    fake_share_high * covered
                    + least(
                        greatest(bought_followers_est - fake_share * covered, 0),
                        followers - covered
                    ),
                    followers
                )
        end as fake_high
    from combined
),

audited as (
    select
        platform,
        account_id,
        week_start,
        followers,
        bought_followers_est::bigint as bought_followers_est,
        fake_followers_est,
        round(fake_followers_est::double / nullif(followers, 0), 4) as fake_share_est,
        round(
            least(fake_low, fake_followers_est) / nullif(followers, 0), 4
        ) as fake_share_low,
        round(
            greatest(fake_high, fake_followers_est) / nullif(followers, 0), 4
        ) as fake_share_high,
        followers - fake_followers_est as real_followers_est,
        coalesce(profiles_judged, 0) as profiles_sampled,
        round(covered::double / nullif(followers, 0), 4) as sample_coverage,
        case
            when profiles_judged is null then 'bought-follower estimate (no profile sample)'
            when covered >= followers then 'profile sample of the whole list'
            else 'profile sample of the newest followers plus bought-follower estimate for the rest'
        end as estimate_basis,
        interactions,
        round(1000.0 * interactions / nullif(followers - fake_followers_est, 0), 2)
            as interactions_per_1k_real
    from estimated
)

select
    audited.platform,
    audited.account_id,
    account_names.handle,
    audited.* exclude (platform, account_id)  -- noqa: RF02
from audited
left join {{ ref('int_account_names_latest') }} as account_names
    on
        audited.platform = account_names.platform
        and audited.account_id = account_names.account_id
