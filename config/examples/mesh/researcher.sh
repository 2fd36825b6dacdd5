#!/bin/sh
# researcher (node beta): answers at once, saying who asked it from which node and how deep.
task=$(cat)
echo "researcher@$RIVET_NODE (asked by $RIVET_FROM_AGENT@$RIVET_FROM_NODE, depth $RIVET_CHAIN_DEPTH): three facts for \"${task#Find facts for: }\""
