/* rivet-mesh plugin ABI: the C boundary between rivetd and every plugin.
 *
 * VERSIONS (each minor only appends; a plugin built for an older minor keeps loading)
 *   1.0  descriptor, host API, agent/transport/discovery operation tables.
 *   1.1  rivet_task gains path_json, deadline_ms and from_node; the host API gains roster()
 *        and task_credential(). The host reads `struct_size` of every struct a plugin passes in.
 *   1.2  the host API gains dispatch_async(): the host answers an inbound request later, from
 *        any thread, through a rivet_async_responder (a whole answer, or a streamed one). A
 *        transport built for 1.2 uses it when the host's table has it, dispatch() otherwise.
 *   1.3  rivet_inbound_request gains the request's header fields (headers, header_count), which
 *        the host reads only when struct_size includes them; rivet_peer_request gains extra
 *        header fields to send (traceparent); rivet_task gains task_id and trace_id; the host
 *        API gains progress() (an agent reports progress while handle() runs).
 *   1.4  rivet_transport_ops gains metrics(): the transport writes a JSON object of its counters
 *        (open connections, handshake failures by reason, refusals) for the node's /metrics.
 *        The host calls it only when the table's struct_size includes it.
 *   1.5  node_info() gains "a2a" (present only when the node serves A2A): the transport opens a
 *        second listener there, whose client certificate is optional; rivet_inbound_request
 *        gains `listener` ("a2a" for a request that arrived on it, "" on the agent channel),
 *        which the host reads only when struct_size includes it. An agent's describe() may add
 *        "description" (what the agent is for, at most 1000 bytes used), which the host shows in
 *        rosters, the delegate_task tool and A2A Agent Cards.
 *   1.6  rivet_transport_ops gains request_async(): the same request to a peer without blocking
 *        the caller; the transport calls `done` once, later, from one of its own threads. The
 *        host forwards requests for agents of other nodes with it from the transport's I/O
 *        thread, without a worker thread; it calls it only when the table's struct_size
 *        includes it, and uses request() when it returns anything but RIVET_OK.
 *
 * COMPATIBILITY POLICY
 *   - A plugin exports exactly one symbol, `rivet_plugin_entry`, returning a static descriptor.
 *   - The host loads a plugin only if its ABI major equals the host's and its ABI minor is not
 *     newer than the host's. A minor bump may only ADD: new fields at the END of a struct, new
 *     functions at the END of a table, new enum values. Every struct and table begins with its
 *     own size, so each side reads only the fields the other side knows.
 *   - Anything removed, reordered or retyped is a major bump.
 *
 * DATA RULES
 *   - No C++ type, exception or allocation crosses this boundary. Strings are UTF-8, passed as
 *     (pointer, length) in `rivet_str`; structured data is UTF-8 JSON in a `rivet_str`.
 *   - Results flow back through writer callbacks (`rivet_writer`) owned by the caller: the callee
 *     calls `write` zero or more times, the bytes are copied before `write` returns.
 *   - Pointers passed into a call are valid only for the duration of that call unless stated.
 *
 * THREADING
 *   - `rivet_plugin_entry`, `create`, `start`, `stop` and `destroy` are called from one host
 *     control thread at a time (the main thread at start-up and shutdown; the thread that
 *     loads a hot-dropped agent), in that order, never concurrently for one instance.
 *   - Kind-specific operations may be called from any host thread, concurrently, between `start`
 *     returning and `stop` being called. Host API functions may be called from any thread.
 */
#ifndef RIVET_SDK_ABI_H
#define RIVET_SDK_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RIVET_ABI_MAJOR 1
#define RIVET_ABI_MINOR 6
#define RIVET_PLUGIN_MAGIC 0x52564D48u /* "RVMH" */
#define RIVET_ENTRY_SYMBOL "rivet_plugin_entry"

/* A borrowed UTF-8 string. `data` need not be NUL-terminated. */
typedef struct rivet_str {
  const char* data;
  size_t len;
} rivet_str;

/* Caller-owned output sink: the callee appends bytes with write(ctx, data, len). */
typedef struct rivet_writer {
  void* ctx;
  void (*write)(void* ctx, const char* data, size_t len);
} rivet_writer;

typedef enum rivet_kind {
  RIVET_KIND_TRANSPORT = 1,
  RIVET_KIND_DISCOVERY = 2,
  RIVET_KIND_AGENT = 3
} rivet_kind;

typedef enum rivet_log_level {
  RIVET_LOG_TRACE = 0,
  RIVET_LOG_DEBUG = 1,
  RIVET_LOG_INFO = 2,
  RIVET_LOG_WARN = 3,
  RIVET_LOG_ERROR = 4
} rivet_log_level;

/* Return codes of plugin and host functions that can fail. */
#define RIVET_OK 0
#define RIVET_ERROR 1

/* ------------------------------------------------------------------------------------------
 * Tasks (agents)
 * ---------------------------------------------------------------------------------------- */

typedef enum rivet_task_status {
  RIVET_TASK_COMPLETED = 0,
  RIVET_TASK_FAILED = 1,
  RIVET_TASK_TIMEOUT = 2,
  RIVET_TASK_REJECTED = 3
} rivet_task_status;

/* One task for an agent. Owned by the host; valid until `handle` returns. */
typedef struct rivet_task {
  uint32_t struct_size;
  rivet_str agent_id;   /* the instance asked to run (an `agents:` key) */
  rivet_str from_agent; /* who asked */
  rivet_str message;    /* the task text, `[Mesh delegation]` prefix already stripped */
  rivet_str model;      /* requested model, may be empty */
  uint32_t chain_depth; /* hops so far */
  int64_t timeout_ms;   /* the deadline the host enforces, from the start of `handle` */
  /* Non-zero once the host has given up on this task (deadline, shutdown). Poll it in long
   * loops; any thread may call it while `handle` runs. */
  int (*is_cancelled)(const struct rivet_task* self);
  void* host_data; /* the host's own; do not touch */
  /* --- ABI 1.1 --- (check struct_size before reading) */
  /* The agents this task passed through, as a JSON array of "agent@node", the asker last;
   * "[]" for a task a user sent. The host refuses a delegation to an agent already on it. */
  rivet_str path_json;
  int64_t deadline_ms; /* wall-clock epoch ms at which the host gives up on this task */
  rivet_str from_node; /* the node of `from_agent`, empty when not known */
  /* --- ABI 1.3 --- (check struct_size before reading) */
  rivet_str task_id;  /* the task-journal id of the task this work is part of; "" when none */
  rivet_str trace_id; /* its W3C trace id (32 lowercase hex), for the plugin's own logs */
} rivet_task;

/* ------------------------------------------------------------------------------------------
 * Peer requests (through the transport) and inbound dispatch (from the transport)
 * ---------------------------------------------------------------------------------------- */

/* Outcome of a request to a peer. `DELIVERED` means bytes may have reached the peer, so a
 * non-idempotent request must not be retried elsewhere. */
typedef enum rivet_net_result {
  RIVET_NET_OK = 0,            /* an HTTP response arrived (any status) */
  RIVET_NET_NOT_DELIVERED = 1, /* connect refused, TLS failure, name mismatch: safe to fail over */
  RIVET_NET_TIMEOUT = 2,       /* deadline passed after the request was sent */
  RIVET_NET_DELIVERED_FAILED = 3, /* connection lost after the request was sent */
  RIVET_NET_UNAVAILABLE = 4       /* no transport loaded */
} rivet_net_result;

typedef struct rivet_header {
  rivet_str name;
  rivet_str value;
} rivet_header;

typedef struct rivet_peer_request {
  uint32_t struct_size;
  rivet_str host; /* address or name to connect to */
  uint32_t port;
  rivet_str verify_name; /* the name the peer's certificate must be valid for */
  rivet_str method;      /* "GET" or "POST" */
  rivet_str path;
  rivet_str body;     /* JSON, may be empty */
  int64_t timeout_ms; /* whole-exchange deadline */
  /* --- ABI 1.3 --- (a transport reads them only when struct_size includes them) */
  /* Extra header fields to send, e.g. traceparent. Names are HTTP tokens and values carry no
   * CR, LF or NUL: a transport skips any field that breaks this rule. */
  const rivet_header* headers;
  size_t header_count;
} rivet_peer_request;

/* Filled by whoever performs a peer request. `body` receives the response body, `error` a
 * human-readable reason when the result is not RIVET_NET_OK. */
typedef struct rivet_peer_response {
  uint32_t struct_size;
  int status; /* HTTP status when RIVET_NET_OK */
  rivet_writer body;
  rivet_writer error;
} rivet_peer_response;

/* An inbound HTTP request, as the transport saw it. Valid during `dispatch` only (for
 * dispatch_async: until the answer begins). */
typedef struct rivet_inbound_request {
  uint32_t struct_size;
  rivet_str method;
  rivet_str path; /* raw request target, query string included */
  rivet_str body;
  rivet_str peer_cn;      /* the client certificate's CN */
  rivet_str peer_sans;    /* JSON array of the certificate's DNS and IP SANs */
  rivet_str peer_address; /* "ip:port" */
  /* ABI 1.3: every header field of the request in the order received, names as sent (compare
   * them case-insensitively), values without surrounding whitespace. Valid as long as the rest
   * of the request. */
  const rivet_header* headers;
  size_t header_count;
  /* ABI 1.5: which listener the request arrived on: "" (empty) the agent channel, whose
   * clients always present a mesh certificate; "a2a" the A2A listener (node_info's "a2a"), whose
   * clients may present none (then peer_cn and peer_sans are empty) and authenticate with a
   * bearer token the host checks. */
  rivet_str listener;
} rivet_inbound_request;

/* Where the host writes its answer to an inbound request: exactly one call to `respond`. */
typedef struct rivet_responder {
  void* ctx;
  void (*respond)(void* ctx, int status, const rivet_header* headers, size_t header_count,
                  rivet_str body);
} rivet_responder;

/* ABI 1.2: where the host answers an inbound request, later and from any thread. The host calls
 * exactly one of: `respond` once (a whole answer), or `begin` once, `chunk` zero or more times
 * and `end` once (a streamed answer: the transport sends it with chunked transfer coding, for
 * Server-Sent Events and other long answers). `ctx` stays valid until `respond` or `end`
 * returns; the functions copy what they are given. The calls may come before dispatch_async
 * returns (an inline answer) or long after it, never concurrently for one responder, and never
 * once the transport's `destroy` has begun. After `stop` they are still safe and are dropped.
 * `begin` and `chunk` return 0 while the client is still there and non-zero once it has gone
 * or the transport is stopping: produce no more data then, but still call `end`. A `chunk`
 * with no bytes sends nothing (1.3: a transport answers it at once, a way to ask whether the
 * client is still there). */
typedef struct rivet_async_responder {
  uint32_t struct_size;
  void* ctx;
  void (*respond)(void* ctx, int status, const rivet_header* headers, size_t header_count,
                  rivet_str body);
  int (*begin)(void* ctx, int status, const rivet_header* headers, size_t header_count);
  int (*chunk)(void* ctx, rivet_str data);
  void (*end)(void* ctx);
} rivet_async_responder;

/* ------------------------------------------------------------------------------------------
 * Host API: given to `create`, valid until `destroy` returns. Every function takes `host`.
 * ---------------------------------------------------------------------------------------- */

typedef struct rivet_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  void* host; /* opaque, pass back as the first argument */

  /* Log `message` under `component` (empty: the plugin's default component). */
  void (*log)(void* host, rivet_log_level level, rivet_str component, rivet_str message);
  /* This instance's settings (its `agents:` entry without `plugin:`, or its config section)
   * as a JSON object. */
  void (*config)(void* host, rivet_writer* out);
  /* This instance's name: the agent id for agents, the plugin name otherwise. */
  rivet_str (*instance_name)(void* host);
  /* Wall-clock milliseconds since the Unix epoch. */
  int64_t (*now_ms)(void* host);
  /* Node identity, listen address and TLS paths as JSON:
   * {"node_name","advertise_host","listen_host","port","version","mesh_enabled",
   *  "heartbeat_interval_ms","tls":{"ca_path","cert_path","key_path","crl_path"}}
   * 1.5: plus "a2a":{"listen_host","port","cert_path","key_path"} when the node serves A2A
   * (rivet.yaml `a2a`): the listener a transport opens for it, with the server certificate to
   * present there (the node's own unless configured). */
  void (*node_info)(void* host, rivet_writer* out);
  /* Send a request to a peer through the loaded transport. Blocks up to timeout_ms. */
  rivet_net_result (*request)(void* host, const rivet_peer_request* request,
                              rivet_peer_response* response);
  /* Discovery: report peers seen, as a JSON array of {"name","host","port",...hints}. */
  void (*peers_seen)(void* host, rivet_str peers_json);
  /* Discovery: a peer announced it is gone. */
  void (*peer_lost)(void* host, rivet_str name);
  /* Transport: hand an inbound request to the node. Blocks until `responder` was called. */
  void (*dispatch)(void* host, const rivet_inbound_request* request, rivet_responder* responder);
  /* Agents: delegate a task to another agent, local or remote. `request_json` is
   * {"toAgent","message",["model"],["timeoutMs"]}; the result JSON written to `out` is
   * {"status":"completed|failed|timeout|rejected","response","agent","durationMs"}.
   * `task` is the task being handled, exactly as `handle` received it (its depth, path and
   * deadline carry over; a copy or an ended task is refused), or NULL outside any task.
   * Blocks until the delegate answers, the deadline passes or `task` is cancelled. */
  rivet_task_status (*delegate)(void* host, const rivet_task* task, rivet_str request_json,
                                rivet_writer* out);
  /* --- ABI 1.1 --- (check struct_size before calling) */
  /* Agents: who `task` (or NULL: a new task of this agent) may delegate to right now, as
   * {"chainDepth":N,"maxChainDepth":M,"canDelegate":bool,"refusal":"why not, when not",
   *  "agents":[{"id","node","provider","model","local":bool}]}. Lists local agents and agents
   * of nodes that are online, not stale and not shut out by the circuit breaker; never the
   * calling agent, nor an agent already on the task's path. Cheap: it reads no file (the
   * node keeps a view of mesh.json, rebuilt in the background). Any thread. */
  void (*roster)(void* host, const rivet_task* task, rivet_writer* out);
  /* Agents that run other programs: a credential with which such a program may delegate as
   * part of `task`: {"socket":"<unix socket path>","token":"<secret>"}. Valid until `handle`
   * returns; reaches only this node. RIVET_ERROR (with the reason in `out`) when the node has
   * no delegation socket. */
  int (*task_credential)(void* host, const rivet_task* task, rivet_writer* out);
  /* --- ABI 1.2 --- (check struct_size before calling) */
  /* Transport: hand an inbound request to the node without waiting for the answer. `request`
   * and what it points to stay valid until the host calls the responder's `respond` or
   * `begin` (the transport keeps them, even when the client has gone); `responder` as
   * described at rivet_async_responder. Never blocks on an agent: quick answers (ping, an inline
   * agent) come before it returns, the others from the host's threads. */
  void (*dispatch_async)(void* host, const rivet_inbound_request* request,
                         const rivet_async_responder* responder);
  /* --- ABI 1.3 --- (check struct_size before calling) */
  /* Agents: report progress of `task` (handle()'s task, while handle() runs) to whoever watches
   * it (the task's event stream, and through it the nodes that delegated it). `kind` is "text"
   * (a piece of the answer as it streams), "tool" (a tool call started: its name and a short
   * summary) or "status" (a free-form line). The host rate-limits per task: text over the
   * limit is merged into the next event, other kinds are dropped. At most 4096 bytes of `text`
   * are kept per call; invalid UTF-8 is replaced. RIVET_OK when taken (or nobody watches),
   * RIVET_ERROR when `task` is not running or `kind` is unknown. Any thread; never blocks on
   * the network. */
  int (*progress)(void* host, const rivet_task* task, rivet_str kind, rivet_str text);
} rivet_host_api;

/* ------------------------------------------------------------------------------------------
 * Kind-specific operation tables. Each begins with its size.
 * ---------------------------------------------------------------------------------------- */

/* Agent flag: `handle` never blocks and returns quickly; the host runs it inline on the calling
 * thread instead of the worker pool. */
#define RIVET_AGENT_INLINE 0x1u

typedef struct rivet_agent_ops {
  uint32_t struct_size;
  uint32_t flags; /* RIVET_AGENT_* */
  /* {"provider":"...","model":"...","description":"..."} ("model" and, 1.5, "description" may
   * be absent). Read once, after start. */
  void (*describe)(void* instance, rivet_writer* out);
  /* Run one task; write the answer (or the failure reason) to `out`. */
  rivet_task_status (*handle)(void* instance, const rivet_task* task, rivet_writer* out);
} rivet_agent_ops;

typedef struct rivet_transport_ops {
  uint32_t struct_size;
  /* Perform a request to a peer (see rivet_peer_request). */
  rivet_net_result (*request)(void* instance, const rivet_peer_request* request,
                              rivet_peer_response* response);
  /* Re-read certificate material; on failure keep the old one and write the reason. */
  int (*reload)(void* instance, rivet_writer* error);
  /* ABI 1.4: write one JSON object of counters to `out` (docs/plugin-guide.md lists the keys
   * rivetd reads; others are ignored). Called from any host thread, concurrently, at any time
   * from `start` returning until `destroy` (also while and after `stop` runs); it must not block
   * and must not call the host. NULL, or a table too short to hold it: no transport figures. */
  void (*metrics)(void* instance, rivet_writer* out);
  /* ABI 1.6: request() without blocking. RIVET_OK: the transport copied the request and calls
   * `done(ctx, ...)` exactly once, after request_async has returned, from one of its threads
   * (`status`, `body`, `error` as in rivet_peer_response; the strings are valid during the
   * call). `done` must not block: other connections wait while it runs; it may call
   * request_async again. Anything else: the transport did not take it (stopping, or no event
   * loop) and never calls `done`. NULL, or a table too short to hold it: request() only. */
  int (*request_async)(void* instance, const rivet_peer_request* request, void* ctx,
                       void (*done)(void* ctx, rivet_net_result result, int status, rivet_str body,
                                    rivet_str error));
} rivet_transport_ops;

typedef struct rivet_discovery_ops {
  uint32_t struct_size;
  /* This node's own registry record changed (agents added): JSON node record. */
  void (*self_changed)(void* instance, rivet_str self_json);
} rivet_discovery_ops;

/* ------------------------------------------------------------------------------------------
 * The descriptor
 * ---------------------------------------------------------------------------------------- */

typedef struct rivet_plugin_descriptor {
  uint32_t magic;       /* RIVET_PLUGIN_MAGIC */
  uint32_t struct_size; /* sizeof(rivet_plugin_descriptor) as the plugin was built */
  uint16_t abi_major;   /* RIVET_ABI_MAJOR as the plugin was built */
  uint16_t abi_minor;
  uint32_t kind;           /* rivet_kind */
  const char* name;        /* [a-z0-9-]+, unique among loaded plugins */
  const char* version;     /* the plugin's own version, free text */
  const char* description; /* one line */
  /* Create one instance. On failure return RIVET_ERROR and write the reason to `error`. */
  int (*create)(const rivet_host_api* host, void** instance, rivet_writer* error);
  /* Begin work (listen, browse). On failure return RIVET_ERROR and write the reason. */
  int (*start)(void* instance, rivet_writer* error);
  /* Stop work; after it returns no operation of this instance is called again. */
  void (*stop)(void* instance);
  /* Free the instance. */
  void (*destroy)(void* instance);
  /* The kind's table: rivet_agent_ops, rivet_transport_ops or rivet_discovery_ops. */
  const void* ops;
} rivet_plugin_descriptor;

/* The one exported symbol. Returns a pointer to a static descriptor, or NULL to refuse. */
typedef const rivet_plugin_descriptor* (*rivet_plugin_entry_fn)(uint16_t host_abi_major,
                                                                uint16_t host_abi_minor);

#ifdef __cplusplus
}
#endif

#endif /* RIVET_SDK_ABI_H */
