#!/usr/bin/env python3
"""Fault-injection and fuzz campaign against the release binary (issue 10).

Each family runs many cases and counts how many held their promise:
  kill        SIGKILL at a random moment of a rebuild; the next build succeeds, keeps every
              primary key, and leaves no staging or old folder.
  kill-first  SIGKILL during a first build; the next build succeeds and leaves no leftovers.
  failpoint   a crash at each test failpoint (KMGEN_FAILPOINT), fresh and rebuild; same checks.
  disk-full   a file size limit (ulimit -f) cuts the writes; exit 1, previous bundle unchanged.
  read-only   the output folder is read-only; exit 1 with an error, previous bundle unchanged.
  concurrent  4 builds of one output at once; all exit 0, keys unchanged, no leftovers.
  secrets     profiles whose secrets are unique markers (check, plan, build -v): no marker in
              any output stream, manifest or README; every file holding one is 0600.
  mutate      random mutations of a valid profile (byte flips, deletions, duplicated lines,
              swapped values): `check` exits 0 or 1 (never a panic), and never prints a
              secret marker.
Usage: scripts/campaign.py [--rounds N] [--seed S]   (run as a non-root user for read-only)
Prints one line per family: cases, held, broken, and the first broken cases.
"""
import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "kmgen")
PROFILE = os.path.join(ROOT, "profiles", "hybrid-single-node.toml")
NAME = "acme-single"


def run(args, cwd, env=None, timeout=120, preexec=None):
    e = dict(os.environ)
    e.pop("KMGEN_FAILPOINT", None)
    e.update(env or {})
    return subprocess.run([BIN] + args, cwd=cwd, env=e, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=preexec)


def tree(path):
    out = {}
    for base, _, files in os.walk(path):
        for f in files:
            p = os.path.join(base, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, path)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def keys(bundle):
    return {k: v for k, v in tree(bundle).items() if k.startswith("pki/keys/")}


def leftovers(out):
    return [n for n in os.listdir(out) if n.startswith(".") and not n.endswith(".lock")]


def workdir():
    d = tempfile.mkdtemp(prefix="kmgen-campaign-")
    shutil.copy(PROFILE, os.path.join(d, "profile.toml"))
    shutil.copytree(os.path.join(ROOT, "profiles", "secrets"), os.path.join(d, "secrets"))
    return d


class Family:
    def __init__(self, name):
        self.name, self.cases, self.broken = name, 0, []

    def check(self, ok, what):
        self.cases += 1
        if not ok:
            self.broken.append(what)

    def line(self):
        held = self.cases - len(self.broken)
        first = "; ".join(self.broken[:3])
        return f"{self.name:<11} cases {self.cases:>5}  held {held:>5}  broken {len(self.broken):>3}" + (
            f"  e.g. {first}" if first else "")


def kill_family(rng, rounds, first_build):
    f = Family("kill-first" if first_build else "kill")
    for i in range(rounds):
        d = workdir()
        try:
            out = os.path.join(d, "out")
            bundle = os.path.join(out, NAME)
            before = {}
            if not first_build:
                run(["build", "profile.toml", "-o", "out"], d)
                before = keys(bundle)
            e = dict(os.environ)
            p = subprocess.Popen([BIN, "build", "profile.toml", "-o", "out"], cwd=d, env=e,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, 0.25 if first_build else 0.08))
            p.send_signal(signal.SIGKILL)
            p.wait()
            r = run(["build", "profile.toml", "-o", "out"], d)
            ok = r.returncode == 0 and not leftovers(out)
            if not first_build:
                ok = ok and keys(bundle) == before
            f.check(ok, f"case {i}: exit {r.returncode} {r.stderr.strip()[:80]}")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return f


def failpoint_family():
    f = Family("failpoint")
    for point in ["staged-manifest", "swap-between-renames", "swap-done"]:
        for rebuild in [False, True]:
            d = workdir()
            try:
                out, bundle = os.path.join(d, "out"), os.path.join(d, "out", NAME)
                before = {}
                if rebuild:
                    run(["build", "profile.toml", "-o", "out"], d)
                    before = keys(bundle)
                run(["build", "profile.toml", "-o", "out"], d, env={"KMGEN_FAILPOINT": point})
                r = run(["build", "profile.toml", "-o", "out"], d)
                ok = r.returncode == 0 and not leftovers(out) and (not rebuild or keys(bundle) == before)
                f.check(ok, f"{point} rebuild={rebuild}: {r.stderr.strip()[:80]}")
            finally:
                shutil.rmtree(d, ignore_errors=True)
    return f


def disk_full_family(rng, rounds):
    import resource
    f = Family("disk-full")
    for i in range(rounds):
        d = workdir()
        try:
            bundle = os.path.join(d, "out", NAME)
            run(["build", "profile.toml", "-o", "out"], d)
            before = tree(bundle)
            kib = rng.randint(1, 200)

            def limit():
                resource.setrlimit(resource.RLIMIT_FSIZE, (kib * 1024, kib * 1024))
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            # A changed profile forces new bytes to be written.
            with open(os.path.join(d, "profile.toml"), "a") as fh:
                fh.write("\n")
            r = run(["build", "profile.toml", "-o", "out"], d, preexec=limit)
            ok = (r.returncode == 1 and tree(bundle) == before) or r.returncode == 0
            f.check(ok and r.returncode != 101, f"{kib} KiB: exit {r.returncode}")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return f


def read_only_family():
    """As root, runs kmgen as `nobody` (setpriv), since root writes through read-only modes."""
    f = Family("read-only")
    d = workdir()
    try:
        out, bundle = os.path.join(d, "out"), os.path.join(d, "out", NAME)
        prefix = []
        if os.geteuid() == 0:
            os.chmod(d, 0o755)
            subprocess.run(["chown", "-R", "65534:65534", d], check=True)
            prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        build = prefix + [BIN, "build", "profile.toml", "-o", "out"]
        subprocess.run(build, cwd=d, capture_output=True, check=True)
        before = tree(bundle)
        # A changed profile, so that the build has something to write.
        path = os.path.join(d, "profile.toml")
        with open(path) as fh:
            text = fh.read()
        with open(path, "w") as fh:
            fh.write(text.replace('"Adm1n-secret"', '"Adm1n-secret-2"'))
        for target in (out, bundle):
            os.chmod(target, 0o555)
            r = subprocess.run(build, cwd=d, capture_output=True, text=True)
            os.chmod(target, 0o755)
            refused = r.returncode == 1 and r.stderr.startswith("error") and tree(bundle) == before
            # A read-only bundle folder can still be renamed aside: the new bundle lands and
            # the old one, which cannot be emptied, is named in a warning.
            warned = r.returncode == 0 and "warning: could not remove" in r.stderr
            f.check(refused or warned,
                    f"{os.path.basename(target)} read-only: exit {r.returncode} {r.stderr[:60]!r}")
            for left in leftovers(out):
                subprocess.run(["chmod", "-R", "u+w", os.path.join(out, left)])
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return f


def concurrent_family(rounds):
    f = Family("concurrent")
    for i in range(rounds):
        d = workdir()
        try:
            out, bundle = os.path.join(d, "out"), os.path.join(d, "out", NAME)
            ps = [subprocess.Popen([BIN, "build", "profile.toml", "-o", "out"], cwd=d,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                  for _ in range(4)]
            codes = [p.wait() for p in ps]
            first = keys(bundle)
            r = run(["build", "profile.toml", "-o", "out"], d)
            ok = codes == [0, 0, 0, 0] and r.returncode == 0 and keys(bundle) == first and not leftovers(out)
            f.check(ok, f"case {i}: exits {codes}")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return f


def marker_profile(rng):
    marks = {k: "M" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(14))
             for k in ["admin", "ks", "ts", "am", "um", "reg"]}
    text = f'''[deployment]
name = "{NAME}"
pattern = "hybrid-single-node"
[admin]
password = "{marks['admin']}"
[tls]
keystore_password = "{marks['ks']}"
truststore_password = "{marks['ts']}"
[database]
type = "{rng.choice(['mysql', 'postgresql', 'mssql', 'oracle'])}"
host = "db.example.com"
[database.am]
name = "amdb"
username = "amuser"
password = "{marks['am']}"
[database.um]
name = "umdb"
username = "umuser"
password = "{marks['um']}"
[database.reg]
name = "regdb"
username = "reguser"
password = "{marks['reg']}"
[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"
[[node]]
name = "apim"
role = "all-in-one"
host = "apim.example.com"
'''
    return text, list(marks.values())


def secrets_family(rng, rounds):
    f = Family("secrets")
    for i in range(rounds):
        d = tempfile.mkdtemp(prefix="kmgen-campaign-")
        try:
            text, marks = marker_profile(rng)
            with open(os.path.join(d, "profile.toml"), "w") as fh:
                fh.write(text)
            streams = ""
            for args in (["check", "profile.toml"], ["plan", "profile.toml", "--format", "json"],
                         ["build", "profile.toml", "-o", "out", "-v"]):
                r = run(args, d)
                streams += r.stdout + r.stderr
            bundle = os.path.join(d, "out", NAME)
            leaks = [m for m in marks if m in streams]
            for name in ("manifest.json", "README.md"):
                with open(os.path.join(bundle, name)) as fh:
                    body = fh.read()
                leaks += [f"{name}:{m}" for m in marks if m in body]
            loose = []
            for rel in tree(bundle):
                p = os.path.join(bundle, rel)
                with open(p, "rb") as fh:
                    body = fh.read()
                if any(m.encode() in body for m in marks) and os.stat(p).st_mode & 0o077:
                    loose.append(rel)
            f.check(not leaks and not loose, f"case {i}: leaks {leaks[:2]} loose {loose[:2]}")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return f


def mutate(rng, text):
    lines = text.split("\n")
    op = rng.randrange(5)
    if op == 0 and text:
        i = rng.randrange(len(text))
        return text[:i] + chr(rng.randrange(32, 127)) + text[i + 1:]
    if op == 1 and lines:
        del lines[rng.randrange(len(lines))]
    elif op == 2 and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif op == 3:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        a, b = lines[i].partition("="), lines[j].partition("=")
        if a[1] and b[1]:
            lines[i], lines[j] = a[0] + "=" + b[2], b[0] + "=" + a[2]
    else:
        i = rng.randrange(len(text) + 1)
        return text[:i] + rng.choice(['"', "'", "[", "]", "{", "=", "\n", "\\", "\x00", "é"]) + text[i:]
    return "\n".join(lines)


# Keys whose values kmgen shows (names, hosts, types): a mutation that moves a secret there
# makes it a name, and showing it is no leak.
SHOWN_KEYS = {"name", "pattern", "role", "host", "type", "username", "format", "key_alias",
              "apim_version", "is_km_version", "url", "bind_dn", "client", "sync"}


def in_secret_place(text, marker):
    """True when `marker` stands anywhere in `text` but as the value of a shown key."""
    for line in text.split("\n"):
        if marker in line:
            key = line.partition("=")[0].strip().strip('"').split(".")[-1]
            if key not in SHOWN_KEYS:
                return True
    return False


def mutate_family(rng, rounds):
    f = Family("mutate")
    base, marks = marker_profile(rng)
    d = tempfile.mkdtemp(prefix="kmgen-campaign-")
    try:
        for i in range(rounds):
            text = base
            for _ in range(rng.randint(1, 4)):
                text = mutate(rng, text)
            with open(os.path.join(d, "profile.toml"), "w", encoding="utf-8", errors="replace") as fh:
                fh.write(text)
            r = run(["check", "profile.toml"], d, timeout=30)
            leak = [m for m in marks if m in r.stdout + r.stderr and in_secret_place(text, m)]
            f.check(r.returncode in (0, 1) and not leak,
                    f"case {i}: exit {r.returncode} leak {leak[:1]} {r.stderr.strip()[:60]!r}")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    a = ap.parse_args()
    if not os.path.exists(BIN):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    rng = random.Random(a.seed)
    print(f"kmgen campaign, seed {a.seed}, {a.rounds} rounds per family")
    families = [
        lambda: kill_family(rng, a.rounds, False),
        lambda: kill_family(rng, a.rounds, True),
        failpoint_family,
        lambda: disk_full_family(rng, a.rounds),
        read_only_family,
        lambda: concurrent_family(max(1, a.rounds // 4)),
        lambda: secrets_family(rng, a.rounds),
        lambda: mutate_family(rng, a.rounds * 50),
    ]
    broken = 0
    for fam in families:
        f = fam()
        broken += len(f.broken)
        print(f.line(), flush=True)
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
