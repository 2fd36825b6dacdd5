# Turns the mesh sections' raw figures (bench/mesh-lib.sh) into the Markdown report: delegation
# over one and two hops, the heartbeat write with 1000 nodes, discovery times, the targets.
# Usage: awk -F'\t' -v hb=MS -v cell=S -v warm=S -v tick=100 -v mdns=TEXT -v bignodes=N \
#   -f mesh-report.awk hops.tsv heartbeat.jsonl discovery.tsv notes.txt

function verdict(ok) { return ok ? "**PASS**" : "**FAIL**" }
function jnum(line, key,   re) { # the number under "key" in a one-line JSON object
  re = "\"" key "\":-?[0-9.]+"
  return match(line, re) ? substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3) + 0 : ""
}
function jstr(line, key,   re) {
  re = "\"" key "\":\"[^\"]*\""
  return match(line, re) ? substr(line, RSTART + length(key) + 4, RLENGTH - length(key) - 5) : ""
}
function msOfDay(hms,   p) { # "HH:MM:SS.mmm" (UTC) -> ms since midnight
  split(hms, p, /[:.]/)
  return ((p[1] * 60 + p[2]) * 60 + p[3]) * 1000 + p[4]
}
function median(list,   v, n, i, j, t) { # list: space-separated numbers; lower median
  n = split(list, v, " ")
  if (n == 0) return ""
  for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
  return v[int((n + 1) / 2)]
}
function cpu(t, n) { return n > 0 ? sprintf("%.1f", t * 1e6 / tick / n) : "–" }
function ms(x) { return x == "" ? "–" : sprintf("%.0f ms", x) }

FILENAME == ARGV[1] {
  if (FNR == 1) next
  k = $1 SUBSEP $2; hop[k] = 1
  rps[k] = $3; p50[k] = $4; p99[k] = $5; err[k] = $6; ans[k] = $7; ta[k] = $8; tb[k] = $9
  unf[k] = $10; oldest[k] = $11; anon[k] = $12; ferr[k] = $13
  next
}
FILENAME == ARGV[2] { hbl[++nhb] = $0; next }
FILENAME == ARGV[3] {
  if (FNR == 1) next
  m = $1
  if (!(m in seenMode)) { seenMode[m] = 1; modes[++nm] = m }
  nrun[m]++
  if ($7 == "-" || $3 == "") { failed[m]++; next }
  execMs = $3 / 1000; okMs = $7 / 1000
  usable[m] = usable[m] " " (okMs - execMs)
  attempt[m] = attempt[m] " " ($7 - $6) / 1000
  tries[m] = tries[m] " " $8
  if ($4 != "-" && $4 != "") {
    readyMs = $4 / 1000
    answers[m] = answers[m] " " (readyMs - execMs)
    after[m] = after[m] " " (okMs - readyMs)
    if ($5 != "-" && $5 != "") {
      d = msOfDay($5) - (int(readyMs) % 86400000)
      if (d < -43200000) d += 86400000
      learned[m] = learned[m] " " d
      toUse[m] = toUse[m] " " (okMs - readyMs - d)
    }
  }
  next
}
FILENAME == ARGV[4] { if ($0 != "") notes[++nn] = $0; next }

END {
  one1 = "one" SUBSEP 1; two1 = "two" SUBSEP 1
  print "### Mesh: delegation over one and two hops"
  print ""
  print "`POST /api/message` for the agent `echo`, hosted on node-b only. One hop: the load generator"
  print "→ node-b. Two hops: the load generator → node-a (hosting only `alpha`) → node-b over mutual"
  print "TLS through node-a's client on its I/O loop → back. Both nodes share one mesh.json on loopback; " cell " s"
  print "measured per cell after " warm " s warm-up, keep-alive connections. CPU = the node's utime+stime"
  print "per answered request (warm-up included), µs. The last rows repeat two hops after " bignodes
  print "realistic nodes were added to the shared mesh.json (as in a large mesh)."
  print ""
  print "| path | c | req/s | p50 µs | p99 µs | CPU node-a µs/req | CPU node-b µs/req | node-a RssAnon after | errors |"
  print "|---|---|---|---|---|---|---|---|---|"
  split("one two two-big", paths, " ")
  for (c = 1; c <= 32; c += 31) {
    for (p = 1; p <= 3; p++) {
      path = paths[p]; k = path SUBSEP c
      if (!(k in hop)) continue
      o = "one" SUBSEP c
      label = p == 1 ? "one hop: client → node-b" : "two hops: client → node-a → node-b"
      if (p == 3) label = label ", mesh.json with " bignodes " more nodes"
      r = (p > 1 && rps[o] > 0) ? sprintf(" (%.2f×)", rps[k] / rps[o]) : ""
      q = (p > 1 && p50[o] > 0) ? sprintf(" (%.2f×)", p50[k] / p50[o]) : ""
      e = err[k] + 0 (err[k] > 0 ? " (first: " ferr[k] ")" : "")
      if (unf[k] > 0) e = e ", ⚠ " unf[k] " unanswered at the end (oldest " oldest[k] " ms)"
      printf "| %s | %d | %.0f%s | %s%s | %s | %s | %s | %s | %s |\n", label, c, rps[k], r, p50[k], q, p99[k], (p > 1 ? cpu(ta[k], ans[k]) : "–"), cpu(tb[k], ans[k]), (p > 1 ? sprintf("%.1f MB", anon[k] / 1024) : "–"), e
    }
  }
  if (!(one1 in hop)) print "| (not measured) | | | | | | | | |"

  print ""
  print "### Mesh: one heartbeat write with 1000 nodes in mesh.json"
  print ""
  print "`bench/registry_heartbeat.cpp`: mesh.json with this node and N realistic other nodes (three"
  print "agents each with provider and model, agentDetails, hand-added fields; all fresh, so the prune"
  print "marks none), then `RegistryStore::heartbeatAndPrune(self, 90000)` timed back to back: lock,"
  print "read and parse the file, update, serialize, write a temporary file, fsync, rename, fsync the"
  print "folder. The step columns time each step alone on the same file (medians)."
  print ""
  print "| storage | nodes | mesh.json | ticks | median | p90 | max | read + parse | serialize | write + fsync + rename | lock |"
  print "|---|---|---|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= nhb; i++) {
    l = hbl[i]
    printf "| %s (%s) | %d | %.0f KB | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.3f ms |\n", jstr(l, "dir"), jstr(l, "fs"), jnum(l, "nodes"), jnum(l, "file_bytes") / 1024, jnum(l, "beats"), jnum(l, "tick_median_ms"), jnum(l, "tick_p90_ms"), jnum(l, "tick_max_ms"), jnum(l, "read_parse_median_ms"), jnum(l, "serialize_median_ms"), jnum(l, "replace_median_ms"), jnum(l, "lock_median_ms")
    if (jstr(l, "fs") != "tmpfs" && disk == "") disk = l
  }
  if (nhb == 0) print "| (not measured) | | | | | | | | | | |"

  print ""
  print "### Mesh: from a new node's start to its agents being usable from another node"
  print ""
  print "Each run: fresh node-a (agent alpha) and node-b (agent beta), each with its own storage folder"
  print "(no shared mesh.json), heartbeat_interval_ms " hb "; node-a runs 2 s plus a random part of an"
  print "interval, then node-b is started. Times from node-b's exec: its first answered ping (a poller"
  print "knocking every ms), node-a's log line that it knows node-b (static: `Peer verified`, seed:"
  print "`Mesh join`), and the end of the first `rivetctl --config node-a send beta x` that succeeds"
  print "(tried every ~20 ms; one try takes the \"try\" time, so usable times are late by up to that)."
  print "static: both nodes list both in `mesh.peers`; seed: node-b has `seed_host` = node-a; mdns:"
  print "node-a and node-b in two network namespaces on a bridge, each with its own avahi-daemon."
  print "Medians per column, so the columns need not add up."
  print ""
  print "| mode | runs | exec → node-b answers | answers → node-a knows node-b | knows → beta usable | answers → beta usable from node-a (each run) | median | exec → usable | try |"
  print "|---|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= nm; i++) {
    m = modes[i]
    each = after[m]; gsub(/^ /, "", each); n = split(each, v, " "); each = ""
    for (j = 1; j <= n; j++) each = each (j > 1 ? ", " : "") sprintf("%.0f", v[j])
    printf "| %s | %d%s | %s | %s | %s | %s | %s | %s | %s |\n", m, nrun[m], (failed[m] ? " (" failed[m] " never usable)" : ""), ms(median(answers[m])), ms(median(learned[m])), ms(median(toUse[m])), (each == "" ? "–" : each " ms"), ms(median(after[m])), ms(median(usable[m])), ms(median(attempt[m]))
  }
  if (nm == 0) print "| (not measured) | | | | | | | | |"
  if (!("mdns" in seenMode)) print "| mdns | – | " (mdns == "" ? "not measured" : mdns) " | | | | | | |"
  for (i = 1; i <= nn; i++) { if (i == 1) print ""; print "- " notes[i] }

  print ""
  print "### Mesh targets"
  print ""
  if ((one1 in hop) && (two1 in hop) && p50[one1] > 0) {
    r = p50[two1] / p50[one1]
    printf "- %s two-hop delegation c=1: p50 %s µs = %.2f× the one-hop p50 %s µs (target ≤ 3×)\n", verdict(r <= 3 && err[two1] == 0), p50[two1], r, p50[one1]
  } else print "- **NOT MEASURED** two-hop delegation (see the notes above)"
  big32 = "two-big" SUBSEP 32; one32 = "one" SUBSEP 32
  if ((big32 in hop) && rps[one32] > 0) {
    r = rps[big32] / rps[one32]
    printf "- %s two hops at c=32 with %d more nodes in mesh.json: %.0f req/s = %.2f× one hop's %.0f (target ≥ 0.4×)\n", verdict(r >= 0.4 && err[big32] == 0), bignodes, rps[big32], r, rps[one32]
  }
  if (disk != "") {
    printf "- %s one heartbeat write with %d nodes on %s (%s): median %.2f ms (target ≤ 20 ms; p90 %.2f ms, max %.2f ms)\n", verdict(jnum(disk, "tick_median_ms") <= 20), jnum(disk, "nodes"), jstr(disk, "fs"), jstr(disk, "dir"), jnum(disk, "tick_median_ms"), jnum(disk, "tick_p90_ms"), jnum(disk, "tick_max_ms")
  } else print "- **NOT MEASURED** heartbeat write with 1000 nodes on a disk (see the notes above)"
  for (i = 1; i <= nm; i++) {
    m = modes[i]
    if (m == "mdns") {
      x = median(usable[m])
      if (x == "") { print "- **FAIL** mdns: beta never became usable from node-a"; continue }
      printf "- %s mdns: beta usable from node-a a median %.0f ms after node-b's start (target ≤ 3000 ms; %d of %d runs)\n", verdict(x <= 3000 && !failed[m]), x, nrun[m] - failed[m], nrun[m]
      continue
    }
    x = median(after[m])
    if (x == "") { printf "- **FAIL** %s: beta never became usable from node-a\n", m; continue }
    printf "- %s %s: beta usable from node-a a median %.0f ms after node-b answered (target ≤ 1 heartbeat interval = %d ms; %d of %d runs)\n", verdict(x <= hb && !failed[m]), m, x, hb, nrun[m] - failed[m], nrun[m]
  }
  if (!("static" in seenMode) || !("seed" in seenMode)) print "- **NOT MEASURED** static or seed discovery (see the notes above)"
  if (!("mdns" in seenMode)) print "- **NOT MEASURED** mdns (target ≤ 3 s from start): " (mdns == "" ? "not run" : mdns)
}
