// Tasks across nodes (docs/protocol.md "Tasks"): three real rivetd processes over mutual TLS; a
// task submitted on A delegates to B, which delegates to C. A delegation to a node with the task
// API goes as a task there, so cancelling on A reaches C's process group, progress from C
// reaches A's event stream, the tree can be read from A, deadlines shrink at every hop, and the
// trace id travels along.
#include "MeshNode.hpp"
#include "TestTlsClient.hpp"

#include "rivet/sdk/json.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace rivet::test;
using namespace std::chrono_literals;
namespace json = rivet::sdk::json;

namespace {

int readPid(const std::string& file) {
  std::ifstream in(file);
  int pid = 0;
  in >> pid;
  return pid;
}

class TaskTree : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    pki_->issueNode("client");
    storage_ = std::make_unique<TempDir>();
    files_ = std::make_unique<TempDir>();
    a_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-a",
        "agents:\n" + commandAgent("planner", R"sh("$CTL" delegate middle "$(cat)")sh") +
            commandAgent("chain", R"sh("$CTL" delegate relay "$(cat)")sh") +
            commandAgent("budget", R"sh("$CTL" delegate budget-b x)sh"));
    b_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-b",
        "agents:\n" + commandAgent("middle", R"sh("$CTL" delegate sleeper "$(cat)")sh") +
            commandAgent("relay", R"sh(echo "relaying" >&2; "$CTL" delegate shout "$(cat)")sh") +
            commandAgent("budget-b",
                         R"sh(echo "b=$RIVET_TIMEOUT_MS"; "$CTL" delegate budget-c x)sh"));
    c_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-c",
        "agents:\n" +
            commandAgent("sleeper", "echo $$ > " + files_->file("sleeper.pid") +
                                        "; echo 'sleeping now' >&2; exec sleep 30") +
            commandAgent("shout", R"sh(echo "step one" >&2; sleep 0.2; echo "shout: $(cat)")sh") +
            commandAgent("budget-c", R"sh(echo "c=$RIVET_TIMEOUT_MS")sh"));
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
  void SetUp() override {
    ASSERT_TRUE(started_) << a_->output() << b_->output() << c_->output();
    // Each node must see the others' records (with the task feature) before delegating.
    ASSERT_TRUE(eventually(
        [] {
          JsonObject c = registryEntry(storage_->path(), "node-c");
          return c && c->has("metadata") && statusIn(storage_->path(), "node-a") == "online" &&
                 statusIn(storage_->path(), "node-b") == "online";
        },
        10s));
  }

  static HttpResponse call(const std::string& method, const std::string& path,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {}) {
    TestTlsClient c(clientOptions(*pki_, "client", "node-a.mesh"));
    HttpResponse r;
    EXPECT_TRUE(c.connect(a_->port())) << c.error();
    EXPECT_TRUE(c.request(method, path, body, r, headers)) << method << " " << path << c.error();
    return r;
  }
  static json::Value parsed(const HttpResponse& r) {
    auto v = json::tryParse(r.body);
    EXPECT_TRUE(v && v->isObject()) << r.status << " " << r.body;
    return v ? *v : json::Value();
  }
  static std::string submit(const std::string& agent, const std::string& message,
                            const std::map<std::string, std::string>& headers = {}) {
    HttpResponse r = call("POST", "/api/tasks",
                          R"({"fromAgent":"tester","toAgent":")" + agent + R"(","message":")" +
                              message + R"(","timeoutMs":20000})",
                          headers);
    EXPECT_EQ(r.status, 202) << r.body;
    return parsed(r).getString("id").value_or("");
  }
  static json::Value waitForEnd(const std::string& id, std::chrono::milliseconds timeout = 15s) {
    json::Value t;
    eventually(
        [&] {
          t = parsed(call("GET", "/api/tasks/" + id));
          std::string s = t.getString("state").value_or("");
          return s != "submitted" && s != "working";
        },
        timeout);
    return t;
  }
  // The tree read on A: the task, its child on B, and the child's child on C.
  static std::vector<json::Value> treeOf(const std::string& id) {
    std::vector<json::Value> levels{parsed(call("GET", "/api/tasks/" + id + "?tree=true"))};
    for (;;) {
      const json::Value* children = levels.back().find("children");
      if (!children || !children->isArray() || children->items().empty())
        return levels;
      const json::Value* task = children->items()[0].find("task");
      EXPECT_TRUE(task) << children->items()[0].dump();
      if (!task)
        return levels;
      levels.push_back(*task);
    }
  }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> storage_, files_;
  static std::unique_ptr<MeshNode> a_, b_, c_;
  static bool started_;
};

std::unique_ptr<TestPki> TaskTree::pki_;
std::unique_ptr<TempDir> TaskTree::storage_, TaskTree::files_;
std::unique_ptr<MeshNode> TaskTree::a_, TaskTree::b_, TaskTree::c_;
bool TaskTree::started_ = false;

TEST_F(TaskTree, CancelOnAEndsTheSleeperOnCWithinASecondAndTheWholeTreeIsCanceled) {
  std::remove(files_->file("sleeper.pid").c_str());
  std::string id = submit("planner", "nap");
  ASSERT_FALSE(id.empty());
  int pid = 0;
  ASSERT_TRUE(eventually([&] { return (pid = readPid(files_->file("sleeper.pid"))) > 0; }, 10s))
      << a_->output() << b_->output() << c_->output();
  ASSERT_FALSE(processGone(pid));

  auto cancelled = Clock::now();
  HttpResponse r = call("POST", "/api/tasks/" + id + "/cancel");
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(eventually([&] { return processGone(pid); }, 5s)) << c_->output();
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - cancelled);
  EXPECT_LT(took.count(), 1000) << "the sleeper on node-c outlived the cancel by " << took.count()
                                << " ms";

  std::vector<json::Value> tree;
  ASSERT_TRUE(eventually(
      [&] {
        tree = treeOf(id);
        return tree.size() == 3 && std::all_of(tree.begin(), tree.end(), [](const json::Value& t) {
                 return t.getString("state") == "canceled";
               });
      },
      5s))
      << (tree.empty() ? "" : tree[0].dump());
  EXPECT_EQ(tree[0].getString("canceledBy"), "cn:client");
  EXPECT_EQ(tree[1].getString("agent"), "middle");
  EXPECT_EQ(tree[1].getString("node"), "node-b");
  EXPECT_EQ(tree[1].getString("canceledBy"), "cn:node-a"); // the node that delegated it
  EXPECT_EQ(tree[2].getString("agent"), "sleeper");
  EXPECT_EQ(tree[2].getString("canceledBy"), "cn:node-b");
}

TEST_F(TaskTree, ProgressAndDelegationsFromTwoHopsAwayReachTheStreamOnA) {
  std::string id = submit("chain", "hello");
  ASSERT_FALSE(id.empty());
  TestTlsClient stream(clientOptions(*pki_, "client", "node-a.mesh"));
  ASSERT_TRUE(stream.connect(a_->port())) << stream.error();
  ASSERT_TRUE(
      stream.sendRaw("GET /api/tasks/" + id + "/events HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n"));
  std::string got;
  ASSERT_TRUE(stream.readUntil("0\r\n\r\n", got)) << stream.error() << got; // the stream's end
  auto at = [&](const std::string& text) { return got.find(text); };
  size_t toB = at(R"("phase":"started","node":"node-b")");
  size_t relaying = at(R"("kind":"status","text":"relaying","agent":"relay","node":"node-b")");
  size_t toC = at(R"("phase":"started","node":"node-c")");
  size_t step = at(R"("kind":"status","text":"step one","agent":"shout","node":"node-c")");
  size_t cEnded = at(R"("phase":"ended","node":"node-c")");
  size_t bEnded = at(R"("phase":"ended","node":"node-b")");
  size_t done = at("event: state\ndata: {\"state\":\"completed\"");
  for (size_t p : {toB, relaying, toC, step, cEnded, bEnded, done})
    ASSERT_NE(p, std::string::npos) << got;
  EXPECT_LT(toB, toC);
  EXPECT_LT(toC, step);
  EXPECT_LT(step, cEnded);
  EXPECT_LT(cEnded, bEnded);
  EXPECT_LT(bEnded, done);
  EXPECT_NE(at(R"("from":"relay@node-b")"), std::string::npos) << got;
  EXPECT_NE(at("shout: hello"), std::string::npos) << got;

  std::vector<json::Value> tree = treeOf(id);
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree[1].getString("agent"), "relay");
  EXPECT_EQ(tree[2].getString("agent"), "shout");
  EXPECT_EQ(tree[2].getString("node"), "node-c");
  EXPECT_EQ(tree[2].getString("state"), "completed");
}

TEST_F(TaskTree, EachHopGetsLessTimeThanTheOneBefore) {
  std::string id = submit("budget", "x");
  json::Value t = waitForEnd(id);
  ASSERT_EQ(t.getString("state"), "completed") << t.dump();
  const json::Value* result = t.find("result");
  ASSERT_TRUE(result);
  std::string text = result->getString("response").value_or("");
  long b = std::atol(text.c_str() + text.find("b=") + 2);
  long c = std::atol(text.c_str() + text.find("c=") + 2);
  ASSERT_NE(text.find("b="), std::string::npos) << text;
  ASSERT_NE(text.find("c="), std::string::npos) << text;
  EXPECT_LT(b, 20000) << text;
  EXPECT_GT(b, 15000) << text;
  EXPECT_LT(c, b) << text;
  EXPECT_GT(c, 10000) << text;
}

TEST_F(TaskTree, TheCallersTraceIdIsOnEveryNodesTaskAndLogLines) {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  size_t markB = b_->mark(), markC = c_->mark();
  std::string id =
      submit("chain", "traced", {{"traceparent", "00-" + trace + "-00f067aa0ba902b7-01"}});
  json::Value t = waitForEnd(id);
  ASSERT_EQ(t.getString("state"), "completed") << t.dump();
  EXPECT_EQ(t.getString("traceId"), trace);
  std::vector<json::Value> tree = treeOf(id);
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree[1].getString("traceId"), trace);
  EXPECT_EQ(tree[2].getString("traceId"), trace);
  EXPECT_TRUE(eventually([&] { return contains(b_->outputSince(markB), "trace=" + trace); }, 5s))
      << b_->outputSince(markB);
  EXPECT_TRUE(eventually([&] { return contains(c_->outputSince(markC), "trace=" + trace); }, 5s))
      << c_->outputSince(markC);
}

TEST_F(TaskTree, ATreeDeeperThanAskedShowsOnlyTheLevelsAskedFor) {
  std::string id = submit("chain", "shallow");
  ASSERT_EQ(waitForEnd(id).getString("state"), "completed");
  json::Value one = parsed(call("GET", "/api/tasks/" + id + "?tree=1"));
  const json::Value* children = one.find("children");
  ASSERT_TRUE(children && children->items().size() == 1) << one.dump();
  EXPECT_FALSE(children->items()[0].find("task")) << one.dump();
  json::Value two = parsed(call("GET", "/api/tasks/" + id + "?tree=2"));
  const json::Value* child = two.find("children")->items()[0].find("task");
  ASSERT_TRUE(child) << two.dump();
  EXPECT_FALSE(child->find("children")->items()[0].find("task")) << two.dump();
  EXPECT_EQ(call("GET", "/api/tasks/" + id + "?tree=9").status, 400);
  EXPECT_EQ(call("GET", "/api/tasks/" + id + "?tree=0").status, 400);
}

} // namespace

namespace {

// A node that dies while a task it delegated runs elsewhere: the orphan is cancelled there once
// no poll has come for that node's tasks.disconnect_grace_ms.
TEST(TaskOrphan, ATaskWhoseDelegatingNodeDiedIsCancelledAfterTheGrace) {
  TestPki pki;
  pki.issueNode("client");
  TempDir storage, files;
  MeshNode a(pki, storage.path(), "node-a",
             "agents:\n" + commandAgent("asker", R"sh("$CTL" delegate napper x)sh"));
  MeshNode b(
      pki, storage.path(), "node-b",
      "agents:\n" +
          commandAgent("napper", "echo $$ > " + files.file("napper.pid") + "; exec sleep 30") +
          "tasks:\n  disconnect_grace_ms: 500\n");
  ASSERT_TRUE(a.start() && b.start()) << a.output() << b.output();
  ASSERT_TRUE(eventually([&] { return statusIn(storage.path(), "node-b") == "online"; }, 10s));

  TestTlsClient c(clientOptions(pki, "client", "node-a.mesh"));
  ASSERT_TRUE(c.connect(a.port())) << c.error();
  HttpResponse r;
  ASSERT_TRUE(c.request("POST", "/api/tasks",
                        R"({"fromAgent":"t","toAgent":"asker","message":"x","timeoutMs":60000})",
                        r));
  ASSERT_EQ(r.status, 202) << r.body;
  int pid = 0;
  ASSERT_TRUE(eventually([&] { return (pid = readPid(files.file("napper.pid"))) > 0; }, 10s))
      << a.output() << b.output();

  size_t mark = b.mark();
  a.kill(); // SIGKILL: no cancel is ever sent
  ASSERT_TRUE(eventually([&] { return processGone(pid); }, 5s)) << b.outputSince(mark);
  EXPECT_TRUE(
      contains(b.outputSince(mark), "cancelled: no event stream attached and no poll for 500 ms"))
      << b.outputSince(mark);
}

} // namespace
