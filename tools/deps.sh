#!/usr/bin/env bash
# Makes sure the Debian packages pathcast needs are installed: installs the
# missing ones with apt when run as root, otherwise prints the apt line.
# R with fGarch and timeSeries: tests/integration/test_garch.sh writes the
# real public series those packages ship (tools/real_series.R).
# Python with numpy, h5py, xarray (its h5netcdf and netCDF4 engines, dask for
# open_mfdataset) and netcdf-bin's ncdump: tests/python/ runs the examples of
# docs/STORE.md against a real store, as analysts read it.
set -euo pipefail
pkgs=(build-essential pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
      hdf5-tools libgsl-dev libcmocka-dev libxgboost-dev slurm-wlm munge
      clang libclang-rt-14-dev valgrind libcairo2-dev fonts-dejavu-core
      tidy pngcheck cppcheck python3 time r-base-core r-cran-fgarch
      r-cran-timeseries python3-numpy python3-h5py python3-xarray
      python3-h5netcdf python3-netcdf4 python3-dask netcdf-bin)
missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
line="apt-get install -y --no-install-recommends ${pkgs[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "pathcast needs these Debian packages: ${missing[*]}" >&2
  echo "install them as root with:" >&2
  echo "  apt-get update && $line" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
