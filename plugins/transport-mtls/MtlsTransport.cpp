// transport-mtls: the agent channel over mutual TLS (docs/protocol.md §1). Serves the node's
// endpoints through the host's dispatch() and sends requests to peers through a pooled client;
// when node_info has "a2a" (ABI 1.5), also the A2A listener, whose requests the host serves.
// Loaded by rivetd for `mesh.transport: mtls`; rivetctl loads it with {"serve": false}.
#include "ChannelServer.hpp"
#include "MaterialWatcher.hpp"
#include "PeerExchange.hpp"
#include "PeerPool.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/JSON/Parser.h>
#include <Poco/Net/SSLManager.h>

#include <algorithm>
#include <optional>

namespace rivet::mtls {
namespace {

Poco::JSON::Object::Ptr parseObject(const std::string& json, const char* what) {
  try {
    return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw sdk::PluginError(std::string("transport-mtls: invalid ") + what + ": " + e.displayText());
  }
}

std::string versionOf(const sdk::Host& host) {
  return parseObject(host.nodeInfoJson(), "node info")->optValue<std::string>("version", "0");
}

class MtlsTransport : public sdk::Transport {
public:
  explicit MtlsTransport(const sdk::Host& host)
      : Transport(host), userAgent_("rivet-mesh/" + versionOf(host)),
        pool_(materials_, userAgent_, answers_) {
    Poco::Net::initializeSSL();
    auto info = parseObject(host.nodeInfoJson(), "node info");
    auto config = parseObject(host.configJson(), "settings");
    serve_ = config->optValue<bool>("serve", true);
    settings_.nodeName = info->optValue<std::string>("node_name", "");
    settings_.listenHost = info->optValue<std::string>("listen_host", "0.0.0.0");
    settings_.port = info->optValue<int>("port", 3000);
    try {
      settings_.readChannelKeys(host.configJson());
    } catch (const std::exception& e) {
      throw sdk::PluginError(std::string("transport-mtls: ") + e.what());
    }
    answers_.setCap(settings_.maxInflightAnswerBytes);
    auto tls = info->getObject("tls");
    if (!tls)
      throw sdk::PluginError("transport-mtls: node info has no tls section");
    paths_.caPath = tls->optValue<std::string>("ca_path", "");
    paths_.certPath = tls->optValue<std::string>("cert_path", "");
    paths_.keyPath = tls->optValue<std::string>("key_path", "");
    paths_.crlPath = tls->optValue<std::string>("crl_path", "");
    // ABI 1.5: the A2A listener, when the node serves A2A (rivetctl, which serves nothing,
    // never reads its certificate).
    if (auto a2a = info->getObject("a2a"); a2a && serve_) {
      a2a_ = ListenerSpec{true, a2a->optValue<std::string>("listen_host", "127.0.0.1"),
                          a2a->optValue<int>("port", 3443)};
      paths_.a2aCertPath = a2a->optValue<std::string>("cert_path", paths_.certPath);
      paths_.a2aKeyPath = a2a->optValue<std::string>("key_path", paths_.keyPath);
      if (a2a_->port < 1 || a2a_->port > 65535)
        throw sdk::PluginError("transport-mtls: a2a.port " + std::to_string(a2a_->port) +
                               " is not a TCP port (1-65535); choose a free a2a.port");
    }
    try {
      materials_.replace(TlsMaterial::load(paths_, settings_.nodeName));
    } catch (const MaterialError& e) {
      throw sdk::PluginError(e.what());
    }
    warnIfExpiring(*materials_.current());
  }

  ~MtlsTransport() override {
    stop();
    server_.reset();
    pool_.clear();
    materials_.replace(nullptr);
    Poco::Net::uninitializeSSL();
  }

  void start() override {
    if (!serve_)
      return;
    server_ = std::make_unique<ChannelServer>(
        host().raw(), materials_, settings_, a2a_,
        [this](rivet_log_level level, const std::string& m, const char* component) {
          host().log(level, m, component);
        });
    try {
      server_->start();
    } catch (const std::exception& e) {
      server_.reset();
      throw sdk::PluginError(e.what());
    }
    std::vector<std::string> files{paths_.caPath, paths_.certPath, paths_.keyPath, paths_.crlPath};
    if (a2a_) // the A2A listener's own certificate, when it has one
      for (const auto* path : {&paths_.a2aCertPath, &paths_.a2aKeyPath})
        if (std::find(files.begin(), files.end(), *path) == files.end())
          files.push_back(*path);
    watcher_ = std::make_unique<MaterialWatcher>(
        files, [this] { reloadFrom("a certificate file changed"); });
    watcher_->start();
    if (a2a_) // logged first: once the agent channel's line is there, both listen
      host().log(RIVET_LOG_INFO,
                 "A2A listener on " + a2a_->host + ":" + std::to_string(a2a_->port) +
                     " (TLS, certificate " + paths_.a2aCertPath +
                     "; a client certificate is optional, verified against the mesh CA when "
                     "presented)",
                 "A2aListener");
    host().info("Agent channel listening on :" + std::to_string(settings_.port) +
                " (TLS, CN=" + settings_.nodeName + ")");
  }

  void stop() override {
    if (watcher_)
      watcher_->stop();
    watcher_.reset();
    // The server object lives on until destroy: the host may still answer requests that
    // were in progress (abi.h rivet_async_responder); their answers are dropped.
    if (server_)
      server_->stop();
  }

  rivet_net_result request(const rivet_peer_request& request,
                           rivet_peer_response& response) override {
    return pool_.request(request, response);
  }

  // ABI 1.6: on the I/O loops, while they run (rivetctl, which serves nothing, has none).
  bool requestAsync(const rivet_peer_request& request, PeerDone done) override {
    return server_ && startPeerExchange(*server_, userAgent_, answers_, request, std::move(done));
  }

  std::string metricsJson() const override {
    // server_ is set in start() before the host may call this, and lives until destroy.
    return server_ ? server_->metricsJson() : std::string();
  }

  void reload() override {
    if (!reloadFrom("SIGHUP"))
      throw sdk::PluginError("TLS material not reloaded; see the error above");
    if (watcher_)
      watcher_->resync();
  }

private:
  bool reloadFrom(const std::string& trigger) {
    std::lock_guard<std::mutex> lock(reloadMutex_);
    try {
      auto material = TlsMaterial::load(paths_, settings_.nodeName);
      materials_.replace(material);
      pool_.clear();
      host().info("TLS material reloaded (" + trigger + "): " + paths_.certPath +
                  ", CN=" + material->commonName() + ", " + std::to_string(material->daysLeft()) +
                  " days left" +
                  (a2a_ && paths_.a2aCertPath != paths_.certPath
                       ? "; the A2A listener's " + paths_.a2aCertPath + ", " +
                             std::to_string(material->a2aDaysLeft()) + " days left"
                       : std::string()) +
                  "; new connections use it");
      warnIfExpiring(*material);
      return true;
    } catch (const std::exception& e) {
      host().error("TLS reload refused (" + trigger + "): " + e.what() +
                   "; keeping the previous certificate");
      return false;
    }
  }

  void warnIfExpiring(const TlsMaterial& m) const {
    if (m.daysLeft() < 14)
      host().warn("certificate " + paths_.certPath + " expires in " + std::to_string(m.daysLeft()) +
                  " days; renew it with `rivetctl ca issue " + settings_.nodeName + "`");
    if (a2a_ && paths_.a2aCertPath != paths_.certPath && m.a2aDaysLeft() < 14)
      host().warn("the A2A listener's certificate " + paths_.a2aCertPath + " (a2a.tls.cert) " +
                  "expires in " + std::to_string(m.a2aDaysLeft()) +
                  " days; renew it and replace the file (it is reloaded without a restart)");
  }

  bool serve_ = true;
  ServerSettings settings_;
  std::optional<ListenerSpec> a2a_; // node_info "a2a": the second listener
  TlsPaths paths_;
  MaterialStore materials_;
  std::string userAgent_;
  // Answer bytes both clients hold (mesh.channel.max_inflight_answer_bytes); before the clients
  // and the server, whose exchanges give theirs back as they go.
  ByteBudget answers_{ServerSettings().maxInflightAnswerBytes};
  PeerPool pool_;
  std::mutex reloadMutex_;
  std::unique_ptr<ChannelServer> server_;
  std::unique_ptr<MaterialWatcher> watcher_;
};

} // namespace
} // namespace rivet::mtls

RIVET_PLUGIN(rivet::mtls::MtlsTransport, "transport-mtls", "1.0.0",
             "Agent channel over mutual TLS: HTTP/1.1 keep-alive server and pooled client")
