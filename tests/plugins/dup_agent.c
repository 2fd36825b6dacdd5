/* dup-agent-a.so and dup-agent-b.so: two files built from this source, both a valid agent named
 * "dup-agent"; each loads alone, but a catalog must refuse the second naming both files. */
#include "fixture_agent.h"

static const rivet_plugin_descriptor descriptor = FIXTURE_DESCRIPTOR(
    RIVET_PLUGIN_MAGIC, sizeof(rivet_plugin_descriptor), RIVET_ABI_MAJOR, RIVET_ABI_MINOR,
    RIVET_KIND_AGENT, "dup-agent" /* the defect: the same name in two files */);

FIXTURE_ENTRY(descriptor)
