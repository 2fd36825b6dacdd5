// transport-mtls: the agent channel over mutual TLS (docs/protocol.md §1). Serves the node's
// endpoints through the host's dispatch() and sends requests to peers through a pooled client.
// Loaded by rivetd for `mesh.transport: mtls`; rivetctl loads it with {"serve": false}.
#include "ChannelServer.hpp"
#include "MaterialWatcher.hpp"
#include "PeerPool.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/JSON/Parser.h>
#include <Poco/Net/SSLManager.h>

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
      : Transport(host), pool_(materials_, "rivet-mesh/" + versionOf(host)) {
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
    auto tls = info->getObject("tls");
    if (!tls)
      throw sdk::PluginError("transport-mtls: node info has no tls section");
    paths_.caPath = tls->optValue<std::string>("ca_path", "");
    paths_.certPath = tls->optValue<std::string>("cert_path", "");
    paths_.keyPath = tls->optValue<std::string>("key_path", "");
    paths_.crlPath = tls->optValue<std::string>("crl_path", "");
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
        host().raw(), materials_, settings_,
        [this](rivet_log_level level, const std::string& m) { host().log(level, m); });
    try {
      server_->start();
    } catch (const std::exception& e) {
      server_.reset();
      throw sdk::PluginError(e.what());
    }
    watcher_ = std::make_unique<MaterialWatcher>(
        std::vector<std::string>{paths_.caPath, paths_.certPath, paths_.keyPath, paths_.crlPath},
        [this] { reloadFrom("a certificate file changed"); });
    watcher_->start();
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
                  " days left; new connections use it");
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
  }

  bool serve_ = true;
  ServerSettings settings_;
  TlsPaths paths_;
  MaterialStore materials_;
  PeerPool pool_;
  std::mutex reloadMutex_;
  std::unique_ptr<ChannelServer> server_;
  std::unique_ptr<MaterialWatcher> watcher_;
};

} // namespace
} // namespace rivet::mtls

RIVET_PLUGIN(rivet::mtls::MtlsTransport, "transport-mtls", "1.0.0",
             "Agent channel over mutual TLS: HTTP/1.1 keep-alive server and pooled client")
