-- Each account-day with the gain the account's own history leads us to expect, how unusual the
-- day (and the week ending on it) is for THIS account, and whether it is abnormal.
-- * gain: gross new followers where the platform reports them (Instagram, Facebook, LinkedIn incl.
--   paid), else the net change of the count (X). A day with reported gains is observed for the
--   detector even when its absolute count was integrated or interpolated.
-- * clean history: observed days of the previous spike_history_days, minus days far from the
--   robust median (first pass: more than clean_trim_sigmas robust sigmas): a purchase, a
--   giveaway or a purge never moves the baseline of the following weeks, while the organic tail
--   stays in; then days with z >= clean_max_z under a first NB fit of that history leave too
--   (small events that pass the robust trim).
-- * model: negative binomial fitted by the method of moments on the clean history: the mean of
--   the last spike_level_days clean days (the level, so growth is followed) times a weekday
--   factor (same weekday over 8 weeks vs the 56-day mean, bounded 0.5..1.5), and the
--   overdispersion alpha = (variance - mean) / mean^2 of the long window, shrunk towards
--   nb_prior_alpha with nb_prior_days pseudo-days (90 days of heavy-tailed history still give a
--   noisy variance). Evidence is a standard-normal z of the upper tail (macro nb_tail_z:
--   gamma / Wilson-Hilferty approximation of the NB tail) for the day and for the sum of the
--   last 7 days (a drip adds 1-3x a normal day per day: it shows in the sum, not in a day).
-- * organic_max_day / organic_max_week: the account's largest clean day and 7-day sum in the
--   history window, so the marts can say how many times its largest organic days a spike is.
-- Incremental: the account-days int_follower_days_invalidated names are recomputed. A day
-- depends on the days before it only, through chained passes (trim, first fit, re-trim,
-- moments, largest week, 7-day sums), each over at most spike_history_days earlier days. The
-- days before the first one written are this model's own rows, kept from earlier builds: they
-- bring what each pass computed for them (kept_*: the trimmed and the clean gain, the clean
-- 7-day sum, the expected gain, its variance, whether the day alone was abnormal), so only
-- spike_history_days of them are read, not the chain's 3 x spike_history_days of counts. A
-- followers series has a row for every day between its first and last count
-- (int_followers_filled), so rows are days.
-- depends_on: {{ ref('int_follower_days_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_days(ref('int_follower_days_invalidated')) }}",
) }}
{%- set invalidated = ref('int_follower_days_invalidated') %}
{%- set look_back_days = var('spike_history_days') | int %}
with kept as (
    -- the days before write_from, kept from earlier builds (the pre-hook deleted the days from
    -- it on); none on a full build
    {%- if is_incremental() %}
        select
            platform,
            account_id,
            date,
            trimmed_gain,
            clean_gain,
            clean_gain_7d,
            expected_gain,
            gain_variance,
            is_abnormal_day
        from {{ this }} as kept
        where {{ in_ranges(invalidated, 'kept', 'date', 'write_from', look_back_days) }}
    {%- else %}
        select
            platform,
            account_id,
            date,
            null as trimmed_gain,
            null as clean_gain,
            null as clean_gain_7d,
            null as expected_gain,
            null as gain_variance,
            null as is_abnormal_day
        from {{ ref('int_followers_filled') }}
        where false
    {%- endif %}
),

daily as (
    select
        filled.*,
        coalesce(filled.followers_gained, filled.net_followers) as gain,
        coalesce(filled.paid_followers_gained, 0) as paid_gain,
        filled.followers_gained is not null or filled.is_observed as is_gain_observed,
        lag(filled.followers) over (
            partition by filled.platform, filled.account_id order by filled.date
        ) as followers_before,
        kept.date is not null as is_kept,
        kept.trimmed_gain as kept_trimmed_gain,
        kept.clean_gain as kept_clean_gain,
        kept.clean_gain_7d as kept_clean_gain_7d,
        kept.expected_gain as kept_expected_gain,
        kept.gain_variance as kept_gain_variance,
        kept.is_abnormal_day as kept_is_abnormal_day
    from {{ ref('int_followers_filled') }} as filled
    left join kept
        on
            filled.platform = kept.platform
            and filled.account_id = kept.account_id
            and filled.date = kept.date
    where
        {{ detect_as_of('filled.platform', 'filled.account_id', 'filled.date') }}
        {%- if is_incremental() %}
            and {{ in_ranges(invalidated, 'filled', 'date', 'write_from', look_back_days) }}
        {%- endif %}
),

first_pass as (
    select
        *,
        median(case when is_gain_observed then gain end) over history as rough_median,
        mad(case when is_gain_observed then gain end) over history as rough_mad
    from daily
    window history as (
        partition by platform, account_id order by date
        rows between {{ var('spike_history_days') }} preceding and 1 preceding
    )
),

cleaned as (
    select
        *,
        case
            when is_kept then kept_trimmed_gain
            when
                is_gain_observed
                and gain is not null
                -- far from the robust median either way: a purchase or a giveaway above, a purge
                -- (X's net change) below; either would drag the level for weeks
                and not coalesce(
                    abs(gain - rough_median)
                    > {{ var('clean_trim_sigmas') }} * 1.4826 * rough_mad
                    + {{ var('spike_min_excess') }},
                    false
                )
                then gain
        end as clean_gain
    from first_pass
),

-- second pass: a first NB fit on the trimmed history, and days far in ITS tail leave the
-- history too (an event of a small account - a giveaway's +15 a day on an account that gains 2 -
-- passes the robust trim but would inflate the dispersion for 90 days)
first_fit as (
    select
        *,
        avg(clean_gain) over level_window as rough_level,
        avg(clean_gain) over history as rough_history_mean,
        var_samp(clean_gain) over history as rough_history_variance,
        count(clean_gain) over history as rough_history_days
    from cleaned
    window
        history as (
            partition by platform, account_id order by date
            rows between {{ var('spike_history_days') }} preceding and 1 preceding
        ),
        level_window as (
            partition by platform, account_id order by date
            rows between {{ var('spike_level_days') }} preceding and 1 preceding
        )
),

first_variance as (
    select
        *,
        greatest(coalesce(rough_level, 0), {{ var('nb_min_mean') }})
        + (
            coalesce(rough_history_days, 0) * greatest(
                coalesce(
                    (rough_history_variance - rough_history_mean)
                    / nullif(pow(rough_history_mean, 2), 0),
                    0
                ),
                0
            )
            + {{ var('nb_prior_days') }} * {{ var('nb_prior_alpha') }}
        ) / (coalesce(rough_history_days, 0) + {{ var('nb_prior_days') }})
        * pow(coalesce(rough_level, 0), 2) as rough_variance
    from first_fit
),

recleaned as (
    select
        * exclude (clean_gain),
        clean_gain as trimmed_gain,
        case
            when is_kept then kept_clean_gain
            when
                rough_history_days >= {{ var('spike_min_history_days') }}
                and {{ nb_tail_z('gain', 'coalesce(rough_level, 0)', 'rough_variance') }}
                >= {{ var('clean_max_z') }}
                and gain - coalesce(rough_level, 0) >= {{ var('spike_min_excess') }}
                then null
            else clean_gain
        end as clean_gain
    from first_variance
),

moments as (
    select
        *,
        avg(clean_gain) over level_window as level_mean,
        avg(clean_gain) over history as history_mean,
        var_samp(clean_gain) over history as history_variance,
        count(clean_gain) over history as history_days,
        max(clean_gain) over history as organic_max_day,
        avg(clean_gain) over same_weekday_8_weeks as weekday_mean,
        count(clean_gain) over same_weekday_8_weeks as weekday_days,
        avg(clean_gain) over previous_56_days as mean_56,
        -- the clean 7-day sum ending today, for the largest organic week of later days
        case
            when is_kept then kept_clean_gain_7d
            when count(clean_gain) over last_7_days = 7 then sum(clean_gain) over last_7_days
        end as clean_gain_7d
    from recleaned
    window
        history as (
            partition by platform, account_id order by date
            rows between {{ var('spike_history_days') }} preceding and 1 preceding
        ),
        level_window as (
            partition by platform, account_id order by date
            rows between {{ var('spike_level_days') }} preceding and 1 preceding
        ),
        previous_56_days as (
            partition by platform, account_id order by date
            rows between 56 preceding and 1 preceding
        ),
        same_weekday_8_weeks as (
            partition by platform, account_id, isodow(date) order by date
            rows between 8 preceding and 1 preceding
        ),
        last_7_days as (
            partition by platform, account_id order by date
            rows between 6 preceding and current row
        )
),

fitted as (
    select
        *,
        max(clean_gain_7d) over (
            partition by platform, account_id order by date
            rows between {{ var('spike_history_days') }} preceding and 1 preceding
        ) as organic_max_week,
        case
            when weekday_days >= 3 and mean_56 > 0
                then greatest(0.5, least(1.5, weekday_mean / mean_56))
            else 1.0
        end as weekday_factor,
        (
            coalesce(history_days, 0) * greatest(
                coalesce(
                    (history_variance - history_mean) / nullif(pow(history_mean, 2), 0), 0
                ),
                0
            )
            + {{ var('nb_prior_days') }} * {{ var('nb_prior_alpha') }}
        ) / (coalesce(history_days, 0) + {{ var('nb_prior_days') }}) as dispersion
    from moments
),

expected as (
    select
        *,
        case
            when is_kept then kept_expected_gain
            else greatest(weekday_factor * coalesce(level_mean, 0), 0)
        end as expected_gain
    from fitted
),

with_variance as (
    select
        *,
        case
            when is_kept then kept_gain_variance
            else
                greatest(expected_gain, {{ var('nb_min_mean') }})
                + dispersion * pow(expected_gain, 2)
        end as gain_variance
    from expected
),

day_judged as (
    select
        *,
        {{ nb_tail_z('gain', 'expected_gain', 'gain_variance') }} as day_z,
        -- the least excess that counts: a few followers, or a share of the audience
        greatest(
            {{ var('spike_min_excess') }},
            {{ var('spike_min_excess_share_of_followers') }} * coalesce(followers_before, 0)
        ) as min_excess
    from with_variance
),

day_flagged as (
    select
        *,
        case
            when is_kept then kept_is_abnormal_day
            else
                coalesce(
                    day_z >= {{ var('spike_tail_z') }} and gain - expected_gain >= min_excess,
                    false
                )
        end as is_abnormal_day
    from day_judged
),

windowed as (
    select
        *,
        -- the week sum counts a day abnormal on its own as expected: a one-day burst is its own
        -- episode and must not make the following quiet week look like a drip
        sum(case when is_abnormal_day then expected_gain else gain end) over last_7_days
            as gain_7d,
        sum(expected_gain) over last_7_days as expected_7d,
        sum(gain_variance) over last_7_days as variance_7d,
        count(case when is_gain_observed then gain end) over last_7_days as observed_days_7d
    from day_flagged
    window last_7_days as (
        partition by platform, account_id order by date
        rows between 6 preceding and current row
    )
),

judged as (
    select
        *,
        case
            when observed_days_7d = 7
                then {{ nb_tail_z('gain_7d', 'expected_7d', 'variance_7d') }}
        end as week_z
    from windowed
)

select
    * exclude (
        is_kept,
        kept_trimmed_gain,
        kept_clean_gain,
        kept_clean_gain_7d,
        kept_expected_gain,
        kept_gain_variance,
        kept_is_abnormal_day
    ),
    coalesce(
        is_gain_observed
        and history_days >= {{ var('spike_min_history_days') }}
        and (
            -- one day far out in the account's own tail
            is_abnormal_day
            -- or a week whose sum is, while this day is clearly above the usual
            or (
                week_z >= {{ var('spike_tail_z') }}
                and gain_7d - expected_7d >= min_excess
                and gain
                >= expected_gain
                + {{ var('window_day_min_sigmas') }} * sqrt(gain_variance)
            )
        ),
        false
    ) as is_abnormal
from judged
{%- if is_incremental() %}
    where {{ in_ranges(invalidated, 'judged', 'date', 'write_from') }}
{%- endif %}
