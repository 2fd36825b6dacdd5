// Agents that delegate, across real rivetd processes sharing one mesh.json: a command agent's
// program delegates with `rivetctl delegate` through its task credential, and the chain rules
// hold (asker and depth carry over, cycles and self-calls refused, the depth limit, the
// remaining deadline, cancellation of local delegations, the roster, the credential's life).
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sys/stat.h>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

struct SocketAnswer {
  int status = 0;
  std::string body;
};

// One HTTP exchange over the node's delegation socket.
SocketAnswer overSocket(const std::string& socket, const std::string& method,
                        const std::string& path, const std::string& token,
                        const std::string& body = "", int64_t contentLength = -1) {
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket));
  Poco::Net::HTTPClientSession session(s);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty())
    req.set("Authorization", "Bearer " + token);
  req.setContentLength(contentLength >= 0 ? contentLength : static_cast<int64_t>(body.size()));
  session.sendRequest(req) << body;
  Poco::Net::HTTPResponse resp;
  SocketAnswer a;
  try {
    Poco::StreamCopier::copyToString(session.receiveResponse(resp), a.body);
    a.status = static_cast<int>(resp.getStatus());
  } catch (const Poco::Exception& e) {
    a.body = e.displayText();
  }
  return a;
}

int64_t numberAfter(const std::string& text, const std::string& key) {
  size_t at = text.find(key);
  return at == std::string::npos ? -1 : std::atoll(text.c_str() + at + key.size());
}

// --- three nodes, default depth limit (3) -------------------------------------------------------

class AgentDelegation : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    storage_ = std::make_unique<TempDir>();
    files_ = std::make_unique<TempDir>();
    a_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-a",
        "agents:\n" + commandAgent("asker", R"sh("$CTL" delegate teller "$(cat)")sh") +
            commandAgent("loop",
                         R"sh(out=$("$CTL" delegate loop again 2>&1); echo "inner: $out")sh") +
            commandAgent("cyc", R"sh("$CTL" delegate bounce x)sh") +
            commandAgent("lister", R"sh("$CTL" delegate --roster)sh") +
            commandAgent(
                "parent",
                R"sh(echo "parent=$RIVET_DEADLINE_MS"; "$CTL" delegate deadline x --timeout 60000)sh") +
            commandAgent("waiter", R"sh("$CTL" delegate sleeper x)sh") +
            commandAgent("sleeper",
                         "echo $$ > " + files_->file("sleeper.pid") + "; exec sleep 30") +
            commandAgent("holder", "echo \"$RIVET_DELEGATE_SOCKET $RIVET_TASK_TOKEN\" > " +
                                       files_->file("credential") + "; sleep 2") +
            commandAgent("stdin", R"sh(printf 'from stdin' | "$CTL" delegate teller -)sh") +
            commandAgent(
                "flood",
                R"sh(head -c 10485761 /dev/zero | "$CTL" delegate teller - 2>&1; echo "rc=$?")sh"));
    b_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-b",
        "agents:\n" +
            commandAgent(
                "teller",
                R"sh(echo "teller: $(cat) from=$RIVET_FROM_AGENT@$RIVET_FROM_NODE depth=$RIVET_CHAIN_DEPTH")sh") +
            commandAgent("bounce",
                         R"sh(out=$("$CTL" delegate cyc back 2>&1); echo "bounce: $out")sh") +
            commandAgent(
                "deadline",
                R"sh(echo "child timeout=$RIVET_TIMEOUT_MS deadline=$RIVET_DEADLINE_MS")sh") +
            "  old:\n    plugin: old-delegator\n",
        kFastHeartbeat, "  agents_dir: " + fixturePath("") + "\n");
    c_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-c",
                                    "agents:\n  gone:\n    plugin: echo\n");
    started_ = a_->start() && b_->start() && c_->start();
  }
  static void TearDownTestSuite() {
    a_.reset();
    b_.reset();
    c_.reset();
    files_.reset();
    storage_.reset();
    pki_.reset();
  }
  void SetUp() override { ASSERT_TRUE(started_) << a_->output() << b_->output() << c_->output(); }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> storage_, files_;
  static std::unique_ptr<MeshNode> a_, b_, c_;
  static bool started_;
};

std::unique_ptr<TestPki> AgentDelegation::pki_;
std::unique_ptr<TempDir> AgentDelegation::storage_, AgentDelegation::files_;
std::unique_ptr<MeshNode> AgentDelegation::a_, AgentDelegation::b_, AgentDelegation::c_;
bool AgentDelegation::started_ = false;

TEST_F(AgentDelegation, CommandProgramDelegatesToAnotherNodeAsItsTaskOneLevelDeeper) {
  RunResult r = rivetctl(*a_, {"send", "asker", "what time is it"});
  EXPECT_EQ(r.exitCode, 0) << r.err << a_->output();
  EXPECT_EQ(r.out, "teller: what time is it from=asker@node-a depth=1\n");
}

TEST_F(AgentDelegation, TaskOnStdinWorksLikeAnArgument) {
  RunResult r = rivetctl(*a_, {"send", "stdin", "x"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "teller: from stdin from=stdin@node-a depth=1\n");
}

TEST_F(AgentDelegation, ATaskOnStdinOverTenMiBIsRefusedBeforeAnythingIsSent) {
  RunResult r = rivetctl(*a_, {"send", "flood", "x"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("rivetctl delegate: the task on stdin is larger than 10 MiB"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rc=1"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("teller:"), std::string::npos) << "nothing reached teller";
}

TEST_F(AgentDelegation, ScriptThatCallsItselfIsRefusedAtOnceAsACycle) {
  auto before = Clock::now();
  RunResult r = rivetctl(*a_, {"send", "loop", "go"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "inner: rivetctl delegate: loop rejected: Delegation cycle refused: "
                   "loop@node-a is already on this task's path (loop@node-a → loop@node-a)\n");
  EXPECT_LT(Clock::now() - before, 5s);
}

TEST_F(AgentDelegation, LoopAcrossTwoNodesIsRefusedWithItsPath) {
  RunResult r = rivetctl(*a_, {"send", "cyc", "go"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "bounce: rivetctl delegate: cyc rejected: Delegation cycle refused: cyc@node-a "
                   "is already on this task's path (cyc@node-a → bounce@node-b → cyc@node-a)\n");
}

TEST_F(AgentDelegation, DelegationGetsAtMostTheTimeItsParentHasLeft) {
  RunResult r = rivetctl(*a_, {"send", "parent", "x", "--timeout", "4000"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  int64_t parentDeadline = numberAfter(r.out, "parent=");
  int64_t childTimeout = numberAfter(r.out, "child timeout=");
  int64_t childDeadline = numberAfter(r.out, "deadline=");
  EXPECT_GT(childTimeout, 1000) << r.out;
  EXPECT_LE(childTimeout, 4000 - 500) << "asked for 60000 ms, capped to the parent's time left";
  EXPECT_LE(childDeadline, parentDeadline) << r.out;
}

TEST_F(AgentDelegation, ParentPastItsDeadlineCancelsTheLocalDelegationItStarted) {
  std::string pidFile = files_->file("sleeper.pid");
  RunResult r = rivetctl(*a_, {"send", "waiter", "x", "--timeout", "1500"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_PRED2(contains, r.err, "timeout") << r.err;
  int pid = std::atoi(readFile(pidFile).c_str());
  ASSERT_GT(pid, 0) << "the sleeper never started";
  EXPECT_TRUE(eventually([&] { return processGone(pid); }, 5s))
      << "the delegation's program outlived its cancelled parent";
}

TEST_F(AgentDelegation, RosterListsOtherAgentsAndLosesANodeThatStops) {
  RunResult r = rivetctl(*a_, {"send", "lister", "x"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  JsonObject roster = parseObject(r.out);
  ASSERT_TRUE(roster) << r.out;
  EXPECT_EQ(roster->getValue<int>("chainDepth"), 0);
  EXPECT_TRUE(roster->getValue<bool>("canDelegate"));
  std::set<std::string> entries;
  JsonArray agents = roster->getArray("agents");
  for (size_t i = 0; agents && i < agents->size(); ++i) {
    JsonObject a = agents->getObject(static_cast<unsigned>(i));
    entries.insert(a->getValue<std::string>("id") + "@" + a->getValue<std::string>("node") +
                   (a->getValue<bool>("local") ? " local" : ""));
  }
  EXPECT_TRUE(entries.count("asker@node-a local")) << r.out;
  EXPECT_TRUE(entries.count("teller@node-b")) << r.out;
  EXPECT_TRUE(entries.count("gone@node-c")) << r.out;
  EXPECT_FALSE(entries.count("lister@node-a local")) << "never the calling agent itself";

  c_->process().stop(5s); // a graceful stop marks node-c offline before the process ends
  RunResult after = rivetctl(*a_, {"send", "lister", "x"});
  ASSERT_EQ(after.exitCode, 0) << after.err;
  EXPECT_FALSE(contains(after.out, "gone")) << after.out;
  EXPECT_PRED2(contains, after.out, "teller");
}

TEST_F(AgentDelegation, TaskCredentialWorksOnlyWhileItsTaskRunsAndOnlyOnAPrivateSocket) {
  std::string credentialFile = files_->file("credential");
  std::thread task([&] { rivetctl(*a_, {"send", "holder", "x"}); });
  ASSERT_TRUE(eventually([&] { return readFile(credentialFile).size() > 10; }, 10s));
  std::istringstream words(readFile(credentialFile));
  std::string socket, token;
  words >> socket >> token;
  struct stat st {};
  ASSERT_EQ(::stat(socket.c_str(), &st), 0) << socket;
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  SocketAnswer during = overSocket(socket, "GET", "/api/roster", token);
  EXPECT_EQ(during.status, 200) << during.body;
  EXPECT_PRED2(contains, during.body, "\"teller\"");
  EXPECT_EQ(overSocket(socket, "GET", "/api/roster", token + "0").status, 401);
  EXPECT_EQ(overSocket(socket, "GET", "/api/roster", "").status, 401);
  EXPECT_EQ(overSocket(socket, "GET", "/api/other", token).status, 404);
  SocketAnswer huge = overSocket(socket, "POST", "/api/delegate", token, "", 11 * 1024 * 1024);
  EXPECT_EQ(huge.status, 413) << huge.body;
  SocketAnswer bad = overSocket(socket, "POST", "/api/delegate", token, "{\"toAgent\":7}");
  EXPECT_EQ(bad.status, 200);
  EXPECT_PRED2(contains, bad.body, "\"status\":\"failed\"");
  EXPECT_PRED2(contains, bad.body, "toAgent and message");
  task.join();

  SocketAnswer afterwards = overSocket(socket, "GET", "/api/roster", token);
  EXPECT_EQ(afterwards.status, 401) << "the token died with its task: " << afterwards.body;
  EXPECT_PRED2(contains, afterwards.body, "valid only while the task that received it runs");
}

TEST_F(AgentDelegation, PluginBuiltForAbi10LoadsAndDelegatesAsPartOfItsTask) {
  EXPECT_PRED2(contains, b_->output(), "old-delegator");
  RunResult r = rivetctl(*a_, {"send", "old", "teller"});
  EXPECT_EQ(r.exitCode, 0) << r.err << b_->output();
  JsonObject result = parseObject(r.out);
  ASSERT_TRUE(result) << r.out;
  EXPECT_EQ(result->getValue<std::string>("status"), "completed");
  EXPECT_EQ(result->getValue<std::string>("response"),
            "teller: from an ABI 1.0 plugin from=old@node-b depth=1");
}

TEST_F(AgentDelegation, RivetctlDelegateOutsideATaskSaysWhereItWorks) {
  RunResult r = run({binPath("rivetctl"), "delegate", "teller", "x"}, {}, 10s);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_PRED2(contains, r.err, "only inside a task that a command agent runs");
}

// --- the delegation socket's folder
// ---------------------------------------------------------------

TEST(DelegationSocket, SecondNodeOnTheSameStateDirIsRefusedAndAFileIsNeverRemoved) {
  TestPki pki;
  TempDir storage, state;
  std::string mesh = std::string(kFastHeartbeat) + "  state_dir: " + state.path() + "\n";
  MeshNode first(pki, storage.path(), "node-s1", "agents:\n  echo:\n    plugin: echo\n", mesh);
  ASSERT_TRUE(first.start()) << first.output();
  EXPECT_PRED2(contains, first.output(),
               "Delegation socket for agents' programs at " + state.file("delegate.sock"));
  MeshNode second(pki, storage.path(), "node-s2", "agents:\n  echo:\n    plugin: echo\n", mesh);
  EXPECT_FALSE(second.start());
  EXPECT_EQ(second.process().wait(5s), 78) << second.output();
  EXPECT_PRED2(contains, second.output(),
               "another rivetd (pid " + std::to_string(first.process().pid()) + ") holds " +
                   state.file("rivetd.lock"));
  EXPECT_TRUE(first.process().running());
  first.process().stop(5s);
  struct stat st {};
  EXPECT_NE(::lstat(state.file("delegate.sock").c_str(), &st), 0) << "removed at a clean stop";

  TempDir other;
  writeFile(other.file("delegate.sock"), "not a socket");
  MeshNode third(pki, storage.path(), "node-s3", "agents:\n  echo:\n    plugin: echo\n",
                 std::string(kFastHeartbeat) + "  state_dir: " + other.path() + "\n");
  ASSERT_TRUE(third.start()) << third.output();
  EXPECT_TRUE(logged(third.output(), "WARN",
                     other.file("delegate.sock") +
                         " exists and is not a socket; remove it or choose another "
                         "mesh.state_dir"))
      << third.output();
  EXPECT_EQ(readFile(other.file("delegate.sock")), "not a socket");
}

// --- mesh.max_chain_depth: 1, one worker ---------------------------------------------------------

class ShallowMesh : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    storage_ = std::make_unique<TempDir>();
    std::string mesh = std::string(kFastHeartbeat) + "  max_chain_depth: 1\n  agent_workers: 1\n";
    d_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-d",
        "agents:\n" + commandAgent("first", R"sh("$CTL" delegate second "$(cat)")sh") +
            commandAgent("nest", R"sh("$CTL" delegate leaf x)sh") +
            commandAgent("leaf", "echo leaf") +
            commandAgent("lister", R"sh("$CTL" delegate --roster)sh"),
        mesh);
    e_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-e",
        "agents:\n" +
            commandAgent(
                "second",
                R"sh(out=$("$CTL" delegate third x 2>&1); echo "second ran at depth $RIVET_CHAIN_DEPTH; then: $out")sh") +
            commandAgent("third", "echo third") +
            commandAgent("lister", R"sh("$CTL" delegate --roster)sh"),
        mesh);
    started_ = d_->start() && e_->start();
  }
  static void TearDownTestSuite() {
    d_.reset();
    e_.reset();
    storage_.reset();
    pki_.reset();
  }
  void SetUp() override { ASSERT_TRUE(started_) << d_->output() << e_->output(); }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> storage_;
  static std::unique_ptr<MeshNode> d_, e_;
  static bool started_;
};

std::unique_ptr<TestPki> ShallowMesh::pki_;
std::unique_ptr<TempDir> ShallowMesh::storage_;
std::unique_ptr<MeshNode> ShallowMesh::d_, ShallowMesh::e_;
bool ShallowMesh::started_ = false;

TEST_F(ShallowMesh, MaxChainDepthOneAllowsExactlyOneDelegation) {
  RunResult r = rivetctl(*d_, {"send", "first", "x"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "second ran at depth 1; then: rivetctl delegate: third rejected: Delegation "
                   "chain depth limit reached (1). Chain: second → third at depth 2. Increase "
                   "mesh.max_chain_depth in config if deeper chains are needed.\n");
}

TEST_F(ShallowMesh, RosterAtTheLimitOffersNobodyAndSaysWhy) {
  // lister on node-e runs at depth 1 when first's... here a user asks it directly: depth 0,
  // one delegation allowed, so it can delegate; a delegated lister could not.
  RunResult direct = rivetctl(*e_, {"send", "lister", "x"});
  ASSERT_EQ(direct.exitCode, 0) << direct.err;
  EXPECT_PRED2(contains, direct.out, "\"canDelegate\":true");
  HttpResponse viaDepth;
  {
    TlsClientOptions o = clientOptions(*pki_, "node-d", "node-e.mesh");
    TestTlsClient client(o);
    ASSERT_TRUE(client.connect(e_->port()));
    ASSERT_TRUE(client.request(
        "POST", "/api/message",
        R"({"fromAgent":"x","message":"x","toAgent":"lister","chainDepth":1})", viaDepth));
  }
  JsonObject reply = parseObject(viaDepth.body);
  ASSERT_TRUE(reply) << viaDepth.body;
  JsonObject roster = parseObject(reply->getValue<std::string>("response"));
  ASSERT_TRUE(roster) << viaDepth.body;
  EXPECT_FALSE(roster->getValue<bool>("canDelegate"));
  EXPECT_EQ(roster->getArray("agents")->size(), 0u);
  EXPECT_PRED2(contains, roster->getValue<std::string>("refusal"), "mesh.max_chain_depth");
}

TEST_F(ShallowMesh, NestedLocalDelegationOnAFullPoolFailsFastInsteadOfDeadlocking) {
  auto before = Clock::now();
  RunResult r = rivetctl(*d_, {"send", "nest", "x"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_PRED2(contains, r.err, "Node busy: all 1 agent workers are in use") << r.err;
  EXPECT_LT(Clock::now() - before, 5s);
}

} // namespace
