// Implementation of the mesh test kit: the CA through rivet_core, rivetd through Process, RSS
// from /proc.
#include "MeshTestKit.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <random>
#include <set>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace rivet::test {
namespace {

size_t statusField(int pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return static_cast<size_t>(std::stoull(line.substr(field.size() + 1))) * 1024;
  }
  return 0;
}

} // namespace

// --- PKI ----------------------------------------------------------------------------------------

TestPki::TestPki() : ca_(ca::CertificateAuthority::init(dir_.file("ca"), dir_.file("root"))) {}

ca::IssuedFiles TestPki::issueNode(const std::string& name, const ca::IssueOptions& o) {
  return ca_.issueNode(name, o);
}

ca::IssuedFiles TestPki::issueAgent(const std::string& agent, const std::string& node,
                                    const ca::IssueOptions& o) {
  return ca_.issueAgent(agent, node, o);
}

int64_t epochNow() {
  return static_cast<int64_t>(std::time(nullptr));
}

// Below the kernel's ephemeral range, which every connect() of every test running beside this
// one draws from (a port bind(0) hands out is free now, but any outbound connection may take it
// before the node binds it); random, never twice in one process, and free when asked.
int freePort() {
  static std::mutex mutex;
  static std::set<int> given;
  static std::mt19937 random(std::random_device{}());
  int low = 32768, high = 60999;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
  const int top = low > 12000 ? low - 1 : 65535;
  const int bottom = low > 12000 ? 10000 : high + 1;
  std::lock_guard<std::mutex> lock(mutex);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int port = std::uniform_int_distribution<int>(bottom, top)(random);
    if (given.count(port))
      continue;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      throw std::runtime_error("freePort: " + std::string(std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (free) {
      given.insert(port);
      return port;
    }
  }
  throw std::runtime_error("freePort: no free port in " + std::to_string(bottom) + "-" +
                           std::to_string(top));
}

size_t residentBytes(int pid) {
  return statusField(pid, "VmRSS");
}
size_t residentAnonBytes(int pid) {
  return statusField(pid, "RssAnon");
}
size_t peakResidentBytes(int pid) {
  return statusField(pid, "VmHWM");
}
void resetPeakResident(int pid) {
  std::ofstream f("/proc/" + std::to_string(pid) + "/clear_refs");
  f << "5";
}

// --- node ---------------------------------------------------------------------------------------

std::string writeNodeConfig(const TempDir& dir, const NodeSettings& s) {
  std::string yaml = "mesh:\n  enabled: true\n  node_name: " + s.name +
                     "\n  listen_host: 127.0.0.1\n  agent_channel_port: " +
                     std::to_string(s.port == 0 ? freePort() : s.port) +
                     "\n  storage_dir: " + dir.path() + "\n";
  if (s.tls) {
    yaml += "  tls:\n    ca_path: " + s.caPath + "\n    cert_path: " + s.certPath +
            "\n    key_path: " + s.keyPath + "\n";
    if (!s.crlPath.empty())
      yaml += "    crl_path: " + s.crlPath + "\n";
  }
  yaml += s.meshYaml;
  yaml += "plugins:\n  dir: " + pluginDir() + "\n" + s.agentsYaml + s.tailYaml;
  std::string path = dir.file("rivet.yaml");
  writeFile(path, yaml);
  return path;
}

NodeSettings nodeSettings(TestPki& pki, const std::string& name) {
  NodeSettings s;
  s.name = name;
  auto files = pki.issueNode(name);
  s.caPath = pki.chainPath();
  s.certPath = files.certPath;
  s.keyPath = files.keyPath;
  return s;
}

NodeProcess::NodeProcess(NodeSettings s) : settings_(std::move(s)) {
  if (settings_.port == 0)
    settings_.port = freePort();
  configPath_ = writeNodeConfig(dir_, settings_);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{binPath("rivetd"), "--config", configPath_});
  ready_ = process_->waitForOutput("Agent channel listening on :", std::chrono::seconds(10));
}

std::string NodeProcess::outputSince(size_t mark) const {
  std::string out = output();
  return mark < out.size() ? out.substr(mark) : "";
}

bool NodeProcess::waitForOutputSince(size_t mark, const std::string& text,
                                     std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (contains(outputSince(mark), text))
      return true;
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// --- clients ------------------------------------------------------------------------------------

TlsClientOptions clientOptions(const TestPki& pki, const std::string& stem,
                               const std::string& expectName) {
  TlsClientOptions o;
  if (!stem.empty()) {
    o.certPath = pki.file("ca/issued/" + stem + ".crt");
    o.keyPath = pki.file("ca/issued/" + stem + ".key");
  }
  o.caPath = pki.chainPath();
  o.expectName = expectName;
  return o;
}

} // namespace rivet::test
