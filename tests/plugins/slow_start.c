/* slow-a / slow-b (SLOW_NAME): an agent whose start() takes SLOW_START_MS and logs when it
 * begins and ends, and whose stop() logs too: shows which control calls overlap in time. */
#include "rivet/sdk/abi.h"

#include <string.h>
#include <time.h>

static int slow_instance;
static const rivet_host_api* slow_host;

static void say(const char* text) {
  rivet_str none = {"", 0};
  rivet_str message = {text, strlen(text)};
  slow_host->log(slow_host->host, RIVET_LOG_INFO, none, message);
}

static int slow_create(const rivet_host_api* host, void** instance, rivet_writer* error) {
  (void)error;
  slow_host = host;
  *instance = &slow_instance;
  return RIVET_OK;
}

static int slow_start(void* instance, rivet_writer* error) {
  struct timespec pause = {SLOW_START_MS / 1000, (SLOW_START_MS % 1000) * 1000000L};
  (void)instance;
  (void)error;
  say("slow start begins");
  nanosleep(&pause, NULL);
  say("slow start ends");
  return RIVET_OK;
}

static void slow_stop(void* instance) {
  (void)instance;
  say("slow stop");
}

static void slow_destroy(void* instance) {
  (void)instance;
}

static void slow_describe(void* instance, rivet_writer* out) {
  static const char json[] = "{\"provider\":\"slow\"}";
  (void)instance;
  out->write(out->ctx, json, sizeof json - 1);
}

static rivet_task_status slow_handle(void* instance, const rivet_task* task, rivet_writer* out) {
  (void)instance;
  out->write(out->ctx, task->message.data, task->message.len);
  return RIVET_TASK_COMPLETED;
}

static const rivet_agent_ops slow_ops = {sizeof(rivet_agent_ops), RIVET_AGENT_INLINE, slow_describe,
                                         slow_handle};

static const rivet_plugin_descriptor slow_descriptor = {RIVET_PLUGIN_MAGIC,
                                                        sizeof(rivet_plugin_descriptor),
                                                        RIVET_ABI_MAJOR,
                                                        RIVET_ABI_MINOR,
                                                        RIVET_KIND_AGENT,
                                                        SLOW_NAME,
                                                        "1.0.0",
                                                        "Starts slowly (test fixture)",
                                                        slow_create,
                                                        slow_start,
                                                        slow_stop,
                                                        slow_destroy,
                                                        &slow_ops};

__attribute__((visibility("default"))) const rivet_plugin_descriptor*
rivet_plugin_entry(uint16_t host_abi_major, uint16_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
  return &slow_descriptor;
}
