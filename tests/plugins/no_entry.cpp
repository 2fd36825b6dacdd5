// no-entry.so: defines rivet_plugin_entry without extern "C", the usual C++ slip, so the exported
// name is mangled and the file has no entry point; the loader must say it is not a plugin.
#include "rivet/sdk/abi.h"

// The defect: C++ linkage. The host never finds, let alone calls, this function.
__attribute__((visibility("default"))) const rivet_plugin_descriptor* rivet_plugin_entry(uint16_t,
                                                                                         uint16_t) {
  return nullptr;
}
