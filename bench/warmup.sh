#!/usr/bin/env bash
# The warm-up measurement (issue #19 point 3): how fast a freshly started host comes up to speed. For each scenario
# (token, register) a fresh host process is started on a database that already holds the clients, and the load tool
# drives it the moment it answers: the first FIRST_SECONDS measured from the first request on, then, against the same
# process, STEADY_WARMUP unrecorded seconds and STEADY_SECONDS measured (its steady state). The ratio of the two
# requests/s is the figure of the target (at least 70 % for token and register). The tool sends nothing before the
# first window: the clients and the initial access token were made by an earlier process on the same database and key
# file (--save-clients, then --load-clients), so the first window holds the host's first registration or token request.
# Before it, only the readiness check ran (one discovery request, as a load balancer's health probe would).
#
#   bench/warmup.sh                                          (the sample as bench/run.sh measures it, one round)
#   VARIANTS="build publish-r2r" ROUNDS=3 bench/warmup.sh    (A/B, the variants interleaved in each round)
#   VARIANTS="publish-r2r publish-r2r+DOTNET_TieredPGO=0" ROUNDS=3 STEADY=0 bench/warmup.sh
#
# A variant is how the host is built, build (dotnet build output) or publish-r2r (dotnet publish with ReadyToRun:
# the sample's code and its packages precompiled), followed by any number of +NAME=VALUE environment variables for the
# host process (DOTNET_TieredPGO=0, DOTNET_TC_QuickJitForLoops=0, DOTNET_TieredCompilation=0, DOTNET_ReadyToRun=0...).
#
# Environment:
#   VARIANTS        "publish-r2r"                 ROUNDS  1
#   SCENARIOS       "token register"
#   FIRST_SECONDS   10      STEADY_WARMUP  20      STEADY_SECONDS  10      STEADY  1 (0: the first window only)
#   CONCURRENCY     16      CLIENTS        64      PORT            5055
#   HOST_ARGS       extra options for the host
#   HOST_DIR        a host build to use for every variant instead of building (bench/run.sh passes its own)
#   BENCH_DLL       a Dcr.Bench build to use instead of building
#   RESULTS         where the JSON results go (default: a temporary directory, deleted; the summary is printed)
set -euo pipefail

cd "$(dirname "$0")/.."

VARIANTS="${VARIANTS:-publish-r2r}"
ROUNDS="${ROUNDS:-1}"
SCENARIOS="${SCENARIOS:-token register}"
FIRST_SECONDS="${FIRST_SECONDS:-10}"
STEADY_WARMUP="${STEADY_WARMUP:-20}"
STEADY_SECONDS="${STEADY_SECONDS:-10}"
STEADY="${STEADY:-1}"
CONCURRENCY="${CONCURRENCY:-16}"
CLIENTS="${CLIENTS:-64}"
PORT="${PORT:-5055}"
URL="http://127.0.0.1:${PORT}"

for variant in $VARIANTS; do
  case "${variant%%+*}" in build | publish-r2r) ;; *) echo "VARIANTS: '$variant' does not start with build or publish-r2r" >&2; exit 2 ;; esac
done
for scenario in $SCENARIOS; do
  case "$scenario" in token | register) ;; *) echo "SCENARIOS: '$scenario' is neither token nor register" >&2; exit 2 ;; esac
done

WORK="$(mktemp -d)"
KEEP_RESULTS=1
if [ -z "${RESULTS:-}" ]; then RESULTS="${WORK}/results"; KEEP_RESULTS=0; fi
mkdir -p "$RESULTS"
SERVER_PID=""
READY=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if curl -s -o /dev/null --max-time 2 "$URL"; then echo "Something already answers at $URL: stop it first." >&2; exit 1; fi

# host_dir KIND: the directory of a host build of that kind, built once.
host_dir() {
  if [ -n "${HOST_DIR:-}" ]; then echo "$HOST_DIR"; return; fi
  local dir="${WORK}/host-$1"
  if [ ! -d "$dir" ]; then
    if [ "$1" = "publish-r2r" ]; then
      dotnet publish samples/HostSample -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$dir" -nologo -v quiet >&2
    else
      dotnet build samples/HostSample -c Release -nologo -v quiet >&2
      cp -r samples/HostSample/bin/Release/net10.0 "$dir"
    fi
    rm -rf "${dir}/App_Data"
  fi
  echo "$dir"
}
if [ -z "${BENCH_DLL:-}" ]; then
  dotnet build bench/Dcr.Bench -c Release -nologo -v quiet >/dev/null
  cp -r bench/Dcr.Bench/bin/Release/net10.0 "${WORK}/bench"
  BENCH_DLL="${WORK}/bench/Dcr.Bench.dll"
fi
for variant in $VARIANTS; do host_dir "${variant%%+*}" >/dev/null; done

# start VARIANT DATA LOG: the host of that variant on the database and key file in DATA; sets SERVER_PID and READY (the
# seconds from starting the process to its first answer).
start() {
  local variant="$1" data="$2" log="$3" dir started environment=() setting
  dir="$(host_dir "${variant%%+*}")"
  IFS='+' read -r -a settings <<<"${variant#*+}"
  if [[ "$variant" == *+* ]]; then
    for setting in "${settings[@]}"; do environment+=("$setting"); done
  fi
  started="$(date +%s.%N)"
  # shellcheck disable=SC2086 # HOST_ARGS is a list of options
  (cd "$dir" && exec env "${environment[@]}" ./HostSample --contentRoot "$dir" --urls "$URL" --Sample:RateLimit:PermitsPerMinute=0 \
    "--ConnectionStrings:Dcr=Data Source=${data}/dcr.db" "--Sample:KeysPath=${data}/sample-keys.json" ${HOST_ARGS:-}) >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "$URL/.well-known/openid-configuration" 2>/dev/null; then
      READY="$(awk -v now="$(date +%s.%N)" -v started="$started" 'BEGIN { printf "%.2f", now - started }')"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "The host stopped at start-up:" >&2; tail -n 30 "$log" >&2; exit 1; fi
    sleep 0.05
  done
  echo "The host does not answer at $URL" >&2; exit 1
}
tool() { dotnet "$BENCH_DLL" --url "$URL" --concurrency "$CONCURRENCY" --host-pid "$SERVER_PID" "$@"; }
summary() { grep -E '^(Throughput|CPU|Errors|Per second) ' "$1" | sed 's/^/     /' || true; }

for round in $(seq 1 "$ROUNDS"); do
  for variant in $VARIANTS; do
    name="$(echo "$variant" | tr '+=' '__')"
    data="${WORK}/data-${round}-${name}"
    mkdir -p "$data"
    echo "== round ${round}, ${variant}: preparing ${CLIENTS} clients and an initial access token (a process of its own)"
    start "$variant" "$data" "${WORK}/prepare.log"
    tool --scenario token --clients "$CLIENTS" --warmup 0 --duration 1 --max-requests 1 --save-clients "${data}/clients.json" >"${WORK}/tool.log" 2>&1 \
      || { tail -n 5 "${WORK}/tool.log" >&2; exit 1; }
    stop_server
    for scenario in $SCENARIOS; do
      start "$variant" "$data" "${WORK}/host-${round}-${name}-${scenario}.log"
      printf '%s %s %s %s\n' "$round" "$name" "$scenario" "$READY" >>"${RESULTS}/ready-seconds.txt"
      echo "== round ${round}, ${variant}, ${scenario}: a fresh host, ready after ${READY} s; the first ${FIRST_SECONDS} s"
      tool --scenario "$scenario" --clients "$CLIENTS" --load-clients "${data}/clients.json" --warmup 0 --duration "$FIRST_SECONDS" \
        --output "${RESULTS}/${round}-${name}-${scenario}-first.json" >"${WORK}/tool.log" 2>&1 || { tail -n 5 "${WORK}/tool.log" >&2; exit 1; }
      summary "${WORK}/tool.log"
      if [ "$STEADY" != "0" ]; then
        echo "   steady state: ${STEADY_WARMUP} s unrecorded, ${STEADY_SECONDS} s measured"
        tool --scenario "$scenario" --clients "$CLIENTS" --load-clients "${data}/clients.json" --warmup "$STEADY_WARMUP" --duration "$STEADY_SECONDS" \
          --output "${RESULTS}/${round}-${name}-${scenario}-steady.json" >"${WORK}/tool.log" 2>&1 || { tail -n 5 "${WORK}/tool.log" >&2; exit 1; }
        summary "${WORK}/tool.log"
      fi
      stop_server
    done
  done
done

dotnet "$BENCH_DLL" warmup-report --input "$RESULTS"
[ "$KEEP_RESULTS" = 1 ] && echo "== Results in ${RESULTS}"
exit 0
