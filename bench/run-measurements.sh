#!/usr/bin/env bash
# Reproduces the figures in bench/README.md. Builds the sample host and the load tool in Release, copies both builds to
# a temporary directory (so that a rebuild in the working tree cannot replace the files under a running process, and so
# that the host gets a fresh content root with an empty App_Data; samples/HostSample/App_Data is never touched), starts
# the host on 127.0.0.1, runs the scenarios one after the other against that one host, then stops the host and deletes
# the temporary directory.
#
#   bench/run-measurements.sh [scenario ...]        (default: token-pbkdf2 token register manage)
#
# Environment:
# HOST_REV (a git revision: build the host from a clean snapshot of that revision instead of the working tree, e.g.
# HOST_REV=HEAD while the working tree is being edited), PORT (5055), CONCURRENCY (16), DURATION (20), WARMUP (5),
# CLIENTS (64), RESULTS (bench/results),
# REPEAT (1: run the whole list of scenarios that many times, results suffixed -1, -2, ...),
# PREWARM (1: first run every scenario once for 5 + 5 s without recording anything, so that the measured rounds
# see a host whose code is already JIT-compiled; 0 skips that),
# QUIET_BELOW (a percentage: before each scenario, wait until the whole machine, host idle, is less busy than that over
# 5 s; for shared machines), QUIET_MAX_WAIT (900 s: then measure anyway),
# HOST_ARGS (extra host options, e.g. "--Logging:LogLevel:Default=Warning").
set -euo pipefail

cd "$(dirname "$0")/.."
PORT="${PORT:-5055}"
CONCURRENCY="${CONCURRENCY:-16}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-5}"
CLIENTS="${CLIENTS:-64}"
RESULTS="${RESULTS:-bench/results}"
REPEAT="${REPEAT:-1}"
URL="http://127.0.0.1:${PORT}"
if [ "$#" -gt 0 ]; then SCENARIOS=("$@"); else SCENARIOS=(token-pbkdf2 token register manage); fi

WORK="$(mktemp -d)"
HOST_PID=""
stop_host() {
  if [ -n "$HOST_PID" ] && kill -0 "$HOST_PID" 2>/dev/null; then
    kill "$HOST_PID"
    wait "$HOST_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap stop_host EXIT
if [ -n "${HOST_REV:-}" ]; then
  HOST_COMMIT="$(git rev-parse --verify "${HOST_REV}^{commit}")"
  mkdir -p "${WORK}/snapshot"
  git archive "$HOST_COMMIT" | tar -x -C "${WORK}/snapshot"
  dotnet build "${WORK}/snapshot/samples/HostSample" -c Release -nologo -v quiet
  cp -r "${WORK}/snapshot/samples/HostSample/bin/Release/net10.0" "${WORK}/host"
else
  HOST_COMMIT="working tree on $(git rev-parse --short HEAD)"
  dotnet build samples/HostSample -c Release -nologo -v quiet
  cp -r samples/HostSample/bin/Release/net10.0 "${WORK}/host"
fi
dotnet build bench/Dcr.Bench -c Release -nologo -v quiet
cp -r bench/Dcr.Bench/bin/Release/net10.0 "${WORK}/bench"
rm -rf "${WORK}/host/App_Data"

# The same process `dotnet run --project samples/HostSample -c Release` starts, with the copy as its content root.
# shellcheck disable=SC2086 # HOST_ARGS is a list of options
# Rate limiting off (the sample's default allows 600 requests a minute per address and per token): load tests measure the
# server, not the limiter.
(cd "${WORK}/host" && exec ./HostSample --contentRoot "${WORK}/host" --urls "$URL" --Sample:RateLimit:PermitsPerMinute=0 ${HOST_ARGS:-}) >"${WORK}/host.log" 2>&1 &
HOST_PID=$!

for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null "${URL}/.well-known/openid-configuration" 2>/dev/null; then break; fi
  kill -0 "$HOST_PID" 2>/dev/null || { cat "${WORK}/host.log"; exit 1; }
  sleep 1
done
curl -fsS -o /dev/null "${URL}/.well-known/openid-configuration"

# Busy share of all CPUs over 5 s, from /proc/stat, in percent.
busy_percent() {
  local a b c d e f g h t1 i1 t2 i2
  read -r _ a b c d e f g h _ </proc/stat; t1=$((a + b + c + d + e + f + g + h)); i1=$((d + e))
  sleep 5
  read -r _ a b c d e f g h _ </proc/stat; t2=$((a + b + c + d + e + f + g + h)); i2=$((d + e))
  echo $((100 - 100 * (i2 - i1) / (t2 - t1)))
}
wait_quiet() {
  [ -n "${QUIET_BELOW:-}" ] || return 0
  local waited=0 busy
  while :; do
    busy="$(busy_percent)"
    if [ "$busy" -lt "$QUIET_BELOW" ]; then echo "   machine ${busy}% busy before the run"; return 0; fi
    waited=$((waited + 5))
    if [ "$waited" -ge "${QUIET_MAX_WAIT:-900}" ]; then echo "   machine still ${busy}% busy after ${waited} s: measuring anyway"; return 0; fi
  done
}

if [ "${PREWARM:-1}" != "0" ]; then
  for scenario in "${SCENARIOS[@]}"; do
    dotnet "${WORK}/bench/Dcr.Bench.dll" --url "$URL" --scenario "$scenario" --concurrency "$CONCURRENCY" \
      --duration 5 --warmup 5 --clients "$CONCURRENCY" >/dev/null
  done
fi

mkdir -p "$RESULTS"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  nproc: $(nproc)  dotnet: $(dotnet --version)  host: ${HOST_COMMIT}, pid ${HOST_PID}"
for round in $(seq 1 "$REPEAT"); do
  for scenario in "${SCENARIOS[@]}"; do
    suffix=""
    if [ "$REPEAT" -gt 1 ]; then suffix="-${round}"; fi
    echo "== ${scenario}${suffix}   (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
    wait_quiet
    dotnet "${WORK}/bench/Dcr.Bench.dll" --url "$URL" --scenario "$scenario" \
      --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" --clients "$CLIENTS" \
      --host-pid "$HOST_PID" --output "${RESULTS}/${scenario}${suffix}.json"
    kill -0 "$HOST_PID" 2>/dev/null || { echo "The host has stopped:"; tail -n 40 "${WORK}/host.log"; exit 1; }
    sleep 2
  done
done
