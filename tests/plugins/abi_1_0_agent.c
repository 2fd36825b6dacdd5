/* old-delegator: an agent built for plugin ABI 1.0, as a third party shipped it before 1.1. It
 * sees only 1.0's rivet_task and host API, and delegates its task text as
 * {"toAgent":<text>,"message":"from an ABI 1.0 plugin"}, answering with the result JSON.
 * Proves an older plugin keeps loading and delegating after the ABI grew. */
#include "rivet/sdk/abi.h"

#include <stdio.h>
#include <string.h>

static const rivet_host_api* g_host;

static int old_create(const rivet_host_api* host, void** instance, rivet_writer* error) {
  (void)error;
  g_host = host;
  *instance = &g_host;
  return RIVET_OK;
}
static int old_start(void* instance, rivet_writer* error) {
  (void)instance;
  (void)error;
  return RIVET_OK;
}
static void old_stop(void* instance) {
  (void)instance;
}
static void old_destroy(void* instance) {
  (void)instance;
}
static void old_describe(void* instance, rivet_writer* out) {
  static const char json[] = "{\"provider\":\"c\"}";
  (void)instance;
  out->write(out->ctx, json, sizeof json - 1);
}

static rivet_task_status old_handle(void* instance, const rivet_task* task, rivet_writer* out) {
  char request[512];
  int n = snprintf(request, sizeof request,
                   "{\"toAgent\":\"%.*s\",\"message\":\"from an ABI 1.0 plugin\"}",
                   (int)(task->message.len < 64 ? task->message.len : 64), task->message.data);
  rivet_str json = {request, (size_t)n};
  (void)instance;
  return g_host->delegate(g_host->host, task, json, out);
}

static const rivet_agent_ops old_ops = {sizeof(rivet_agent_ops), 0, old_describe, old_handle};

static const rivet_plugin_descriptor old_descriptor = {RIVET_PLUGIN_MAGIC,
                                                       sizeof(rivet_plugin_descriptor),
                                                       1,
                                                       0, /* built for ABI 1.0 */
                                                       RIVET_KIND_AGENT,
                                                       "old-delegator",
                                                       "1.0.0",
                                                       "Delegates its task (built for ABI 1.0)",
                                                       old_create,
                                                       old_start,
                                                       old_stop,
                                                       old_destroy,
                                                       &old_ops};

__attribute__((visibility("default"))) const rivet_plugin_descriptor*
rivet_plugin_entry(uint16_t host_abi_major, uint16_t host_abi_minor) {
  (void)host_abi_minor;
  return host_abi_major == 1 ? &old_descriptor : NULL;
}
