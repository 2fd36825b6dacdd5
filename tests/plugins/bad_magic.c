/* bad-magic.so: a complete agent whose descriptor magic is 0xDEADBEEF, not RIVET_PLUGIN_MAGIC.
 * The loader must refuse it as "bad magic" before trusting any other field. */
#include "fixture_agent.h"

static const rivet_plugin_descriptor descriptor =
    FIXTURE_DESCRIPTOR(0xDEADBEEFu /* the defect */, sizeof(rivet_plugin_descriptor),
                       RIVET_ABI_MAJOR, RIVET_ABI_MINOR, RIVET_KIND_AGENT, "bad-magic");

FIXTURE_ENTRY(descriptor)
