/* undefined-symbol.so: calls a function that no library defines and is linked WITHOUT -z defs,
 * so it builds; dlopen(RTLD_NOW) must refuse it with the loader's "undefined symbol" advice. */
#include "rivet/sdk/abi.h"

/* The defect: declared, used, defined nowhere. */
extern const rivet_plugin_descriptor* rivet_fixture_function_nobody_defines(void);

__attribute__((visibility("default"))) const rivet_plugin_descriptor*
rivet_plugin_entry(uint16_t host_abi_major, uint16_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
  return rivet_fixture_function_nobody_defines();
}
