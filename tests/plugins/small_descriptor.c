/* small-descriptor.so: a complete agent whose struct_size claims a descriptor without its last
 * field (`ops`), smaller than ABI 1.0 needs; the loader must refuse it as too small. */
#include "fixture_agent.h"

static const rivet_plugin_descriptor descriptor =
    FIXTURE_DESCRIPTOR(RIVET_PLUGIN_MAGIC, offsetof(rivet_plugin_descriptor, ops) /* the defect */,
                       RIVET_ABI_MAJOR, RIVET_ABI_MINOR, RIVET_KIND_AGENT, "small-descriptor");

FIXTURE_ENTRY(descriptor)
