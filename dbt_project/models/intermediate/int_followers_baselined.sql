-- Each account-day with the gain the account's own history leads us to expect, and how far
-- above it a day must be to be abnormal.
-- * gain: gross new followers where the platform reports them (Instagram, Facebook, LinkedIn incl.
--   paid), else the net change of the count (X). Paid gains ride along for corroboration.
-- * robust: median/MAD of the previous 28 observed days, computed twice: the second pass drops
--   the days above 3 robust sigmas in the first, so a spike (or a drip's first days, or a
--   giveaway) never inflates a later baseline. Filled days (no pull) never enter a baseline.
-- * weekday: the median of the same weekday over the previous 8 weeks relative to the 56-day
--   median scales the expectation (weekends are quieter), bounded to 0.5..1.5.
-- * trend: the drift between the two halves of the 28-day window moves the median to today
--   (by at most one MAD), so a steadily growing account is not a spike.
-- * floors: 5 robust sigmas (daily gains are heavier-tailed than normal), at least
--   min_tolerance followers, a count-noise floor of 3*sqrt(expected)+3 (gains are counts: an
--   account expecting 1 a day sees 4 on some days), and a share of the audience.
with daily as (
    select
        *,
        coalesce(followers_gained, net_followers) as gain,
        coalesce(paid_followers_gained, 0) as paid_gain,
        lag(followers) over (partition by platform, account_id order by date) as followers_before
    from {{ ref('int_followers_filled') }}
    where {{ detect_as_of('platform', 'account_id', 'date') }}
),

first_pass as (
    select
        *,
        median(case when is_observed then gain end) over previous_28_days as rough_expected,
        mad(case when is_observed then gain end) over previous_28_days as rough_mad
    from daily
    window previous_28_days as (
        partition by platform, account_id order by date
        rows between 28 preceding and 1 preceding
    )
),

cleaned as (
    select
        *,
        case
            when
                is_observed
                and gain is not null
                -- trimmed at 3 robust sigmas: an explained event (a giveaway) is no spike but
                -- must not widen the band of the next weeks either
                and not coalesce(
                    gain > rough_expected + greatest(
                        3 * 1.4826 * rough_mad,
                        {{ var('spike_min_tolerance', 5) }},
                        2 * sqrt(greatest(rough_expected, 0)) + 2
                    ),
                    false
                )
                then gain
        end as clean_gain
    from first_pass
),

baselines as (
    select
        *,
        median(clean_gain) over previous_28_days as median_28,
        median(clean_gain) over previous_14_days as median_recent,
        median(clean_gain) over days_15_to_28_back as median_older,
        mad(clean_gain) over previous_28_days as mad_net,
        count(clean_gain) over previous_28_days as history_days,
        median(clean_gain) over same_weekday_8_weeks as weekday_median,
        count(clean_gain) over same_weekday_8_weeks as weekday_days,
        median(clean_gain) over previous_56_days as median_56
    from cleaned
    window
        previous_28_days as (
            partition by platform, account_id order by date
            rows between 28 preceding and 1 preceding
        ),
        previous_14_days as (
            partition by platform, account_id order by date
            rows between 14 preceding and 1 preceding
        ),
        days_15_to_28_back as (
            partition by platform, account_id order by date
            rows between 28 preceding and 15 preceding
        ),
        previous_56_days as (
            partition by platform, account_id order by date
            rows between 56 preceding and 1 preceding
        ),
        same_weekday_8_weeks as (
            partition by platform, account_id, isodow(date) order by date
            rows between 8 preceding and 1 preceding
        )
),

expected as (
    select
        *,
        case
            when weekday_days >= 3 and median_56 > 0
                then greatest(0.5, least(1.5, weekday_median / median_56))
            else 1.0
        end as weekday_factor,
        coalesce((median_recent - median_older) / 14.0, 0) as trend_per_day
    from baselines
),

tolerated as (
    select
        *,
        -- the trend moves the 28-day median (centred two weeks back) to today, by at most one
        -- MAD: on small accounts the two half-window medians are noisy
        greatest(
            weekday_factor * (
                median_28
                + greatest(-coalesce(mad_net, 0), least(coalesce(mad_net, 0), trend_per_day * 14))
            ),
            0
        ) as expected_net
    from expected
),

banded as (
    select
        *,
        greatest(
            {{ var('spike_mad_multiplier', 5) }} * 1.4826 * coalesce(mad_net, 0),
            {{ var('spike_min_tolerance', 5) }},
            3 * sqrt(coalesce(expected_net, 0)) + 3,
            {{ var('spike_tolerance_share_of_followers', 0.0005) }} * coalesce(followers_before, 0)
        ) as tolerance
    from tolerated
)

select
    *,
    coalesce(
        history_days >= {{ var('spike_min_history_days', 14) }}
        and gain > expected_net + tolerance,
        false
    ) as is_abnormal
from banded
