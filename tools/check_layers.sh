#!/usr/bin/env bash
# The dependency rule of docs/DESIGN.md ("Layers"), checked on every
# #include of src/ and include/pathcast/ (run by `make test`):
#   1. a layer includes its own headers and those of lower layers only, in
#      the order core < models < store < job < eval < driver < cli;
#   2. a private header (no pathcast/ prefix) is one of the includer's own
#      folder: another layer's internals are never reached into;
#   3. <mpi.h> appears only in the driver's headers and in main.c (which
#      starts and ends MPI): everything below the driver is MPI-free.
# Prints one line per violation and exits 1 if there is any, else prints
# the count of includes it checked.
set -uo pipefail
cd "$(dirname "$0")/.."
layers=(core models store job eval driver cli)
rank() {
  local i
  for i in "${!layers[@]}"; do
    [[ ${layers[$i]} == "$1" ]] && { echo "$i"; return; }
  done
  echo -1
}
bad=0 checked=0
for file in src/*/*.[ch] include/pathcast/*/*.h; do
  if [[ $file == src/* ]]; then layer=${file#src/}; else layer=${file#include/pathcast/}; fi
  layer=${layer%%/*}
  mine=$(rank "$layer")
  if [[ $mine -lt 0 ]]; then
    echo "$file: the folder '$layer' is not a layer (${layers[*]})"; bad=1; continue
  fi
  while IFS=: read -r line text; do
    checked=$((checked + 1))
    if [[ $text =~ \#include\ \"pathcast/([a-z]+)/[a-z_]+\.h\" ]]; then
      theirs=$(rank "${BASH_REMATCH[1]}")
      if [[ $theirs -lt 0 || $theirs -gt $mine ]]; then
        echo "$file:$line: $layer includes the higher layer ${BASH_REMATCH[1]}: $text"; bad=1
      fi
    elif [[ $text =~ \#include\ \"([^\"]+)\" ]]; then
      inc=${BASH_REMATCH[1]}
      if [[ $inc == */* || ! -f $(dirname "$file")/$inc ]]; then
        echo "$file:$line: a private header of another folder: $text"; bad=1
      fi
    elif [[ $text =~ \#include\ \<mpi\.h\> ]]; then
      case $file in
        include/pathcast/driver/*|src/driver/*.h|src/cli/main.c) ;;
        *) echo "$file:$line: MPI outside the driver's headers: $text"; bad=1 ;;
      esac
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$file")
done
if [[ $bad -ne 0 ]]; then
  echo "check_layers: the dependency rule is broken (docs/DESIGN.md, \"Layers\")"
  exit 1
fi
echo "check_layers: $checked includes of $(ls src/*/*.[ch] include/pathcast/*/*.h | wc -l) files follow the dependency rule"
