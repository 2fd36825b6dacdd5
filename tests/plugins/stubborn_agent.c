/* stubborn: an agent whose handle() ignores cancellation for 15 s, then calls the host, and
 * which aborts the process if its stop() or destroy() runs while a task is still in handle() (a
 * plugin that frees in stop() what handle() uses). Proves shutdown never does that. */
#include "rivet/sdk/abi.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static const rivet_host_api* g_host;
static atomic_int g_handling;

static int stub_create(const rivet_host_api* host, void** instance, rivet_writer* error) {
  (void)error;
  g_host = host;
  *instance = &g_host;
  return RIVET_OK;
}
static int stub_start(void* instance, rivet_writer* error) {
  (void)instance;
  (void)error;
  return RIVET_OK;
}
static void stub_stop(void* instance) {
  (void)instance;
  if (atomic_load(&g_handling))
    abort();
}
static void stub_destroy(void* instance) {
  (void)instance;
  if (atomic_load(&g_handling))
    abort();
}
static void stub_describe(void* instance, rivet_writer* out) {
  static const char json[] = "{\"provider\":\"c\"}";
  (void)instance;
  out->write(out->ctx, json, sizeof json - 1);
}

static rivet_task_status stub_handle(void* instance, const rivet_task* task, rivet_writer* out) {
  static const char msg[] = "stubborn: still here";
  static const char req[] = "{\"toAgent\":\"echo\",\"message\":\"late\"}";
  struct timespec tick = {0, 100 * 1000 * 1000};
  rivet_str json = {req, sizeof req - 1};
  (void)instance;
  atomic_store(&g_handling, 1);
  for (int i = 0; i < 150; ++i)
    nanosleep(&tick, NULL);
  g_host->log(g_host->host, RIVET_LOG_INFO, (rivet_str){NULL, 0}, (rivet_str){msg, sizeof msg - 1});
  g_host->delegate(g_host->host, task, json, out);
  atomic_store(&g_handling, 0);
  return RIVET_TASK_COMPLETED;
}

static const rivet_agent_ops stub_ops = {sizeof(rivet_agent_ops), 0, stub_describe, stub_handle};

static const rivet_plugin_descriptor stub_descriptor = {RIVET_PLUGIN_MAGIC,
                                                        sizeof(rivet_plugin_descriptor),
                                                        RIVET_ABI_MAJOR,
                                                        RIVET_ABI_MINOR,
                                                        RIVET_KIND_AGENT,
                                                        "stubborn",
                                                        "1.0.0",
                                                        "Ignores cancellation (test fixture)",
                                                        stub_create,
                                                        stub_start,
                                                        stub_stop,
                                                        stub_destroy,
                                                        &stub_ops};

__attribute__((visibility("default"))) const rivet_plugin_descriptor*
rivet_plugin_entry(uint16_t host_abi_major, uint16_t host_abi_minor) {
  (void)host_abi_minor;
  return host_abi_major == RIVET_ABI_MAJOR ? &stub_descriptor : NULL;
}
