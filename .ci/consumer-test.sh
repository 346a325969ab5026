#!/usr/bin/env bash
# The consumer's first hour, as CI: a fresh `dotnet new web` project outside the repository, the packages the README's
# "Add it to your server" section names (the product from the packed .nupkg files in a local folder feed, never a
# project reference; OpenIddict and EF Core from the machine's usual NuGet source), the README's Program.cs as it
# stands, started on 127.0.0.1; then, over HTTP with curl: an initial access token for the seeded administrative
# client, a registration (201), a token for the new client, a read and a delete of its registration.
#
#   .ci/consumer-test.sh [FEED]    FEED: folder with the packed packages (default artifacts/packages, from
#                                  'dotnet pack -c Release -o artifacts/packages')
# KEEP_CONSUMER_DIR=1 keeps the temporary project for inspection. Every step has a time limit; any failure exits 1.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
feed=$(cd "${1:-$repo/artifacts/packages}" && pwd)
readme="$repo/README.md"
started=$SECONDS
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_UI_LANGUAGE=en

fail() { echo "FAIL (consumer test): $*" >&2; exit 1; }
step() { echo "-- consumer: $*"; }

# --- What the README says ---------------------------------------------------------------------------------------
# The text between <!-- consumer:NAME:start --> and <!-- consumer:NAME:end -->, without the code fences.
readme_block() {
    awk -v start="<!-- consumer:$1:start -->" -v end="<!-- consumer:$1:end -->" '
        $0 == start { inside = 1; next }
        $0 == end   { inside = 0; next }
        inside && !/^```/ { print }' "$readme"
}
packages_block=$(readme_block packages)
program=$(readme_block program)
[[ -n "$packages_block" ]] || fail "README.md has no <!-- consumer:packages:start/end --> block"
[[ "$program" == *"MapDynamicClientRegistration()"* ]] || fail "README.md has no <!-- consumer:program:start/end --> block with the server"

# The version a package has in Directory.Packages.props, the one place the repository pins versions.
pinned_version() {
    sed -n "s/.*<PackageVersion Include=\"$1\" Version=\"\([^\"]*\)\".*/\1/p" "$repo/Directory.Packages.props" | head -n 1
}

product_version=$(timeout 120 dotnet msbuild "$repo/src/Dcr.IdentityServerExtensions.OpenIddict" -getProperty:PackageVersion) \
    || fail "cannot read the product's PackageVersion"
for id in Dcr.IdentityServerExtensions Dcr.IdentityServerExtensions.OpenIddict Dcr.IdentityServerExtensions.AdminUi Dcr.IdentityServerExtensions.EntityFrameworkCore; do
    for extension in nupkg snupkg; do
        [[ -f "$feed/$id.$product_version.$extension" ]] || fail "$feed/$id.$product_version.$extension is missing: run 'dotnet pack -c Release -o artifacts/packages'"
    done
done

# What a package page and a debugger need: the metadata, the README, the XML docs, the symbols.
python3 - "$feed" "$product_version" <<'PY' || fail "the packages lack required content (above)"
import re, sys, zipfile
feed, version = sys.argv[1], sys.argv[2]
problems = []
for package_id in ("Dcr.IdentityServerExtensions", "Dcr.IdentityServerExtensions.OpenIddict", "Dcr.IdentityServerExtensions.AdminUi", "Dcr.IdentityServerExtensions.EntityFrameworkCore"):
    with zipfile.ZipFile(f"{feed}/{package_id}.{version}.nupkg") as nupkg:
        names = set(nupkg.namelist())
        nuspec = nupkg.read(f"{package_id}.nuspec").decode("utf-8-sig")
    with zipfile.ZipFile(f"{feed}/{package_id}.{version}.snupkg") as snupkg:
        symbols = set(snupkg.namelist())
    expected_files = ["README.md", f"lib/net10.0/{package_id}.dll", f"lib/net10.0/{package_id}.xml"]
    problems += [f"{package_id}: no {name}" for name in expected_files if name not in names]
    if f"lib/net10.0/{package_id}.pdb" not in symbols:
        problems.append(f"{package_id}: the .snupkg has no lib/net10.0/{package_id}.pdb")
    checks = {
        "id": f"<id>{re.escape(package_id)}</id>",
        "version": f"<version>{re.escape(version)}</version>",
        "authors": r"<authors>[^<]+</authors>",
        "description": r"<description>[^<]{20,}</description>",
        "licence expression": r'<license type="expression">Apache-2\.0</license>',
        "readme": r"<readme>README\.md</readme>",
        "tags": r"<tags>[^<]+</tags>",
        "repository": r'<repository type="git" url="https?://[^"]+"[^>]* commit="[0-9a-f]{40}"',
    }
    problems += [f"{package_id}: nuspec lacks {what}" for what, pattern in checks.items() if not re.search(pattern, nuspec)]
if problems:
    sys.exit("\n".join(problems))
PY

step "packages $product_version: metadata, README, XML docs and symbols present"

# Every line of the packages block is the template command or 'dotnet add package ID --version VERSION', with the
# version CI packed (the product) or the one Directory.Packages.props pins (everything else).
package_ids=() package_versions=()
while IFS= read -r line; do
    [[ -z "${line// }" || "$line" == "dotnet new web"* ]] && continue
    [[ "$line" =~ ^dotnet\ add\ package\ ([A-Za-z0-9._-]+)\ --version\ ([0-9A-Za-z.+-]+)$ ]] \
        || fail "README.md consumer:packages: unexpected line '$line' (expected 'dotnet add package ID --version VERSION')"
    id=${BASH_REMATCH[1]} version=${BASH_REMATCH[2]}
    if [[ "$id" == Dcr.IdentityServerExtensions* ]]; then
        expected=$product_version
    else
        expected=$(pinned_version "$id")
        [[ -n "$expected" ]] || fail "README.md names $id, which Directory.Packages.props does not pin"
    fi
    [[ "$version" == "$expected" ]] || fail "README.md pins $id $version, the repository has $expected: update README.md"
    package_ids+=("$id") package_versions+=("$version")
done <<<"$packages_block"
[[ " ${package_ids[*]} " == *" Dcr.IdentityServerExtensions.OpenIddict "* ]] || fail "README.md does not add Dcr.IdentityServerExtensions.OpenIddict"
[[ " ${package_ids[*]} " == *" Dcr.IdentityServerExtensions.EntityFrameworkCore "* ]] || fail "README.md does not add Dcr.IdentityServerExtensions.EntityFrameworkCore"

# --- A fresh project outside the repository (no Directory.*.props, no central package management) --------------
work=$(mktemp -d "${TMPDIR:-/tmp}/dcr-consumer.XXXXXX")
app_pid=
cleanup() {
    local status=$?
    if [[ -n "$app_pid" ]] && kill -0 "$app_pid" 2>/dev/null; then
        kill -TERM "$app_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$app_pid" 2>/dev/null || true
        wait "$app_pid" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -f "$work/server.log" ]]; then
        echo "---- server log (last 60 lines) ----" >&2
        tail -n 60 "$work/server.log" >&2
    fi
    if [[ "${KEEP_CONSUMER_DIR:-}" == 1 ]]; then
        echo "consumer project kept in $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
app="$work/AuthServer"

step "dotnet new web in $work"
timeout 120 dotnet new web -n AuthServer -o "$app" >"$work/new.log" 2>&1 || { cat "$work/new.log" >&2; fail "dotnet new web"; }

# The local feed is added beside the machine's sources (no <clear/>: they still serve OpenIddict and EF Core). Source
# mapping pins the product's ids to the local feed, so a package of the same name elsewhere can never be taken.
other_sources=$(cd "$app" && timeout 60 dotnet nuget list source --format Detailed \
    | sed -nE 's/^[[:space:]]*[0-9]+\.[[:space:]]+(.*) \[Enabled\][[:space:]]*$/\1/p')
[[ -n "$other_sources" ]] || fail "no enabled NuGet source on this machine to restore OpenIddict and EF Core from"
{
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<configuration>'
    echo '  <packageSources>'
    echo "    <add key=\"dcr-local-feed\" value=\"$feed\" />"
    echo '  </packageSources>'
    echo '  <packageSourceMapping>'
    echo '    <packageSource key="dcr-local-feed">'
    echo '      <package pattern="Dcr.IdentityServerExtensions" />'
    echo '      <package pattern="Dcr.IdentityServerExtensions.*" />'
    echo '    </packageSource>'
    while IFS= read -r source; do
        echo "    <packageSource key=\"$source\"><package pattern=\"*\" /></packageSource>"
    done <<<"$other_sources"
    echo '  </packageSourceMapping>'
    echo '</configuration>'
} >"$app/nuget.config"

# A package restored once is never fetched again from the global packages folder: a copy of an earlier pack of the
# same version would hide the one under test. Only the product's own entries go.
global_packages=$(timeout 60 dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')
[[ -n "$global_packages" ]] || fail "cannot locate the NuGet global packages folder"
for id in dcr.identityserverextensions dcr.identityserverextensions.openiddict dcr.identityserverextensions.entityframeworkcore; do
    rm -rf "${global_packages%/}/$id/$product_version"
done

step "add packages: ${package_ids[*]}"
for i in "${!package_ids[@]}"; do
    (cd "$app" && timeout 120 dotnet add package "${package_ids[$i]}" --version "${package_versions[$i]}" --no-restore) \
        >>"$work/add.log" 2>&1 || { cat "$work/add.log" >&2; fail "dotnet add package ${package_ids[$i]}"; }
done
printf '%s\n' "$program" >"$app/Program.cs"

step "restore and build (Release, warnings are errors)"
(cd "$app" && timeout 600 dotnet restore) >"$work/restore.log" 2>&1 || { cat "$work/restore.log" >&2; fail "dotnet restore"; }
(cd "$app" && timeout 600 dotnet build -c Release --no-restore -warnaserror) >"$work/build.log" 2>&1 \
    || { grep -E 'error|warning' "$work/build.log" | sort -u >&2 || cat "$work/build.log" >&2; fail "the README's Program.cs does not build"; }
[[ -f "$app/obj/project.assets.json" ]] && grep -q "\"Dcr.IdentityServerExtensions.OpenIddict/$product_version\"" "$app/obj/project.assets.json" \
    || fail "the build did not use Dcr.IdentityServerExtensions.OpenIddict $product_version"
grep -q '<ProjectReference' "$app/AuthServer.csproj" && fail "the consumer project has a project reference"

# --- Run it on 127.0.0.1, on a port the kernel picks -------------------------------------------------------------
admin_secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
step "start the server"
(cd "$app" && ASPNETCORE_ENVIRONMENT=Development exec dotnet bin/Release/net10.0/AuthServer.dll \
    --urls http://127.0.0.1:0 --DcrAdmin:Secret="$admin_secret" --Logging:LogLevel:Microsoft.Hosting.Lifetime=Information) \
    >"$work/server.log" 2>&1 &
app_pid=$!
base=
for _ in $(seq 1 300); do   # 60 s
    kill -0 "$app_pid" 2>/dev/null || fail "the server exited during start-up"
    base=$(sed -nE 's#.*Now listening on: (http://127\.0\.0\.1:[0-9]+).*#\1#p' "$work/server.log" | head -n 1)
    [[ -n "$base" ]] && break
    sleep 0.2
done
[[ -n "$base" ]] || fail "the server did not listen within 60 s"
step "server at $base"

# HTTP helpers: body to $work/body, status code on stdout. Each request has 15 s.
request() { curl -sS --max-time 15 -o "$work/body" -w '%{http_code}' "$@"; }
field() { sed -nE "s/.*\"$1\" *: *\"([^\"]*)\".*/\1/p" "$work/body" | head -n 1; }
expect() {
    local want=$1 got=$2 what=$3
    [[ "$got" == "$want" ]] || fail "$what: HTTP $got, expected $want: $(head -c 600 "$work/body")"
}

status=$(request "$base/.well-known/openid-configuration")
expect 200 "$status" "discovery"
[[ "$(field registration_endpoint)" == "$base/connect/register" ]] || fail "discovery lacks registration_endpoint $base/connect/register"

status=$(request -u "dcr-admin:$admin_secret" -d grant_type=client_credentials -d scope=dcr "$base/connect/token")
expect 200 "$status" "initial access token for dcr-admin"
iat=$(field access_token)
[[ -n "$iat" ]] || fail "no access_token for dcr-admin"

status=$(request -X POST "$base/connect/register" -H "Authorization: Bearer $iat" -H 'Content-Type: application/json' \
    -d '{"client_name":"Consumer test","grant_types":["client_credentials"],"scope":"api"}')
expect 201 "$status" "registration"
client_id=$(field client_id) client_secret=$(field client_secret)
registration_token=$(field registration_access_token) client_uri=$(field registration_client_uri)
[[ -n "$client_id" && -n "$client_secret" && -n "$registration_token" && "$client_uri" == "$base/connect/register/$client_id" ]] \
    || fail "the registration response lacks client_id, client_secret, registration_access_token or registration_client_uri"
step "registered client $client_id"

# The admin API: the seeded administrative client may obtain the admin scope; the client is listed with its creator.
status=$(request -u "dcr-admin:$admin_secret" -d grant_type=client_credentials -d scope=dcr:admin "$base/connect/token")
expect 200 "$status" "admin API token for dcr-admin"
admin_token=$(field access_token)
status=$(request "$base/admin/dcr/clients/$client_id" -H "Authorization: Bearer $admin_token")
expect 200 "$status" "admin API read of the registered client"
[[ "$(field created_by)" == dcr-admin && "$(field source)" == dcr ]] || fail "the admin API does not show the client's creator and source"
status=$(request "$base/admin/dcr/clients" -H "Authorization: Bearer $iat")
expect 403 "$status" "admin API with an initial access token (no admin scope)"

status=$(request -u "$client_id:$client_secret" -d grant_type=client_credentials -d scope=api "$base/connect/token")
expect 200 "$status" "token for the registered client"
[[ -n "$(field access_token)" ]] || fail "no access_token for the registered client"

status=$(request "$client_uri" -H "Authorization: Bearer $registration_token")
expect 200 "$status" "RFC 7592 read"
[[ "$(field client_name)" == "Consumer test" ]] || fail "the read answer lacks client_name"
# The read rotated both credentials (the defaults): the new ones work, the old secret no longer does.
registration_token=$(field registration_access_token) old_secret=$client_secret client_secret=$(field client_secret)
[[ -n "$registration_token" && -n "$client_secret" ]] || fail "the read answer lacks the rotated client_secret or registration_access_token"
status=$(request -u "$client_id:$client_secret" -d grant_type=client_credentials -d scope=api "$base/connect/token")
expect 200 "$status" "token with the rotated secret"
status=$(request -u "$client_id:$old_secret" -d grant_type=client_credentials -d scope=api "$base/connect/token")
[[ "$(field error)" == invalid_client ]] || fail "the secret replaced by rotation still works (HTTP $status)"

status=$(request -X DELETE "$client_uri" -H "Authorization: Bearer $registration_token")
expect 204 "$status" "RFC 7592 delete"
status=$(request -u "$client_id:$client_secret" -d grant_type=client_credentials -d scope=api "$base/connect/token")
[[ "$status" == 400 || "$status" == 401 ]] && [[ "$(field error)" == invalid_client ]] \
    || fail "the deleted client still gets a token (HTTP $status)"

echo "Consumer test passed in $((SECONDS - started)) s: README Program.cs with Dcr.IdentityServerExtensions.OpenIddict $product_version from $feed"
