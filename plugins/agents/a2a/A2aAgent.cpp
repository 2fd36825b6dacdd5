// a2a: a remote agent that speaks the Agent2Agent protocol (A2A 1.0, JSON-RPC binding) becomes a
// mesh agent. Configure with `agents: { researcher: { plugin: a2a, card_url:
// https://host:port/.well-known/agent-card.json } }`; docs/agent-a2a.md has every setting.
#include "A2aSettings.hpp"
#include "CardKeeper.hpp"
#include "RemoteHttp.hpp"
#include "RemoteTask.hpp"
#include "SslLibrary.hpp"

#include <rivet/sdk/plugin.hpp>

#include <string>

namespace rivet::a2a {
namespace {

class A2aAgent : public sdk::Agent {
public:
  explicit A2aAgent(const sdk::Host& host)
      : Agent(host),
        settings_(A2aSettings::fromJson(host.instanceName(), host.configJson(), host.nodeInfoJson(),
                                        [&host](const std::string& m) {
                                          host.warn("agents." + host.instanceName() + ": " + m);
                                        })),
        http_(tlsFiles(settings_), "rivet-mesh-a2a/1.0"),
        cards_(this->host(), http_, Poco::URI(settings_.cardUrl), settings_.allowHttp,
               std::chrono::seconds(settings_.cardRefreshS)) {}

  ~A2aAgent() override { cards_.stop(); }

  void start() override { cards_.start(); }
  void stop() override { cards_.stop(); }

  /// The card's name stands in for the model, its description is the agent's (rosters, the
  /// delegate_task tool, A2A cards of this node); read once, after start.
  sdk::AgentInfo describe() const override {
    auto card = cards_.current();
    if (!card)
      return {"a2a", "", ""};
    return {"a2a", card->name,
            card->description + (card->skills.empty() ? "" : " (skills: " + card->skills + ")")};
  }

  sdk::TaskResult handle(const sdk::Task& task) override {
    const llm::Budget budget = llm::Budget::forTask(task.timeoutMs(), settings_.timeoutMs);
    const std::function<bool()> cancelled = [&task] { return task.cancelled(); };
    if (cancelled())
      return RemoteHttp::cancelledResult(Poco::URI(settings_.cardUrl));
    std::string why;
    auto card = cards_.forTask(budget, cancelled, why);
    if (!card)
      return sdk::TaskResult::failed("agent " + host().instanceName() +
                                     " has no usable Agent Card: " + why);
    RemoteCall call{
        http_, {{"A2A-Version", "1.0"}}, std::chrono::milliseconds(settings_.pollIntervalMs)};
    if (!settings_.tokenFile.empty()) {
      try {
        call.headers.emplace_back("Authorization", "Bearer " + readTokenFile(settings_.tokenFile));
      } catch (const sdk::PluginError& e) {
        return sdk::TaskResult::failed("agents." + host().instanceName() + "." + e.what());
      }
    }
    bool transportFailed = false;
    RemoteTask remote(call, *card, host(), task);
    sdk::TaskResult result = remote.run(budget, transportFailed);
    if (transportFailed)
      cards_.refreshSoon();
    return result;
  }

private:
  static TlsFiles tlsFiles(const A2aSettings& s) { return {s.caFile, s.clientCert, s.clientKey}; }

  llm::SslLibrary ssl_; // first: outlives the TLS context in http_
  A2aSettings settings_;
  RemoteHttp http_;
  mutable CardKeeper cards_;
};

} // namespace
} // namespace rivet::a2a

RIVET_PLUGIN(rivet::a2a::A2aAgent, "a2a", "1.0.0",
             "A remote agent that speaks the Agent2Agent protocol (A2A 1.0, JSON-RPC) as a mesh "
             "agent: its Agent Card, streamed or polled tasks, progress and cancellation")
