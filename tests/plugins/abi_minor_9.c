/* abi-1-9.so: a complete agent that declares plugin ABI 1.9, a minor version newer than this
 * host; the loader must refuse it (it may rely on fields the host does not fill). */
#include "fixture_agent.h"

static const rivet_plugin_descriptor descriptor =
    FIXTURE_DESCRIPTOR(RIVET_PLUGIN_MAGIC, sizeof(rivet_plugin_descriptor), RIVET_ABI_MAJOR,
                       9 /* the defect */, RIVET_KIND_AGENT, "abi-1-9");

FIXTURE_ENTRY(descriptor)
