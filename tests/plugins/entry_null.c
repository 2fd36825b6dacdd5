/* entry-null.so: exports rivet_plugin_entry, but it returns NULL, as a plugin does to refuse a
 * host it cannot work with; the loader must report that the plugin refused this rivetd. */
#include "rivet/sdk/abi.h"

__attribute__((visibility("default"))) const rivet_plugin_descriptor*
rivet_plugin_entry(uint16_t host_abi_major, uint16_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
  return NULL; /* the defect */
}
