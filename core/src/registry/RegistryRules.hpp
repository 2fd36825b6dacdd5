// What each kind of write changes in a Registry (docs/protocol.md §5): heartbeat, prune, start-up
// registration, join, status, verified discovery hints. Pure: the caller supplies `now` (ms).
#pragma once

#include "registry/Registry.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::registry {

struct StaleNode {
  std::string id;
  std::string name;
  int64_t secondsSinceSeen = 0;
};

// Own entry: lastSeen = now, status = online, nothing else touched. When the entry vanished,
// `self` is added back (status online, lastSeen now, its registeredAt or now) and true returned.
bool applyHeartbeat(Registry& r, const NodeRecord& self, int64_t now);

// Every other entry with no role or role "agent", status not offline and now - lastSeen >
// staleThresholdMs becomes offline. Entries without a numeric lastSeen are left alone (as
// RivetOS). Nothing is deleted. Returns the nodes marked, in file order.
std::vector<StaleNode> applyPrune(Registry& r, std::string_view selfId, int64_t staleThresholdMs,
                                  int64_t now);

// Start-up: the fields the runtime owns (id, name, agents, host, port, providers, models,
// capabilities, metadata, status, lastSeen, registeredAt, version) come from `self`; fields a
// person added to the entry (sshUser, platform, role, ...) stay where they were. status online,
// lastSeen = registeredAt = now (RivetOS also restamps registeredAt at every start).
void applyRegistration(Registry& r, const NodeRecord& self, int64_t now);

// A change of the node's own runtime fields while it runs (an agent was added): as
// applyRegistration, but registeredAt keeps the value the entry has.
void applySelfUpdate(Registry& r, const NodeRecord& self, int64_t now);

// Sets the entry's status; false when the entry is absent or already has it.
bool applyStatus(Registry& r, std::string_view id, std::string_view status);

// A record checked by checkJoinBody: lastSeen = now, a truthy registeredAt kept (else now),
// status kept when a non-empty string (else online). The body's fields, unknown ones included,
// replace the entry's; fields a person added to the entry and the body lacks (sshUser...) stay.
void applyJoin(Registry& r, NodeRecord node, int64_t now);

// A node learned from a seed or mDNS and proven over mTLS: written as the hint with status
// online and `lastSeen`, unless the registry already saw it more recently. false: not written.
bool applyVerified(Registry& r, NodeRecord hint, int64_t lastSeen);

// Delegation candidates for `agentId`: online, not stale, most recent lastSeen first.
std::vector<NodeRecord> candidatesForAgent(const Registry& r, std::string_view agentId,
                                           int64_t staleThresholdMs, int64_t now);

} // namespace rivet::registry
