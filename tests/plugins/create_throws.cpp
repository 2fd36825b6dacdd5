// create-throws.so: a raw C++ agent (no SDK macro) that loads cleanly, but whose create() lets
// std::runtime_error("boom in create") escape; the host must catch it and report it.
#include "rivet/sdk/abi.h"

#include <stdexcept>

namespace {

int create(const rivet_host_api*, void**, rivet_writer*) {
  throw std::runtime_error("boom in create"); // the defect: an exception across the C ABI
}
int start(void*, rivet_writer*) {
  return RIVET_OK;
}
void stop(void*) {}
void describe(void*, rivet_writer*) {}
rivet_task_status handle(void*, const rivet_task*, rivet_writer*) {
  return RIVET_TASK_COMPLETED;
}

const rivet_agent_ops ops = {sizeof(rivet_agent_ops), 0, describe, handle};

const rivet_plugin_descriptor descriptor = {RIVET_PLUGIN_MAGIC,
                                            sizeof(rivet_plugin_descriptor),
                                            RIVET_ABI_MAJOR,
                                            RIVET_ABI_MINOR,
                                            RIVET_KIND_AGENT,
                                            "create-throws",
                                            "1.0.0",
                                            "test fixture",
                                            create,
                                            start,
                                            stop,
                                            stop,
                                            &ops};

} // namespace

extern "C" __attribute__((visibility("default"))) const rivet_plugin_descriptor*
rivet_plugin_entry(uint16_t, uint16_t) {
  return &descriptor;
}
