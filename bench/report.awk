# Turns run-bench.sh's cells.tsv and servers.tsv into the Markdown report: the matrix with
# rivetd's figures as ratios to nginx's, memory and start-up, and the issue's targets checked.
# Usage: awk -F'\t' -v tick=100 -v planned=10000 -f report.awk cells.tsv servers.tsv
# (tick: clock ticks per second; planned: full handshakes the memory check was to make)

function num(x) { return x == "" ? 0 : x + 0 }
function ratio(a, b) { return (b > 0 && a != "") ? sprintf("%.2f×", a / b) : "–" }
function cpu(s, k) { return num(ans[s, k]) > 0 ? ticks[s, k] * 1e6 / tick / ans[s, k] : 0 }
function verdict(ok) { return ok ? "**PASS**" : "**FAIL**" }
function mb(kb) { return sprintf("%.1f MB", kb / 1024) }
function hsText(s, vm, an, cnt) { return s in start ? vm[s] " / " an[s] " (" cnt[s] " handshakes)" : "–" }

FNR == 1 { file++; next }
file == 1 {
  s = $1; k = $2 SUBSEP $3 SUBSEP $4
  if (!(k in seen)) { seen[k] = 1; order[++n] = k }
  have[s] = 1
  rps[s, k] = $5; p50[s, k] = $6; p99[s, k] = $7; err[s, k] = $8; conns[s, k] = $9
  acc[s, k] = $10; ans[s, k] = $11; ticks[s, k] = $12; hs[s, k] = $13; res[s, k] = $14
  stall[s, k] = ($16 + 0) > 1000
  if ($8 > 0 && $17 != "") errs[++ne] = s " " $2 " " $3 " c=" $4 ": " $8 " failed, first: " $17
  if (stall[s, k]) errs[++ne] = s " " $2 " " $3 " c=" $4 ": " $15 " requests never answered (the oldest waited " $16 " ms): the server stalled"
  if ($5 == "" || ($11 == 0 && $8 == 0 && !stall[s, k])) errs[++ne] = s " " $2 " " $3 " c=" $4 ": no figures (rivetctl bench failed; run with --keep and read the cell's .err)"
  next
}
file == 2 {
  s = $1; start[s] = $2; starts[s] = $3; ivm[s] = $4; ian[s] = $5; lvm[s] = $6; lan[s] = $7
  h1vm[s] = $8; h1an[s] = $9; h2vm[s] = $10; h2an[s] = $11; hrps[s] = $12; h1n[s] = $13; h2n[s] = $14
}

function cellText(s, k, mode,   t) {
  if (!have[s]) return "– | – | – | – | –"
  t = sprintf("%.0f", rps[s, k])
  if (s == "rivetd") t = t " (" ratio(rps[s, k], rps["nginx", k]) ")"
  if (err[s, k] > 0) t = t " ⚠" err[s, k] " err"
  if (stall[s, k]) t = t " ⚠stalled"
  t = t " | " p50[s, k]
  if (s == "rivetd") t = t " (" ratio(p50[s, k], p50["nginx", k]) ")"
  t = t " | " p99[s, k] " | " sprintf("%.1f", cpu(s, k)) " | " conns[s, k] " / " acc[s, k]
  if (mode == "resume") t = t " (" (hs[s, k] > 0 ? sprintf("%.0f", 100 * res[s, k] / hs[s, k]) : 0) "% resumed)"
  return t
}

END {
  R = have["rivetd"]
  print "### Throughput and latency"
  print ""
  print "Ratios in parentheses are rivetd ÷ nginx. CPU = server utime+stime per answered request (µs);"
  print "conns = connections the load generator opened / the kernel accepted during the cell (Tcp"
  print "PassiveOpens, machine-wide: other traffic on the machine inflates it). Keep-alive reuse shows"
  print "as conns = concurrency; new-connection cells open one per request (warm-up included)."
  print ""
  print "| endpoint | mode | c | nginx req/s | p50 µs | p99 µs | CPU µs/req | conns | rivetd req/s | p50 µs | p99 µs | CPU µs/req | conns |"
  print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= n; i++) {
    split(order[i], f, SUBSEP)
    ep = f[1] == "ping" ? "GET /api/mesh/ping" : "POST /api/message"
    mode = f[2] == "keepalive" ? "keep-alive" : f[2] == "new" ? "new conn." : "resumed"
    print "| " ep " | " mode " | " f[3] " | " cellText("nginx", order[i], f[2]) " | " cellText("rivetd", order[i], f[2]) " |"
  }
  for (i = 1; i <= ne; i++) { if (i == 1) print ""; print "- errors: " errs[i] }

  print ""
  print "### Memory and start-up"
  print ""
  print "nginx figures are master + 2 workers summed. RSS in kB (VmRSS / RssAnon)."
  print ""
  print "| figure | nginx | rivetd |"
  print "|---|---|---|"
  print "| start (exec) → first answered ping, median of 3 | " start["nginx"] " ms (" starts["nginx"] ") | " (R ? start["rivetd"] " ms (" starts["rivetd"] ")" : "–") " |"
  print "| idle | " ivm["nginx"] " / " ian["nginx"] " | " (R ? ivm["rivetd"] " / " ian["rivetd"] : "–") " |"
  print "| under load (largest mid-cell sample) | " lvm["nginx"] " / " lan["nginx"] " | " (R ? lvm["rivetd"] " / " lan["rivetd"] : "–") " |"
  print "| after the first half of the full handshakes | " hsText("nginx", h1vm, h1an, h1n) " | " hsText("rivetd", h1vm, h1an, h1n) " |"
  print "| after all of them | " hsText("nginx", h2vm, h2an, h2n) " | " hsText("rivetd", h2vm, h2an, h2n) " |"
  print "| full handshakes/s during that check (c=8) | " sprintf("%.0f", hrps["nginx"]) " | " (R ? sprintf("%.0f", hrps["rivetd"]) : "–") " |"

  print ""
  print "### Targets"
  print ""
  ka32 = "message" SUBSEP "keepalive" SUBSEP 32; ka1 = "message" SUBSEP "keepalive" SUBSEP 1
  nc8 = "message" SUBSEP "new" SUBSEP 8; rs8 = "message" SUBSEP "resume" SUBSEP 8
  if (!R) {
    print "rivetd was not measured in this run, so no target can be checked; nginx's figures for them:"
    print ""
    printf "- keep-alive /api/message c=32: %.0f req/s, %.1f µs server CPU per request\n", rps["nginx", ka32], cpu("nginx", ka32)
    printf "- keep-alive /api/message c=1: p50 %s µs\n", p50["nginx", ka1]
    printf "- /api/message c=8, new connection per request: %.0f req/s; resumed: %.0f req/s (%.1f×)\n", rps["nginx", nc8], rps["nginx", rs8], (rps["nginx", nc8] > 0 ? rps["nginx", rs8] / rps["nginx", nc8] : 0)
    printf "- RssAnon idle, after %d and after %d full handshakes: %s → %s → %s\n", h1n["nginx"], h2n["nginx"], mb(ian["nginx"]), mb(h1an["nginx"]), mb(h2an["nginx"])
    printf "- start → first answered ping: %s ms\n", start["nginx"]
    exit
  }
  r = rps["nginx", ka32] > 0 ? rps["rivetd", ka32] / rps["nginx", ka32] : 0
  printf "- %s keep-alive /api/message c=32: %.2f× nginx's req/s (target ≥ 0.5×); server CPU %.1f µs/req vs nginx %.1f\n", verdict(r >= 0.5), r, cpu("rivetd", ka32), cpu("nginx", ka32)
  r = p50["nginx", ka1] > 0 ? p50["rivetd", ka1] / p50["nginx", ka1] : 99
  printf "- %s keep-alive /api/message c=1: p50 %s µs = %.2f× nginx's %s µs (target ≤ 2×)\n", verdict(r <= 2), p50["rivetd", ka1], r, p50["nginx", ka1]
  r = rps["nginx", nc8] > 0 ? rps["rivetd", nc8] / rps["nginx", nc8] : 0
  printf "- %s full handshakes (/api/message c=8, new connection each): %.2f× nginx's req/s (target ≥ 0.8×, same P-256 key)\n", verdict(r >= 0.8), r
  r = rps["rivetd", nc8] > 0 ? rps["rivetd", rs8] / rps["rivetd", nc8] : 0
  printf "- %s session resumption (/api/message c=8): resumed %.0f req/s = %.2f× rivetd's full-handshake rate, %d of %d handshakes resumed (target ≥ 2×; nginx %.2f×)\n", verdict(r >= 2 && res["rivetd", rs8] > 0), rps["rivetd", rs8], r, res["rivetd", rs8], hs["rivetd", rs8], (rps["nginx", nc8] > 0 ? rps["nginx", rs8] / rps["nginx", nc8] : 0)
  printf "- %s idle RssAnon %s (target ≤ 10 MB); VmRSS %s\n", verdict(ian["rivetd"] <= 10240), mb(ian["rivetd"]), mb(ivm["rivetd"])
  g = h2an["rivetd"] - h1an["rivetd"]
  printf "- %s RssAnon idle, after %d and after %d full handshakes: %s → %s → %s (second half grew %d kB; flat = ≤ 1024 kB over all %d of the second half)\n", verdict(g <= 1024 && h2n["rivetd"] - h1n["rivetd"] >= planned / 2), h1n["rivetd"], h2n["rivetd"], mb(ian["rivetd"]), mb(h1an["rivetd"]), mb(h2an["rivetd"]), g, planned / 2
  printf "- %s start (exec) → first answered ping: %s ms (target ≤ 100 ms; nginx %s ms)\n", verdict(start["rivetd"] <= 100), start["rivetd"], start["nginx"]
}
