#!/bin/sh
# planner (node alpha): hands the task to researcher (node beta) and writer (node gamma) through
# the mesh with `rivetctl delegate`, and reports who answered what.
task=$(cat)
ctl=${RIVETCTL:-rivetctl}
facts=$("$ctl" delegate researcher "Find facts for: $task" 2>&1) || facts="not available: $facts"
text=$("$ctl" delegate writer "Write about: $task" 2>&1) || text="not available: $text"
echo "planner@$RIVET_NODE (asked by $RIVET_FROM_AGENT, depth $RIVET_CHAIN_DEPTH) asked two agents:"
echo "  researcher said: $facts"
echo "  writer said: $text"
