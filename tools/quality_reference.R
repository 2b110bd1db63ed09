# Reference values for the data-quality check (src/core/quality.c, docs/DATA.md)
# from an independent implementation in R.  Writes tests/unit/data/quality/;
# tests/unit/test_quality.c and tests/integration/test_quality.sh read the
# files, so the tests need no R for the shipped data (the real series are
# written by tools/real_series.R at test time and compared with the
# findings recorded here).
#
#   Rscript tools/quality_reference.R            (from the repository root)
#
# Needs r-base-core, r-cran-fgarch and r-cran-timeseries (through
# tools/real_series.R).  The established pieces:
#
# * The robust standard deviation is stats::mad(x) (centre median(x),
#   constant 1.4826): the spike test's scale, and the values of
#   robust_sd.txt.
# * Winsorising uses stats::quantile(type = 7) at 0.005 and 0.995, or at
#   the second value from each end in a pool of fewer than 201 (the XGBoost
#   residual pool): winsorize.txt.
# * The spike, stale and gap rules are written here from docs/DATA.md's
#   definitions, independently of the C code: findings.txt.
#
# Fixture formats (plain text, `#` lines are comments):
#
# robust_sd.txt      one window per line: "MAD N x_1 ... x_N"
# winsorize.txt      per pool: "low LO high HIGH", then "n N", then N lines
#                    "X CLIPPED" (the value and what pathcast's pool holds
#                    after clipping to the type-7 quantiles and centring
#                    again)
# findings.txt       one finding per line:
#                    "SERIES KIND LINE FIRST LAST COUNT CLOSE ROBUST_SD"
#                    (LINE is the file line of the finding's close: spike,
#                    the run's first close, or the close after the gap; NA
#                    where a value does not apply); a series without
#                    findings has a line "SERIES none"
#
# The injected series is data/coffee.csv with three defects, the same ones
# tests/integration/test_quality.sh makes with awk: line 1801's close times
# 1.2 (printed with two decimals), lines 2002-2008 repeating line 2001's
# close, lines 2201-2208 without a close.

source("tools/real_series.R")
write_real_series <- main # real_series.R's main: the series as data files

K <- 8          # spike_threshold
W <- 60         # spike_window
MIN_W <- 20     # fewest returns of a spike window
STALE <- 5      # stale_days
MAX_GAP <- 5    # max_gap
OUT <- "tests/unit/data/quality"

read_data <- function(path) {
  d <- read.csv(path, colClasses = c(date = "character"),
                na.strings = c("", "NA"))
  data.frame(date = as.Date(d$date), close = as.numeric(d$close))
}

read_holidays <- function(path) {
  x <- trimws(sub("#.*", "", readLines(path)))
  as.Date(x[x != ""])
}

# Trading days strictly between a and b: weekdays that are not holidays.
between <- function(a, b, holidays) {
  if (b <= a + 1) {
    return(0)
  }
  days <- seq(a + 1, b - 1, by = "day")
  wd <- as.POSIXlt(days)$wday
  sum(wd >= 1 & wd <= 5 & !(days %in% holidays))
}

finding <- function(kind, row, first, last, count, close, sd) {
  data.frame(kind = kind, line = row + 1, first = format(first),
             last = format(last), count = count, close = close, sd = sd)
}

# A spike at close j + 1: |r_j| beyond K mads of the <= W returns before
# it (at least MIN_W), and r_{j+1} of the opposite sign bringing the price
# back to within half the jump.  A spike's reversal is not tested itself.
spikes <- function(d, present, r) {
  out <- NULL
  j <- 1
  while (j <= length(r) - 1) {
    w <- min(W, j - 1)
    s <- if (w >= MIN_W) mad(r[(j - w):(j - 1)]) else 0
    if (s > 0 && abs(r[j]) > K * s && r[j] * r[j + 1] < 0 &&
        abs(r[j] + r[j + 1]) <= 0.5 * abs(r[j])) {
      i <- present[j + 1]
      out <- rbind(out, finding("spike", i, d$date[i], d$date[i], 1,
                                d$close[i], s))
      j <- j + 2
    } else {
      j <- j + 1
    }
  }
  out
}

# Runs of one close repeated more than STALE times in a row.
stale <- function(d, present) {
  out <- NULL
  v <- d$close[present]
  runs <- rle(v)
  ends <- cumsum(runs$lengths)
  starts <- ends - runs$lengths + 1
  for (k in which(runs$lengths - 1 > STALE)) {
    a <- present[starts[k]]
    b <- present[ends[k]]
    out <- rbind(out, finding("stale", a, d$date[a], d$date[b],
                              runs$lengths[k] - 1, d$close[a], NA))
  }
  out
}

gaps <- function(d, present, holidays) {
  out <- NULL
  for (j in seq_len(length(present) - 1)) {
    a <- d$date[present[j]]
    b <- d$date[present[j + 1]]
    n <- between(a, b, holidays)
    if (n > MAX_GAP) {
      days <- seq(a + 1, b - 1, by = "day")
      wd <- as.POSIXlt(days)$wday
      trading <- days[wd >= 1 & wd <= 5 & !(days %in% holidays)]
      out <- rbind(out, finding("gap", present[j + 1], min(trading),
                                max(trading), n, NA, NA))
    }
  }
  out
}

detect <- function(d, holidays) {
  present <- which(!is.na(d$close))
  r <- diff(log(d$close[present]))
  f <- rbind(spikes(d, present, r), stale(d, present),
             gaps(d, present, holidays))
  if (is.null(f)) {
    return(f)
  }
  f[order(f$first, match(f$kind, c("spike", "stale", "gap"))), ]
}

write_findings <- function(con, name, f) {
  if (is.null(f) || nrow(f) == 0) {
    writeLines(sprintf("%s none", name), con)
    return(invisible())
  }
  writeLines(sprintf("%s %s %d %s %s %d %.17g %.17g", name, f$kind, f$line,
                     f$first, f$last, as.integer(f$count), f$close, f$sd),
             con)
}

# data/coffee.csv with the three defects (see the header).
inject <- function(path, out) {
  x <- readLines(path)
  f <- strsplit(x, ",", fixed = TRUE)
  set_close <- function(i, v) {
    f[[i]][2] <<- v
  }
  set_close(1801, sprintf("%.2f", as.numeric(f[[1801]][2]) * 1.2))
  for (i in 2002:2008) set_close(i, f[[2001]][2])
  for (i in 2201:2208) set_close(i, "")
  writeLines(vapply(f, paste, "", collapse = ","), out)
}

write_robust_sd <- function(path) {
  d <- read_data("data/coffee.csv")
  r <- diff(log(d$close))
  con <- file(path, "w")
  writeLines("# stats::mad of windows of coffee's daily log returns", con)
  for (at in c(21, 22, 40, 61, 500, 1801, 2500)) { # even and odd sizes
    x <- r[(at - min(60, at - 1)):(at - 1)]
    writeLines(paste(sprintf("%.17g", c(mad(x), length(x), x)),
                     collapse = " "), con)
  }
  close(con)
}

# The levels: 0.005 and 0.995, moved in to 1/(n-1) and 1 - 1/(n-1) when
# those lie further in (a pool of fewer than 201 values), so a single
# extreme is always clipped.
winsor_levels <- function(n) {
  one <- 1 / (n - 1)
  c(max(0.005, one), min(0.995, 1 - one))
}

write_pool <- function(con, x) {
  x <- x - mean(x)
  q <- quantile(x, winsor_levels(length(x)), type = 7, names = FALSE)
  y <- pmin(pmax(x, q[1]), q[2])
  y <- y - mean(y)
  writeLines(sprintf("low %.17g high %.17g", q[1], q[2]), con)
  writeLines(sprintf("n %d", length(x)), con)
  writeLines(sprintf("%.17g %.17g", x, y), con)
}

write_winsorize <- function(path) {
  set.seed(14)
  con <- file(path, "w")
  writeLines(c("# stats::quantile(type = 7) at 0.005 and 0.995 (at least the",
               "# second value from each end), clipped, centred"), con)
  # Pools like XGBoost's tail residuals: t-distributed, each with one bad
  # tick's pair of residuals; a large pool and a small one.
  write_pool(con, c(rt(371, df = 4) * 0.012, 0.18, -0.18))
  write_pool(con, c(rt(38, df = 4) * 0.012, 0.18, -0.18))
  close(con)
}

quality_main <- function() {
  dir.create(OUT, recursive = TRUE, showWarnings = FALSE)
  tmp <- tempfile("quality")
  dir.create(tmp)
  holidays <- read_holidays("data/holidays.txt")
  inject("data/coffee.csv", file.path(tmp, "coffee_injected.csv"))
  con <- file(file.path(OUT, "findings.txt"), "w")
  writeLines(c("# findings of tools/quality_reference.R (see its header)",
               sprintf("# spike_threshold %d spike_window %d stale_days %d max_gap %d",
                       K, W, STALE, MAX_GAP)), con)
  for (s in c("coffee", "sugar")) {
    write_findings(con, s, detect(read_data(sprintf("data/%s.csv", s)),
                                  holidays))
  }
  write_findings(con, "coffee_injected",
                 detect(read_data(file.path(tmp, "coffee_injected.csv")),
                        holidays))
  real_dir <- file.path(tmp, "real")
  write_real_series(real_dir)
  for (s in c("dem2gbp", "sp500dge", "msft")) {
    # The real series have no holidays: a weekday calendar.
    write_findings(con, s, detect(read_data(file.path(real_dir,
                                                      paste0(s, ".csv"))),
                                  as.Date(character(0))))
  }
  close(con)
  write_robust_sd(file.path(OUT, "robust_sd.txt"))
  write_winsorize(file.path(OUT, "winsorize.txt"))
  writeLines(sprintf("# %s, fGarch %s, timeSeries %s", R.version.string,
                     packageVersion("fGarch"), packageVersion("timeSeries")),
             file.path(OUT, "versions.txt"))
}

quality_main()
