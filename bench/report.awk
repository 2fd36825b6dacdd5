# Turns run-bench.sh's tables into the Markdown report: the matrix with rivetd's figures as
# ratios to nginx's, memory and start-up, idle connections, slow-loris, the targets checked.
# Usage: awk -F'\t' -v tick=100 -v planned=10000 -v matrix=1 -v idle=1 -v slow=1
#   -v hold_threads=4 -v window=64 -v sources=A-B -v trickle_ms=500 -f report.awk
#   cells.tsv servers.tsv hold.tsv loris.tsv
# (tick: clock ticks per second; planned: full handshakes the memory check was to make;
# matrix, idle, slow: 1 when that part ran)

function num(x) { return x == "" ? 0 : x + 0 }
function ratio(a, b) { return (b > 0 && a != "") ? sprintf("%.2f×", a / b) : "–" }
function cpu(s, k) { return num(ans[s, k]) > 0 ? ticks[s, k] * 1e6 / tick / ans[s, k] : 0 }
function verdict(ok) { return ok ? "**PASS**" : "**FAIL**" }
function mb(kb) { return sprintf("%.1f MB", kb / 1024) }
function hsText(s, vm, an, cnt) { return s in start ? vm[s] " / " an[s] " (" cnt[s] " handshakes)" : "–" }
function key(ep, mode, c) { return ep SUBSEP mode SUBSEP c }
function epName(ep) { return ep == "ping" ? "ping" : "/api/message" }
# A cell that ran and answered everything it measured.
function clean(s, k) { return (s, k) in rps && num(err[s, k]) == 0 && !stall[s, k] && num(ans[s, k]) > 0 }

FNR == 1 { file++; next }
file == 1 {
  s = $1; k = $2 SUBSEP $3 SUBSEP $4
  if (!(k in seen)) { seen[k] = 1; order[++n] = k }
  have[s] = 1
  rps[s, k] = $5; p50[s, k] = $6; p99[s, k] = $7; err[s, k] = $8; conns[s, k] = $9
  acc[s, k] = $10; ans[s, k] = $11; ticks[s, k] = $12; hs[s, k] = $13; res[s, k] = $14
  unf[s, k] = $15; stall[s, k] = ($16 + 0) > 1000
  if ($8 > 0 && $17 != "") errs[++ne] = s " " $2 " " $3 " c=" $4 ": " $8 " failed, first: " $17
  if (stall[s, k]) errs[++ne] = s " " $2 " " $3 " c=" $4 ": " $15 " requests never answered (the oldest waited " $16 " ms): the server stalled"
  if ($5 == "" || ($11 == 0 && $8 == 0 && !stall[s, k])) errs[++ne] = s " " $2 " " $3 " c=" $4 ": no figures (rivetctl bench failed; run with --keep and read the cell's .err)"
  next
}
file == 2 {
  s = $1; start[s] = $2; starts[s] = $3; ivm[s] = $4; ian[s] = $5; lvm[s] = $6; lan[s] = $7
  h1vm[s] = $8; h1an[s] = $9; h2vm[s] = $10; h2an[s] = $11; hrps[s] = $12; h1n[s] = $13; h2n[s] = $14
  next
}
file == 3 {
  s = $1; hn[s] = $2; rheld[s] = $3; held[s] = $4; hans[s] = $5; herr[s] = $6; hclosed[s] = $7
  hnot[s] = $8; hopen[s] = $9; hp50[s] = $10; hp99[s] = $11; hbvm[s] = $12; hban[s] = $13
  hhvm[s] = $14; hhan[s] = $15; hfirst[s] = $16
  next
}
file == 4 {
  s = $1; t = $2; ln[s, t] = $3; lmean[s, t] = $4; lmin[s, t] = $5; lopened[s, t] = $6
  lhs[s, t] = $7; lclosed[s, t] = $8; llife[s, t] = $9; lrefused[s, t] = $10; lfirst[s, t] = $11
}

function cellText(s, k, mode,   t) {
  if (!have[s] || !((s, k) in rps)) return "– | – | – | – | –"
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

# A cell beside held or slow-loris connections: req/s, p50, p99, errors and unanswered.
function sideText(s, k,   t) {
  if (!have[s] || !((s, k) in rps)) return "– | – | – | –"
  t = sprintf("%.0f", rps[s, k]) " | " p50[s, k] " | " p99[s, k] " | " num(err[s, k])
  if (num(unf[s, k]) > 0) t = t " (+" unf[s, k] " unanswered)"
  return t
}

function holdText(s) {
  if (!(s in hn)) return "–"
  return held[s] " of " hn[s] " (" num(hans[s]) " first pings answered, " num(herr[s]) " failed, " num(hclosed[s]) " closed by the server, " num(hnot[s]) " never opened)"
}

function lorisText(s, t) {
  if (!((s, t) in ln)) return "– | – | –"
  return sprintf("%.0f / %.0f", lmean[s, t], lmin[s, t]) " | " lopened[s, t] " / " lclosed[s, t] (num(lclosed[s, t]) > 0 ? " (p50 " llife[s, t] " ms)" : "") " | " num(lrefused[s, t])
}

# Each of the matrix targets below is checked on both endpoints; the line shows both.
function pair(fmt, a, b) { return sprintf(fmt, a) " (/api/message), " sprintf(fmt, b) " (ping)" }

END {
  R = have["rivetd"]
  if (matrix) {
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
      if (f[2] != "keepalive" && f[2] != "new" && f[2] != "resume") continue
      ep = f[1] == "ping" ? "GET /api/mesh/ping" : "POST /api/message"
      mode = f[2] == "keepalive" ? "keep-alive" : f[2] == "new" ? "new conn." : "resumed"
      print "| " ep " | " mode " | " f[3] " | " cellText("nginx", order[i], f[2]) " | " cellText("rivetd", order[i], f[2]) " |"
    }
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
  if (matrix) {
    print "| under load (largest mid-cell sample) | " lvm["nginx"] " / " lan["nginx"] " | " (R ? lvm["rivetd"] " / " lan["rivetd"] : "–") " |"
    print "| after the first half of the full handshakes | " hsText("nginx", h1vm, h1an, h1n) " | " hsText("rivetd", h1vm, h1an, h1n) " |"
    print "| after all of them | " hsText("nginx", h2vm, h2an, h2n) " | " hsText("rivetd", h2vm, h2an, h2n) " |"
    print "| full handshakes/s during that check (c=8) | " sprintf("%.0f", hrps["nginx"]) " | " (R ? sprintf("%.0f", hrps["rivetd"]) : "–") " |"
  }

  if (idle) {
    N = hn["nginx"]
    print ""
    printf "### %d idle authenticated connections\n", N
    print ""
    printf "`rivetctl bench --hold %d` (%d threads, %d connections being opened at a time) opens\n", N, hold_threads, window
    print "mutual-TLS keep-alive connections to the server, each proven authenticated by one answered"
    print "`GET /api/mesh/ping`, and leaves them open and idle. With all of them still open: the"
    print "server's RSS (kB, VmRSS / RssAnon), then ping cells on extra keep-alive connections beside"
    print "them. nginx's RssAnon includes its connection table (worker_connections per worker, set to"
    print "take them all)."
    print ""
    print "| figure | nginx | rivetd |"
    print "|---|---|---|"
    print "| held open at the end | " holdText("nginx") " | " holdText("rivetd") " |"
    printf "| opening took (first ping p50 / p99 µs) | %s | %s |\n", ("nginx" in hn ? hopen["nginx"] " s (" hp50["nginx"] " / " hp99["nginx"] ")" : "–"), ("rivetd" in hn ? hopen["rivetd"] " s (" hp50["rivetd"] " / " hp99["rivetd"] ")" : "–")
    print "| RSS before opening them | " hbvm["nginx"] " / " hban["nginx"] " | " (("rivetd" in hn) ? hbvm["rivetd"] " / " hban["rivetd"] : "–") " |"
    print "| RSS once they were open (how many were) | " rssHeld("nginx") " | " rssHeld("rivetd") " |"
    print "| RssAnon growth per connection open then | " perConn("nginx") " | " perConn("rivetd") " |"
    print ""
    print "| beside them: ping keep-alive | c | nginx req/s | p50 µs | p99 µs | errors | rivetd req/s | p50 µs | p99 µs | errors |"
    print "|---|---|---|---|---|---|---|---|---|---|"
    for (c = 1; c <= 4; c *= 4)
      print "| GET /api/mesh/ping | " c " | " sideText("nginx", key("ping", "held", c)) " | " sideText("rivetd", key("ping", "held", c)) " |"
    for (s in hfirst) if (hfirst[s] != "") print "\n- " s ": first failure of the held connections: " hfirst[s]
  }

  if (slow) {
    print ""
    print "### Slow-loris beside a legitimate client"
    print ""
    printf "%d connections from %s (bound before connect, so no per-address cap applies)\n", ln["nginx", "handshake"], sources
    printf "trickle one byte every %d ms: their TLS handshake (a real ClientHello), or, in the second\n", trickle_ms
    print "round, a request head that never ends after a full handshake; each one the server closes is"
    print "reopened 100 ms later. Beside them a legitimate client on 127.0.0.1 pings keep-alive."
    print "open = slow-loris connections open (mean / least, sampled every 100 ms); opened / closed ="
    print "connections they opened and the server closed (p50 lifetime); refused = opens that failed."
    print ""
    print "| trickle | c | nginx req/s | p50 µs | p99 µs | errors | open | opened / closed | refused | rivetd req/s | p50 µs | p99 µs | errors | open | opened / closed | refused |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    split("handshake head", stages, " ")
    for (i = 1; i <= 2; i++)
      for (c = 1; c <= 8; c *= 8) {
        t = stages[i]; k = key("ping", "loris-" t, c)
        print "| " t " | " c " | " sideText("nginx", k) " | " (c == 1 ? lorisText("nginx", t) : "| |") " | " sideText("rivetd", k) " | " (c == 1 ? lorisText("rivetd", t) : "| |") " |"
      }
  }

  print ""
  print "### Targets"
  print ""
  ka32m = key("message", "keepalive", 32); ka32p = key("ping", "keepalive", 32)
  ka1 = key("message", "keepalive", 1)
  nc32m = key("message", "new", 32); nc32p = key("ping", "new", 32)
  rs32m = key("message", "resume", 32); rs32p = key("ping", "resume", 32)
  if (!R) {
    print "rivetd was not measured in this run, so no target can be checked; nginx's figures for them:"
    print ""
    if (matrix) {
      printf "- keep-alive /api/message c=32: %.0f req/s, p99 %s µs, %.1f µs server CPU per request\n", rps["nginx", ka32m], p99["nginx", ka32m], cpu("nginx", ka32m)
      printf "- keep-alive /api/message c=1: p50 %s µs\n", p50["nginx", ka1]
      printf "- /api/message c=32, new connection per request: %.0f req/s; resumed: %.0f req/s\n", rps["nginx", nc32m], rps["nginx", rs32m]
      printf "- RssAnon idle, after %d and after %d full handshakes: %s → %s → %s\n", h1n["nginx"], h2n["nginx"], mb(ian["nginx"]), mb(h1an["nginx"]), mb(h2an["nginx"])
    }
    if (idle) printf "- RssAnon with %d idle connections held: %s (%s held)\n", hn["nginx"], mb(hhan["nginx"]), held["nginx"]
    printf "- start → first answered ping: %s ms\n", start["nginx"]
    exit
  }
  if (matrix) {
    a = ratio_(ka32m); b = ratio_(ka32p)
    printf "- %s keep-alive c=32 req/s ≥ 1.0× nginx's: %s\n", verdict(a >= 1 && b >= 1), pair("%.2f×", a, b)
    a = cpu("rivetd", ka32m); b = cpu("rivetd", ka32p)
    printf "- %s keep-alive c=32 server CPU per request ≤ nginx's: rivetd %s; nginx %s\n", verdict(a > 0 && b > 0 && a <= cpu("nginx", ka32m) && b <= cpu("nginx", ka32p)), pair("%.1f µs", a, b), pair("%.1f µs", cpu("nginx", ka32m), cpu("nginx", ka32p))
    a = p99ratio(ka32m); b = p99ratio(ka32p)
    printf "- %s keep-alive c=32 p99 ≤ 1.5× nginx's: %s; rivetd %s µs, nginx %s µs (/api/message)\n", verdict(a <= 1.5 && b <= 1.5), pair("%.2f×", a, b), p99["rivetd", ka32m], p99["nginx", ka32m]
    r = p50["nginx", ka1] > 0 ? p50["rivetd", ka1] / p50["nginx", ka1] : 99
    printf "- %s keep-alive /api/message c=1: p50 %s µs = %.2f× nginx's %s µs (target ≤ 2×)\n", verdict(r <= 2), p50["rivetd", ka1], r, p50["nginx", ka1]
    a = ratio_(nc32m); b = ratio_(nc32p)
    printf "- %s new connection per request (full handshake, P-256) c=32 ≥ 0.95× nginx's req/s: %s\n", verdict(a >= 0.95 && b >= 0.95), pair("%.2f×", a, b)
    a = ratio_(rs32m); b = ratio_(rs32p)
    ra = hs["rivetd", rs32m] > 0 ? res["rivetd", rs32m] / hs["rivetd", rs32m] : 0
    rb = hs["rivetd", rs32p] > 0 ? res["rivetd", rs32p] / hs["rivetd", rs32p] : 0
    printf "- %s resumed sessions c=32 ≥ 0.95× nginx's req/s, ≥ 90%% of handshakes resumed: %s; %.0f%% and %.0f%% resumed\n", verdict(a >= 0.95 && b >= 0.95 && ra >= 0.9 && rb >= 0.9), pair("%.2f×", a, b), 100 * ra, 100 * rb
    printf "- %s idle RssAnon %s (target ≤ 10 MB); VmRSS %s\n", verdict(ian["rivetd"] <= 10240), mb(ian["rivetd"]), mb(ivm["rivetd"])
    g = h2an["rivetd"] - h1an["rivetd"]
    printf "- %s RssAnon idle, after %d and after %d full handshakes: %s → %s → %s (second half grew %d kB; flat = ≤ 1024 kB over all %d of the second half)\n", verdict(g <= 1024 && h2n["rivetd"] - h1n["rivetd"] >= planned / 2), h1n["rivetd"], h2n["rivetd"], mb(ian["rivetd"]), mb(h1an["rivetd"]), mb(h2an["rivetd"]), g, planned / 2
  }
  if (idle) {
    N = hn["rivetd"]
    limit = 1.5 * num(hhan["nginx"]); if (limit < 102400) limit = 102400
    ok = hhan["rivetd"] != "" && num(rheld["rivetd"]) == N && num(held["rivetd"]) == N && hhan["rivetd"] <= limit
    printf "- %s %d idle connections: rivetd RssAnon %s with %s of them open (target ≤ max(100 MB, 1.5 × nginx's %s) = %s, all %d open); VmRSS %s\n", verdict(ok), N, (hhan["rivetd"] != "" ? mb(hhan["rivetd"]) : "–"), num(rheld["rivetd"]), mb(num(hhan["nginx"])), mb(limit), N, (hhvm["rivetd"] != "" ? mb(hhvm["rivetd"]) : "–")
    ok = num(hans["rivetd"]) == N && num(herr["rivetd"]) == 0 && num(held["rivetd"]) == N && clean("rivetd", key("ping", "held", 1)) && clean("rivetd", key("ping", "held", 4)) && num(unf["rivetd", key("ping", "held", 1)]) == 0 && num(unf["rivetd", key("ping", "held", 4)]) == 0
    printf "- %s every ping answered with %d idle connections open: %d of %d first pings, %d held to the end; beside them c=1 %s errors, c=4 %s errors (nginx: %d, %d held)\n", verdict(ok), N, num(hans["rivetd"]), N, num(held["rivetd"]), num(err["rivetd", key("ping", "held", 1)]), num(err["rivetd", key("ping", "held", 4)]), num(hans["nginx"]), num(held["nginx"])
  }
  if (slow) {
    for (i = 1; i <= 2; i++) {
      t = stages[i]; k1 = key("ping", "loris-" t, 1); k8 = key("ping", "loris-" t, 8)
      ok = clean("rivetd", k1) && clean("rivetd", k8) && num(unf["rivetd", k1]) == 0 && num(unf["rivetd", k8]) == 0 && p99["rivetd", k1] <= 20000 && p99["rivetd", k8] <= 20000
      printf "- %s legitimate client beside %d slow-loris connections (%s): p99 %s µs at c=1, %s µs at c=8, %d errors (target p99 ≤ 20 ms, none failed; the slow-loris held %.0f open on average; nginx p99 %s / %s µs)\n", verdict(ok), ln["rivetd", t], t, p99["rivetd", k1], p99["rivetd", k8], num(err["rivetd", k1]) + num(err["rivetd", k8]), lmean["rivetd", t], p99["nginx", k1], p99["nginx", k8]
    }
  }
  printf "- %s start (exec) → first answered ping: %s ms (target ≤ 100 ms; nginx %s ms)\n", verdict(start["rivetd"] <= 100), start["rivetd"], start["nginx"]
}

function rssHeld(s) { return (s in hn) && hhan[s] != "" ? hhvm[s] " / " hhan[s] " (" num(rheld[s]) ")" : "–" }
function perConn(s) { return num(rheld[s]) > 0 && hhan[s] != "" ? sprintf("%.1f kB", (hhan[s] - hban[s]) / rheld[s]) : "–" }
function ratio_(k) { return rps["nginx", k] > 0 ? rps["rivetd", k] / rps["nginx", k] : 0 }
function p99ratio(k) { return p99["nginx", k] > 0 && p99["rivetd", k] != "" ? p99["rivetd", k] / p99["nginx", k] : 99 }
