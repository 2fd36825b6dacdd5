/* The body every descriptor fixture shares: a complete, working echo agent. Each fixture then
 * declares one descriptor with FIXTURE_DESCRIPTOR, breaking exactly the field it tests. */
#ifndef RIVET_FIXTURE_AGENT_H
#define RIVET_FIXTURE_AGENT_H

#include "rivet/sdk/abi.h"

#include <stddef.h>

static int fixture_instance;

static int fixture_create(const rivet_host_api* host, void** instance, rivet_writer* error) {
  (void)host;
  (void)error;
  *instance = &fixture_instance;
  return RIVET_OK;
}

static int fixture_start(void* instance, rivet_writer* error) {
  (void)instance;
  (void)error;
  return RIVET_OK;
}

static void fixture_stop(void* instance) {
  (void)instance;
}

static void fixture_describe(void* instance, rivet_writer* out) {
  static const char json[] = "{\"provider\":\"fixture\"}";
  (void)instance;
  out->write(out->ctx, json, sizeof json - 1);
}

static rivet_task_status fixture_handle(void* instance, const rivet_task* task, rivet_writer* out) {
  (void)instance;
  out->write(out->ctx, task->message.data, task->message.len);
  return RIVET_TASK_COMPLETED;
}

static const rivet_agent_ops fixture_ops = {sizeof(rivet_agent_ops), 0, fixture_describe,
                                            fixture_handle};

/* A descriptor whose first six fields are given; the rest are the working agent's. */
#define FIXTURE_DESCRIPTOR(MAGIC, SIZE, MAJOR, MINOR, KIND, NAME)                                  \
  {                                                                                                \
    .magic = (MAGIC), .struct_size = (SIZE), .abi_major = (MAJOR), .abi_minor = (MINOR),           \
    .kind = (KIND), .name = (NAME), .version = "1.0.0", .description = "test fixture",             \
    .create = fixture_create, .start = fixture_start, .stop = fixture_stop,                        \
    .destroy = fixture_stop, .ops = &fixture_ops                                                   \
  }

/* The entry point returning `DESCRIPTOR`. */
#define FIXTURE_ENTRY(DESCRIPTOR)                                                                  \
  __attribute__((visibility("default"))) const rivet_plugin_descriptor* rivet_plugin_entry(        \
      uint16_t host_abi_major, uint16_t host_abi_minor) {                                          \
    (void)host_abi_major;                                                                          \
    (void)host_abi_minor;                                                                          \
    return &(DESCRIPTOR);                                                                          \
  }

#endif
