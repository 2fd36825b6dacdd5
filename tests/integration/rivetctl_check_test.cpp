// `rivetctl check` and `rivetctl ca list` as an operator runs them: real rivetd nodes with
// certificates of a test CA, real mesh.json files, broken on purpose one way at a time (expired,
// soon-expiring, wrong CN, a CRL past its nextUpdate or with one that cannot be read, no registry,
// a stale own entry, a peer down, a plugin that does not load, a clock-skewed node), in text and in
// --json.
#include "MeshNode.hpp"
#include "MeshTestKit.hpp"

#include "ca/CaLayout.hpp"
#include "ca/CrlBuilder.hpp"
#include "ca/Pem.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

const char* const kHeartbeat = "  heartbeat_interval_ms: 1000\n  stale_threshold_ms: 20000\n";

RunResult rivetctl(std::vector<std::string> args) {
  args.insert(args.begin(), binPath("rivetctl"));
  return run(args, {{"RIVET_CONFIG", ""}}, std::chrono::seconds(60));
}

RunResult check(const std::string& config, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--config", config, "check"};
  args.insert(args.end(), more.begin(), more.end());
  return rivetctl(args);
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The line of `out` that contains `text`, or "".
std::string lineWith(const std::string& out, const std::string& text) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (contains(line, text))
      return line;
  return "";
}

// The hint printed under the line that contains `text`.
std::string hintAfter(const std::string& out, const std::string& text) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (contains(line, text)) {
      std::string next;
      std::getline(lines, next);
      return contains(next, "    hint: ") ? next : "";
    }
  return "";
}

// One node's configuration: its certificate issued/<stem>, the CRL at `crl` ("" for none).
struct NodeConfig {
  std::string name;
  std::string storage;
  std::string stem; // default: name
  std::string crl;
  int port = freePort();
  std::string agents = "agents:\n  echo:\n    plugin: echo\n";
  std::string plugins;
};

NodeConfig nodeConfig(const std::string& name, const std::string& storage) {
  NodeConfig c;
  c.name = name;
  c.storage = storage;
  return c;
}

std::string writeConfig(TestPki& pki, const TempDir& dir, const NodeConfig& c) {
  const std::string issued = pki.file("ca/issued/" + (c.stem.empty() ? c.name : c.stem));
  std::string path = dir.file(c.name + ".yaml");
  writeFile(path, "mesh:\n  enabled: true\n  node_name: " + c.name +
                      "\n  advertise_host: 127.0.0.1\n  listen_host: 127.0.0.1\n"
                      "  agent_channel_port: " +
                      std::to_string(c.port) + "\n  storage_dir: " + c.storage + "\n" + kHeartbeat +
                      "  tls:\n    ca_path: " + pki.chainPath() + "\n    cert_path: " + issued +
                      ".crt\n    key_path: " + issued + ".key\n" +
                      (c.crl.empty() ? "" : "    crl_path: " + c.crl + "\n") +
                      "plugins:\n  dir: " + pluginDir() + "\n" + c.plugins + c.agents);
  return path;
}

std::unique_ptr<Process> startNode(const std::string& config, const std::string& name) {
  auto p =
      std::make_unique<Process>(std::vector<std::string>{binPath("rivetd"), "--config", config});
  EXPECT_TRUE(p->waitForOutput("Node registered: " + name + " (", 10s)) << p->output();
  return p;
}

std::string entry(const std::string& id, const std::string& status, int64_t lastSeen,
                  int port = 4000) {
  return "\"" + id + "\":{\"id\":\"" + id + "\",\"name\":\"" + id +
         "\",\"host\":\"127.0.0.1\",\"port\":" + std::to_string(port) +
         ",\"agents\":[\"echo\"],\"status\":\"" + status +
         "\",\"lastSeen\":" + std::to_string(lastSeen) + ",\"registeredAt\":1,\"version\":\"t\"}";
}

std::string registryWith(const std::vector<std::string>& entries) {
  std::string nodes;
  for (const auto& e : entries)
    nodes += (nodes.empty() ? "" : ",") + e;
  return "{\"version\":1,\"nodes\":{" + nodes + "},\"updatedAt\":" + std::to_string(nowMs()) + "}";
}

rivet::ca::IssueOptions withIp() {
  rivet::ca::IssueOptions o;
  o.ips = {"127.0.0.1"};
  return o;
}

class RivetctlCheck : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    crl_ = new std::string(pki_->writeCrl());
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete crl_;
  }
  // A CRL signed by the test CA's intermediate whose lastUpdate is `issuedDaysAgo` days ago
  // (nextUpdate 30 days after that), written to `path`.
  // With `badNextUpdate`, its nextUpdate is "261399999999Z" (month 13), signed all the same.
  static void writeAgedCrl(const std::string& path, int issuedDaysAgo, bool badNextUpdate = false) {
    rivet::ca::CaLayout layout(pki_->file("ca"), pki_->file("root"));
    auto issuer = rivet::ca::certificateFromPem(readFile(layout.intermediateCert()), "issuer");
    auto key = rivet::ca::privateKeyFromPem(readFile(layout.intermediateKey()), "key");
    auto crl = rivet::ca::buildCrl(issuer.get(), key.get(), {}, 77,
                                   epochNow() - int64_t{issuedDaysAgo} * 86400);
    if (badNextUpdate) {
      ASN1_TIME* bad = ASN1_TIME_set(nullptr, 0); // a UTCTime, then its text replaced
      ASSERT_TRUE(bad && ASN1_STRING_set(bad, "261399999999Z", 13) == 1);
      ASSERT_EQ(X509_CRL_set1_nextUpdate(crl.get(), bad), 1);
      ASN1_TIME_free(bad);
      ASSERT_GT(X509_CRL_sign(crl.get(), key.get(), EVP_sha256()), 0);
    }
    writeFile(path, rivet::ca::crlToPem(crl.get()));
  }
  static TestPki* pki_;
  static std::string* crl_;
};
TestPki* RivetctlCheck::pki_ = nullptr;
std::string* RivetctlCheck::crl_ = nullptr;

} // namespace

TEST_F(RivetctlCheck, HelpDescribesEveryOptionOnStdout) {
  RunResult r = rivetctl({"check", "--help"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.err, "");
  for (const char* option : {"--json", "--peer-timeout MS", "--timeout MS", "--help"})
    EXPECT_PRED2(contains, r.out, option);
  RunResult bad = rivetctl({"check", "--peer-timeout", "soon"});
  EXPECT_EQ(bad.exitCode, 2);
  EXPECT_PRED2(contains, bad.err, "--peer-timeout needs milliseconds");
  EXPECT_EQ(rivetctl({"check", "--bogus"}).exitCode, 2);
}

TEST_F(RivetctlCheck, HealthyTwoNodeMeshPassesThenAPeerDownFails) {
  TempDir dir;
  pki_->issueNode("check-a", withIp());
  pki_->issueNode("check-b", withIp());
  NodeConfig a = nodeConfig("check-a", dir.path()), b = nodeConfig("check-b", dir.path());
  a.crl = b.crl = *crl_;
  std::string configA = writeConfig(*pki_, dir, a);
  std::string configB = writeConfig(*pki_, dir, b);
  auto nodeA = startNode(configA, "check-a");
  auto nodeB = startNode(configB, "check-b");

  RunResult r = check(configA);
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  for (const char* group :
       {"configuration\n", "certificates\n", "registry\n", "peers\n", "plugins\n"})
    EXPECT_PRED2(contains, r.out, group);
  EXPECT_FALSE(contains(r.out, "\u26a0")) << r.out;
  EXPECT_FALSE(contains(r.out, "\u2716")) << r.out;
  EXPECT_PRED2(contains, r.out,
               "peer check-b at 127.0.0.1:" + std::to_string(b.port) + " answers ping over mTLS (");
  EXPECT_PRED2(contains, r.out, "this node (check-a) is online in " + dir.path() + "/mesh.json");
  EXPECT_PRED2(contains, r.out, "plugin echo ");
  EXPECT_PRED2(contains, r.out, "Status: ");
  EXPECT_PRED2(contains, r.out, ", 0 warnings, 0 failed");

  RunResult j = check(configA, {"--json"});
  EXPECT_EQ(j.exitCode, 0) << j.out;
  JsonObject doc = parseObject(j.out);
  ASSERT_TRUE(doc) << j.out;
  EXPECT_EQ(doc->getValue<std::string>("status"), "ok");
  EXPECT_EQ(doc->getValue<int>("failed"), 0);
  EXPECT_EQ(doc->getValue<int>("warnings"), 0);
  JsonArray groups = doc->getArray("groups");
  ASSERT_TRUE(groups);
  std::vector<std::string> names;
  int checks = 0;
  for (size_t i = 0; i < groups->size(); ++i) {
    JsonObject g = groups->getObject(static_cast<unsigned>(i));
    names.push_back(g->getValue<std::string>("name"));
    JsonArray lines = g->getArray("checks");
    for (size_t k = 0; k < lines->size(); ++k, ++checks) {
      JsonObject c = lines->getObject(static_cast<unsigned>(k));
      EXPECT_EQ(c->getValue<std::string>("status"), "ok") << c->getValue<std::string>("message");
      EXPECT_TRUE(c->isNull("hint"));
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"configuration", "certificates", "registry", "peers",
                                             "plugins"}));
  EXPECT_EQ(doc->getValue<int>("passed"), checks);

  // Killed: its entry still says online (not stale for 20 s), but it does not answer.
  ::kill(nodeB->pid(), SIGKILL);
  nodeB->wait(5s);
  auto started = std::chrono::steady_clock::now();
  RunResult down = check(configA, {"--peer-timeout", "1500"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  EXPECT_EQ(down.exitCode, 1) << down.out;
  std::string line = lineWith(down.out, "peer check-b at 127.0.0.1:" + std::to_string(b.port));
  EXPECT_PRED2(contains, line, "\u2716 ");
  EXPECT_PRED2(contains, line, "ping over mTLS failed");
  EXPECT_PRED2(contains, hintAfter(down.out, "peer check-b at"), "is its rivetd running");
  EXPECT_PRED2(contains, down.out,
               "this node (check-a) at 127.0.0.1:" + std::to_string(a.port) +
                   " answers ping over mTLS");
  nodeA->stop(5s);
}

TEST_F(RivetctlCheck, SoonExpiringCertificateWarnsButExitsZero) {
  TempDir dir;
  auto o = withIp();
  o.notAfter = epochNow() + 10 * 86400;
  pki_->issueNode("check-soon", o);
  NodeConfig c = nodeConfig("check-soon", dir.path());
  c.crl = *crl_;
  std::string config = writeConfig(*pki_, dir, c);
  auto node = startNode(config, "check-soon");
  RunResult r = check(config);
  EXPECT_EQ(r.exitCode, 0) << r.out;
  std::string line = lineWith(r.out, "expires on");
  EXPECT_PRED2(contains, line, "\u26a0 certificate ");
  EXPECT_PRED2(contains, line, "(less than 21 days)");
  EXPECT_PRED2(contains, hintAfter(r.out, "expires on"),
               "rivetctl ca issue check-soon --ip 127.0.0.1");
  EXPECT_FALSE(contains(r.out, "\u2716")) << r.out;
  EXPECT_PRED2(contains, r.out, "1 warning, 0 failed");
  node->stop(5s);
}

TEST_F(RivetctlCheck, ExpiredCertificateFails) {
  TempDir dir;
  auto o = withIp();
  o.notBefore = epochNow() - 40 * 86400;
  o.notAfter = epochNow() - 2 * 86400;
  pki_->issueNode("check-old", o);
  NodeConfig c = nodeConfig("check-old", dir.path());
  c.crl = *crl_;
  RunResult r = check(writeConfig(*pki_, dir, c));
  EXPECT_EQ(r.exitCode, 1);
  // The configuration group reports it too (the transport refuses it); this is the certificates'.
  const std::string expired =
      "\u2716 certificate " + pki_->file("ca/issued/check-old.crt") + " expired on";
  EXPECT_PRED2(contains, lineWith(r.out, expired), "(2 days ago): rivetd refuses to start");
  EXPECT_PRED2(contains, hintAfter(r.out, expired), "rivetctl ca issue check-old --ip 127.0.0.1");
}

TEST_F(RivetctlCheck, WrongCommonNameFails) {
  TempDir dir;
  auto o = withIp();
  o.fileStem = "check-cn-file";
  pki_->issueNode("somebody-else", o);
  NodeConfig c = nodeConfig("check-cn", dir.path());
  c.stem = "check-cn-file";
  c.crl = *crl_;
  RunResult r = check(writeConfig(*pki_, dir, c), {"--json"});
  EXPECT_EQ(r.exitCode, 1);
  JsonObject doc = parseObject(r.out);
  ASSERT_TRUE(doc) << r.out;
  EXPECT_EQ(doc->getValue<std::string>("status"), "fail");
  JsonObject found;
  JsonArray groups = doc->getArray("groups");
  for (size_t i = 0; i < groups->size(); ++i) {
    JsonObject g = groups->getObject(static_cast<unsigned>(i));
    if (g->getValue<std::string>("name") != "certificates")
      continue;
    JsonArray lines = g->getArray("checks");
    for (size_t k = 0; k < lines->size(); ++k) {
      JsonObject l = lines->getObject(static_cast<unsigned>(k));
      if (contains(l->getValue<std::string>("message"), "CN=somebody-else"))
        found = l;
    }
  }
  ASSERT_TRUE(found) << r.out;
  EXPECT_EQ(found->getValue<std::string>("status"), "fail");
  EXPECT_PRED2(contains, found->getValue<std::string>("message"), "mesh.node_name is check-cn");
  EXPECT_PRED2(contains, found->getValue<std::string>("hint"), "rivetctl ca issue check-cn");
}

TEST_F(RivetctlCheck, CrlPastItsNextUpdateFailsAndOneCloseToItWarns) {
  TempDir dir;
  pki_->issueNode("check-crl", withIp());
  NodeConfig c = nodeConfig("check-crl", dir.path());
  c.crl = dir.file("old-crl.pem");
  writeAgedCrl(c.crl, 40); // nextUpdate 10 days ago
  RunResult r = check(writeConfig(*pki_, dir, c));
  EXPECT_EQ(r.exitCode, 1);
  std::string line = lineWith(r.out, "is past its nextUpdate");
  EXPECT_PRED2(contains, line, "\u2716 CRL " + c.crl);
  EXPECT_PRED2(contains, line, "(10 days ago)");
  EXPECT_PRED2(contains, hintAfter(r.out, "is past its nextUpdate"), "rivetctl ca crl");

  writeAgedCrl(c.crl, 25); // nextUpdate in 5 days
  RunResult soon = check(writeConfig(*pki_, dir, c));
  std::string warn = lineWith(soon.out, "reaches its nextUpdate");
  EXPECT_PRED2(contains, warn, "\u26a0 CRL " + c.crl);
  EXPECT_PRED2(contains, warn, "(less than 7 days)");
}

TEST_F(RivetctlCheck, CrlWithAnUnreadableNextUpdateFailsNamingTheField) {
  TempDir dir;
  pki_->issueNode("check-crl-time", withIp());
  NodeConfig c = nodeConfig("check-crl-time", dir.path());
  c.crl = dir.file("bad-time-crl.pem");
  writeAgedCrl(c.crl, 1, true);
  RunResult r = check(writeConfig(*pki_, dir, c));
  EXPECT_EQ(r.exitCode, 1) << r.out;
  std::string line = lineWith(r.out, "nextUpdate cannot be read");
  EXPECT_PRED2(contains, line, "\u2716 CRL " + c.crl + ": its nextUpdate cannot be read");
  EXPECT_PRED2(contains, hintAfter(r.out, "nextUpdate cannot be read"), "rivetctl ca crl");
  EXPECT_FALSE(contains(r.out, "1970")) << r.out;
  // The revocation check still runs on it.
  EXPECT_PRED2(contains, r.out, "is not revoked");
}

TEST_F(RivetctlCheck, MissingOrFifoRegistryFailsNamingTheFile) {
  TempDir dir;
  pki_->issueNode("check-reg", withIp());
  NodeConfig c = nodeConfig("check-reg", dir.path());
  c.crl = *crl_;
  std::string config = writeConfig(*pki_, dir, c);
  RunResult r = check(config);
  EXPECT_EQ(r.exitCode, 1);
  std::string line = lineWith(r.out, dir.file("mesh.json"));
  EXPECT_PRED2(contains, line, "\u2716 ");
  EXPECT_PRED2(contains, line, "does not exist");
  EXPECT_PRED2(contains, hintAfter(r.out, "does not exist"), "mesh.storage_dir (" + dir.path());

  ASSERT_EQ(::mkfifo(dir.file("mesh.json").c_str(), 0600), 0);
  RunResult fifo = check(config);
  EXPECT_FALSE(fifo.timedOut);
  EXPECT_EQ(fifo.exitCode, 1);
  EXPECT_PRED2(contains, lineWith(fifo.out, dir.file("mesh.json")), "is a FIFO");
}

TEST_F(RivetctlCheck, StaleOwnEntryFailsAndSkewedPeerWarns) {
  TempDir dir;
  pki_->issueNode("check-own", withIp());
  NodeConfig c = nodeConfig("check-own", dir.path());
  c.crl = *crl_;
  std::string config = writeConfig(*pki_, dir, c);
  int64_t now = nowMs();
  writeFile(dir.file("mesh.json"), registryWith({entry("check-own", "online", now - 600000),
                                                 entry("check-ahead", "offline", now + 600000),
                                                 entry("check-close", "offline", now + 500)}));
  RunResult r = check(config);
  EXPECT_EQ(r.exitCode, 1);
  std::string own = lineWith(r.out, "this node's entry (check-own)");
  EXPECT_PRED2(contains, own, "\u2716 ");
  EXPECT_PRED2(contains, own, "is stale: last seen 10m ago");
  EXPECT_PRED2(contains, hintAfter(r.out, "this node's entry (check-own)"), "start rivetd");

  std::string skew = lineWith(r.out, "clock skew: node check-ahead");
  EXPECT_PRED2(contains, skew, "\u26a0 ");
  EXPECT_PRED2(contains, skew, " s ahead of this machine's clock");
  EXPECT_TRUE(contains(skew, "599.") || contains(skew, "600.0 s")) << skew;
  EXPECT_PRED2(contains, hintAfter(r.out, "clock skew: node check-ahead"), "timedatectl");
  EXPECT_EQ(lineWith(r.out, "clock skew: node check-close"), ""); // within the tolerance
  EXPECT_PRED2(contains, lineWith(r.out, "node check-ahead at"), "is offline");
}

TEST_F(RivetctlCheck, PluginThatDoesNotLoadFails) {
  TempDir dir;
  pki_->issueNode("check-plug", withIp());
  fs::create_directories(dir.file("agents"));
  writeFile(dir.file("agents/broken.so"), "not a shared object");
  NodeConfig c = nodeConfig("check-plug", dir.path());
  c.crl = *crl_;
  c.plugins = "  agents_dir: " + dir.file("agents") + "\n";
  c.agents = "agents:\n  echo:\n    plugin: echo\n  broken:\n    plugin: broken\n";
  RunResult r = check(writeConfig(*pki_, dir, c));
  EXPECT_EQ(r.exitCode, 1);
  std::string line = lineWith(r.out, "plugin broken does not load");
  EXPECT_PRED2(contains, line, "\u2716 ");
  EXPECT_PRED2(contains, line, dir.file("agents/broken.so"));
  EXPECT_PRED2(contains, hintAfter(r.out, "plugin broken does not load"), "rivetctl plugin check");
  EXPECT_PRED2(contains, lineWith(r.out, "plugin echo "), "\u2714 ");
}

// ca list: issued, revoked and expired certificates, then a hostile index and a missing file.
TEST(RivetctlCaList, ShowsStatusAndDaysLeftAndSurvivesAHostileIndex) {
  TempDir tmp;
  const std::string dir = tmp.file("ca"), root = tmp.file("root");
  auto ca = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "ca");
    args.insert(args.end(), {"--dir", dir});
    if (args[1] != "list")
      args.insert(args.end(), {"--root-dir", root});
    return rivetctl(args);
  };
  ASSERT_EQ(ca({"init"}).exitCode, 0);
  ASSERT_EQ(ca({"issue", "n-valid", "--days", "30"}).exitCode, 0);
  ASSERT_EQ(ca({"issue", "n-revoked"}).exitCode, 0);
  ASSERT_EQ(ca({"revoke", "n-revoked"}).exitCode, 0);
  {
    auto authority = rivet::ca::CertificateAuthority::open(dir, root);
    rivet::ca::IssueOptions o;
    o.notBefore = epochNow() - 20 * 86400;
    o.notAfter = epochNow() - 3 * 86400 - 60;
    authority.issueNode("n-expired", o);
  }
  RunResult r = ca({"list"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_PRED2(contains, lineWith(r.out, "n-valid "), " valid ");
  // --days 30: 30 days from issue, counted from a few seconds later (whole days, rounded down).
  std::string validLine = lineWith(r.out, "n-valid ");
  EXPECT_TRUE(contains(validLine, " 29 ") || contains(validLine, " 30 ")) << validLine;
  EXPECT_PRED2(contains, lineWith(r.out, "n-revoked "), " revoked ");
  EXPECT_PRED2(contains, lineWith(r.out, "n-expired "), " expired ");
  EXPECT_PRED2(contains, lineWith(r.out, "n-expired "), " -4 ");
  EXPECT_PRED2(contains, r.out, "3 certificates in " + dir + "/index.json");

  RunResult j = ca({"list", "--json"});
  ASSERT_EQ(j.exitCode, 0);
  JsonObject doc = parseObject(j.out);
  ASSERT_TRUE(doc) << j.out;
  JsonArray certs = doc->getArray("certificates");
  ASSERT_TRUE(certs);
  ASSERT_EQ(certs->size(), 3u);
  std::map<std::string, JsonObject> byName;
  for (size_t i = 0; i < certs->size(); ++i) {
    JsonObject c = certs->getObject(static_cast<unsigned>(i));
    byName[c->getValue<std::string>("name")] = c;
  }
  EXPECT_EQ(byName["n-valid"]->getValue<std::string>("status"), "valid");
  int validDays = byName["n-valid"]->getValue<int>("daysLeft");
  EXPECT_TRUE(validDays == 29 || validDays == 30) << validDays;
  EXPECT_EQ(byName["n-revoked"]->getValue<std::string>("status"), "revoked");
  EXPECT_FALSE(byName["n-revoked"]->isNull("revokedAt"));
  EXPECT_EQ(byName["n-expired"]->getValue<std::string>("status"), "expired");
  EXPECT_EQ(byName["n-expired"]->getValue<int>("daysLeft"), -4);
  EXPECT_TRUE(byName["n-valid"]->getValue<bool>("fileOk"));
  EXPECT_EQ(byName["n-valid"]->getValue<std::string>("commonName"), "n-valid");

  // A certificate file gone: its line says so, the others list as before.
  fs::remove(dir + "/issued/n-valid.crt");
  RunResult missing = ca({"list"});
  EXPECT_EQ(missing.exitCode, 0);
  EXPECT_PRED2(contains, lineWith(missing.out, "n-valid "),
               dir + "/issued/n-valid.crt does not exist");

  const std::string index = dir + "/index.json";
  const std::string good = readFile(index);
  auto expectRefused = [&](const std::string& what) {
    RunResult h = ca({"list"});
    EXPECT_FALSE(h.timedOut) << what;
    EXPECT_EQ(h.exitCode, 1) << what << h.out;
    EXPECT_PRED2(contains, h.err, index) << what;
    EXPECT_PRED2(contains, h.err, what);
  };
  writeFile(index, good.substr(0, good.size() / 2));
  expectRefused("is invalid");
  writeFile(index, R"({"version":1,"crlNumber":1,"certificates":5})");
  expectRefused("certificates is not an array");
  writeFile(index,
            R"({"version":1,"certificates":[{"name":"x","serial":"01","notAfter":"soon"}]})");
  expectRefused("is invalid");
  fs::remove(index);
  writeFile(tmp.file("elsewhere.json"), good);
  fs::create_symlink(tmp.file("elsewhere.json"), index);
  expectRefused("is a symbolic link");
  fs::remove(index);
  ASSERT_EQ(::mkfifo(index.c_str(), 0600), 0);
  expectRefused("is a FIFO");
  fs::remove(index);
  expectRefused("does not exist");
}

TEST_F(RivetctlCheck, PingAndAgentsJsonDescribeTheCall) {
  TempDir dir;
  pki_->issueNode("check-json", withIp());
  NodeConfig c = nodeConfig("check-json", dir.path());
  std::string config = writeConfig(*pki_, dir, c);
  auto node = startNode(config, "check-json");
  RunResult ping = rivetctl({"--config", config, "ping", "--json"});
  ASSERT_EQ(ping.exitCode, 0) << ping.err;
  JsonObject p = parseObject(ping.out);
  ASSERT_TRUE(p) << ping.out;
  EXPECT_EQ(p->getValue<std::string>("command"), "ping");
  EXPECT_EQ(p->getValue<std::string>("address"), "127.0.0.1:" + std::to_string(c.port));
  EXPECT_EQ(p->getValue<std::string>("verifyName"), "check-json.mesh");
  EXPECT_TRUE(p->getValue<bool>("ok"));
  EXPECT_EQ(p->getValue<int>("httpStatus"), 200);
  EXPECT_GE(p->getValue<int>("elapsedMs"), 0);
  EXPECT_EQ(p->getObject("answer")->getValue<std::string>("node"), "check-json");
  EXPECT_TRUE(p->isNull("error"));

  RunResult agents = rivetctl({"--config", config, "agents", "--json"});
  ASSERT_EQ(agents.exitCode, 0) << agents.err;
  JsonObject a = parseObject(agents.out);
  ASSERT_TRUE(a) << agents.out;
  EXPECT_EQ(a->getObject("answer")->getArray("agents")->getObject(0)->getValue<std::string>("id"),
            "echo");
  node->stop(5s);

  RunResult down = rivetctl({"--config", config, "ping", "--json", "--timeout", "1000"});
  EXPECT_EQ(down.exitCode, 1);
  JsonObject d = parseObject(down.out);
  ASSERT_TRUE(d) << down.out;
  EXPECT_FALSE(d->getValue<bool>("ok"));
  EXPECT_TRUE(d->isNull("httpStatus"));
  EXPECT_PRED2(contains, d->getValue<std::string>("error"), "connection refused");
}
