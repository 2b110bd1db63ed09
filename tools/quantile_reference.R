# R's type-7 quantiles of the paths of a `pathcast export` (the wide CSV),
# the reference of `pathcast export --format quantiles` (whose definition is
# evaluate's: src/core/metrics.c, pc_quantile).  Prints the long CSV that export
# writes, for every model, version, forecast date and day of the input:
#
#   Rscript tools/quantile_reference.R WIDE.csv 0.05,0.5,0.95 > ref.csv
#
# tests/integration/test_cube.sh compares it with pathcast's at test time.
# The export's %.9g text names the stored float32 exactly; R has no float32,
# so the parsed doubles are rounded to float32 (writeBin with size 4) and
# both sides sort the very same numbers.  They differ only in how the
# interpolation rounds (R: (1 - h) x[lo] + h x[hi]).
float32 <- function(x) readBin(writeBin(x, raw(), size = 4), "double",
                               size = 4, n = length(x))
args <- commandArgs(trailingOnly = TRUE)
wide <- read.csv(args[1], colClasses = "character")
levels <- as.numeric(strsplit(args[2], ",")[[1]])
days <- grep("^day_[0-9]+$", names(wide), value = TRUE)
paths <- wide[wide$is_actuals == "0", ]
key <- paste(paths$commodity, paths$model, paths$model_version,
             paths$forecast_start_date, sep = ",")
cat("commodity,model,model_version,forecast_date,day,level,value\n")
for (k in unique(key)) {
  rows <- paths[key == k, ]
  for (d in seq_along(days)) {
    x <- float32(as.numeric(rows[[days[d]]]))
    q <- quantile(x, probs = levels, type = 7, names = FALSE)
    cat(sprintf("%s,%d,%s,%.17g\n", k, d, as.character(levels), q), sep = "")
  }
}
