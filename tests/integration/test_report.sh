#!/usr/bin/env bash
# pathcast report: scores what is new (like evaluate), then writes an HTML
# page whose every figure exists and is a valid PNG; the page and figures
# depend only on the store (same bytes on a rerun and on 1 or 2 ranks).
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
"$PC" backfill --job "$WORK/job" >/dev/null 2>&1

# A PNG of the given size: pngcheck (Debian's PNG validator: every chunk
# and CRC, the zlib stream) and the IHDR read by hand.
png_ok() {
  local f=$1 w=$2 h=$3
  pngcheck -q "$f" >/dev/null &&
  [[ $(pngcheck "$f") == "OK: $f (${w}x${h},"* ]] &&
  [[ $(od -An -tx1 -N8 "$f" | tr -d ' \n') == 89504e470d0a1a0a ]] &&
  [[ $(od -An -tx1 -j12 -N12 "$f" | tr -d ' \n') == 49484452$(printf '%08x%08x' "$w" "$h") ]]
}
export -f png_ok

expect_status "report on 2 ranks" 0 mpirun -np 2 "$PC" report --job "$WORK/job" --output "$WORK/rep"
check "prints where the page is" grep -qx "report: $WORK/rep/index.html" "$WORK/out"
expect_err "and what it scored" "report: scored "
page="$WORK/rep/index.html"
check "an HTML5 page" bash -c "head -1 '$page' | grep -qx '<!DOCTYPE html>' && tail -1 '$page' | grep -qx '</html>'"
check "valid HTML: tidy reports no error and no warning" tidy -q -e "$page"
check "balanced sections" bash -c "[[ \$(grep -c '<figure>' '$page') -eq \$(grep -c '</figure>' '$page') ]]"
imgs=$(grep -oE 'src="[^"]+"' "$page" | cut -d'"' -f2 | sort)
want=$(printf '%s\n' calibration.png coverage-horizon.png crps-horizon.png fan-naive.png \
  fan-random_walk.png pit-naive.png pit-random_walk.png skill-rolling.png | sort)
check "every figure the issue asks for is on the page" test "$imgs" == "$want"
check "every referenced figure is a valid 900x500 PNG (pngcheck)" \
  bash -c "for f in $(echo $imgs); do png_ok '$WORK/rep/'\$f 900 500 || exit 1; done"
check "every PNG in the folder is referenced" \
  test "$(cd "$WORK/rep" && ls *.png | sort)" == "$imgs"
check "nothing half-written is left" test -z "$(find "$WORK/rep" -name '*.partial')"
check "summary row per model" test "$(grep -c '^<tr><td><span class="key"' "$page")" -eq 2
check "random_walk's skill against itself is 0" grep -q 'random_walk</td>.*<td>0.0000</td></tr>' "$page"
check "the fan chart shows the actuals of a past forecast" grep -q 'forecast of 2020-06-30: .*and the actuals' "$page"

# Only the store decides: a rerun (nothing to score) and 1 rank give the same bytes.
sums() { (cd "$1" && md5sum index.html *.png); }
sums "$WORK/rep" > "$WORK/first.sums"
expect_status "rerun on 1 rank" 0 "$PC" report --job "$WORK/job" --output "$WORK/rep"
expect_err "the rerun scores nothing" "report: scored 0 forecast(s),"
check "the same page and figures, byte for byte" bash -c "sums() { (cd \"\$1\" && md5sum index.html *.png); }; diff <(sums '$WORK/rep') '$WORK/first.sums' >/dev/null"

# --model: that model's figures (random_walk still scores the skill).
expect_status "report of one model" 0 "$PC" report --job "$WORK/job" --model naive --output "$WORK/one"
check "its fan chart, not random_walk's" bash -c "[[ -f '$WORK/one/fan-naive.png' && ! -e '$WORK/one/fan-random_walk.png' ]]"

# Without random_walk there is no skill to draw: the page says so.
expect_status "a job without random_walk" 0 "$PC" report --job "$WORK/job" --models naive --output "$WORK/norw"
check "no skill figure, a note instead" bash -c "[[ ! -e '$WORK/norw/skill-rolling.png' ]] && grep -q 'No rolling skill: the job does not run its baseline model' '$WORK/norw/index.html'"
check "the summary's skill cell is empty" grep -q 'naive</td>.*<td>&ndash;</td></tr>' "$WORK/norw/index.html"

# Text from the job is escaped in the page.
cp -r "$WORK/store" "$WORK/a<&>b"
expect_status "a store path with HTML characters" 0 "$PC" report --job "$WORK/job" --store "$WORK/a<&>b" --output "$WORK/esc"
check "is escaped" grep -qF "<code>$WORK/a&lt;&amp;&gt;b</code>" "$WORK/esc/index.html"

# Where the page cannot go: refused before any work (exit 2) naming the
# folder, nothing written.
touch "$WORK/file"
expect_status "output is a file" 2 "$PC" report --job "$WORK/job" --output "$WORK/file"
expect_err "names it" "--output $WORK/file: $WORK/file is not a folder"
expect_status "output under a file" 2 "$PC" report --job "$WORK/job" --output "$WORK/file/sub"
expect_err "names the file in the way" "--output $WORK/file/sub: $WORK/file is not a folder"
expect_status "no such store" 2 "$PC" report --job "$WORK/job" --store "$WORK/nowhere" --output "$WORK/none"
check "nothing created" bash -c "[[ ! -e '$WORK/nowhere' && ! -e '$WORK/none' ]]"
finish
