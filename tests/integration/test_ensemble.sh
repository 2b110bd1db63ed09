#!/usr/bin/env bash
# The ensemble model through the whole program: a backfill of members and an
# ensemble with the same export and store bytes on 1 and 2 ranks; every
# ensemble path equals, bit for bit, the stored path of the member the
# weights give it; the ensemble alone (--model ens) stores the same bytes
# as with its members; no leakage (closes changed from a training date T on
# change neither the ensemble trained at T nor any forecast up to T); a
# member's changed settings refused for the stored ensemble; bad member
# names refused before anything runs (exit 2).
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
sed -i 's/^models = .*/models = naive,random_walk,garch,ens:ensemble/' "$WORK/job"
echo "ens.members = random_walk,garch,naive" >> "$WORK/job"

backfill_on_ranks 8 "ens garch naive random_walk"

"$PC" models --job "$WORK/job" --store "$WORK/s1" --model ens --format json > "$WORK/ens.json"
check "two trained ensembles, each with its weights learned from 120 dates" \
  test "$(grep -c '"weights_method":"crps".*"window_dates":120,' "$WORK/ens.json")" -eq 2
check "its members' own fields are inside (m2.omega, m3.model_type)" \
  bash -c "grep -q '\"m2.omega\":' '$WORK/ens.json' && grep -q '\"m3.model_type\":\"naive\"' '$WORK/ens.json'"

# The members inside the ensemble are the members' own trainings.
"$PC" models --job "$WORK/job" --store "$WORK/s1" --model garch --format json > "$WORK/garch.json"
check "m2.* of each trained ensemble are garch's own trained fields, bit for bit" \
  /usr/bin/python3 - "$WORK/ens.json" "$WORK/garch.json" <<'PY'
import json, sys
ens = {m["training_date"]: m for m in map(json.loads, open(sys.argv[1]))}
own = {m["training_date"]: m for m in map(json.loads, open(sys.argv[2]))}
assert sorted(ens) == sorted(own) and len(ens) == 2
for t, m in ens.items():
    for sec in ("params", "diagnostics"):
        nested = {k[3:]: v for k, v in m[sec].items() if k.startswith("m2.")}
        mine = dict(own[t][sec], model_type=own[t]["model_type"]) if sec == "diagnostics" else own[t][sec]
        assert nested == mine, (t, sec, nested, mine)
PY

# Path i of the ensemble is member m(i)'s path i, m(i) the first k with
# (i + 0.5) / paths below the cumulative weight of members 1..k (the
# weights of the forecast's training date).
cat > "$WORK/paths.py" <<'PY'
import csv, json, sys
models = [json.loads(l) for l in open(sys.argv[1])]
weights = {m["training_date"]: (m["params"]["weights"], m["params"]["members"].split(","))
           for m in models}
rows = {}
for r in csv.reader(open(sys.argv[2])):
    if r[0] not in ("path_id", "0"):
        rows[(r[5], r[1], int(r[0]))] = (r[3], r[9:])
dates = sorted({d for (m, d, i) in rows if m == "ens"})
paths = max(i for (m, d, i) in rows)
used, bad = set(), 0
for d in dates:
    w, names = weights[rows[("ens", d, 1)][0]]
    for i in range(paths):
        u, c, k = (i + 0.5) / paths, 0.0, len(w) - 1
        for j in range(len(w) - 1):
            c += w[j]
            if u < c:
                k = j
                break
        used.add(names[k])
        bad += rows[("ens", d, i + 1)][1] != rows[(names[k], d, i + 1)][1]
print(len(dates), len(used), bad)
PY
read -r ndates nused nbad < <(/usr/bin/python3 "$WORK/paths.py" "$WORK/ens.json" "$WORK/e1.csv")
check "every ensemble path is its member's stored path ($ndates dates, $nbad differ)" \
  test "$ndates" -gt 100 -a "$nbad" -eq 0
check "the paths come from more than one member ($nused)" test "$nused" -ge 2

# The ensemble needs no member's stored results: alone, the same bytes.
expect_status "the ensemble alone (--model ens)" 0 "$PC" backfill --job "$WORK/job" \
  --store "$WORK/alone" --model ens
check "the same ensemble files as with its members" \
  test "$(cd "$WORK/alone" && find ens -name '*.h5' | sort | xargs md5sum)" = \
       "$(cd "$WORK/s1" && find ens -name '*.h5' | sort | xargs md5sum)"

# As-of: every close and covariate from the training date T on changed.
T=2020-04-01
awk -F, -v OFS=, -v d=$T 'NR > 1 && $1 >= d { $2 = sprintf("%.2f", $2 * 1.4) } { print }' \
  data/coffee.csv > "$WORK/perturbed.csv"
expect_status "backfill on data changed from $T on" 0 "$PC" backfill --job "$WORK/job" \
  --store "$WORK/p" --data "$WORK/perturbed.csv" --model ens
upto() { "$PC" export --job "$WORK/job" --store "$1" --model ens --end $T | awk -F, '$1 != 0'; }
after() { "$PC" export --job "$WORK/job" --store "$1" --model ens --start 2020-04-02 | awk -F, '$1 != 0'; }
trained() { "$PC" models --job "$WORK/job" --store "$1" --model ens --format json; }
export -f upto after trained; export PC WORK T
check "the ensemble trained at $T is bit-identical" \
  bash -c 'test "$(trained "$WORK/s1" | grep -c "$T")" -eq 1 && cmp -s <(trained "$WORK/s1") <(trained "$WORK/p")'
check "its forecasts up to $T are bit-identical" \
  bash -c 'test "$(upto "$WORK/s1" | wc -l)" -gt 10000 && cmp -s <(upto "$WORK/s1") <(upto "$WORK/p")'
check "its forecasts after $T differ (the test can fail)" \
  bash -c '! cmp -s <(after "$WORK/s1") <(after "$WORK/p")'

# A member's settings are the ensemble's: its stored results do not mix.
expect_status "a member's changed key is refused for the stored ensemble" 2 \
  "$PC" backfill --job "$WORK/job" --store "$WORK/s1" --model ens --random_walk.lookback 100
expect_err "the message names the ensemble" "holds results of model ens version v1.0 made with other settings"
expect_err "and shows the member's key" "member.random_walk.random_walk.lookback=100"

# Bad members are refused when the job is read: exit 2, nothing written.
expect_status "an unknown member" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/bad" \
  --ens.members random_walk,nosuch
expect_err "names it and the job's models" \
  "ens.members: 'nosuch' is not a model of this job (its models: naive, random_walk, garch, ens)"
expect_status "the ensemble among its members" 2 "$PC" backfill --job "$WORK/job" \
  --store "$WORK/bad" --ens.members ens,naive
expect_err "says so" "ens.members: 'ens' is this model itself"
expect_status "an ensemble of ensembles" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/bad" \
  --models naive,random_walk,ens:ensemble,top:ensemble --ens.members random_walk,naive \
  --top.members ens,naive
expect_err "says they do not nest" "top.members: 'ens' combines models itself"
expect_status "status refuses it too" 2 "$PC" status --job "$WORK/job" --store "$WORK/s1" \
  --ens.members random_walk,nosuch
check "nothing was written" test ! -e "$WORK/bad"
finish
