# Real public daily series, as pathcast data files (`date,close`), from the
# Debian packages r-cran-fgarch and r-cran-timeseries.  Nothing it writes is
# committed: the tests run it into their work folder.
#
#   Rscript tools/real_series.R OUTDIR
#
# writes OUTDIR/dem2gbp.csv, OUTDIR/sp500dge.csv and OUTDIR/msft.csv:
#
#   dem2gbp   fGarch's DEM/GBP exchange rate returns (Bollerslev and
#             Ghysels 1996, the GARCH benchmark of McCullough and Renfro
#             1999): 1,974 daily log returns in percent, without dates.
#   sp500dge  fGarch's S&P 500 returns of Ding, Granger and Engle (1993):
#             17,055 daily log returns, without dates.
#   msft      timeSeries' Microsoft daily prices 2000-09-27..2001-09-27,
#             with their dates: the Close column.
#
# The series without dates become a price path 100 * exp(cumsum(r)) (r in
# decimal: dem2gbp's percents are divided by 100) on a weekday calendar
# (Monday to Friday, no holidays): the price 100 on the documented first
# date of the sample (dem2gbp 1984-01-03, sp500dge 1928-01-03), then one
# close per return on the following weekdays.  Only the first date is the
# sample's own; the weekday calendar runs past the real last date (the real
# samples skip holidays, and the NYSE traded on Saturdays until 1952).
# pathcast's log returns of these closes are the package's returns (to
# about 1e-14).
#
# R's EuStockMarkets and forecast's gold are reserved for independent
# acceptance tests of the models and are deliberately not written here.

suppressPackageStartupMessages({
  library(fGarch)
  library(timeSeries)
})

# n consecutive weekdays from `start` on (start itself when a weekday).
weekdays_from <- function(start, n) {
  days <- seq(as.Date(start), by = "day", length.out = ceiling(n * 7 / 5) + 7)
  wd <- as.POSIXlt(days)$wday
  head(days[wd >= 1 & wd <= 5], n)
}

# The decimal daily log returns of each series, as pathcast computes them
# from the closes this script writes.
dem2gbp_returns <- function() {
  e <- new.env()
  data("dem2gbp", package = "fGarch", envir = e)
  e$dem2gbp[, 1] / 100
}

sp500dge_returns <- function() {
  e <- new.env()
  data("sp500dge", package = "fGarch", envir = e)
  e$sp500dge[, 1]
}

msft_closes <- function() {
  e <- new.env()
  data("MSFT", package = "timeSeries", envir = e)
  m <- e$MSFT
  data.frame(date = as.Date(format(time(m), "%Y-%m-%d")),
             close = as.numeric(m[, "Close"]))
}

msft_returns <- function() diff(log(msft_closes()$close))

write_closes <- function(path, date, close) {
  body <- sprintf("%s,%.12f", format(date, "%Y-%m-%d"), close)
  writeLines(c("date,close", body), path)
}

write_path <- function(path, start, r) {
  close <- 100 * exp(cumsum(c(0, r)))
  write_closes(path, weekdays_from(start, length(close)), close)
}

main <- function(out) {
  dir.create(out, recursive = TRUE, showWarnings = FALSE)
  write_path(file.path(out, "dem2gbp.csv"), "1984-01-03", dem2gbp_returns())
  write_path(file.path(out, "sp500dge.csv"), "1928-01-03", sp500dge_returns())
  m <- msft_closes()
  write_closes(file.path(out, "msft.csv"), m$date, m$close)
}

# Run as a script (not when another script sources it for the functions).
if (sys.nframe() == 0) {
  args <- commandArgs(trailingOnly = TRUE)
  if (length(args) != 1) {
    stop("usage: Rscript tools/real_series.R OUTDIR")
  }
  main(args[1])
}
