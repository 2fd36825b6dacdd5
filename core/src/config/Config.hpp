// Typed, validated configuration of one rivetd node (rivet.yaml).
// Produced by ConfigLoader; every other unit reads settings only from here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rivet::config {

struct TlsPaths {
  std::string caPath;
  std::string certPath;
  std::string keyPath;
  std::string crlPath; // empty: no CRL
};

struct Peer {
  std::string name;
  std::string host;
  int port = 3000;
};

struct Discovery {
  std::string mode;     // "" (no discovery section), "static", "seed", "mdns"
  std::string seedHost; // seed mode
  int seedPort = 0;     // seed mode; defaults to mesh.agent_channel_port
  std::string mdnsService = "_rivetos._tcp";
};

// `mesh.channel` (ours): the agent channel's event loop, deadlines and limits, handed to the
// transport plugin as its settings (app/PluginPlan channelSettingsJson).
struct Channel {
  int ioThreads = 0;                  // 0: one per CPU core
  int64_t handshakeTimeoutMs = 10000; // TCP accept to the end of the TLS handshake
  int64_t headTimeoutMs = 10000;      // a request's first byte to the end of its head
  int64_t bodyTimeoutMs = 60000;      // end of the head to the end of the body
  int64_t idleTimeoutMs = 10000;      // keep-alive: end of a response to the next first byte
  int64_t writeTimeoutMs = 30000;     // writing one whole response
  int maxConnections = 16384;         // open connections, authenticated or not
  int maxHandshakes = 1024;           // TLS handshakes in progress, all sources
  int maxHandshakesPerAddress = 128;  // TLS handshakes in progress from one IP address
  int maxHeaderBytes = 32768;         // a larger request head gets 431
  int maxHeaders = 100;               // more header fields get 431
  int64_t maxInflightBodyBytes = 256LL * 1024 * 1024;   // per listener; past it 503 + Retry-After
  int64_t maxInflightAnswerBytes = 256LL * 1024 * 1024; // answers from peers, node-wide
};

struct Mesh {
  bool enabled = false;
  std::string nodeName; // defaults to the host name
  std::string advertiseHost;
  std::string listenHost = "0.0.0.0";
  bool tlsConfigured = false; // `tls:` present and not false
  TlsPaths tls;               // filled with the conventional defaults when `tls: true`
  int agentChannelPort = 3000;
  std::string storageDir = "/rivet-shared";
  // This node's own local folder (never the shared storage_dir): the delegation socket for
  // programs of command agents. Empty: a private folder made at start and removed at stop.
  std::string stateDir;
  // mesh.json larger than this is refused as an invalid file (a broken or hostile writer, a
  // link to /dev/zero): reads stop at the cap.
  int64_t registryMaxBytes = 64 * 1024 * 1024;
  int64_t heartbeatIntervalMs = 30000;
  int64_t staleThresholdMs = 90000;
  int maxChainDepth = 3;
  std::string transport = "mtls";
  std::string defaultAgent; // empty: the first agent
  int agentWorkers = 64;
  std::string delegationTransport = "http";
  Channel channel;
  Discovery discovery;
  std::vector<Peer> peers;
};

struct Plugins {
  std::string dir;       // empty: <prefix>/lib/rivet/plugins next to the executable
  std::string agentsDir; // empty: same as dir
};

// One entry of `agents:`, in YAML order.
struct AgentSpec {
  std::string id;
  std::string plugin;
  std::string settingsJson; // the entry's keys other than `plugin`, as a JSON object
};

struct Log {
  std::string level = "info";    // trace|debug|info|warn|error|critical|off
  std::string format = "pretty"; // pretty|json
  std::string file;              // empty: stderr
  bool taskText = false;         // log.task_text: full task texts and answers at DEBUG
};

// `tasks:` (ours): the task API (POST /api/tasks, events over SSE) and its journal in
// mesh.state_dir. Read by TasksSection; the ranges are there.
struct TasksConfig {
  // tasks.retention_hours: finished tasks older than this are deleted (1..87600)
  int64_t retentionHours = 168;
  // tasks.max_finished: finished tasks kept at most, oldest deleted first (10..10000000)
  int64_t maxFinished = 10000;
  // tasks.events_per_task: the tail of events kept per task for resume (10..100000)
  int64_t eventsPerTask = 1000;
  // tasks.keepalive_ms: a comment line on idle event streams this often (100..300000)
  int64_t keepaliveMs = 15000;
  // tasks.disconnect_grace_ms: a cancel-on-disconnect task is cancelled after this long with no
  // event stream attached (100..3600000)
  int64_t disconnectGraceMs = 15000;
  // tasks.max_running: tasks running at once; beyond it a submit gets 503 with Retry-After
  // (1..4096)
  int64_t maxRunning = 64;
  // tasks.default_timeout_ms: a submit without timeoutMs gets this (1000..max_timeout_ms)
  int64_t defaultTimeoutMs = 600000;
  // tasks.max_timeout_ms: the longest timeoutMs a submit may ask for (1000..604800000)
  int64_t maxTimeoutMs = 86400000;
  // tasks.progress_per_second: progress events per task and second once the burst is spent;
  // text beyond it is merged into the next event, other kinds dropped (1..100000)
  int64_t progressPerSecond = 20;
  // tasks.progress_burst: progress events a task may send at once (1..100000)
  int64_t progressBurst = 100;
};

// `metrics:` (ours): the metrics, health and status listener (docs/operations-metrics.md).
// Read by MetricsSection.
struct MetricsConfig {
  bool enabled = false;              // metrics.enabled: open the listener at all
  std::string address = "127.0.0.1"; // metrics.address: an IP address to bind
  int port = 9477;                   // metrics.port (1..65535)
  bool allowRemote = false;          // metrics.allow_remote: needed for a non-loopback address
  // metrics.allowed_hosts: Host header names accepted besides IP literals and localhost
  std::vector<std::string> allowedHosts;
};

// One entry of `policy.agents:` (ours, docs/policy.md): who may run the agent and how many of
// its tasks run and wait at once. Read by PolicySection.
struct AgentPolicyConfig {
  std::string agent;              // an agent id, or "*" for every agent of the node
  std::vector<std::string> allow; // caller patterns: node, agent@node, with * globs
  std::vector<std::string> deny;
  std::string mode;      // "", "enforce" or "audit"
  int maxConcurrent = 0; // 0: no limit of its own (the node's agent workers only); not on "*"
  int queue = 0;         // tasks that may wait for a place beyond max_concurrent (0..1024)
};

// `policy:` (ours): per-agent authorization, admission and the rate limit per caller.
struct PolicyConfig {
  std::string mode = "enforce"; // policy.mode: enforce | audit, for agents without their own
  // policy.forwarders: nodes whose forwarded caller (the `caller` field) is believed
  std::vector<std::string> forwarders;
  int64_t ratePerMinute = 0; // policy.rate_limit.per_minute per caller node; 0: no limit
  int64_t rateBurst = 0;     // policy.rate_limit.burst; 0 (absent): a second's worth, at least 1
  std::vector<AgentPolicyConfig> agents; // in file order
};

// One skill of an agent's A2A Agent Card (`a2a.agents.<id>.skills`).
struct A2aSkill {
  std::string id, name, description;
  std::vector<std::string> tags, examples;
};

// What an agent's A2A Agent Card says beyond what the node knows (`a2a.agents.<id>`).
struct A2aAgentCard {
  std::string agent;       // an agent id (local or on another node)
  std::string description; // "" : one made from the agent's provider, model and node
  std::vector<A2aSkill> skills;
};

// `a2a:` (ours, docs/a2a.md): the A2A listener. Read by A2aSection.
struct A2aConfig {
  bool enabled = false;              // a2a.enabled: open the listener at all
  std::string address = "127.0.0.1"; // a2a.address: an IP address to bind
  int port = 3443;                   // a2a.port
  std::string publicUrl;             // a2a.public_url: scheme://host[:port] in the cards
  std::string certPath, keyPath;     // a2a.tls.cert/key: "" = the node's own
  std::string tokensFile;            // a2a.tokens_file: "" = no bearer tokens (mTLS only)
  bool publicCards = true;           // a2a.public_cards: cards without authentication
  std::vector<A2aAgentCard> agents;  // a2a.agents
};

struct Config {
  std::string sourcePath; // the file it was read from
  Mesh mesh;
  Plugins plugins;
  bool agentsSectionPresent = false;
  std::vector<AgentSpec> agents;
  TasksConfig tasks;
  MetricsConfig metrics;
  PolicyConfig policy;
  A2aConfig a2a;
  Log log;
};

} // namespace rivet::config
