/*
 * gendata.c - deterministic SYNTHETIC data generator for pathcast.
 *
 * Usage: gendata OUTDIR
 * Writes OUTDIR/coffee.csv, OUTDIR/sugar.csv and OUTDIR/holidays.txt.
 *
 * Everything is driven by one explicitly seeded gsl_rng_mt19937 stream per
 * commodity, and all numbers are printed with fixed formats in the "C"
 * locale, so the output is byte-identical on every run.  The data are NOT
 * real market or weather data; see data/README.md for the model.
 *
 * Build:
 *   gcc -std=c11 -O2 -Wall -Wextra -Wshadow -Wstrict-prototypes \
 *       -Wmissing-prototypes -o bin/gendata tools/gendata.c \
 *       $(pkg-config --cflags --libs gsl) -lm
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* ------------------------------------------------------------------------ */
/* Constants and parameter tables (the only file-scope data; all const).    */
/* ------------------------------------------------------------------------ */

static const double TWO_PI = 6.283185307179586;
static const double TRADING_DAYS_PER_YEAR = 252.0;
static const double DAYS_PER_YEAR = 365.2425;

/* Date ranges (inclusive). */
static const int DATA_FIRST[3] = {2015, 7, 1};
static const int DATA_LAST[3] = {2025, 6, 30};
static const int HOLIDAY_FIRST[3] = {2015, 1, 1};
static const int HOLIDAY_LAST[3] = {2026, 12, 31};

/* A weather shock on trading day t pushes log returns up on t+LEAD_FROM ..
 * t+LEAD_TO, so that lagged covariates carry real predictive signal. */
enum { LEAD_FROM = 3, LEAD_TO = 5 };

/* No new shock may start within this many trading days of the previous
 * onset, so shock episodes (weather anomaly + price drift) never overlap.
 * Must exceed both the longest anomaly and LEAD_TO. */
enum { SHOCK_COOLDOWN = 10 };

/* The GARCH conditional vol is capped at this multiple of its long-run
 * value: with Student-t innovations and alpha + beta = 0.98 the variance
 * process is heavy-tailed and a single run can otherwise sit at ~80%
 * annualised vol for a year, which is implausible for these markets. */
static const double GARCH_VOL_CAP = 3.0;

/* Missing cells are kept this far from each other and from the file ends,
 * so every gap is isolated (simple to impute, never at an edge). */
enum { MISSING_MIN_GAP = 5 };

enum { COL_TEMP = 0, COL_HUM = 1, COL_PRECIP = 2, N_COVARIATES = 3 };

typedef struct {
    double mean;      /* annual mean of the seasonal curve */
    double amplitude; /* half peak-to-trough of the seasonal curve */
    double peak_doy;  /* day of year (0 = Jan 1) of the seasonal maximum */
    double ar;        /* AR(1) coefficient of the daily anomaly */
    double noise_sd;  /* innovation s.d. of the AR(1) anomaly */
} seasonal_spec;

typedef struct {
    /* Wet-day probability follows the wet-season curve s in [0,1]. */
    double wet_peak_doy;
    double p_wet_dry_season; /* P(wet) at the driest point (s = 0) */
    double p_wet_wet_season; /* P(wet) at the wettest point (s = 1) */
    double p_wet_persist;    /* extra P(wet) if yesterday was wet */
    double rain_shape;       /* gamma shape of wet-day amounts */
    double rain_scale_mm;    /* gamma scale at mid season */
    double hum_wet_boost;    /* humidity points added on wet days */
} rain_spec;

typedef struct {
    const char *label;        /* for messages */
    double per_year;          /* expected onsets per year */
    int season_from_month;    /* shocks only start in this month window */
    int season_to_month;      /* (inclusive, may wrap over December) */
    int len_min, len_max;     /* anomaly length in trading days */
    double decay;             /* anomaly multiplier per following day */
    double temp_min, temp_max; /* temperature anomaly on onset day, deg C */
    double hum_min, hum_max;   /* humidity anomaly on onset day, points */
    int suppress_rain;        /* 1: no rain while the anomaly lasts */
    double drift_min, drift_max; /* cumulative extra log return */
} shock_spec;

typedef struct {
    double start_price;      /* close on the first row, US cents/lb */
    double level_center;     /* price the wandering level reverts to */
    double level_sd;         /* stationary s.d. of the log level */
    double level_halflife;   /* trading days */
    double revert_halflife;  /* pull of log price towards the level */
    double garch_vol_annual; /* long-run annualised GARCH vol */
    double garch_alpha, garch_beta;
    double t_dof;            /* Student-t innovations (unit variance) */
    double jumps_per_year;
    double jump_min, jump_max; /* absolute log jump size range */
} price_spec;

typedef struct {
    const char *name;
    const char *file;
    unsigned long seed;
    price_spec price;
    seasonal_spec temp;
    seasonal_spec hum;
    rain_spec rain;
    shock_spec shock;
    int n_empty; /* covariate cells left empty */
    int n_na;    /* covariate cells written as NA */
} commodity_spec;

/*
 * Coffee: arabica-like, growing region modelled on southern Minas Gerais
 * (southern hemisphere: warm wet summer Oct-Mar, cool dry winter), where
 * the price-moving weather risk is frost in June-August.
 * Sugar: raw-sugar-like, region modelled on centre-south Brazil, where the
 * risk is a hot dry spell ("veranico") inside the rainy season.
 */
static const commodity_spec COMMODITIES[] = {
    {
        .name = "coffee", .file = "coffee.csv", .seed = 20150701UL,
        .price = {.start_price = 125.0, .level_center = 150.0,
                  .level_sd = 0.22, .level_halflife = 750.0,
                  .revert_halflife = 120.0, .garch_vol_annual = 0.26,
                  .garch_alpha = 0.06, .garch_beta = 0.92, .t_dof = 5.0,
                  .jumps_per_year = 4.0, .jump_min = 0.04, .jump_max = 0.10},
        .temp = {.mean = 21.5, .amplitude = 2.4, .peak_doy = 20.0,
                 .ar = 0.7, .noise_sd = 0.6},
        .hum = {.mean = 70.0, .amplitude = 9.0, .peak_doy = 15.0,
                .ar = 0.6, .noise_sd = 4.0},
        .rain = {.wet_peak_doy = 15.0, .p_wet_dry_season = 0.05,
                 .p_wet_wet_season = 0.55, .p_wet_persist = 0.15,
                 .rain_shape = 0.8, .rain_scale_mm = 9.0,
                 .hum_wet_boost = 8.0},
        .shock = {.label = "frost", .per_year = 3.0,
                  .season_from_month = 6, .season_to_month = 8,
                  .len_min = 1, .len_max = 2, .decay = 0.5,
                  .temp_min = -9.0, .temp_max = -6.0,
                  .hum_min = -15.0, .hum_max = -8.0, .suppress_rain = 1,
                  .drift_min = 0.02, .drift_max = 0.06},
        .n_empty = 5, .n_na = 3,
    },
    {
        .name = "sugar", .file = "sugar.csv", .seed = 20150702UL,
        .price = {.start_price = 12.0, .level_center = 16.5,
                  .level_sd = 0.25, .level_halflife = 750.0,
                  .revert_halflife = 120.0, .garch_vol_annual = 0.26,
                  .garch_alpha = 0.06, .garch_beta = 0.92, .t_dof = 5.0,
                  .jumps_per_year = 4.0, .jump_min = 0.04, .jump_max = 0.10},
        .temp = {.mean = 25.0, .amplitude = 2.8, .peak_doy = 25.0,
                 .ar = 0.7, .noise_sd = 0.6},
        .hum = {.mean = 68.0, .amplitude = 10.0, .peak_doy = 20.0,
                .ar = 0.6, .noise_sd = 4.0},
        .rain = {.wet_peak_doy = 20.0, .p_wet_dry_season = 0.06,
                 .p_wet_wet_season = 0.50, .p_wet_persist = 0.15,
                 .rain_shape = 0.8, .rain_scale_mm = 10.0,
                 .hum_wet_boost = 8.0},
        .shock = {.label = "drought", .per_year = 3.0,
                  .season_from_month = 10, .season_to_month = 3,
                  .len_min = 5, .len_max = 8, .decay = 1.0,
                  .temp_min = 2.5, .temp_max = 4.0,
                  .hum_min = -25.0, .hum_max = -15.0, .suppress_rain = 1,
                  .drift_min = 0.02, .drift_max = 0.06},
        .n_empty = 5, .n_na = 2,
    },
};

/* ------------------------------------------------------------------------ */
/* Calendar arithmetic on day numbers (days since 1970-01-01, proleptic     */
/* Gregorian; H. Hinnant's algorithms, exact for all years used here).      */
/* ------------------------------------------------------------------------ */

typedef long day_t;

static day_t days_from_civil(int y, int m, int d)
{
    long yy = (long)y - (m <= 2);
    long era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400;
    long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(day_t z, int *y, int *m, int *d)
{
    long zz = z + 719468;
    long era = (zz >= 0 ? zz : zz - 146096) / 146097;
    long doe = zz - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static day_t day_from_triple(const int ymd[3])
{
    return days_from_civil(ymd[0], ymd[1], ymd[2]);
}

/* 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
static int weekday(day_t z)
{
    return (int)(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

static int is_weekend(day_t z)
{
    int w = weekday(z);
    return w == 0 || w == 6;
}

static int year_of(day_t z)
{
    int y, m, d;
    civil_from_days(z, &y, &m, &d);
    return y;
}

static int month_of(day_t z)
{
    int y, m, d;
    civil_from_days(z, &y, &m, &d);
    return m;
}

static int day_of_year(day_t z)
{
    return (int)(z - days_from_civil(year_of(z), 1, 1));
}

static void format_date(day_t z, char buf[11])
{
    int y, m, d;
    civil_from_days(z, &y, &m, &d);
    snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
}

/* ------------------------------------------------------------------------ */
/* Exchange holidays.                                                        */
/* ------------------------------------------------------------------------ */

enum { MAX_HOLIDAYS = 128 };

typedef struct {
    day_t day[MAX_HOLIDAYS];
    int n;
} holiday_list;

/* Fixed-date holidays move to Friday if on Saturday, Monday if on Sunday.
 * Applied uniformly (also to New Year, which may land on Dec 31). */
static day_t observed(day_t z)
{
    int w = weekday(z);
    if (w == 6)
        return z - 1;
    if (w == 0)
        return z + 1;
    return z;
}

/* Anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
static day_t easter_sunday(int year)
{
    int a = year % 19, b = year / 100, c = year % 100;
    int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int mm = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * mm + 114) / 31;
    int day = (h + l - 7 * mm + 114) % 31 + 1;
    return days_from_civil(year, month, day);
}

static day_t thanksgiving(int year)
{
    day_t nov1 = days_from_civil(year, 11, 1);
    int to_thursday = (4 - weekday(nov1) + 7) % 7;
    return nov1 + to_thursday + 21;
}

static int cmp_day(const void *a, const void *b)
{
    day_t x = *(const day_t *)a, y = *(const day_t *)b;
    return (x > y) - (x < y);
}

static int holiday_push(holiday_list *h, day_t z, day_t from, day_t to)
{
    if (z < from || z > to || is_weekend(z))
        return 0;
    if (h->n >= MAX_HOLIDAYS)
        return -1;
    h->day[h->n++] = z;
    return 0;
}

/* All holidays falling on weekdays in [from, to], sorted, no duplicates.
 * Neighbouring years are scanned too because an observed New Year can
 * fall on Dec 31 of the previous year. */
static int build_holidays(day_t from, day_t to, holiday_list *h)
{
    h->n = 0;
    for (int y = year_of(from) - 1; y <= year_of(to) + 1; y++) {
        day_t days[5] = {
            observed(days_from_civil(y, 1, 1)),
            easter_sunday(y) - 2, /* Good Friday */
            observed(days_from_civil(y, 7, 4)),
            thanksgiving(y),
            observed(days_from_civil(y, 12, 25)),
        };
        for (int i = 0; i < 5; i++)
            if (holiday_push(h, days[i], from, to) != 0)
                return -1;
    }
    qsort(h->day, (size_t)h->n, sizeof h->day[0], cmp_day);
    int out = 0;
    for (int i = 0; i < h->n; i++)
        if (out == 0 || h->day[i] != h->day[out - 1])
            h->day[out++] = h->day[i];
    h->n = out;
    return 0;
}

static int is_holiday(const holiday_list *h, day_t z)
{
    return bsearch(&z, h->day, (size_t)h->n, sizeof h->day[0], cmp_day) != NULL;
}

/* ------------------------------------------------------------------------ */
/* Trading calendar.                                                         */
/* ------------------------------------------------------------------------ */

typedef struct {
    day_t *day;
    int n;
} calendar;

static int build_calendar(day_t from, day_t to, const holiday_list *h,
                          calendar *cal)
{
    cal->n = 0;
    cal->day = malloc(sizeof cal->day[0] * (size_t)(to - from + 1));
    if (cal->day == NULL)
        return -1;
    for (day_t z = from; z <= to; z++)
        if (!is_weekend(z) && !is_holiday(h, z))
            cal->day[cal->n++] = z;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Simulated series.                                                         */
/* ------------------------------------------------------------------------ */

typedef struct {
    int n;
    double *close;
    double *cov[N_COVARIATES]; /* temp, humidity, precipitation */
    double *drift;             /* pending shock drift per day */
    int n_shocks;
} series;

typedef struct {
    int row, col;
    int is_na; /* 1: "NA", 0: empty cell */
} missing_cell;

enum { MAX_MISSING = 16 };

static void series_free(series *s)
{
    free(s->close);
    for (int c = 0; c < N_COVARIATES; c++)
        free(s->cov[c]);
    free(s->drift);
}

static int series_alloc(series *s, int n)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->close = calloc((size_t)n, sizeof(double));
    s->drift = calloc((size_t)n, sizeof(double));
    int ok = s->close != NULL && s->drift != NULL;
    for (int c = 0; c < N_COVARIATES; c++) {
        s->cov[c] = calloc((size_t)n, sizeof(double));
        ok = ok && s->cov[c] != NULL;
    }
    if (!ok) {
        series_free(s);
        return -1;
    }
    return 0;
}

/* Seasonal curve in [-1, 1], maximal at peak_doy. */
static double season_cos(day_t z, double peak_doy)
{
    return cos(TWO_PI * (day_of_year(z) - peak_doy) / DAYS_PER_YEAR);
}

static int in_month_window(int month, int from, int to)
{
    return from <= to ? (month >= from && month <= to)
                      : (month >= from || month <= to);
}

static int months_in_window(int from, int to)
{
    return from <= to ? to - from + 1 : 12 - from + 1 + to;
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Converts a half-life in days into the per-day reversion fraction. */
static double halflife_to_rate(double halflife)
{
    return 1.0 - pow(0.5, 1.0 / halflife);
}

/* State of an active weather anomaly. */
typedef struct {
    int days_left;
    double temp, hum; /* current anomaly, decays each day */
    int since_onset;  /* trading days since last onset (for cooldown) */
} shock_state;

/* Decides whether a shock starts on day t; if so draws its weather anomaly
 * and books its price drift on t+LEAD_FROM..t+LEAD_TO. */
static void maybe_start_shock(const shock_spec *sp, const gsl_rng *r,
                              day_t z, int t, series *s, shock_state *st)
{
    /* Hazard per eligible trading day: the cooldown removes about
     * per_year * SHOCK_COOLDOWN days a year from the window, so dividing by
     * what is left keeps the mean at per_year onsets a year. */
    double window_days = months_in_window(sp->season_from_month,
                                          sp->season_to_month) *
                         TRADING_DAYS_PER_YEAR / 12.0;
    double hazard = sp->per_year / (window_days - sp->per_year * SHOCK_COOLDOWN);
    double u = gsl_rng_uniform(r); /* always drawn: keeps streams aligned */

    st->since_onset++;
    if (!in_month_window(month_of(z), sp->season_from_month,
                         sp->season_to_month) ||
        st->since_onset < SHOCK_COOLDOWN || u >= hazard)
        return;

    st->since_onset = 0;
    st->days_left = sp->len_min + (int)gsl_rng_uniform_int(
                        r, (unsigned long)(sp->len_max - sp->len_min + 1));
    st->temp = gsl_ran_flat(r, sp->temp_min, sp->temp_max);
    st->hum = gsl_ran_flat(r, sp->hum_min, sp->hum_max);

    double total = gsl_ran_flat(r, sp->drift_min, sp->drift_max);
    int span = LEAD_TO - LEAD_FROM + 1;
    for (int k = LEAD_FROM; k <= LEAD_TO; k++)
        if (t + k < s->n)
            s->drift[t + k] += total / span;
    s->n_shocks++;
}

/* State carried from day to day by the weather model. */
typedef struct {
    double temp_anom, hum_anom;
    int wet_yesterday;
} weather_state;

static double draw_precip(const rain_spec *rs, const gsl_rng *r, double wet,
                          int suppress, weather_state *ws)
{
    double p = rs->p_wet_dry_season +
               (rs->p_wet_wet_season - rs->p_wet_dry_season) * wet;
    if (ws->wet_yesterday)
        p += rs->p_wet_persist;
    p = clamp(p, 0.0, 0.95);
    /* Both uniforms are drawn every day so a shock does not shift the
     * random stream of everything after it. */
    double u = gsl_rng_uniform(r);
    double amount = gsl_ran_gamma(r, rs->rain_shape,
                                  rs->rain_scale_mm * (0.6 + 0.8 * wet));
    ws->wet_yesterday = !suppress && u < p;
    /* +0.1 so that a wet day never prints as 0.0 mm. */
    return ws->wet_yesterday ? 0.1 + amount : 0.0;
}

static void weather_step(const commodity_spec *cs, const gsl_rng *r,
                         day_t z, int t, series *s, weather_state *ws,
                         shock_state *st)
{
    const seasonal_spec *tp = &cs->temp, *hp = &cs->hum;
    int shocked = st->days_left > 0;
    double shock_t = shocked ? st->temp : 0.0;
    double shock_h = shocked ? st->hum : 0.0;

    ws->temp_anom = tp->ar * ws->temp_anom + gsl_ran_gaussian(r, tp->noise_sd);
    ws->hum_anom = hp->ar * ws->hum_anom + gsl_ran_gaussian(r, hp->noise_sd);

    /* Wet-season intensity in [0, 1]. */
    double wet = 0.5 + 0.5 * season_cos(z, cs->rain.wet_peak_doy);
    double rain = draw_precip(&cs->rain, r, wet,
                              shocked && cs->shock.suppress_rain, ws);

    s->cov[COL_TEMP][t] = tp->mean + tp->amplitude * season_cos(z, tp->peak_doy) +
                          ws->temp_anom + shock_t;
    s->cov[COL_HUM][t] = clamp(hp->mean + hp->amplitude * season_cos(z, hp->peak_doy) +
                                   ws->hum_anom + shock_h +
                                   (rain > 0.0 ? cs->rain.hum_wet_boost : 0.0),
                               5.0, 100.0);
    s->cov[COL_PRECIP][t] = rain;

    if (shocked) {
        st->days_left--;
        st->temp *= cs->shock.decay;
        st->hum *= cs->shock.decay;
    }
}

/* State of the price model. */
typedef struct {
    double x;      /* log price */
    double level;  /* slowly wandering log level the price reverts to */
    double var;    /* GARCH conditional variance for today */
    double eps;    /* yesterday's GARCH innovation */
} price_state;

static void price_init(const price_spec *ps, price_state *p)
{
    double daily_var = ps->garch_vol_annual * ps->garch_vol_annual /
                       TRADING_DAYS_PER_YEAR;
    p->x = log(ps->start_price);
    p->level = p->x;
    p->var = daily_var;
    p->eps = 0.0;
}

/*
 * One day of log-price dynamics:
 *   r_t = k (L_{t-1} - x_{t-1}) + eps_t + J_t + D_t
 *   eps_t = sqrt(h_t) z_t,  z_t ~ unit-variance Student-t
 *   h_t = omega + alpha eps_{t-1}^2 + beta h_{t-1}
 *   L_t = L_{t-1} + th (log C - L_{t-1}) + s_L N(0,1)
 * J_t are compound-Poisson jumps, D_t the booked weather-shock drift.
 * Jumps deliberately do not feed the GARCH recursion, so the long-run
 * diffusive vol stays at its configured value; h_t is capped at
 * GARCH_VOL_CAP^2 times its long-run value.
 */
static double price_step(const price_spec *ps, const gsl_rng *r,
                         double drift, price_state *p)
{
    double daily_var = ps->garch_vol_annual * ps->garch_vol_annual /
                       TRADING_DAYS_PER_YEAR;
    double omega = daily_var * (1.0 - ps->garch_alpha - ps->garch_beta);
    double k = halflife_to_rate(ps->revert_halflife);
    double th = halflife_to_rate(ps->level_halflife);
    /* Innovation s.d. giving the AR(1) level a stationary s.d. of level_sd. */
    double level_noise = ps->level_sd * sqrt(1.0 - (1.0 - th) * (1.0 - th));

    p->var = fmin(omega + ps->garch_alpha * p->eps * p->eps + ps->garch_beta * p->var,
                  GARCH_VOL_CAP * GARCH_VOL_CAP * daily_var);
    double z = gsl_ran_tdist(r, ps->t_dof) * sqrt((ps->t_dof - 2.0) / ps->t_dof);
    p->eps = sqrt(p->var) * z;

    double jump = 0.0;
    unsigned int n_jumps = gsl_ran_poisson(r, ps->jumps_per_year /
                                                  TRADING_DAYS_PER_YEAR);
    for (unsigned int j = 0; j < n_jumps; j++) {
        double size = gsl_ran_flat(r, ps->jump_min, ps->jump_max);
        jump += gsl_rng_uniform(r) < 0.5 ? -size : size;
    }

    p->x += k * (p->level - p->x) + p->eps + jump + drift;
    p->level += th * (log(ps->level_center) - p->level) +
                gsl_ran_gaussian(r, level_noise);
    return exp(p->x);
}

static void simulate(const commodity_spec *cs, const gsl_rng *r,
                     const calendar *cal, series *s)
{
    weather_state ws = {0.0, 0.0, 0};
    shock_state st = {0, 0.0, 0.0, SHOCK_COOLDOWN};
    price_state p;
    price_init(&cs->price, &p);

    /* Per day: shock decision, weather, then price.  The shock must come
     * first because it changes the same day's weather. */
    for (int t = 0; t < cal->n; t++) {
        day_t z = cal->day[t];
        maybe_start_shock(&cs->shock, r, z, t, s, &st);
        weather_step(cs, r, z, t, s, &ws, &st);
        s->close[t] = t == 0 ? cs->price.start_price
                             : price_step(&cs->price, r, s->drift[t], &p);
    }
}

/* Picks isolated covariate cells to blank out; close is never touched. */
static int choose_missing(const commodity_spec *cs, const gsl_rng *r, int n,
                          missing_cell *cells)
{
    int want = cs->n_empty + cs->n_na;
    if (want > MAX_MISSING || n <= 4 * MISSING_MIN_GAP * (want + 1))
        return -1;
    for (int i = 0; i < want;) {
        int row = MISSING_MIN_GAP +
                  (int)gsl_rng_uniform_int(r, (unsigned long)(n - 2 * MISSING_MIN_GAP));
        int clash = 0;
        for (int j = 0; j < i; j++)
            clash |= abs(cells[j].row - row) < MISSING_MIN_GAP;
        if (clash)
            continue;
        cells[i].row = row;
        cells[i].col = (int)gsl_rng_uniform_int(r, N_COVARIATES);
        cells[i].is_na = i >= cs->n_empty;
        i++;
    }
    return want;
}

/* Returns NULL if the cell is present, else its printed replacement. */
static const char *missing_text(const missing_cell *cells, int n_cells,
                                int row, int col)
{
    for (int i = 0; i < n_cells; i++)
        if (cells[i].row == row && cells[i].col == col)
            return cells[i].is_na ? "NA" : "";
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Output.                                                                   */
/* ------------------------------------------------------------------------ */

static int join_path(char *buf, size_t size, const char *dir, const char *file)
{
    int len = snprintf(buf, size, "%s/%s", dir, file);
    return len < 0 || (size_t)len >= size ? -1 : 0;
}

/* Opens OUTDIR/FILE.tmp; the caller renames it into place on success, so a
 * failed run never leaves a half-written data file behind. */
static FILE *open_tmp(const char *dir, const char *file, char *tmp, size_t size)
{
    if (join_path(tmp, size, dir, file) != 0 || strlen(tmp) + 4 >= size) {
        fprintf(stderr, "gendata: output path too long: %s/%s\n", dir, file);
        return NULL;
    }
    strcat(tmp, ".tmp");
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        fprintf(stderr, "gendata: cannot create %s: %s\n", tmp, strerror(errno));
    return f;
}

static int finish_file(FILE *f, const char *dir, const char *file,
                       const char *tmp)
{
    char final[4096];
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || join_path(final, sizeof final, dir, file) != 0 ||
        rename(tmp, final) != 0) {
        fprintf(stderr, "gendata: failed writing %s/%s: %s\n", dir, file,
                strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

static void write_rows(FILE *f, const calendar *cal, const series *s,
                       const missing_cell *cells, int n_cells)
{
    fputs("date,close,temp_mean_c,humidity_mean_pct,precipitation_mm\n", f);
    for (int t = 0; t < cal->n; t++) {
        char date[11];
        format_date(cal->day[t], date);
        fprintf(f, "%s,%.2f", date, s->close[t]);
        for (int c = 0; c < N_COVARIATES; c++) {
            const char *miss = missing_text(cells, n_cells, t, c);
            if (miss != NULL)
                fprintf(f, ",%s", miss);
            else
                fprintf(f, ",%.1f", s->cov[c][t]);
        }
        fputc('\n', f);
    }
}

static int write_csv(const char *dir, const commodity_spec *cs,
                     const calendar *cal, const series *s,
                     const missing_cell *cells, int n_cells)
{
    char tmp[4096];
    FILE *f = open_tmp(dir, cs->file, tmp, sizeof tmp);
    if (f == NULL)
        return -1;
    write_rows(f, cal, s, cells, n_cells);
    return finish_file(f, dir, cs->file, tmp);
}

static int write_holidays(const char *dir, const holiday_list *h)
{
    static const char file[] = "holidays.txt";
    char tmp[4096];
    FILE *f = open_tmp(dir, file, tmp, sizeof tmp);
    if (f == NULL)
        return -1;
    fputs("# SYNTHETIC exchange holiday calendar used by tools/gendata.c: "
          "weekday dates of New Year's Day, Good Friday, Independence Day, "
          "Thanksgiving and Christmas (fixed dates observed Fri if Sat, Mon if "
          "Sun), 2015-01-01..2026-12-31; these dates are absent from the CSVs.\n",
          f);
    for (int i = 0; i < h->n; i++) {
        char date[11];
        format_date(h->day[i], date);
        fprintf(f, "%s\n", date);
    }
    return finish_file(f, dir, file, tmp);
}

/* Sanity checks that must hold for the shipped files. */
static int check_series(const commodity_spec *cs, const series *s)
{
    for (int t = 0; t < s->n; t++) {
        if (!(s->close[t] > 0.0) || !isfinite(s->close[t]) ||
            !(s->cov[COL_PRECIP][t] >= 0.0)) {
            fprintf(stderr, "gendata: %s: invalid value on row %d\n",
                    cs->name, t + 1);
            return -1;
        }
    }
    return 0;
}

static void report(const commodity_spec *cs, const series *s)
{
    double lo = s->close[0], hi = s->close[0];
    for (int t = 1; t < s->n; t++) {
        lo = fmin(lo, s->close[t]);
        hi = fmax(hi, s->close[t]);
    }
    printf("gendata: %-10s %d rows, %d %s shocks, close %.2f..%.2f\n",
           cs->file, s->n, s->n_shocks, cs->shock.label, lo, hi);
}

static int generate_commodity(const char *dir, const commodity_spec *cs,
                              const calendar *cal)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    series s;
    missing_cell cells[MAX_MISSING];
    int rc = -1;

    if (r == NULL || series_alloc(&s, cal->n) != 0) {
        fprintf(stderr, "gendata: out of memory\n");
        gsl_rng_free(r);
        return -1;
    }
    gsl_rng_set(r, cs->seed);
    simulate(cs, r, cal, &s);
    int n_cells = choose_missing(cs, r, cal->n, cells);
    if (n_cells < 0)
        fprintf(stderr, "gendata: %s: too few rows for missing cells\n", cs->name);
    else if (check_series(cs, &s) == 0 &&
             write_csv(dir, cs, cal, &s, cells, n_cells) == 0) {
        report(cs, &s);
        rc = 0;
    }
    series_free(&s);
    gsl_rng_free(r);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '\0') {
        fprintf(stderr, "usage: %s OUTDIR\n"
                        "writes OUTDIR/coffee.csv, OUTDIR/sugar.csv and "
                        "OUTDIR/holidays.txt (OUTDIR must exist)\n",
                argc > 0 ? argv[0] : "gendata");
        return 2;
    }
    const char *dir = argv[1];

    holiday_list holidays;
    if (build_holidays(day_from_triple(HOLIDAY_FIRST),
                       day_from_triple(HOLIDAY_LAST), &holidays) != 0) {
        fprintf(stderr, "gendata: holiday table overflow\n");
        return 1;
    }
    calendar cal;
    if (build_calendar(day_from_triple(DATA_FIRST), day_from_triple(DATA_LAST),
                       &holidays, &cal) != 0) {
        fprintf(stderr, "gendata: out of memory\n");
        return 1;
    }

    int rc = write_holidays(dir, &holidays);
    size_t n_comm = sizeof COMMODITIES / sizeof COMMODITIES[0];
    for (size_t i = 0; i < n_comm && rc == 0; i++)
        rc = generate_commodity(dir, &COMMODITIES[i], &cal);

    free(cal.day);
    return rc == 0 ? 0 : 1;
}
