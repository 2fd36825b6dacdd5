// Helpers for mesh tests over real TLS: a CA minted per test run, free ports, a running rivetd
// node with its config, RSS readers; TestTlsClient.hpp holds the client side.
#pragma once

#include "TestSupport.hpp"
#include "TestTlsClient.hpp"

#include "ca/CertificateAuthority.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace rivet::test {

// A two-level mesh CA (root -> intermediate) created in its own TempDir; a second TestPki is a
// foreign CA.
class TestPki {
public:
  TestPki();
  ca::IssuedFiles issueNode(const std::string& name, const ca::IssueOptions& o = {});
  ca::IssuedFiles issueAgent(const std::string& agent, const std::string& node,
                             const ca::IssueOptions& o = {});
  void revoke(const std::string& name) { ca_.revoke(name); }
  std::string writeCrl() { return ca_.writeCrl(); }
  std::string chainPath() const { return ca_.chainPath(); }
  std::string rootCertPath() const { return ca_.layout().rootCert(); }
  std::string crlPath() const { return ca_.crlPath(); }
  std::string file(const std::string& name) const { return dir_.file(name); }

private:
  TempDir dir_;
  ca::CertificateAuthority ca_;
};

// Epoch seconds, for IssueOptions::notBefore/notAfter.
int64_t epochNow();

// A TCP port on 127.0.0.1 that nobody listens on right now.
int freePort();

// Resident memory of a process from /proc/<pid>/status, in bytes: VmRSS, RssAnon, VmHWM (peak).
size_t residentBytes(int pid);
size_t residentAnonBytes(int pid);
size_t peakResidentBytes(int pid);
// Resets VmHWM to the current RSS (writes 5 to /proc/<pid>/clear_refs).
void resetPeakResident(int pid);

struct NodeSettings {
  std::string name = "node-a";
  int port = 0; // 0: a free port
  std::string caPath, certPath, keyPath, crlPath;
  // The `agents:` section verbatim; the default hosts one echo agent.
  std::string agentsYaml = "agents:\n  echo:\n    plugin: echo\n";
  bool tls = true;      // false: no tls section at all
  std::string meshYaml; // more lines of the mesh: section, each indented by two spaces
  std::string tailYaml; // more top-level sections, after agents:
};

// Writes rivet.yaml for `s` (storage under `dir`; port 0: a free one) and returns its path.
std::string writeNodeConfig(const TempDir& dir, const NodeSettings& s);
// NodeSettings for `name` with its certificate issued by `pki` (issued/<name>.crt and .key).
NodeSettings nodeSettings(TestPki& pki, const std::string& name = "node-a");

// A running rivetd for one node; ready() once "Agent channel listening" was logged.
class NodeProcess {
public:
  explicit NodeProcess(NodeSettings s);
  bool ready() const { return ready_; }
  int port() const { return settings_.port; }
  int pid() const { return process_->pid(); }
  const NodeSettings& settings() const { return settings_; }
  const std::string& configPath() const { return configPath_; }
  Process& process() { return *process_; }
  std::string output() const { return process_->output(); }
  bool waitForOutput(const std::string& text,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return process_->waitForOutput(text, timeout);
  }
  // Output logged after `mark` (a size of output() taken earlier).
  std::string outputSince(size_t mark) const;
  // Waits until the output after `mark` contains `text`.
  bool waitForOutputSince(size_t mark, const std::string& text,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

private:
  TempDir dir_;
  NodeSettings settings_;
  std::string configPath_;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

// An options set for a client with the certificate `stem` of `pki`, trusting its chain.
TlsClientOptions clientOptions(const TestPki& pki, const std::string& stem,
                               const std::string& expectName = "");

} // namespace rivet::test
