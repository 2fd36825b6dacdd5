/* unknown-kind.so: a complete plugin whose descriptor declares kind 7, which is none of
 * transport (1), discovery (2) or agent (3); the loader must refuse it. */
#include "fixture_agent.h"

static const rivet_plugin_descriptor descriptor =
    FIXTURE_DESCRIPTOR(RIVET_PLUGIN_MAGIC, sizeof(rivet_plugin_descriptor), RIVET_ABI_MAJOR,
                       RIVET_ABI_MINOR, 7 /* the defect */, "unknown-kind");

FIXTURE_ENTRY(descriptor)
