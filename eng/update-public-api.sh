#!/usr/bin/env bash
# Records the current public API of the packages in their PublicAPI.Unshipped.txt.
#
# Microsoft.CodeAnalysis.PublicApiAnalyzers fails the Release build when the code's public API and the files
# src/<project>/PublicAPI.Shipped.txt + PublicAPI.Unshipped.txt disagree:
#   RS0016  a public symbol that neither file declares   -> added to PublicAPI.Unshipped.txt
#   RS0017  a declared symbol that is no longer public    -> removed from PublicAPI.Unshipped.txt, or, when it was
#                                                            shipped, recorded there as *REMOVED*<symbol>
# This script builds each project, reads those two diagnostics from the compiler output (their message carries the
# symbol exactly as the files spell it) and rewrites PublicAPI.Unshipped.txt, sorted. Run it after a deliberate
# change of the public API and review the diff: every added or removed line is a change consumers will see.
# At a release, move the lines of PublicAPI.Unshipped.txt into PublicAPI.Shipped.txt (docs/contributing.md).
#
#   eng/update-public-api.sh            update the files
#   eng/update-public-api.sh --check    change nothing; exit 1 when the files do not match the code
set -euo pipefail
cd "$(dirname "$0")/.."

check_only=false
case "${1:-}" in
    "") ;;
    --check) check_only=true ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_UI_LANGUAGE=en   # the diagnostics are parsed: their English text
export LC_ALL=C                    # byte order for sort, as the analyzer's code fix sorts

projects=(src/Dcr.IdentityServerExtensions src/Dcr.IdentityServerExtensions.OpenIddict src/Dcr.IdentityServerExtensions.AdminUi src/Dcr.IdentityServerExtensions.EntityFrameworkCore)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Builds one project from scratch (an up-to-date build would not run the analyzers and would report nothing) and
# writes its RS0016/RS0017 findings as "RS0016<TAB>symbol" lines. Debug, with warnings as warnings: the Release
# outputs are left to the warnings-as-errors build, which must never find them up to date from a lenient build.
diagnose() {
    local project=$1 out=$2
    local csproj
    csproj="$(pwd)/$project/$(basename "$project").csproj"
    if ! timeout 900 dotnet build "$project" -c Debug --no-incremental -tl:off -clp:NoSummary \
            -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= >"$work/build.log" 2>&1; then
        grep -E ': error ' "$work/build.log" | sort -u >&2 || tail -n 40 "$work/build.log" >&2
        echo "FAIL: $project does not build; fix the errors above first" >&2
        exit 1
    fi
    { grep -F "[$csproj]" "$work/build.log" || true; } \
        | sed -nE "s/^.*warning (RS0016): Symbol '(.*)' is not part of the declared public API.*$/\1\t\2/p;
                   s/^.*warning (RS0017): Symbol '(.*)' is part of the declared API, but is either not public or could not be found.*$/\1\t\2/p" \
        | sort -u >"$out"
}

for project in "${projects[@]}"; do
    for file in PublicAPI.Shipped.txt PublicAPI.Unshipped.txt; do
        [[ -f "$project/$file" ]] || printf '#nullable enable\n' >"$project/$file"
    done
done

stale=()
for project in "${projects[@]}"; do
    findings="$work/findings.tsv"
    diagnose "$project" "$findings"
    added=$(grep -c '^RS0016' "$findings" || true)
    removed=$(grep -c '^RS0017' "$findings" || true)
    echo "$project: $added symbol(s) to declare, $removed to remove"
    [[ "$added" == 0 && "$removed" == 0 ]] && continue
    stale+=("$project")
    "$check_only" && continue

    unshipped="$project/PublicAPI.Unshipped.txt"
    shipped="$project/PublicAPI.Shipped.txt"
    grep '^RS0016' "$findings" | cut -f2- >"$work/add.txt" || true
    grep '^RS0017' "$findings" | cut -f2- >"$work/remove.txt" || true
    {
        # Entries of Unshipped that are still public, the new ones, and shipped ones that are gone (*REMOVED*).
        grep -v -e '^#nullable enable$' -e '^[[:space:]]*$' "$unshipped" | grep -vxF -f "$work/remove.txt" || true
        cat "$work/add.txt"
        grep -xF -f "$work/remove.txt" "$shipped" | sed 's/^/*REMOVED*/' || true
    } | sort -u >"$work/body.txt"
    { echo '#nullable enable'; cat "$work/body.txt"; } >"$unshipped"
done

if "$check_only"; then
    if ((${#stale[@]} > 0)); then
        echo "FAIL: the public API of ${stale[*]} differs from PublicAPI.*.txt: run eng/update-public-api.sh" >&2
        exit 1
    fi
    echo "PublicAPI files match the code"
    exit 0
fi

# The files must now match the code exactly.
for project in "${stale[@]}"; do
    diagnose "$project" "$work/after.tsv"
    if [[ -s "$work/after.tsv" ]]; then
        cat "$work/after.tsv" >&2
        echo "FAIL: $project still has public API diagnostics after the update" >&2
        exit 1
    fi
done
echo "PublicAPI.Unshipped.txt up to date (${#stale[@]} project(s) changed); review it with: git diff -- 'src/*/PublicAPI.*.txt'"
