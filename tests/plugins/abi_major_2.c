/* abi-2-0.so: a complete agent that declares plugin ABI 2.0, a major version this host does
 * not speak; the loader must refuse it naming both versions. */
#include "fixture_agent.h"

static const rivet_plugin_descriptor descriptor =
    FIXTURE_DESCRIPTOR(RIVET_PLUGIN_MAGIC, sizeof(rivet_plugin_descriptor), 2 /* the defect */, 0,
                       RIVET_KIND_AGENT, "abi-2-0");

FIXTURE_ENTRY(descriptor)
