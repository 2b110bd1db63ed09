"""Two models side by side: mean CRPS by horizon from the stored scores
(written by `pathcast evaluate`), and the median of the last day."""
import sys

import xarray as xr

store = sys.argv[1] if len(sys.argv) > 1 else "stores/coffee"


def model(name, what):
    return xr.open_mfdataset(f"{store}/{name}/v1.0/{what}/*.h5",
                             engine="h5netcdf")


crps = xr.Dataset({m: model(m, "scores").crps.mean("forecast_date")
                   for m in ("naive", "random_walk")})
print(crps.to_dataframe().to_csv(float_format="%.10g"), end="")
last = {m: model(m, "forecasts").paths.isel(day=-1).median("path")
        for m in ("naive", "random_walk")}
both = xr.Dataset(last).dropna("forecast_date")  # dates both forecast
print(len(both.forecast_date), "dates forecast by both models")
