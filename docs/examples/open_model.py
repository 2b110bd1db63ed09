"""Every month of one model's forecasts as one labeled cube (xarray)."""
import sys

import xarray as xr

store = sys.argv[1] if len(sys.argv) > 1 else "stores/coffee"
ds = xr.open_mfdataset(f"{store}/naive/v1.0/forecasts/*.h5",
                       engine="h5netcdf")  # or engine="netcdf4"
paths = ds.paths  # (forecast_date, path, day), float32, as stored
print(dict(paths.sizes))
first = ds.isel(forecast_date=0)
print(first.forecast_date.dt.strftime("%Y-%m-%d").item(), "day_date:",
      " ".join(first.day_date.dt.strftime("%Y-%m-%d").values))
print(float(first.paths.sel(path=1, day=1)))
