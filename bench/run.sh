#!/usr/bin/env bash
# The side-by-side benchmark, like for like (issue #19): our sample host (samples/HostSample) on SQLite and on
# PostgreSQL against the peer node-oidc-provider (bench/peer), driven by the same load tool (bench/Dcr.Bench), each
# scenario against the peer doing the same work; then the warm-up measurement (bench/warmup.sh: the first 10 s of a
# fresh host against its steady state) and the scale step (our host on SQLite, about 1,000 clients, then
# SCALE_CLIENTS). Writes bench/results/<YYYY-MM-DD>.md, the like-for-like table first.
#
#   bench/run.sh
#   DURATION=3 WARMUP=2 SCALE_CLIENTS=3000 WARMUP_STEP_SECONDS=3 bench/run.sh      (a quick end-to-end check)
#
# The rows of the headline table (SCENARIOS), each ours against the peer that does the same work:
#   register  POST, our durable commit                 the durable peer (PEER_STORE=durable: journal + fdatasync)
#   token     client_credentials, nothing written      the in-memory peer
#   read      RFC 7592 GET, our host with RotateClientSecret=false and RotateRegistrationAccessToken=false
#                                                      the in-memory peer's GET (it rotates nothing and writes nothing)
#   update    RFC 7592 PUT, our host with RotateClientSecret=false, RotateRegistrationAccessToken=true
#                                                      the durable peer's PUT (it rotates the registration access token)
#   mixed     20 % register, 50 % token, 25 % GET, 5 % PUT, our host's defaults (both rotated on GET and PUT)
#                                                      the durable peer (more work on our side)
#   manage    RFC 7592 GET with the sample's defaults, PingFederate's (secret and registration access token rotated
#             and stored): our own figure, more work than the peer's GET does
# Each host configuration runs on its own fresh server: a new SQLite file, a new PostgreSQL database (dropped at the
# end), a new peer process. Every measured run starts with WARMUP unrecorded seconds (tiered JIT: 5 s measured half the
# steady registration rate), then DURATION measured seconds. The load tool checks on every GET and PUT that the server
# rotated exactly what the row says (--expect-rotation; anything else is counted as an error).
#
# It builds the host and the tool in Release (the host as HOST_BUILD says) and copies both builds (and bench/peer) to a
# temporary directory, so that a rebuild in the working tree cannot replace files under a running server and the host
# gets a fresh content root (samples/HostSample/App_Data is never touched). Servers listen on 127.0.0.1 only.
#
# Environment:
#   SCENARIOS        "register token read update mixed manage"
#   CONCURRENCY      "16" (the targets' reference; "1 16 64" for the full grid, three times as long)
#   TARGETS          "sqlite postgres peer" (peer: the in-memory and the durable peer)
#   DURATION         10 (measured seconds per run)        WARMUP  20 (unrecorded seconds before that, every run)
#   CLIENTS          64 (set-up clients of token, read, manage, update, mixed; at least the concurrency)
#   PREWARM_SECONDS  0 (an extra unrecorded run of each scenario before a server's measured runs; 0 skips it)
#   HOST_BUILD       publish-r2r (dotnet publish with ReadyToRun, the sample's shipped configuration) or build
#   WARMUP_STEP      1 (0 skips the warm-up measurement)   WARMUP_STEP_SECONDS  10 (its first window)
#   WARMUP_VARIANTS  "$HOST_BUILD $HOST_BUILD+Sample__WarmUpSeconds=30" (bench/warmup.sh's VARIANTS)
#   SCALE            1 (0 skips the scale step)            SCALE_CLIENTS  100000
#   SCALE_REQUESTS   500 (measured registrations at each scale checkpoint)
#   SCALE_SECONDS    5 (measured seconds of manage and token at each scale checkpoint)
#   DCR_BENCH_POSTGRES  an Npgsql connection string of a role that may create databases; unset: a local PostgreSQL
#                    cluster is used the way .ci/run does it (root only: started if down, role dcr_bench with a fresh
#                    password), or the PostgreSQL target is skipped with a note in the results
#   HOST_ARGS        extra options for our host, e.g. "--Logging:LogLevel:Default=Warning"
#   PORT             5055 (our host)    PEER_PORT  5056    PEER_INITIAL_ACCESS_TOKEN  bench-initial-access-token
#   REPORT           bench/results/<YYYY-MM-DD>.md (UTC date)
# The raw JSON results are copied to bench/results/<YYYY-MM-DD>/ (git-ignored).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"

SCENARIOS="${SCENARIOS:-register token read update mixed manage}"
CONCURRENCY="${CONCURRENCY:-16}"
TARGETS="${TARGETS:-sqlite postgres peer}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-20}"
CLIENTS="${CLIENTS:-64}"
PREWARM_SECONDS="${PREWARM_SECONDS:-0}"
HOST_BUILD="${HOST_BUILD:-publish-r2r}"
WARMUP_STEP="${WARMUP_STEP:-1}"
WARMUP_STEP_SECONDS="${WARMUP_STEP_SECONDS:-10}"
# The sample as it starts by default, and with its warm-up on a scratch instance (Sample:WarmUpSeconds, as an
# environment variable of the host: Sample__WarmUpSeconds).
WARMUP_VARIANTS="${WARMUP_VARIANTS:-$HOST_BUILD $HOST_BUILD+Sample__WarmUpSeconds=30}"
SCALE="${SCALE:-1}"
SCALE_CLIENTS="${SCALE_CLIENTS:-100000}"
SCALE_REQUESTS="${SCALE_REQUESTS:-500}"
SCALE_SECONDS="${SCALE_SECONDS:-5}"
PORT="${PORT:-5055}"
PEER_PORT="${PEER_PORT:-5056}"
PEER_INITIAL_ACCESS_TOKEN="${PEER_INITIAL_ACCESS_TOKEN:-bench-initial-access-token}"
DATE="$(date -u +%F)"
REPORT="${REPORT:-bench/results/${DATE}.md}"
URL="http://127.0.0.1:${PORT}"
PEER_URL="http://127.0.0.1:${PEER_PORT}"
SCALE_SETUP_CLIENTS=16

for scenario in $SCENARIOS; do
  case "$scenario" in register | token | read | update | mixed | manage) ;; *) echo "SCENARIOS: unknown scenario '$scenario'" >&2; exit 2 ;; esac
done
for target in $TARGETS; do
  case "$target" in sqlite | postgres | peer) ;; *) echo "TARGETS: unknown target '$target'" >&2; exit 2 ;; esac
done
for c in $CONCURRENCY; do
  [[ "$c" =~ ^[1-9][0-9]*$ ]] || { echo "CONCURRENCY: '$c' is not a positive integer" >&2; exit 2; }
done
case "$HOST_BUILD" in publish-r2r | build) ;; *) echo "HOST_BUILD: '$HOST_BUILD' is neither publish-r2r nor build" >&2; exit 2 ;; esac
wants() { [[ " $TARGETS " == *" $1 "* ]]; }
wants_scenario() { [[ " $SCENARIOS " == *" $1 "* ]]; }

# The scenarios (of SCENARIOS, in its order) that run against one server: our host in each of its three
# configurations, the in-memory peer, the durable peer.
scenarios_of() {
  local server="$1" scenario out=()
  for scenario in $SCENARIOS; do
    case "$server:$scenario" in
      ours-default:register | ours-default:token | ours-default:mixed | ours-default:manage \
        | ours-read:read | ours-update:update \
        | peer-memory:token | peer-memory:read \
        | peer-durable:register | peer-durable:update | peer-durable:mixed) out+=("$scenario") ;;
    esac
  done
  echo "${out[*]:-}"
}
# The load tool's options of a row: its scenario and what every GET and PUT must rotate.
tool_options_of() {
  case "$1" in
    read) echo "--scenario read --expect-rotation none" ;;
    update) echo "--scenario update --expect-rotation registration-access-token" ;;
    manage) echo "--scenario manage --expect-rotation both" ;;
    *) echo "--scenario $1" ;;
  esac
}
# Our host's options in each configuration (the exact keys of DynamicClientRegistration:Management).
READ_ARGS=(--DynamicClientRegistration:Management:RotateClientSecret=false --DynamicClientRegistration:Management:RotateRegistrationAccessToken=false)
UPDATE_ARGS=(--DynamicClientRegistration:Management:RotateClientSecret=false --DynamicClientRegistration:Management:RotateRegistrationAccessToken=true)

WORK="$(mktemp -d)"
RESULTS="${WORK}/results"
mkdir -p "$RESULTS"
SERVER_PID=""
PG_DATABASE=""
PG_LOCAL=0
pg_port=""

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  drop_pg_database
  rm -rf "$WORK"
}
trap cleanup EXIT

env_put() { printf '%s=%s\n' "$1" "$2" >>"${RESULTS}/run.env"; }
note() { echo "NOTE: $1"; env_put note "$1"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo ""; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo ""; }

# --- PostgreSQL -----------------------------------------------------------------------------------------------------
# The value of one key of an Npgsql connection string (keys case-insensitive, with their common aliases).
pg_key() {
  local wanted="$1" part key value IFS=';'
  for part in $PG_CONN; do
    key="${part%%=*}"; key="${key//[[:space:]]/}"; key="${key,,}"; value="${part#*=}"
    case "$wanted:$key" in
      host:host | host:server | port:port | password:password | password:pwd | database:database | database:db \
        | username:username | username:userid | username:user | username:uid) echo "$value"; return 0 ;;
    esac
  done
  echo ""
}
# The connection string with another database.
pg_with_database() {
  local out="" part key IFS=';'
  for part in $PG_CONN; do
    key="${part%%=*}"; key="${key//[[:space:]]/}"; key="${key,,}"
    case "$key" in database | db | "") ;; *) out+="${part};" ;; esac
  done
  echo "${out}Database=$1"
}
# Runs SQL as an administrator of the server: the postgres user for a local cluster, else the given role with psql.
pg_admin_sql() {
  if [ "$PG_LOCAL" = 1 ]; then
    runuser -u postgres -- psql -p "$pg_port" -qtAX -v ON_ERROR_STOP=1 -c "$1"
  elif command -v psql >/dev/null 2>&1; then
    local database; database="$(pg_key database)"
    PGPASSWORD="$(pg_key password)" psql -h "$(pg_key host)" -p "$(pg_key port | sed 's/^$/5432/')" -U "$(pg_key username)" \
      -d "${database:-postgres}" -qtAX -v ON_ERROR_STOP=1 -c "$1"
  else
    return 1
  fi
}
drop_pg_database() {
  if [ -n "$PG_DATABASE" ]; then
    pg_admin_sql "DROP DATABASE IF EXISTS \"${PG_DATABASE}\" WITH (FORCE)" >/dev/null 2>&1 \
      || echo "NOTE: could not drop the PostgreSQL database ${PG_DATABASE}; drop it by hand" >&2
    PG_DATABASE=""
  fi
}
# Sets PG_CONN, or PG_SKIP (why not) and returns 1. Mirrors .ci/run for a local cluster, without installing anything.
setup_postgres() {
  if [ -n "${DCR_BENCH_POSTGRES:-}" ]; then
    PG_CONN="$DCR_BENCH_POSTGRES"
    return 0
  fi
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    PG_SKIP="DCR_BENCH_POSTGRES is unset and no local PostgreSQL is installed (no pg_lsclusters)"; return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    PG_SKIP="DCR_BENCH_POSTGRES is unset and using the local PostgreSQL needs root"; return 1
  fi
  local pg_version="" pg_cluster=""
  read -r pg_version pg_cluster pg_port < <(pg_lsclusters --no-header | awk 'NR == 1 { print $1, $2, $3 }') || true
  if [ -z "$pg_version" ]; then
    PG_SKIP="DCR_BENCH_POSTGRES is unset and the local PostgreSQL has no cluster"; return 1
  fi
  local pg_listen="/etc/postgresql/$pg_version/$pg_cluster/conf.d/dcr-ci.conf"
  if [ ! -f "$pg_listen" ]; then
    # The same file .ci/run writes: the server listens on the loopback address only.
    mkdir -p "$(dirname "$pg_listen")"
    printf "# Written by .ci/run: the server listens on the loopback address only.\nlisten_addresses = '127.0.0.1'\n" >"$pg_listen"
    pg_ctlcluster "$pg_version" "$pg_cluster" stop >/dev/null 2>&1 || true
  fi
  if pg_lsclusters --no-header | awk -v v="$pg_version" -v c="$pg_cluster" '$1 == v && $2 == c && $4 != "online" { down = 1 } END { exit !down }'; then
    note "the local PostgreSQL cluster ${pg_version}/${pg_cluster} was down: started it, and left it running (as .ci/run does)"
  fi
  pg_ctlcluster "$pg_version" "$pg_cluster" start >/dev/null 2>&1 || true
  if ! pg_isready -h 127.0.0.1 -p "$pg_port" -t 60 >/dev/null; then
    PG_SKIP="the local PostgreSQL $pg_version does not answer on 127.0.0.1:$pg_port"; return 1
  fi
  local pg_password
  pg_password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  # Its own role (not .ci/run's dcr_test, whose password a concurrent CI run sets).
  runuser -u postgres -- psql -p "$pg_port" -q -v ON_ERROR_STOP=1 -v password="$pg_password" >/dev/null <<'SQL'
SELECT CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = 'dcr_bench')
            THEN 'ALTER ROLE dcr_bench LOGIN CREATEDB PASSWORD ' || quote_literal(:'password')
            ELSE 'CREATE ROLE dcr_bench LOGIN CREATEDB PASSWORD ' || quote_literal(:'password') END \gexec
SQL
  PG_LOCAL=1
  PG_CONN="Host=127.0.0.1;Port=$pg_port;Username=dcr_bench;Password=$pg_password;Database=postgres"
  return 0
}

# --- Servers --------------------------------------------------------------------------------------------------------
wait_ready() { # url log
  for _ in $(seq 1 90); do
    if curl -fsS -o /dev/null "$1/.well-known/openid-configuration" 2>/dev/null; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "The server stopped at start-up:" >&2; tail -n 40 "$2" >&2; exit 1; fi
    sleep 1
  done
  echo "The server does not answer at $1:" >&2; tail -n 40 "$2" >&2; exit 1
}
port_free() {
  if curl -s -o /dev/null --max-time 2 "$1"; then echo "Something already answers at $1: stop it first." >&2; exit 1; fi
}
# start_host NAME OPTION...: our host, with a fresh key file and log; sets SERVER_PID and HOST_COMMAND.
start_host() {
  local name="$1"; shift
  local data="${WORK}/data-${name}"
  mkdir -p "$data"
  # shellcheck disable=SC2206 # HOST_ARGS is a list of options
  local args=(--contentRoot "${WORK}/host" --urls "$URL" --Sample:RateLimit:PermitsPerMinute=0 "$@" "--Sample:KeysPath=${data}/sample-keys.json" ${HOST_ARGS:-})
  (cd "${WORK}/host" && exec ./HostSample "${args[@]}") >"${WORK}/host-${name}.log" 2>&1 &
  SERVER_PID=$!
  HOST_COMMAND="HostSample$(for a in "${args[@]}"; do if [[ "$a" == *[[:space:]\;]* ]]; then printf ' "%s"' "$a"; else printf ' %s' "$a"; fi; done | sed -E 's/(Password=)[^;"]*/\1***/I')"
  wait_ready "$URL" "${WORK}/host-${name}.log"
  echo "   ${name}: our host pid ${SERVER_PID} on ${URL}"
}
# start_peer STORE: node-oidc-provider with the in-memory store (unbounded) or the durable one (its own fresh journal).
start_peer() {
  local store="$1" journal="${WORK}/peer/journal-$$-${RANDOM}.ndjson"
  rm -f "$journal"
  (cd "${WORK}/peer" && exec env PEER_PORT="$PEER_PORT" PEER_INITIAL_ACCESS_TOKEN="$PEER_INITIAL_ACCESS_TOKEN" PEER_STORE="$store" PEER_JOURNAL="$journal" node server.mjs) \
    >"${WORK}/peer-${store}.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$PEER_URL" "${WORK}/peer-${store}.log"
  echo "   peer: $(grep -m1 listening "${WORK}/peer-${store}.log") (pid ${SERVER_PID})"
}

# --- Load runs ------------------------------------------------------------------------------------------------------
# bench OUTPUT|- LOG_LABEL TOOL_OPTION...: one run of the load tool against the running server; prints its summary.
bench() {
  local output="$1" label="$2"; shift 2
  local log="${WORK}/bench.log" out=()
  [ "$output" = "-" ] || out=(--output "$output")
  if dotnet "${WORK}/bench/Dcr.Bench.dll" "$@" --host-pid "$SERVER_PID" "${out[@]}" >"$log" 2>&1; then
    grep -E '^(Requests|Throughput|Latency|Errors|CPU|Rotations) ' "$log" | sed 's/^/     /' || true
  else
    note "run ${label} failed: $(tail -n 3 "$log" | tr '\n' ' ')"
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "The server has stopped during ${label}." >&2
    exit 1
  fi
}
# measure TARGET URL "SCENARIO..." TOOL_OPTION...: each scenario at each concurrency against the running server, each
# run WARMUP s unrecorded then DURATION s measured (after an optional unrecorded prewarm of each scenario).
measure() {
  local target="$1" url="$2" scenarios="$3"; shift 3
  mkdir -p "${RESULTS}/${target}"
  local scenario c
  if [ "$PREWARM_SECONDS" != "0" ]; then
    echo "   unrecorded prewarm: each scenario for ${PREWARM_SECONDS} s at concurrency 16"
    for scenario in $scenarios; do
      # shellcheck disable=SC2046 # the tool's options of the row
      bench - "${target} prewarm ${scenario}" --url "$url" "$@" $(tool_options_of "$scenario") --concurrency 16 \
        --duration "$PREWARM_SECONDS" --warmup 0 --clients "$CLIENTS" >/dev/null
    done
  fi
  for scenario in $scenarios; do
    for c in $CONCURRENCY; do
      echo "== ${target}: ${scenario}, concurrency ${c}   (load average $(cut -d' ' -f1-3 /proc/loadavg))"
      # shellcheck disable=SC2046 # the tool's options of the row
      bench "${RESULTS}/${target}/${scenario}-c${c}.json" "${target} ${scenario} c${c}" --url "$url" "$@" \
        $(tool_options_of "$scenario") --concurrency "$c" --duration "$DURATION" --warmup "$WARMUP" --clients "$CLIENTS"
      sleep 1
    done
  done
  env_put "rss_${target}_kb" "$(rss_kb "$SERVER_PID")"
}

# --- Build ----------------------------------------------------------------------------------------------------------
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
echo "== Build (Release): samples/HostSample (${HOST_BUILD}) and bench/Dcr.Bench"
if [ "$HOST_BUILD" = "publish-r2r" ]; then
  # What the sample ships as (bench/README.md, warm-up): its code and its packages precompiled with ReadyToRun.
  dotnet publish samples/HostSample -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -o "${WORK}/host" -nologo -v quiet
else
  dotnet build samples/HostSample -c Release -nologo -v quiet
  cp -r samples/HostSample/bin/Release/net10.0 "${WORK}/host"
fi
rm -rf "${WORK}/host/App_Data"
dotnet build bench/Dcr.Bench -c Release -nologo -v quiet
cp -r bench/Dcr.Bench/bin/Release/net10.0 "${WORK}/bench"
cp "${WORK}/host/appsettings.json" "${RESULTS}/host-appsettings.json"

oidc_provider_version="n/a"
if wants peer; then
  echo "== Peer: npm install in bench/peer (no lockfile)"
  (cd bench/peer && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
  mkdir -p "${WORK}/peer"
  cp -r bench/peer/package.json bench/peer/server.mjs bench/peer/node_modules "${WORK}/peer/"
  oidc_provider_version="$(cd "${WORK}/peer" && node -p "require('./node_modules/oidc-provider/package.json').version")"
fi

# --- What is measured on what ---------------------------------------------------------------------------------------
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git_commit="commit $(git rev-parse --short HEAD)"
  if [ -n "$(git --no-optional-locks status --porcelain 2>/dev/null)" ]; then git_commit+=" + uncommitted changes (dirty)"; fi
else
  git_commit="unknown (not a git working tree)"
fi
env_put started_utc "$started"
env_put machine_nproc "$(nproc)"
env_put machine_cpu "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
env_put machine_memory "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
env_put machine_kernel "$(uname -r)"
env_put machine_os "$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || uname -s)"
env_put dotnet_sdk "$(dotnet --version)"
env_put dotnet_runtime "$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { n = $2 } $1 == "Microsoft.AspNetCore.App" { a = $2 } END { print "Microsoft.NETCore.App " n ", Microsoft.AspNetCore.App " a }')"
env_put git_commit "$git_commit"
env_put openiddict "$(sed -n 's/.*Include="OpenIddict.Core" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)"
env_put node "$(node --version 2>/dev/null || echo 'not installed')"
env_put oidc_provider "$oidc_provider_version"
env_put scenarios "$SCENARIOS"
env_put concurrency "$CONCURRENCY"
env_put targets "$TARGETS"
env_put duration "$DURATION"
env_put warmup "$WARMUP"
env_put clients "$CLIENTS"
env_put host_build "$HOST_BUILD"
env_put prewarm "$([ "$PREWARM_SECONDS" = "0" ] && echo "none" || echo "${PREWARM_SECONDS} s of each scenario at concurrency 16")"
env_put peer_command "PEER_PORT=${PEER_PORT} PEER_INITIAL_ACCESS_TOKEN=${PEER_INITIAL_ACCESS_TOKEN} PEER_STORE=<unbounded|durable> PEER_JOURNAL=<a fresh file> node server.mjs"
env_put scale_clients "$SCALE_CLIENTS"

# --- Targets --------------------------------------------------------------------------------------------------------
# ours DATABASE CONNECTION_OPTION...: our host in its three configurations, each on a fresh store, with the rows that
# belong to it. For PostgreSQL the connection option is computed per configuration (a new database each).
ours() {
  local database="$1" config target scenarios args
  for config in default read update; do
    scenarios="$(scenarios_of "ours-${config}")"
    [ -n "$scenarios" ] || continue
    case "$config" in
      default) target="$database"; args=() ;;
      read) target="${database}-read"; args=("${READ_ARGS[@]}") ;;
      update) target="${database}-update"; args=("${UPDATE_ARGS[@]}") ;;
    esac
    echo "== Target ${target}: our host on a fresh ${database} store (${config} configuration): ${scenarios}"
    port_free "$URL"
    if [ "$database" = "sqlite" ]; then
      start_host "$target" "--ConnectionStrings:Dcr=Data Source=${WORK}/data-${target}/dcr.db" "${args[@]}"
    else
      PG_DATABASE="dcr_bench_$(date -u +%Y%m%d%H%M%S)_$$_${config}"
      start_host "$target" --Database:Provider=PostgreSql "--ConnectionStrings:Dcr=$(pg_with_database "$PG_DATABASE")" "${args[@]}"
    fi
    env_put "host_${target}_command" "$HOST_COMMAND"
    measure "$target" "$URL" "$scenarios"
    stop_server
    [ "$database" = "sqlite" ] || drop_pg_database
  done
}

if wants sqlite; then
  ours sqlite
fi

if wants postgres; then
  if setup_postgres; then
    env_put postgres_server "$(pg_admin_sql 'SHOW server_version' 2>/dev/null | head -n 1 | sed 's/^/PostgreSQL /' || true) on $(pg_key host):$(pg_key port | sed 's/^$/5432/'), its default configuration$([ "$PG_LOCAL" = 1 ] && echo " (the local cluster, started like .ci/run does)")"
    ours postgres
  else
    note "PostgreSQL target skipped: ${PG_SKIP}"
    env_put postgres_server "skipped: ${PG_SKIP}"
  fi
else
  env_put postgres_server "not run (TARGETS)"
fi

if wants peer; then
  peer_options=(--registration-path /reg --token-path /token --initial-access-token "$PEER_INITIAL_ACCESS_TOKEN")
  for store in unbounded durable; do
    target="$([ "$store" = durable ] && echo peer-durable || echo peer)"
    scenarios="$(scenarios_of "$([ "$store" = durable ] && echo peer-durable || echo peer-memory)")"
    [ -n "$scenarios" ] || continue
    echo "== Target ${target}: node-oidc-provider ${oidc_provider_version}, ${store} store: ${scenarios}"
    port_free "$PEER_URL"
    start_peer "$store"
    measure "$target" "$PEER_URL" "$scenarios" "${peer_options[@]}"
    stop_server
  done
fi

# --- Warm-up: the first seconds of a fresh host against its steady state (bench/warmup.sh) ----------------------------
if [ "$WARMUP_STEP" != "0" ]; then
  echo "== Warm-up: a fresh host (${HOST_BUILD}) driven at once, token and register, first ${WARMUP_STEP_SECONDS} s against steady state"
  port_free "$URL"
  # Always token and register: a SCENARIOS given for the table (which warmup.sh would inherit) does not apply here.
  SCENARIOS="token register" HOST_DIR="${WORK}/host" BENCH_DLL="${WORK}/bench/Dcr.Bench.dll" RESULTS="${RESULTS}/warmup" VARIANTS="$WARMUP_VARIANTS" ROUNDS=1 \
    FIRST_SECONDS="$WARMUP_STEP_SECONDS" STEADY_WARMUP="$WARMUP" STEADY_SECONDS="$DURATION" PORT="$PORT" \
    bash bench/warmup.sh || note "the warm-up step failed (bench/warmup.sh)"
else
  env_put warmup_note "WARMUP_STEP=0"
fi

# --- Scale: our host on SQLite, about 1,000 clients, then SCALE_CLIENTS -----------------------------------------------
if [ "$SCALE" != "0" ]; then
  echo "== Scale: our host on a fresh SQLite file, about 1,000 then ${SCALE_CLIENTS} clients"
  mkdir -p "${RESULTS}/scale"
  port_free "$URL"
  start_host scale "--ConnectionStrings:Dcr=Data Source=${WORK}/data-scale/dcr.db"
  step=0
  scale_run() { # NAME TOOL_OPTION...
    step=$((step + 1))
    local name="$1"; shift
    echo "   scale ${step}: ${name} $*"
    bench "${RESULTS}/scale/$(printf '%02d' "$step")-${name}.json" "scale ${name}" --url "$URL" "$@"
  }
  checkpoint() {
    # Registrations: all measured (no warm-up), so that the report counts every client. manage and token register
    # their set-up clients (counted from the results) and register nothing while they run.
    scale_run register --scenario register --concurrency 1 --warmup 0 --duration 300 --max-requests "$SCALE_REQUESTS"
    scale_run manage --scenario manage --concurrency 1 --warmup 1 --duration "$SCALE_SECONDS" --clients "$SCALE_SETUP_CLIENTS"
    scale_run token --scenario token --concurrency 1 --warmup 1 --duration "$SCALE_SECONDS" --clients "$SCALE_SETUP_CLIENTS"
  }
  # JIT warm-up of the fresh host for manage and token (the first fill warms registration up); their set-up clients
  # count towards the total.
  prewarmed=0
  if [ "$WARMUP" != "0" ]; then
    for scenario in manage token; do
      scale_run prewarm --scenario "$scenario" --concurrency 16 --warmup 0 --duration "$WARMUP" --clients "$SCALE_SETUP_CLIENTS" >/dev/null
      prewarmed=$((prewarmed + SCALE_SETUP_CLIENTS))
    done
  fi
  first=1000
  if [ "$SCALE_CLIENTS" -lt "$first" ]; then first="$SCALE_CLIENTS"; fi
  if [ "$first" -gt "$prewarmed" ]; then
    scale_run fill --scenario register --concurrency 16 --warmup 0 --duration 7200 --max-requests "$((first - prewarmed))"
  fi
  env_put scale_rss_1_clients "$first"
  env_put scale_rss_1_kb "$(rss_kb "$SERVER_PID")"
  checkpoint
  registered=$((first + SCALE_REQUESTS + 2 * SCALE_SETUP_CLIENTS))
  remaining=$((SCALE_CLIENTS - registered))
  if [ "$remaining" -gt 0 ]; then
    scale_run fill --scenario register --concurrency 16 --warmup 0 --duration 7200 --max-requests "$remaining"
    registered="$SCALE_CLIENTS"
    env_put scale_rss_2_clients "$SCALE_CLIENTS"
    env_put scale_rss_2_kb "$(rss_kb "$SERVER_PID")"
    checkpoint
  else
    note "scale: SCALE_CLIENTS=${SCALE_CLIENTS} is not above the ${registered} clients of the first checkpoint; one checkpoint only"
  fi
  env_put scale_rss_end_kb "$(rss_kb "$SERVER_PID")"
  env_put scale_hwm_end_kb "$(hwm_kb "$SERVER_PID")"
  env_put scale_db_kb "$(du -ck "${WORK}/data-scale/"dcr.db* | awk 'END { print $1 }')"
  if command -v sqlite3 >/dev/null 2>&1; then
    env_put scale_db_applications "$(sqlite3 -readonly "${WORK}/data-scale/dcr.db" 'SELECT count(*) FROM OpenIddictApplications' 2>/dev/null || echo n/a)"
  fi
  env_put host_scale_command "$HOST_COMMAND"
  stop_server
else
  env_put scale_note "SCALE=0"
fi

# --- Report ---------------------------------------------------------------------------------------------------------
env_put finished_utc "$(date -u '+%Y-%m-%d %H:%M UTC')"
mkdir -p "$(dirname "$REPORT")"
dotnet "${WORK}/bench/Dcr.Bench.dll" report --input "$RESULTS" --output "$REPORT"
rm -rf "bench/results/${DATE}"
mkdir -p "bench/results/${DATE}"
cp -r "${RESULTS}/." "bench/results/${DATE}/"
echo "== Done: ${REPORT} (raw results in bench/results/${DATE}/)"
