/* abi-2-0.so: a complete agent that declares plugin ABI 2.0, a major version this host does
 * not speak; the loader must refuse it naming both versions. */
#include "rivet/sdk/abi.h"

static int instance_storage;

static int create(const rivet_host_api* host, void** instance, rivet_writer* error) {
  (void)host;
  (void)error;
  *instance = &instance_storage;
  return RIVET_OK;
}

static int start(void* instance, rivet_writer* error) {
  (void)instance;
  (void)error;
  return RIVET_OK;
}

static void stop(void* instance) {
  (void)instance;
}

static void describe(void* instance, rivet_writer* out) {
  static const char json[] = "{\"provider\":\"fixture\"}";
  (void)instance;
  out->write(out->ctx, json, sizeof json - 1);
}

static rivet_task_status handle(void* instance, const rivet_task* task, rivet_writer* out) {
  (void)instance;
  out->write(out->ctx, task->message.data, task->message.len);
  return RIVET_TASK_COMPLETED;
}

static const rivet_agent_ops ops = {sizeof(rivet_agent_ops), 0, describe, handle};

static const rivet_plugin_descriptor descriptor = {.magic = RIVET_PLUGIN_MAGIC,
                                                   .struct_size = sizeof(rivet_plugin_descriptor),
                                                   .abi_major = 2, /* the defect */
                                                   .abi_minor = 0,
                                                   .kind = RIVET_KIND_AGENT,
                                                   .name = "abi-2-0",
                                                   .version = "1.0.0",
                                                   .description = "test fixture",
                                                   .create = create,
                                                   .start = start,
                                                   .stop = stop,
                                                   .destroy = stop,
                                                   .ops = &ops};

__attribute__((visibility("default"))) const rivet_plugin_descriptor*
rivet_plugin_entry(uint16_t host_abi_major, uint16_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
  return &descriptor;
}
