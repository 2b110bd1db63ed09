"""Checks a schema-2 store as analysts read it: xarray (h5netcdf and netCDF4
engines) and netCDF4-python against what `pathcast export`, `models` and
`evaluate` print for the same store.  Prints TAP-like "ok"/"not ok" lines
(tests/integration/test_cube.sh counts them).

    check_cube.py STORE DIR

DIR holds the outputs of pathcast for STORE (written by test_cube.sh):
wide.csv (export --with_dates yes), q_scores.csv (export --format quantiles
at evaluate's 11 levels), q3.csv (export --format quantiles, default
levels), models.json (models --format json), eval.csv (evaluate --format
csv) and the outputs of the docs/examples scripts (ex_*.txt).
"""
import csv
import glob
import json
import math
import os
import sys

import numpy as np
import xarray as xr

STORE, DIR = sys.argv[1], sys.argv[2]
MODELS = ("naive", "random_walk")
ENGINES = ("h5netcdf", "netcdf4")
FAILS = 0


def check(name, ok, detail=""):
    global FAILS
    print(("ok - " if ok else "not ok - ") + name +
          ("" if ok or not detail else f": {detail}"))
    FAILS += not ok


def day_text(values):
    """datetime64 values as ISO dates."""
    return [str(v)[:10] for v in np.asarray(values).ravel()]


def read_csv(name):
    with open(os.path.join(DIR, name), newline="") as f:
        return list(csv.DictReader(f))


def cube(model, engine, what="forecasts"):
    files = sorted(glob.glob(f"{STORE}/{model}/v1.0/{what}/*.h5"))
    return xr.open_mfdataset(files, engine=engine)


# ---- the forecasts: one cube per model, equal to the export --------------

def export_rows(model):
    """The wide export of a model: actuals and paths per forecast date."""
    rows = [r for r in read_csv("wide.csv") if r["model"] == model]
    dates = sorted({r["forecast_start_date"] for r in rows})
    return rows, dates


def check_forecasts(model, engine):
    ds = cube(model, engine)
    rows, dates = export_rows(model)
    h = ds.sizes["day"]
    label = f"{model}, {engine}"
    check(f"{label}: dimensions forecast_date, path, day",
          ds.paths.dims == ("forecast_date", "path", "day"), ds.paths.dims)
    check(f"{label}: forecast_date is datetime64, every month joined",
          ds.forecast_date.dtype.kind == "M" and
          day_text(ds.forecast_date.values) == dates)
    check(f"{label}: path = 1..N, day = 1..H",
          list(ds.path.values) == list(range(1, ds.sizes["path"] + 1)) and
          list(ds.day.values) == list(range(1, h + 1)))
    paths = [r for r in rows if r["is_actuals"] == "0"]
    want = np.array([[float(r[f"day_{k}"]) for k in range(1, h + 1)]
                     for r in paths], dtype=np.float32)
    got = ds.paths.values.reshape(-1, h)
    check(f"{label}: every path value equals the export, bit for bit",
          got.dtype == np.float32 and got.shape == want.shape and
          got.tobytes() == want.tobytes())
    first = [r for r in rows if r["path_id"] == "0"]
    check(f"{label}: day_date equals the export's day_k_date",
          day_text(ds.day_date.values) ==
          [r[f"day_{k}_date"] for r in first for k in range(1, h + 1)])
    check(f"{label}: data_cutoff_date, training_date, has_data_leakage",
          day_text(ds.data_cutoff_date.values) ==
          [r["data_cutoff_date"] for r in first] and
          day_text(ds.training_date.values) ==
          [r["training_date"] for r in first] and
          [str(v) for v in ds.has_data_leakage.values] ==
          [r["has_data_leakage"] for r in first])
    check(f"{label}: CF attributes",
          ds.paths.attrs.get("long_name") and ds.paths.attrs.get("units") and
          ds.attrs.get("Conventions") == "CF-1.8" and
          ds.attrs.get("source", "").startswith("pathcast ") and
          ds.attrs.get("schema_version") == 2)


# ---- trained models: groups with named dimensions -------------------------

def check_trained(engine):
    models = [json.loads(line) for line in
              open(os.path.join(DIR, "models.json"))]
    for m in models:
        path = (f"{STORE}/{m['model']}/{m['model_version']}/trained/"
                f"{m['training_date']}.h5")
        same = True
        for group in ("params", "diagnostics"):
            ds = xr.open_dataset(path, engine=engine, group=group)
            for name, value in m[group].items():
                got = ds[name].values
                if isinstance(value, str):
                    got = got.item()
                    got = got.decode() if isinstance(got, bytes) else got
                    same &= got == value and ds[name].dims == ()
                elif isinstance(value, list):
                    same &= (ds[name].dims == (f"{name}_index",) and
                             got.tolist() == value)
                elif isinstance(value, dict):  # a blob: its byte count
                    same &= (ds[name].dims == (f"{name}_index",) and
                             got.size == value["bytes"])
                else:
                    same &= ds[name].dims == () and got.item() == value
        check(f"trained {m['model']} {m['training_date']}, {engine}: "
              "every field equals `pathcast models`, scalars without a "
              "dimension", same)


# ---- scores and quantiles --------------------------------------------------

def check_scores(model, engine):
    ds = cube(model, engine, "scores")
    rows = [r for r in read_csv("q_scores.csv") if r["model"] == model]
    levels = [float(v) for v in ds.quantile_level.values]
    got = ds["quantile"].transpose("forecast_date", "day",
                                "quantile_level").values.ravel()
    want = np.array([float(r["value"]) for r in rows])
    check(f"{model}, {engine}: scores have dimensions forecast_date, day, "
          "quantile_level",
          ds["quantile"].dims == ("forecast_date", "day", "quantile_level"))
    check(f"{model}, {engine}: export --format quantiles = the stored "
          "quantiles of evaluate, bit for bit",
          got.shape == want.shape and got.tobytes() == want.tobytes() and
          [float(r["level"]) for r in rows[:len(levels)]] == levels)


def close(a, b, rel):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def check_examples():
    """Each docs/examples script against what pathcast prints."""
    q3 = read_csv("q3.csv")
    lines = open(os.path.join(DIR, "ex_date_range.txt")).read().split("\n")
    want = {r["forecast_date"]: float(r["value"]) for r in q3
            if r["model"] == "naive" and r["day"] == "7" and
            r["level"] == "0.05" and "2020-02-01" <= r["forecast_date"] <=
            "2020-02-29"}
    got = dict(line.split() for line in lines if line)
    check("date_range.py: the 5% quantile of day 7 for each date of the "
          "range = export --format quantiles",
          sorted(got) == sorted(want) and len(want) > 10 and
          all(close(float(got[d]), want[d], 1e-8) for d in want))
    rows = [r for r in q3 if r["model"] == "random_walk"]
    with open(os.path.join(DIR, "ex_quantiles.txt"), newline="") as f:
        table = list(csv.DictReader(f))
    key = {(r["forecast_date"][:10], r["day"], float(r["quantile"])):
           float(r["value"]) for r in table}
    check("quantiles.py: every quantile = export --format quantiles "
          "(numpy's interpolation, to 1e-12)",
          len(key) == len(rows) and
          all(close(key[(r["forecast_date"], r["day"], float(r["level"]))],
                    float(r["value"]), 1e-12) for r in rows))
    evaluate = read_csv("eval.csv")
    lines = open(os.path.join(DIR, "ex_compare.txt")).read().split("\n")
    crps = [r for r in csv.DictReader(lines) if (r["day"] or "").isdigit()]
    ok = len(crps) == 14 and "by both models" in lines[-2]
    for r in evaluate:
        match = [c for c in crps if c["day"] == r["horizon"]]
        ok &= bool(match) and close(float(match[0][r["model"]]),
                                    float(r["crps"]), 1e-8)
    check("compare_models.py: mean CRPS by horizon of each model = "
          "`pathcast evaluate`", ok)


for model in MODELS:
    for engine in ENGINES:
        check_forecasts(model, engine)
        check_scores(model, engine)
for engine in ENGINES:
    check_trained(engine)
check_examples()
sys.exit(1 if FAILS else 0)
