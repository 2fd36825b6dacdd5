// The status page (docs/operations-metrics.md "Status page"). Content-Security-Policy
// default-src 'self' allows these three files only: no inline script or style, nothing from
// elsewhere.
#include "app/StatusPage.hpp"

namespace rivet::app {

const std::string& statusPageHtml() {
  static const std::string kHtml = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rivetd status</title>
<link rel="stylesheet" href="/status.css">
<script src="/status.js" defer></script>
</head>
<body>
<header>
  <h1>rivetd <span id="node-name"></span></h1>
  <p id="connection" class="stale">connecting&hellip;</p>
</header>
<section>
  <h2>This node</h2>
  <dl id="self"></dl>
</section>
<section>
  <h2>Mesh nodes</h2>
  <table id="nodes">
    <thead><tr><th>Node</th><th>Status</th><th>Address</th><th>Agents</th><th>Heartbeat age</th></tr></thead>
    <tbody></tbody>
  </table>
  <p id="nodes-note" class="note"></p>
</section>
<section>
  <h2>Tasks in flight</h2>
  <table id="tasks">
    <thead><tr><th>Agent</th><th>From</th><th>Task</th><th>Running for</th><th>Depth</th></tr></thead>
    <tbody></tbody>
  </table>
</section>
<section>
  <h2>Recent delegations and failures</h2>
  <table id="recent">
    <thead><tr><th>When</th><th>Kind</th><th>Agent</th><th>Peer</th><th>Result</th><th>Took</th></tr></thead>
    <tbody></tbody>
  </table>
</section>
<footer>Updated every 2 s from <a href="/api/status">/api/status</a> &middot; <a href="/metrics">/metrics</a> &middot; <a href="/health">/health</a> &middot; <a href="/ready">/ready</a></footer>
</body>
</html>
)html";
  return kHtml;
}

const std::string& statusPageScript() {
  static const std::string kScript = R"js('use strict';
// Every value from /api/status is untrusted (names come from the mesh): it is only ever set
// with textContent.
(function () {
  var POLL_MS = 2000;

  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function seconds(ms) {
    if (typeof ms !== 'number' || ms < 0) return '-';
    var s = Math.round(ms / 1000);
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.round(s / 60) + ' min';
    return Math.round(s / 3600) + ' h';
  }

  function fill(tableId, rows, build, empty) {
    var body = document.querySelector('#' + tableId + ' tbody');
    while (body.firstChild) body.removeChild(body.firstChild);
    if (!rows.length) {
      var tr = document.createElement('tr');
      var td = cell(tr, empty, 'empty');
      td.colSpan = document.querySelectorAll('#' + tableId + ' th').length;
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      build(tr, r);
      body.appendChild(tr);
    });
  }

  function term(dl, name, value) {
    var dt = document.createElement('dt');
    dt.textContent = name;
    var dd = document.createElement('dd');
    dd.textContent = value;
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  function render(s) {
    var self = s.node || {};
    document.getElementById('node-name').textContent = self.name || '';
    document.title = 'rivetd ' + (self.name || '');
    var dl = document.getElementById('self');
    while (dl.firstChild) dl.removeChild(dl.firstChild);
    term(dl, 'State', self.state || '');
    term(dl, 'Version', self.version || '');
    term(dl, 'Agent channel', self.channel || 'off');
    term(dl, 'Agents', (self.agents || []).join(', ') || 'none');
    term(dl, 'Up for', seconds(self.uptime_ms));
    term(dl, 'Certificate', self.cert_days_left === null || self.cert_days_left === undefined
      ? 'none' : self.cert_days_left + ' days left');
    fill('nodes', s.nodes || [], function (tr, n) {
      tr.dataset.node = n.name;
      cell(tr, n.name, 'name');
      cell(tr, n.status, 'status status-' + (n.status === 'online' ? 'online' : 'offline'));
      cell(tr, n.address);
      cell(tr, (n.agents || []).join(', '));
      cell(tr, seconds(n.heartbeat_age_ms));
    }, s.mesh ? 'no nodes in the registry' : 'mesh disabled on this node');
    document.getElementById('nodes-note').textContent =
      s.nodes_omitted ? s.nodes_omitted + ' more nodes not shown' : '';
    fill('tasks', s.tasks || [], function (tr, t) {
      cell(tr, t.agent);
      cell(tr, (t.from_agent || '') + (t.from_node ? '@' + t.from_node : ''));
      cell(tr, t.task_id || '(message)');
      cell(tr, seconds(t.running_ms));
      cell(tr, t.depth);
    }, 'none');
    fill('recent', s.recent || [], function (tr, e) {
      cell(tr, new Date(e.at_ms).toLocaleTimeString());
      cell(tr, e.kind);
      cell(tr, e.agent);
      cell(tr, e.peer);
      cell(tr, e.result, e.result === 'completed' ? 'ok' : 'bad');
      cell(tr, seconds(e.duration_ms));
    }, 'none yet');
  }

  function poll() {
    var conn = document.getElementById('connection');
    fetch('/api/status', { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (s) {
      render(s);
      conn.textContent = 'updated ' + new Date().toLocaleTimeString();
      conn.className = 'fresh';
    }).catch(function (e) {
      conn.textContent = 'cannot reach this node: ' + e.message;
      conn.className = 'stale';
    }).then(function () {
      setTimeout(poll, POLL_MS);
    });
  }

  document.addEventListener('DOMContentLoaded', poll);
})();
)js";
  return kScript;
}

const std::string& statusPageStyle() {
  static const std::string kStyle =
      R"css(body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin: 0; }
h2 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
table { border-collapse: collapse; min-width: 40em; }
th, td { text-align: left; padding: 0.2em 0.8em 0.2em 0; border-bottom: 1px solid #ddd; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; margin: 0; }
dt { color: #666; }
dd { margin: 0; }
.status-online, .ok, .fresh { color: #17692b; }
.status-offline, .bad, .stale { color: #a31515; }
.empty, .note, footer { color: #777; }
footer { margin-top: 2em; }
)css";
  return kStyle;
}

} // namespace rivet::app
