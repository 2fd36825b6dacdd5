// entry-throws.so: a raw C++ plugin (no SDK macro) whose rivet_plugin_entry lets a C++ exception
// escape, std::runtime_error("boom in entry"); the loader must catch it and name it.
#include "rivet/sdk/abi.h"

#include <stdexcept>

extern "C" __attribute__((visibility("default"))) const rivet_plugin_descriptor*
rivet_plugin_entry(uint16_t, uint16_t) {
  throw std::runtime_error("boom in entry"); // the defect: an exception across the C ABI
}
