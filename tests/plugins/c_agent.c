/* c-upper: a complete agent plugin in plain C11 using only rivet/sdk/abi.h; it answers every
 * task with the task text upper-cased. Proves the C ABI is usable without the C++ SDK. */
#include "rivet/sdk/abi.h"

#include <ctype.h>
#include <stdlib.h>

typedef struct c_upper {
  const rivet_host_api* host;
} c_upper;

static void write_text(rivet_writer* out, const char* text, size_t len) {
  if (out && out->write)
    out->write(out->ctx, text, len);
}

static int c_upper_create(const rivet_host_api* host, void** instance, rivet_writer* error) {
  c_upper* self = malloc(sizeof *self);
  if (!self) {
    static const char reason[] = "out of memory";
    write_text(error, reason, sizeof reason - 1);
    return RIVET_ERROR;
  }
  self->host = host;
  *instance = self;
  return RIVET_OK;
}

static int c_upper_start(void* instance, rivet_writer* error) {
  (void)instance;
  (void)error;
  return RIVET_OK;
}

static void c_upper_stop(void* instance) {
  (void)instance;
}

static void c_upper_destroy(void* instance) {
  free(instance);
}

static void c_upper_describe(void* instance, rivet_writer* out) {
  static const char json[] = "{\"provider\":\"c\",\"model\":\"upper-1\"}";
  (void)instance;
  write_text(out, json, sizeof json - 1);
}

/* Upper-cases in chunks through a stack buffer: the writer copies before it returns. */
static rivet_task_status c_upper_handle(void* instance, const rivet_task* task, rivet_writer* out) {
  char chunk[256];
  size_t done = 0;
  (void)instance;
  while (done < task->message.len) {
    size_t n = 0;
    for (; n < sizeof chunk && done + n < task->message.len; ++n)
      chunk[n] = (char)toupper((unsigned char)task->message.data[done + n]);
    write_text(out, chunk, n);
    done += n;
  }
  return RIVET_TASK_COMPLETED;
}

static const rivet_agent_ops c_upper_ops = {sizeof(rivet_agent_ops), RIVET_AGENT_INLINE,
                                            c_upper_describe, c_upper_handle};

static const rivet_plugin_descriptor c_upper_descriptor = {
    RIVET_PLUGIN_MAGIC,
    sizeof(rivet_plugin_descriptor),
    RIVET_ABI_MAJOR,
    RIVET_ABI_MINOR,
    RIVET_KIND_AGENT,
    "c-upper",
    "1.0.0",
    "Answers every task with its text upper-cased (plain C example)",
    c_upper_create,
    c_upper_start,
    c_upper_stop,
    c_upper_destroy,
    &c_upper_ops};

__attribute__((visibility("default"))) const rivet_plugin_descriptor*
rivet_plugin_entry(uint16_t host_abi_major, uint16_t host_abi_minor) {
  (void)host_abi_minor;
  return host_abi_major == RIVET_ABI_MAJOR ? &c_upper_descriptor : NULL;
}
