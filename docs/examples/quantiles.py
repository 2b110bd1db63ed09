"""Quantiles of every day of every forecast, as a long table (pandas)."""
import sys

import xarray as xr

store = sys.argv[1] if len(sys.argv) > 1 else "stores/coffee"
ds = xr.open_mfdataset(f"{store}/random_walk/v1.0/forecasts/*.h5",
                       engine="netcdf4")
q = ds.paths.astype("float64").quantile([0.05, 0.5, 0.95], dim="path")
table = q.rename("value").to_dataframe().reset_index()
print(table[["forecast_date", "day", "quantile", "value"]].to_csv(index=False),
      end="")
