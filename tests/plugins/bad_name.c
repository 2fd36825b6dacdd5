/* bad-name.so: a complete agent whose descriptor name is "Bad Name" (upper case, a space),
 * outside [a-z0-9-]+; the loader must refuse it quoting the name. */
#include "fixture_agent.h"

static const rivet_plugin_descriptor descriptor =
    FIXTURE_DESCRIPTOR(RIVET_PLUGIN_MAGIC, sizeof(rivet_plugin_descriptor), RIVET_ABI_MAJOR,
                       RIVET_ABI_MINOR, RIVET_KIND_AGENT, "Bad Name" /* the defect */);

FIXTURE_ENTRY(descriptor)
