#!/usr/bin/env bash
# The one-shot command's start-up, measured: `--version` and `run` of a job that ends at once, interleaved in one run
# (the machine's load changes over a run; interleaving gives both the same share of it), medians and the difference.
#   ontap-jobs/src/test/bench/one-shot.sh [rounds (default 11)] [extra java options...]
# Run at the top of the checkout after `mvn -B -q package -DskipTests`; it starts its own simulator on a free port.
# run: the job ends at once, the first poll (the policy's 500 ms ± 20 %) sees its end; run-rt: with --return-timeout 10,
# the trigger's answer has the finished job (no poll): start-up alone.
# ONESHOT_VARIANTS="name=java options;..." adds variants of `run` and `run-rt`, measured in the same rounds, e.g.
# ONESHOT_VARIANTS="in-process=-Dontap.fast-start=false" (no re-launch with the class-data archive: the old start).
set -euo pipefail
rounds=${1:-11}
shift || true
jar=${JAR:-target/ontap-jobs.jar}
java=${JAVA:-java}
work=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/instant.yaml" <<'YAML'
scenarios:
  - method: "*"
    path: /api/storage/volumes*
    duration: 0s
YAML
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export ONESHOT_PASSWORD='netapp1!'
"$java" -jar "$jar" simulator --port "$port" --password-env ONESHOT_PASSWORD --scenarios "$work/instant.yaml" >"$work/sim.log" 2>&1 &
sim=$!
for _ in $(seq 1 120); do grep -q listening "$work/sim.log" 2>/dev/null && break; sleep 0.5; done
grep -q listening "$work/sim.log" || { echo "simulator did not start" >&2; cat "$work/sim.log" >&2; exit 1; }
run=(run --url "http://127.0.0.1:$port" --password-env ONESHOT_PASSWORD --path /api/storage/volumes --body '{"name":"v"}')
now() { date +%s%N; }
measure() { # name, command...: appends the wall time in ms to $work/name; fails on a wrong exit code
  local name=$1; shift
  local t0 t1
  t0=$(now)
  "$@" >"$work/out" 2>"$work/err" || { echo "$name: exit $?" >&2; cat "$work/err" >&2; exit 1; }
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 )) >>"$work/$name"
}
IFS=';' read -r -a variants <<<"${ONESHOT_VARIANTS:-}"
names=(version run run-rt)
for v in "${variants[@]}"; do names+=("${v%%=*}" "${v%%=*}-rt"); done
measure warmup "$java" "$@" -jar "$jar" "${run[@]}" # the simulator's first request, the page cache
for i in $(seq 1 "$rounds"); do
  measure version "$java" "$@" -jar "$jar" --version
  measure run "$java" "$@" -jar "$jar" "${run[@]}"
  measure run-rt "$java" "$@" -jar "$jar" "${run[@]}" --return-timeout 10
  for v in "${variants[@]}"; do
    read -r -a opts <<<"${v#*=}"
    measure "${v%%=*}" "$java" "${opts[@]}" "$@" -jar "$jar" "${run[@]}"
    measure "${v%%=*}-rt" "$java" "${opts[@]}" "$@" -jar "$jar" "${run[@]}" --return-timeout 10
  done
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
echo "rounds: $rounds, load average: $(cut -d' ' -f1-3 /proc/loadavg), $("$java" -version 2>&1 | head -1)"
v=$(median "$work/version")
printf '%-10s median %5d ms   (min %d, max %d)\n' version "$v" "$(sort -n "$work/version" | head -1)" "$(sort -n "$work/version" | tail -1)"
for n in "${names[@]:1}"; do
  m=$(median "$work/$n")
  printf '%-10s median %5d ms   (min %d, max %d)   %s - version: %+d ms\n' "$n" "$m" "$(sort -n "$work/$n" | head -1)" \
      "$(sort -n "$work/$n" | tail -1)" "$n" $(( m - v ))
done
