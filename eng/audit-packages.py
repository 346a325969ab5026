#!/usr/bin/env python3
"""Fails when a package restored for the solution has a known vulnerability.

Two sources, either of which fails the audit:
  1. the registry's vulnerability data, through 'dotnet list package --vulnerable --include-transitive';
  2. eng/known-vulnerabilities.txt, checked against every resolved package (direct and transitive), for advisories
     the registry does not publish data for.

  eng/audit-packages.py              audit Dcr.sln (restore first)
  eng/audit-packages.py --self-test  prove that both checks fail on a vulnerable graph, then exit
"""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADVISORIES = ROOT / "eng" / "known-vulnerabilities.txt"


def version_key(version):
    # NuGet versions: numeric parts, then an optional pre-release label, which sorts before the release.
    core, _, prerelease = version.partition("-")
    numbers = [int(part) for part in core.split("+")[0].split(".")]
    numbers += [0] * (4 - len(numbers))
    return numbers, 0 if prerelease else 1, prerelease


def read_advisories(path):
    advisories = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        package, first_affected, first_fixed, advisory = line.split(None, 3)
        advisories.append((package.lower(), first_affected, first_fixed, advisory))
    return advisories


def resolved_packages(listing):
    for project in listing.get("projects", []):
        for framework in project.get("frameworks", []):
            for package in framework.get("topLevelPackages", []) + framework.get("transitivePackages", []):
                yield pathlib.Path(project["path"]).name, package["id"], package["resolvedVersion"]


def known_findings(listing, advisories):
    findings = set()
    for project, package, version in resolved_packages(listing):
        for advisory_package, first_affected, first_fixed, advisory in advisories:
            if package.lower() == advisory_package and version_key(first_affected) <= version_key(version) < version_key(first_fixed):
                findings.add(f"{project}: {package} {version} ({advisory}; fixed in {first_fixed})")
    return sorted(findings)


def registry_findings(listing):
    findings = set()
    for project in listing.get("projects", []):
        for framework in project.get("frameworks", []):
            for package in framework.get("topLevelPackages", []) + framework.get("transitivePackages", []):
                for vulnerability in package.get("vulnerabilities", []):
                    findings.add(f"{pathlib.Path(project['path']).name}: {package['id']} {package['resolvedVersion']} "
                                 f"({vulnerability.get('severity')}: {vulnerability.get('advisoryurl')})")
    return sorted(findings)


def dotnet_list(*extra):
    result = subprocess.run(["dotnet", "list", str(ROOT / "Dcr.sln"), "package", "--include-transitive", "--format", "json", *extra],
                            capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"FAIL: dotnet list package {' '.join(extra)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout)


def self_test():
    vulnerable = {"projects": [{"path": "/x/App.csproj", "frameworks": [{"framework": "net10.0",
        "topLevelPackages": [{"id": "OpenIddict.Core", "requestedVersion": "7.8.0", "resolvedVersion": "7.8.0",
                              "vulnerabilities": [{"severity": "High", "advisoryurl": "https://example.invalid/advisory"}]}],
        "transitivePackages": [{"id": "openiddict.server", "resolvedVersion": "7.9.0-preview.1"}]}]}]}
    fixed = {"projects": [{"path": "/x/App.csproj", "frameworks": [{"framework": "net10.0",
        "topLevelPackages": [{"id": "OpenIddict.Core", "requestedVersion": "7.9.0", "resolvedVersion": "7.9.0"}],
        "transitivePackages": [{"id": "OpenIddict.Server", "resolvedVersion": "7.10.0"}]}]}]}
    advisories = read_advisories(ADVISORIES)
    assert len(known_findings(vulnerable, advisories)) == 2, known_findings(vulnerable, advisories)
    assert known_findings(fixed, advisories) == [], known_findings(fixed, advisories)
    assert len(registry_findings(vulnerable)) == 1 and registry_findings(fixed) == []
    print("audit self-test passed: 7.8.0 and 7.9.0-preview.1 are flagged, 7.9.0 and 7.10.0 are not")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    findings = registry_findings(dotnet_list("--vulnerable")) + known_findings(dotnet_list(), read_advisories(ADVISORIES))
    if findings:
        print("FAIL: packages with known vulnerabilities:\n  " + "\n  ".join(findings), file=sys.stderr)
        sys.exit(1)
    print("Package audit: no known vulnerability in any restored package (registry data and eng/known-vulnerabilities.txt)")


if __name__ == "__main__":
    main()
