"""`make audit`: pip-audit on requirements.lock, saying plainly what it could not check.

pip-audit reports "No known vulnerabilities found" and exits 0 even when it could look up none of
the packages (its vulnerability service unreachable, every package skipped). Here that is a
failure: an audit that checked nothing must not read as a clean one. Exit status: 0 every package
checked and none vulnerable, 1 vulnerabilities found, 2 the audit could not be done (in part).

Run by `make audit` with the pip-audit of its own virtualenv (var/audit), not part of .ci/run:
it needs the network and the answer changes over time without any change here.
"""

import json
import subprocess
import sys

SERVICES = ("pypi", "osv")


def _audit(pip_audit: str, lock: str, service: str) -> tuple[dict | None, str]:
    command = [
        pip_audit,
        "--requirement",
        lock,
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--vulnerability-service",
        service,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    try:
        return json.loads(done.stdout), done.stderr
    except json.JSONDecodeError:
        return None, done.stderr


def main(pip_audit: str, lock: str) -> int:
    for service in SERVICES:
        report, errors = _audit(pip_audit, lock, service)
        if report is None:
            last = errors.strip().splitlines()[-1:] or ["no output"]
            print(f"audit: pip-audit could not reach its vulnerability data ({service}): {last[0]}")
            continue
        packages = report["dependencies"]
        skipped = [p for p in packages if p.get("skip_reason")]
        if skipped:
            print(
                f"audit: {len(skipped)} of {len(packages)} packages could not be checked against "
                f"the vulnerability data ({service}); first: {skipped[0]['skip_reason']}"
            )
            continue
        vulnerable = [p for p in packages if p.get("vulns")]
        for package in vulnerable:
            for vuln in package["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
                print(f"{package['name']} {package['version']}: {vuln['id']} (fixed in {fixed})")
        if vulnerable:
            count = f"{len(vulnerable)} of {len(packages)}"
            print(f"audit: {count} packages have known vulnerabilities")
            return 1
        print(f"audit: all {len(packages)} packages checked ({service}): no known vulnerabilities")
        return 0
    print(
        "audit: NOT DONE. No vulnerability data could be reached from this machine, so no "
        "package was checked. Run `make audit` where the vulnerability services are reachable."
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
