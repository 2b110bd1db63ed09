"""The 5 % quantile of day 7 for every forecast date of a range."""
import sys

import xarray as xr

store, start, end = (sys.argv[1:4] if len(sys.argv) > 3
                     else ("stores/coffee", "2023-01-01", "2023-12-31"))
ds = xr.open_mfdataset(f"{store}/naive/v1.0/forecasts/*.h5",
                       engine="h5netcdf")
day7 = ds.paths.sel(forecast_date=slice(start, end), day=7)
q05 = day7.quantile(0.05, dim="path")  # numpy's linear = R's type 7
for date, value in zip(q05.forecast_date.values, q05.values):
    print(str(date)[:10], f"{value:.6f}")
