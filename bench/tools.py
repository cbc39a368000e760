#!/usr/bin/env python3
"""bench/tools.py - the helpers of bench/run that bash does badly.

Subcommands (all stdlib, all bounded by a deadline or by their input):
  ready     poll a DNS server over UDP until it answers; print when
  dnsperf   turn a dnsperf summary into key=value lines
  pct       latency percentiles from dnsperf -v output
  sample    a fixed-seed random sample of a file's lines
  report    the markdown tables of a run, from its results.tsv and meta

Invariants: only the server named on the command line is ever sent to
(bench/run passes 127.0.0.1 inside a private network namespace); nothing
here starts or stops a process.
"""

import argparse
import os
import random
import re
import select
import socket
import statistics
import struct
import sys
import time


# --- ready -------------------------------------------------------------

def dns_query(qid, name):
    """A wire-format query for NAME/A/IN with RD set."""
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 1, 1)


def cmd_ready(a):
    """Arm (write a line to --armed), then send a query every --interval
    ms until one is answered or --deadline s pass.  Prints
    'ready=EPOCH rcode=N tries=K'; exit 1 on the deadline.  The caller
    takes its own EPOCHREALTIME just before starting the server, so
    start-up = ready - start, to about the polling interval."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dest = (a.server, a.port)
    with open(a.armed + ".tmp", "w") as f:
        f.write("armed\n")
    os.rename(a.armed + ".tmp", a.armed)
    end = time.monotonic() + a.deadline
    tries = 0
    while time.monotonic() < end:
        tries += 1
        qid = tries & 0xFFFF
        try:
            s.sendto(dns_query(qid, a.name), dest)
        except OSError:
            pass
        r, _, _ = select.select([s], [], [], a.interval / 1000.0)
        while r:
            try:
                msg, src = s.recvfrom(4096)
            except OSError:
                break
            now = time.time()
            if src == dest and len(msg) >= 12:
                rid, flags = struct.unpack("!HH", msg[:4])
                if flags & 0x8000:
                    print("ready=%.6f rcode=%d tries=%d" %
                          (now, flags & 0xF, tries))
                    return 0
            r, _, _ = select.select([s], [], [], 0)
    print("ready=none tries=%d" % tries)
    return 1


# --- dnsperf -------------------------------------------------------------

DNSPERF_KEYS = [
    ("sent", r"Queries sent:\s+(\d+)"),
    ("completed", r"Queries completed:\s+(\d+)"),
    ("lost", r"Queries lost:\s+(\d+)"),
    ("qps", r"Queries per second:\s+([\d.]+)"),
    ("runtime", r"Run time \(s\):\s+([\d.]+)"),
    ("avg_lat", r"Average Latency \(s\):\s+([\d.]+)"),
    ("noerror", r"NOERROR (\d+)"),
    ("nxdomain", r"NXDOMAIN (\d+)"),
    ("servfail", r"SERVFAIL (\d+)"),
]


def cmd_dnsperf(a):
    """key=value lines from a dnsperf summary; missing keys are 0.
    'end' is time, file or unknown (why dnsperf stopped)."""
    text = open(a.file, errors="replace").read()
    for key, rx in DNSPERF_KEYS:
        m = re.search(rx, text)
        print("%s=%s" % (key, m.group(1) if m else "0"))
    if "Testing complete (time limit)" in text:
        print("end=time")
    elif "Testing complete (end of file)" in text:
        print("end=file")
    else:
        print("end=unknown")
    return 0


# --- pct ---------------------------------------------------------------

def percentile(sorted_vals, p):
    """Nearest-rank percentile of an ascending list (p in 0..100)."""
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1,
                   int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def cmd_pct(a):
    """p50/p99/p99.9/max in ms of the '> RCODE NAME TYPE SECONDS' lines
    that dnsperf -v prints for every answered query."""
    lat = []
    with open(a.file, errors="replace") as f:
        for line in f:
            if line.startswith("> "):
                try:
                    lat.append(float(line.split()[-1]))
                except ValueError:
                    pass
    lat.sort()
    print("n=%d" % len(lat))
    for name, p in (("p50", 50), ("p99", 99), ("p999", 99.9)):
        print("%s_ms=%.4f" % (name, percentile(lat, p) * 1000))
    print("max_ms=%.4f" % ((lat[-1] if lat else float("nan")) * 1000))
    return 0


# --- sample --------------------------------------------------------------

def cmd_sample(a):
    lines = open(a.file).read().splitlines()
    rnd = random.Random(a.seed)
    for line in rnd.sample(lines, min(a.n, len(lines))):
        print(line)
    return 0


# --- report --------------------------------------------------------------

def load_results(path):
    """results.tsv: run resolver workload metric value -> nested dict
    d[workload][metric][resolver] = {run: value}."""
    d = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5 or parts[0] == "run":
                continue
            run, res, wl, metric, val = parts
            try:
                v = float(val)
            except ValueError:
                continue
            d.setdefault(wl, {}).setdefault(metric, {}).setdefault(
                res, {})[run] = v
    return d


def fmt_num(v, kind):
    if v != v:  # nan
        return "-"
    if kind == "qps":
        return "%.1fk" % (v / 1000) if v >= 1000 else "%.0f" % v
    if kind == "int":
        return "%d" % round(v)
    if kind == "ms":
        return "%.3f" % v
    if kind == "us":
        return "%.2f" % v
    if kind == "ratio":
        return "%.2f" % v
    if kind == "budget":
        return "%.4f" % v
    return "%.3g" % v


def spread(vals, kind):
    """'median (min-max)' or one value."""
    vals = sorted(vals)
    if not vals:
        return "-"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt_num(med, kind)
    return "%s (%s-%s)" % (fmt_num(med, kind), fmt_num(vals[0], kind),
                           fmt_num(vals[-1], kind))


def one_or_spread(vals, kind):
    """The value when every one is the same, else spread()."""
    return fmt_num(vals[0], kind) if vals and min(vals) == max(vals) \
        else spread(vals, kind)


def ratios(per_run, res, base="unbound"):
    """Per-run ratio res/base over the runs both have: the same run,
    the same minute of machine noise."""
    a, b = per_run.get(res, {}), per_run.get(base, {})
    out = []
    for run in a:
        if run in b and b[run] > 0:
            out.append(a[run] / b[run])
    return out


def cross_ratios(a, b):
    """Per-run ratio a/b of two {run: value} dicts (any workload or
    resolver each), over the runs both have."""
    return [a[run] / b[run] for run in a if run in b and b[run] > 0]


def med(vals):
    return statistics.median(vals) if vals else float("nan")


class Report:
    def __init__(self, data, resolvers):
        self.d = data
        self.res = resolvers
        self.lines = []
        self.verdicts = []

    def out(self, s=""):
        self.lines.append(s)

    def vals(self, wl, metric, res):
        return list(self.d.get(wl, {}).get(metric, {}).get(res, {})
                    .values())

    def table(self, wl, cols, res=None, base="unbound",
              base_title="x Unbound"):
        """cols: (metric, heading, kind, with_ratio); rows res (default
        the run's resolvers), ratios per run to base."""
        head = ["resolver"]
        for metric, title, kind, rat in cols:
            head.append(title)
            if rat:
                head.append(base_title)
        self.out("| " + " | ".join(head) + " |")
        self.out("|" + "---|" * len(head))
        for r in res or self.res:
            if not any(self.vals(wl, c[0], r) for c in cols):
                continue
            row = [r]
            for metric, title, kind, rat in cols:
                row.append(spread(self.vals(wl, metric, r), kind))
                if rat:
                    row.append(spread(ratios(self.d.get(wl, {}).get(
                        metric, {}), r, base), "ratio"))
            self.out("| " + " | ".join(row) + " |")
        self.out()

    def target(self, what, wl, metric, op, limit, ratio=True, kind="ratio",
               res="roostd", base="unbound"):
        """One line of the targets checklist for res (roostd), judged on
        the median (of per-run ratios to base when ratio)."""
        per_run = self.d.get(wl, {}).get(metric, {})
        vals = ratios(per_run, res, base) if ratio else \
            list(per_run.get(res, {}).values())
        if not vals:
            self.verdicts.append((what, "-", "not measured"))
            return
        m = med(vals)
        ok = m <= limit if op == "<=" else m >= limit
        shown = spread(vals, kind)
        self.verdicts.append((what, shown, "met" if ok else "NOT met"))

    def per_run(self, wl, metric, res):
        return self.d.get(wl, {}).get(metric, {}).get(res, {})

    def local_table(self):
        """The blocked and local answers of roostd next to its hits and
        the echo's, each CPU per query also as a per-run ratio to
        roostd's hit and to the echo's hit in the same run."""
        rows = [("roostd", "hit", "cache hit"),
                ("roostd", "blocked", "blocked name (NXDOMAIN, EDE 15)"),
                ("roostd", "local", "local name (*.localhost)"),
                ("echo", "hit", "bare echo")]
        hit = self.per_run("hit", "cpu_us", "roostd")
        echo = self.per_run("hit", "cpu_us", "echo")
        self.out("| resolver | answer | QPS | CPU us/query | x roostd hit "
                 "| x echo | lost |")
        self.out("|---|---|---|---|---|---|---|")
        for res, wl, what in rows:
            cpu = self.per_run(wl, "cpu_us", res)
            if not cpu:
                continue
            self.out("| %s | %s | %s | %s | %s | %s | %s |" % (
                res, what, spread(self.vals(wl, "qps", res), "qps"),
                spread(list(cpu.values()), "us"),
                spread(cross_ratios(cpu, hit), "ratio"),
                spread(cross_ratios(cpu, echo), "ratio"),
                spread(self.vals(wl, "lost", res), "int")))
        self.out()

    def info_cross(self, what, a, b, label):
        """One unjudged line: per-run ratios of two {run: value} dicts."""
        vals = cross_ratios(a, b)
        if vals:
            self.verdicts.append((what, spread(vals, "ratio"), label))

    def info(self, what, wl, metric, res, base, label):
        """One unjudged line: the per-run ratios res/base, shown with
        LABEL in place of a verdict (the echo floor)."""
        vals = ratios(self.d.get(wl, {}).get(metric, {}), res, base)
        if vals:
            self.verdicts.append((what, spread(vals, "ratio"), label))


def plain_sections(rp, meta, data):
    """The tables of the plain (unsigned) runs: hits, latency, misses,
    memory, budget, start-up."""
    o = rp.out
    o("## Cache hit: %s hot names, %s s at max rate (dnsperf -q %s)" %
      (meta.get("hot"), meta.get("duration"), meta.get("outstanding")))
    o()
    rp.table("hit", [("qps", "QPS", "qps", True),
                     ("cpu_us", "CPU us/query", "us", True),
                     ("lost", "lost", "int", False)])
    if rp.vals("hit", "cpu_us", "echo"):
        o("`echo` is no resolver: bench/echo.c answers each query with "
          "itself (QR set) through the same recvmmsg/sendmmsg loop as "
          "roostd, doing no DNS work. Its CPU per query is the kernel's "
          "per-datagram cost on this machine in this run, the floor that "
          "no resolver on this loop can go below.")
        o()
    local = rp.vals("blocked", "cpu_us", "roostd") or \
        rp.vals("local", "cpu_us", "roostd")
    bl_names = rp.vals("blocklist", "names", "roostd")
    if bl_names:
        o("Every roostd here ran with a blocklist of %s names (`--blocklist`, "
          "hosts format, none of them a hot or miss name), measured once "
          "its log said the list was in force: %s bytes by roostd's own "
          "count, read in %s ms (median (min-max) over the roostd "
          "instances of the hit and miss runs)." % (
              one_or_spread(bl_names, "int"),
              one_or_spread(rp.vals("blocklist", "bytes", "roostd"), "int"),
              spread(rp.vals("blocklist", "load_ms", "roostd"), "int")))
        o()
    if local:
        o("## Answered by roostd itself: blocked and local names, %s s at "
          "max rate" % meta.get("duration"))
        o()
        o("A fresh roostd with the blocklist loaded; 1000 of the "
          "blocklist's names (answered NXDOMAIN with EDE 15), then 1000 "
          "names below localhost. (127.0.0.1), each at max rate like the "
          "hit run. Neither reaches the cache. A ratio is taken per run "
          "(against roostd's cache hit and the echo's in the same run).")
        o()
        rp.local_table()
    o("## Latency: cache hits at a fixed %s qps for %s s" %
      (meta.get("rate"), meta.get("lat_duration")))
    o()
    rp.table("lat", [("p50_ms", "p50 ms", "ms", False),
                     ("p99_ms", "p99 ms", "ms", True),
                     ("p999_ms", "p99.9 ms", "ms", False),
                     ("cpu_us", "CPU us/query", "us", True),
                     ("lost", "lost", "int", False)])
    o("## Cache miss: every query a new name, %s s at max rate, a fresh "
      "instance per run" % meta.get("duration"))
    o()
    rp.table("miss", [("qps", "QPS", "qps", True),
                      ("cpu_us", "CPU us/query", "us", True),
                      ("lost", "lost", "int", False)])
    up = rp.vals("upstream", "qps", "nsd") or rp.vals("upstream", "qps",
                                                        "mockdns")
    if up:
        o("Upstream ceiling (dnsperf straight at the upstream, both on the "
          "load core, as in the miss runs): %s QPS. A miss QPS near it "
          "measures the upstream, not the resolver; CPU per query still "
          "holds." % spread(up, "qps"))
        o()
    names = sorted({int(k.split("_")[1]) for k in data
                    if k.startswith("mem_")})
    for n in names:
        wl = "mem_%d" % n
        o("## Memory: %d distinct names cached (RSS growth over an empty "
          "cache)" % n)
        o()
        rp.table(wl, [("bytes_per_name", "bytes/name", "int", True),
                      ("rss_empty_kb", "RSS empty KiB", "int", False),
                      ("rss_full_kb", "RSS full KiB", "int", False),
                      ("cached_sample", "sample still cached", "int", False),
                      ("fill_lost", "lost while filling", "int", False),
                      ("own_bytes_per_entry", "own accounting B/entry",
                       "int", False),
                      ("evictions", "evictions", "int", False),
                      ("cache_size_kb", "cache-size KiB", "int", False)])
    o("dnsmasq preallocates its whole cache at start: its `RSS empty` is "
      "that of a `--cache-size=0` instance, so its figure counts the "
      "preallocation. The sample (names drawn at random from those "
      "cached) is queried after the upstream was stopped: only a cached "
      "name can be answered. `own accounting` is roostd's cache `bytes` / "
      "`entries` (SIGUSR1). roostd's cache-size is %s bytes per name plus "
      "4 MiB: room for every name without an oversized hash table (it is "
      "cache-size / 32 bytes); the budget run below fills a small one. "
      "dnsmasq's cache-size is the names plus 1000." %
      meta.get("roostd_per_name", "?"))
    o()
    if "budget" in data:
        o("## Budget: roostd with cache-size %s bytes, filled with %s names "
          "(more than fit)" % (meta.get("budget"),
                               meta.get("mem_names", "?").split()[0]))
        o()
        rp.table("budget", [("entries", "entries kept", "int", False),
                            ("evictions", "evictions", "int", False),
                            ("budget_use", "own bytes / budget", "budget",
                             False),
                            ("rss_growth_kb", "RSS growth KiB", "int",
                             False),
                            ("rss_growth_use", "RSS growth / budget",
                             "budget", False)])
    o("## Start-up: exec to the first answered query (a miss), empty cache")
    o()
    rp.table("startup", [("ms", "ms", "ms", False)])


def plain_targets(rp, data):
    """The issue 10 targets of roostd, judged or shown in rp.verdicts."""
    names = sorted({int(k.split("_")[1]) for k in data
                    if k.startswith("mem_")})
    rp.target("hit CPU/query <= 0.6x Unbound", "hit", "cpu_us", "<=", 0.6)
    rp.info("hit CPU floor: bare echo x Unbound", "hit", "cpu_us", "echo",
            "unbound", "floor")
    rp.info("hit CPU: roostd x echo", "hit", "cpu_us", "roostd", "echo",
            "info")
    for wl, what in (("blocked", "blocked"), ("local", "local")):
        rp.info_cross("%s answer CPU: roostd %s x roostd hit" % (what, wl),
                      rp.per_run(wl, "cpu_us", "roostd"),
                      rp.per_run("hit", "cpu_us", "roostd"), "info")
        rp.info_cross("%s answer CPU: roostd %s x echo" % (what, wl),
                      rp.per_run(wl, "cpu_us", "roostd"),
                      rp.per_run("hit", "cpu_us", "echo"), "info")
    rp.target("hit QPS >= 1.1x Unbound", "hit", "qps", ">=", 1.1)
    rp.target("hit: no query lost (max over runs)", "hit", "lost", "<=", 0,
              ratio=False, kind="int")
    rp.target("hit p99 at fixed rate <= 1.0x Unbound", "lat", "p99_ms", "<=",
              1.0)
    rp.target("miss CPU/query <= 0.3x Unbound", "miss", "cpu_us", "<=", 0.3)
    rp.target("miss QPS >= 2x Unbound", "miss", "qps", ">=", 2.0)
    for n in names:
        rp.target("memory <= 150 B/name at %d names" % n, "mem_%d" % n,
                  "bytes_per_name", "<=", 150, ratio=False, kind="int")
    rp.target("budget run: own bytes / cache-size <= 1", "budget",
              "budget_use", "<=", 1.0, ratio=False, kind="budget")
    rp.target("budget run: RSS growth / cache-size <= 1", "budget",
              "rss_growth_use", "<=", 1.0, ratio=False, kind="budget")
    rp.target("start-up < 50 ms", "startup", "ms", "<=", 50, ratio=False,
              kind="ms")
    # "no query lost" must hold in every run, not in the median one.
    lost = rp.vals("hit", "lost", "roostd")
    for i, v in enumerate(rp.verdicts):
        if v[0].startswith("hit: no query lost") and lost:
            rp.verdicts[i] = (v[0], "%d" % max(lost),
                              "met" if max(lost) == 0 else "NOT met")


DNSSEC_RES = ["roostd-dnssec", "roostd-nodnssec", "unbound-dnssec", "echo"]
DNSSEC_BASE = "unbound-dnssec"
# the rows, ratio base and ratio heading of every DNSSEC table
DNSSEC_TABLE = (DNSSEC_RES, DNSSEC_BASE, "x Unbound val.")
# roostd's counters recorded per DNSSEC run (bench/run's RD_KEYS)
DNSSEC_COUNTERS = [
    ("rd_dnssec_secure", "secure"), ("rd_dnssec_insecure", "insecure"),
    ("rd_dnssec_bogus", "bogus"), ("rd_dnssec_indeterminate",
                                   "indeterminate"),
    ("rd_dnssec_key_fetches", "key fetches"),
    ("rd_answers_servfail", "SERVFAIL"), ("rd_fetches_deadlines",
                                          "deadlines")]


def dnssec_sections(rp, meta):
    """The tables of the --dnssec runs: the signed zone's hits, latency
    and misses, each ratio per run to Unbound with its validator."""
    o = rp.out
    o("## DNSSEC: the signed zone %s (%s names, signed in %s s), "
      "ratios to Unbound with its validator" % (
          "bench.", meta.get("dnssec_names", "?"),
          meta.get("dnssec_sign_s", "?")))
    o()
    o("`roostd-dnssec` is roostd with `--dnssec yes`, `unbound-dnssec` "
      "Unbound with `module-config: \"validator iterator\"`; both trust "
      "only the DS `%s` and were checked, before each run, to answer "
      "ok.bench. with AD and bogus.bench. (an altered RRSIG) with "
      "SERVFAIL. `roostd-nodnssec` is roostd with `--dnssec no` asked "
      "the same names: the cost of validation is the difference. dnsperf "
      "asks without DO, as glibc does, so the validators ask upstream "
      "with DO and strip the DNSSEC records from their answers. Each "
      "miss is one new name: one A RRset and one RRSIG to verify with "
      "the zone's key set, fetched once." % meta.get("dnssec_anchor", "?"))
    o()
    o("### Cache hit of a validated answer: %s hot names, %s s at max "
      "rate" % (meta.get("hot"), meta.get("duration")))
    o()
    rp.table("dnssec_hit", [("qps", "QPS", "qps", True),
                            ("cpu_us", "CPU us/query", "us", True),
                            ("lost", "lost", "int", False),
                            ("not_noerror", "not NOERROR", "int", False)],
             *DNSSEC_TABLE)
    o("### Latency of those hits at a fixed %s qps for %s s" %
      (meta.get("rate"), meta.get("lat_duration")))
    o()
    rp.table("dnssec_lat", [("p50_ms", "p50 ms", "ms", False),
                            ("p99_ms", "p99 ms", "ms", True),
                            ("cpu_us", "CPU us/query", "us", True),
                            ("lost", "lost", "int", False)],
             *DNSSEC_TABLE)
    o("### Cache miss, validated: every query a new signed name, at most "
      "%s s at max rate, a fresh instance per run" % meta.get("duration"))
    o()
    rp.table("dnssec_miss", [("qps", "QPS", "qps", True),
                             ("cpu_us", "CPU us/query", "us", True),
                             ("lost", "lost", "int", False),
                             ("servfail", "SERVFAIL", "int", False)],
             *DNSSEC_TABLE)
    up = rp.vals("dnssec_upstream", "qps", "nsd")
    if up:
        o("Upstream ceiling for the signed answers (dnsperf -D straight at "
          "NSD): %s QPS." % spread(up, "qps"))
        o()
    rows = [(wl, r) for wl in ("dnssec_hit", "dnssec_lat", "dnssec_miss")
            for r in ("roostd-dnssec", "roostd-nodnssec")
            if rp.vals(wl, "rd_answers_noerror", r)]
    if rows:
        o("### roostd's own counters over each run (increase, median)")
        o()
        o("| run | resolver | " + " | ".join(t for _, t in DNSSEC_COUNTERS)
          + " |")
        o("|---|---|" + "---|" * len(DNSSEC_COUNTERS))
        for wl, r in rows:
            o("| %s | %s | %s |" % (wl, r, " | ".join(
                one_or_spread(rp.vals(wl, k, r), "int")
                for k, _ in DNSSEC_COUNTERS)))
        o()


def dnssec_targets(rp):
    """The issue 22 figures: miss CPU against Unbound's validator, hits
    unchanged by validation."""
    rp.target("DNSSEC miss CPU/query <= 0.5x Unbound (validator)",
              "dnssec_miss", "cpu_us", "<=", 0.5, res="roostd-dnssec",
              base=DNSSEC_BASE)
    rp.info("DNSSEC miss CPU: roostd validating x roostd dnssec=no",
            "dnssec_miss", "cpu_us", "roostd-dnssec", "roostd-nodnssec",
            "info")
    rp.info("DNSSEC miss QPS: roostd validating x Unbound (validator)",
            "dnssec_miss", "qps", "roostd-dnssec", DNSSEC_BASE, "info")
    rp.target("DNSSEC hit CPU: validating x dnssec=no <= 1.1",
              "dnssec_hit", "cpu_us", "<=", 1.1, res="roostd-dnssec",
              base="roostd-nodnssec")
    rp.info("DNSSEC hit CPU: roostd validating x echo", "dnssec_hit",
            "cpu_us", "roostd-dnssec", "echo", "info")
    rp.info("DNSSEC hit CPU: roostd validating x Unbound (validator)",
            "dnssec_hit", "cpu_us", "roostd-dnssec", DNSSEC_BASE, "info")


DOT_RES = ["roostd-dot", "unbound-dot", "echo"]
DOT_BASE = "unbound-dot"
DOT_TABLE = (DOT_RES, DOT_BASE, "x Unbound DoT")


def dot_sections(rp, meta):
    """The tables of the --dot runs: hits, latency and misses through a
    DNS-over-TLS upstream, each ratio per run to Unbound's
    forward-tls-upstream."""
    o = rp.out
    o("## DNS over TLS: ratios to Unbound with forward-tls-upstream")
    o()
    o("The upstream is an Unbound on 127.0.0.1#853 (pinned with NSD and "
      "dnsperf) with a certificate for dot.bench.test from a CA made for "
      "the run, forwarding to NSD. `roostd-dot` is roostd with `--upstream "
      "\"127.0.0.1#853 tls-name=dot.bench.test\" --tls-ca-file CA`, "
      "`unbound-dot` Unbound with `forward-tls-upstream: yes` and "
      "`tls-cert-bundle: CA`; each was checked, before each run, to "
      "answer a new name through the upstream over TLS (its "
      "num.query.tls grew). dnsperf asks the resolvers over UDP.")
    o()
    o("### Cache hit: %s hot names, %s s at max rate" % (
        meta.get("hot"), meta.get("duration")))
    o()
    rp.table("dot_hit", [("qps", "QPS", "qps", True),
                         ("cpu_us", "CPU us/query", "us", True),
                         ("lost", "lost", "int", False)], *DOT_TABLE)
    o("### Latency of those hits at a fixed %s qps for %s s" %
      (meta.get("rate"), meta.get("lat_duration")))
    o()
    rp.table("dot_lat", [("p50_ms", "p50 ms", "ms", False),
                         ("p99_ms", "p99 ms", "ms", True),
                         ("cpu_us", "CPU us/query", "us", True),
                         ("lost", "lost", "int", False)], *DOT_TABLE)
    o("### Cache miss over TLS: every query a new name, %s s at max rate, "
      "a fresh instance per run" % meta.get("duration"))
    o()
    rp.table("dot_miss", [("qps", "QPS", "qps", True),
                          ("cpu_us", "CPU us/query", "us", True),
                          ("lost", "lost", "int", False),
                          ("not_noerror", "not NOERROR", "int", False),
                          ("tls_qpc", "queries per TLS connection", "int",
                           False)], *DOT_TABLE)
    rows = [r for r in ("roostd-dot",)
            if rp.vals("dot_miss", "rd_upstream_tls_handshakes", r)]
    for r in rows:
        o("roostd over each miss run (increase, median): %s TLS "
          "handshakes, %s queries over TLS, %s TLS errors." % (
              one_or_spread(rp.vals("dot_miss",
                                    "rd_upstream_tls_handshakes", r), "int"),
              one_or_spread(rp.vals("dot_miss", "rd_upstream_tls_queries",
                                    r), "int"),
              one_or_spread(rp.vals("dot_miss", "rd_upstream_tls_errors",
                                    r), "int")))
        o()


def dot_targets(rp):
    """The DNS-over-TLS figures: miss CPU against Unbound over TLS, many
    queries per connection, hits as without TLS."""
    rp.target("DoT miss CPU/query <= 1.0x Unbound (forward-tls-upstream)",
              "dot_miss", "cpu_us", "<=", 1.0, res="roostd-dot",
              base=DOT_BASE)
    rp.info("DoT miss QPS: roostd x Unbound (forward-tls-upstream)",
            "dot_miss", "qps", "roostd-dot", DOT_BASE, "info")
    rp.target("DoT queries per TLS connection under load >= 100",
              "dot_miss", "tls_qpc", ">=", 100, ratio=False, kind="int",
              res="roostd-dot")
    rp.info_cross("DoT hit CPU: roostd over TLS x roostd plain (hit run)",
                  rp.per_run("dot_hit", "cpu_us", "roostd-dot"),
                  rp.per_run("hit", "cpu_us", "roostd"), "info")
    rp.info("DoT hit CPU: roostd over TLS x echo", "dot_hit", "cpu_us",
            "roostd-dot", "echo", "info")
    rp.info_cross("DoT miss CPU: roostd over TLS x roostd plain (miss run)",
                  rp.per_run("dot_miss", "cpu_us", "roostd-dot"),
                  rp.per_run("miss", "cpu_us", "roostd"), "info")


def cmd_report(a):
    data = load_results(a.results)
    meta = {}
    with open(a.meta) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    resolvers = meta.get("resolvers",
                         "roostd unbound dnsmasq echo").split()
    rp = Report(data, resolvers)
    o = rp.out
    o("# roost bench: %s" % meta.get("date", "?"))
    o()
    o("Machine: `%s`, kernel %s, %s CPUs (%s). Load average at start %s, "
      "at end %s." % (meta.get("host", "?"), meta.get("kernel", "?"),
                      meta.get("nproc", "?"), meta.get("cpu", "?"),
                      meta.get("load_start", "?"), meta.get("load_end", "?")))
    o()
    o("Versions: %s." % meta.get("versions", "?"))
    o()
    o("Setup: %s. Every figure is `median (min-max)` over %s runs (the "
      "memory ones over %s); a ratio is taken per run (resolver / Unbound "
      "in the same run), then summarised the same way." % (
          meta.get("setup", "?"), meta.get("runs", "?"),
          meta.get("mem_runs", "?")))
    o()
    if "hit" in data or "miss" in data or any(
            k.startswith("mem_") or k == "budget" for k in data):
        plain_sections(rp, meta, data)
        plain_targets(rp, data)
    if any(k.startswith("dnssec_") for k in data):
        dnssec_sections(rp, meta)
        dnssec_targets(rp)
    if any(k.startswith("dot_") for k in data):
        dot_sections(rp, meta)
        dot_targets(rp)
    o("## Targets, roostd (issue 10; DNSSEC: issue 22; DNS over TLS: "
      "issue 23)")
    o()
    o("| target | measured | verdict |")
    o("|---|---|---|")
    for what, shown, verdict in rp.verdicts:
        o("| %s | %s | %s |" % (what, shown, verdict))
    o()
    notes = meta.get("notes", "").strip()
    if notes:
        o("## Notes from this run")
        o()
        for n in notes.split(" | "):
            o("- " + n)
        o()
    text = "\n".join(rp.lines)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    print(text)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ready")
    s.add_argument("--server", default="127.0.0.1")
    s.add_argument("--port", type=int, default=53)
    s.add_argument("--name", required=True)
    s.add_argument("--deadline", type=float, default=10)
    s.add_argument("--interval", type=float, default=1, help="ms")
    s.add_argument("--armed", required=True)
    s = sub.add_parser("dnsperf")
    s.add_argument("file")
    s = sub.add_parser("pct")
    s.add_argument("file")
    s = sub.add_parser("sample")
    s.add_argument("file")
    s.add_argument("n", type=int)
    s.add_argument("--seed", type=int, default=10)
    s = sub.add_parser("report")
    s.add_argument("results")
    s.add_argument("meta")
    s.add_argument("--out")
    a = p.parse_args()
    return {"ready": cmd_ready, "dnsperf": cmd_dnsperf, "pct": cmd_pct,
            "sample": cmd_sample, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
