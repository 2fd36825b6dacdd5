#!/bin/sh
# writer (node gamma): asks researcher (node beta) for facts itself, one hop deeper, then writes.
task=$(cat)
ctl=${RIVETCTL:-rivetctl}
facts=$("$ctl" delegate researcher "Find facts for: ${task#Write about: }" 2>&1) || facts="not available: $facts"
echo "writer@$RIVET_NODE (asked by $RIVET_FROM_AGENT@$RIVET_FROM_NODE, depth $RIVET_CHAIN_DEPTH) wrote a paragraph from [$facts]"
