// A delegation to a node with the task API (docs/protocol.md "Tasks across nodes"), against a
// scripted peer standing in for the other node: the submit and its one retry with the same key,
// the fallback to /api/message on 404, failover on 503/429, watching with eventsAfter (hostile
// answers included), the cancel it sends when its parent is cancelled or its deadline passes, and
// the traceparent on every request.
#include "delegation/DelegationEngine.hpp"
#include "plugin/TaskContext.hpp"

#include "rivet/sdk/json.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

using namespace rivet::delegation;
using namespace std::chrono_literals;
namespace json = rivet::sdk::json;

namespace {

const std::string kId = "0123456789abcdef0123456789abcdef";

class TasksDirectory : public MeshDirectory {
public:
  std::vector<RemoteNode> online;
  std::vector<RemoteNode> candidates(const std::string&) override { return online; }
  std::vector<std::string> unavailableHosts(const std::string&) override { return {}; }
  std::vector<std::string> remoteAgents() override { return {"opus"}; }
};

RemoteNode tasksNode(const std::string& name, int port) {
  RemoteNode n;
  n.name = name;
  n.host = name + ".mesh"; // one address: no second try at <name>.mesh
  n.port = port;
  n.lastSeen = 1;
  n.tasks = true;
  return n;
}

struct Sent {
  std::string method, path, body, traceparent, host;
};

// The other node: answers each request with `answer(sent, n)` (n counts requests per path).
class ScriptedPeer {
public:
  struct Reply {
    rivet_net_result net = RIVET_NET_OK;
    int status = 200;
    std::string body;
  };
  std::function<Reply(const Sent&, int)> answer;

  PeerCaller caller() {
    return [this](const rivet_peer_request& req, rivet_peer_response& resp) {
      Sent s{std::string(req.method.data, req.method.len), std::string(req.path.data, req.path.len),
             std::string(req.body.data, req.body.len), "",
             std::string(req.host.data, req.host.len)};
      for (size_t i = 0; i < req.header_count; ++i)
        if (std::string(req.headers[i].name.data, req.headers[i].name.len) == "traceparent")
          s.traceparent.assign(req.headers[i].value.data, req.headers[i].value.len);
      int n;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        sent_.push_back(s);
        n = ++counts_[s.method + " " + s.path.substr(0, s.path.find('?'))];
      }
      Reply r = answer(s, n);
      resp.status = r.status;
      if (r.net == RIVET_NET_OK)
        resp.body.write(resp.body.ctx, r.body.data(), r.body.size());
      else
        resp.error.write(resp.error.ctx, "scripted failure", 16);
      return r.net;
    };
  }
  std::vector<Sent> sent() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }
  int count(const std::string& methodAndPath) {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_[methodAndPath];
  }

private:
  std::mutex mutex_;
  std::vector<Sent> sent_;
  std::map<std::string, int> counts_;
};

// What the delegating task's watcher was told.
class Recorder : public rivet::plugin::TaskObserver {
public:
  void progress(const rivet::plugin::TaskContext&, std::string_view, std::string_view) override {}
  void delegationStarted(const rivet::plugin::RemoteChild& c) override {
    add("started " + c.node + " " + c.taskId + " " + c.agent + " " + c.from);
  }
  void delegationEvent(const rivet::plugin::RemoteChild&, std::string_view type,
                       std::string_view data) override {
    add(std::string(type) + " " + std::string(data));
  }
  void delegationEnded(const rivet::plugin::RemoteChild&, std::string_view state,
                       std::string_view) override {
    add("ended " + std::string(state));
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

private:
  void add(std::string s) {
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.push_back(std::move(s));
  }
  std::mutex mutex_;
  std::vector<std::string> seen_;
};

std::string taskAnswer(const std::string& state, const std::string& events = "",
                       const std::string& result = "null") {
  return R"({"id":")" + kId + R"(","state":")" + state + R"(","result":)" + result +
         R"(,"events":[)" + events + "]}";
}

class RemoteTask : public ::testing::Test {
protected:
  RemoteTask() {
    dir_.online = {tasksNode("node-b", 3000)};
    parent_->agentId = "planner";
    parent_->nodeName = "n";
    parent_->taskId = "ffffffffffffffffffffffffffffffff";
    parent_->traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    parent_->observer = recorder_;
    parent_->startClock(30000);
  }
  Outcome delegate(int64_t timeoutMs = 5000) {
    DelegationEngine engine({"n", 3, 4, 1000}, agents_, &dir_, peer_.caller());
    TaskRequest r{"planner", "sub-task", "opus", "", 1, timeoutMs};
    r.parent = parent_;
    return engine.delegate(r);
  }

  rivet::plugin::AgentSet agents_;
  TasksDirectory dir_;
  ScriptedPeer peer_;
  std::shared_ptr<Recorder> recorder_ = std::make_shared<Recorder>();
  std::shared_ptr<rivet::plugin::TaskContext> parent_ =
      std::make_shared<rivet::plugin::TaskContext>();
};

TEST_F(RemoteTask, SubmitsWatchesAndTakesTheChildsResultPassingItsEventsOn) {
  peer_.answer = [](const Sent& s, int n) -> ScriptedPeer::Reply {
    if (s.method == "POST")
      return {RIVET_NET_OK, 202, taskAnswer("submitted")};
    if (n == 1)
      return {RIVET_NET_OK, 200,
              taskAnswer("working",
                         R"({"id":1,"type":"state","data":{"state":"working"}},)"
                         R"({"id":2,"type":"progress","data":{"kind":"text","text":"hal"}})")};
    return {RIVET_NET_OK, 200,
            taskAnswer("completed",
                       R"({"id":3,"type":"progress","data":{"kind":"text","text":"f"}})",
                       R"({"status":"completed","response":"half done","agent":"opus"})")};
  };
  Outcome out = delegate();
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED) << out.text;
  EXPECT_EQ(out.text, "half done");
  std::vector<Sent> sent = peer_.sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].path, "/api/tasks");
  auto body = json::tryParse(sent[0].body);
  ASSERT_TRUE(body) << sent[0].body;
  EXPECT_EQ(body->getString("toAgent"), "opus");
  EXPECT_EQ(body->getBool("cancelOnDisconnect"), true)
      << "the polls keep it; a dead parent node does not";
  EXPECT_EQ(body->getString("idempotencyKey").value_or("").size(), 32u);
  EXPECT_EQ(sent[1].path, "/api/tasks/" + kId + "?eventsAfter=0");
  EXPECT_EQ(sent[2].path, "/api/tasks/" + kId + "?eventsAfter=2");
  for (const auto& s : sent) // the same trace on every request, a new span each time
    EXPECT_EQ(s.traceparent.substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-") << s.path;
  EXPECT_NE(sent[0].traceparent, sent[1].traceparent);
  EXPECT_EQ(recorder_->seen(), (std::vector<std::string>{
                                   "started node-b " + kId + " opus planner@n",
                                   R"(progress {"kind":"text","text":"hal"})",
                                   R"(progress {"kind":"text","text":"f"})", "ended completed"}));
}

TEST_F(RemoteTask, ALostSubmitAnswerIsSentOnceMoreWithTheSameKey) {
  peer_.answer = [](const Sent& s, int n) -> ScriptedPeer::Reply {
    if (s.method == "POST" && n == 1)
      return {RIVET_NET_DELIVERED_FAILED, 0, ""};
    if (s.method == "POST")
      return {RIVET_NET_OK, 200, taskAnswer("working")}; // the key found the task
    return {RIVET_NET_OK, 200,
            taskAnswer("completed", "", R"({"status":"completed","response":"ok"})")};
  };
  Outcome out = delegate();
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED) << out.text;
  std::vector<Sent> sent = peer_.sent();
  ASSERT_GE(sent.size(), 3u);
  EXPECT_EQ(sent[0].body, sent[1].body) << "the retry must carry the same idempotency key";
}

TEST_F(RemoteTask, ANodeWithoutTheTaskApiGetsTheTaskOnApiMessage) {
  peer_.answer = [](const Sent& s, int) -> ScriptedPeer::Reply {
    if (s.path == "/api/tasks")
      return {RIVET_NET_OK, 404, R"({"error":"Not found"})"};
    return {RIVET_NET_OK, 200, R"({"response":"from /api/message","agent":"opus"})"};
  };
  Outcome out = delegate();
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED) << out.text;
  EXPECT_EQ(out.text, "from /api/message");
  EXPECT_EQ(peer_.count("POST /api/message"), 1);
}

TEST_F(RemoteTask, BusyOrRateLimitedNodesAreNotDeliveredAndTheNextNodeIsTried) {
  dir_.online = {tasksNode("node-b", 3000), tasksNode("node-c", 3001)};
  peer_.answer = [](const Sent& s, int) -> ScriptedPeer::Reply {
    if (s.host == "node-b.mesh")
      return {RIVET_NET_OK, 429, R"({"error":"slow down"})"};
    if (s.method == "POST")
      return {RIVET_NET_OK, 202, taskAnswer("submitted")};
    return {RIVET_NET_OK, 200,
            taskAnswer("completed", "", R"({"status":"completed","response":"c"})")};
  };
  Outcome out = delegate();
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED) << out.text;
  EXPECT_EQ(out.text, "c");
}

TEST_F(RemoteTask, HostileWatchAnswersNeitherRepeatNorInventEvents) {
  peer_.answer = [](const Sent& s, int n) -> ScriptedPeer::Reply {
    if (s.method == "POST")
      return {RIVET_NET_OK, 202, taskAnswer("submitted")};
    switch (n) {
    case 1:
      return {RIVET_NET_OK, 200, "not json {"};
    case 2:
      return {RIVET_NET_OK, 200, R"(["an array"])"};
    case 3: // ids out of order and repeated, a wrong type, data that is not an object
      return {RIVET_NET_OK, 200,
              taskAnswer("working",
                         R"({"id":5,"type":"progress","data":{"kind":"text","text":"a"}},)"
                         R"({"id":5,"type":"progress","data":{"kind":"text","text":"b"}},)"
                         R"({"id":4,"type":"progress","data":{"kind":"text","text":"c"}},)"
                         R"({"id":"6","type":"progress","data":{}},)"
                         R"({"id":7,"type":"progress","data":"x"},)"
                         R"({"id":8,"type":"secret","data":{}})")};
    case 4:
      return {RIVET_NET_OK, 500, "oops"};
    default:
      return {RIVET_NET_OK, 200,
              taskAnswer("completed", "", R"({"status":"completed","response":"fine"})")};
    }
  };
  Outcome out = delegate();
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED) << out.text;
  EXPECT_EQ(out.text, "fine");
  EXPECT_EQ(recorder_->seen(), (std::vector<std::string>{
                                   "started node-b " + kId + " opus planner@n",
                                   R"(progress {"kind":"text","text":"a"})", "ended completed"}));
  EXPECT_EQ(peer_.sent().back().path, "/api/tasks/" + kId + "?eventsAfter=8");
}

TEST_F(RemoteTask, ASubmitAnswerWithoutATaskIdFailsWithoutWatching) {
  peer_.answer = [](const Sent&, int) -> ScriptedPeer::Reply {
    return {RIVET_NET_OK, 202, R"({"id":"../../etc"})"};
  };
  Outcome out = delegate();
  EXPECT_EQ(out.status, RIVET_TASK_FAILED);
  EXPECT_NE(out.text.find("without a task id"), std::string::npos) << out.text;
  EXPECT_EQ(peer_.sent().size(), 1u);
}

TEST_F(RemoteTask, CancellingTheParentCancelsTheChildThere) {
  std::promise<void> watching;
  std::atomic<bool> once{false};
  peer_.answer = [&](const Sent& s, int) -> ScriptedPeer::Reply {
    if (s.path == "/api/tasks")
      return {RIVET_NET_OK, 202, taskAnswer("submitted")};
    if (s.method == "POST")
      return {RIVET_NET_OK, 200, taskAnswer("canceled")};
    if (!once.exchange(true))
      watching.set_value();
    return {RIVET_NET_OK, 200, taskAnswer("working")};
  };
  std::thread cancel([&] {
    watching.get_future().wait();
    parent_->cancel();
  });
  DelegationEngine engine({"n", 3, 4, 1000}, agents_, &dir_, peer_.caller());
  TaskRequest r{"planner", "sub-task", "opus", "", 1, 20000};
  r.parent = parent_;
  auto started = std::chrono::steady_clock::now();
  Outcome out = engine.delegate(r);
  cancel.join();
  EXPECT_EQ(out.status, RIVET_TASK_FAILED);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  // The engine stops waiting at once; the cancel reaches the child node shortly after.
  for (int i = 0; i < 200 && peer_.count("POST /api/tasks/" + kId + "/cancel") == 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(peer_.count("POST /api/tasks/" + kId + "/cancel"), 1);
}

TEST_F(RemoteTask, AChildPastItsDeadlineIsCancelledThereAndTimesOut) {
  peer_.answer = [](const Sent& s, int) -> ScriptedPeer::Reply {
    if (s.path == "/api/tasks")
      return {RIVET_NET_OK, 202, taskAnswer("submitted")};
    if (s.method == "POST")
      return {RIVET_NET_OK, 200, taskAnswer("canceled")};
    return {RIVET_NET_OK, 200, taskAnswer("working")};
  };
  Outcome out = delegate(300); // plus 1 s of grace
  EXPECT_EQ(out.status, RIVET_TASK_TIMEOUT) << out.text;
  EXPECT_EQ(peer_.count("POST /api/tasks/" + kId + "/cancel"), 1);
  EXPECT_EQ(recorder_->seen().back(), "ended failed");
}

TEST_F(RemoteTask, AChildThatVanishesThereFailsNamingIt) {
  peer_.answer = [](const Sent& s, int) -> ScriptedPeer::Reply {
    if (s.method == "POST")
      return {RIVET_NET_OK, 202, taskAnswer("submitted")};
    return {RIVET_NET_OK, 404, R"({"error":"No task"})"};
  };
  Outcome out = delegate();
  EXPECT_EQ(out.status, RIVET_TASK_FAILED);
  EXPECT_NE(out.text.find("is gone there"), std::string::npos) << out.text;
}

TEST_F(RemoteTask, ATaskFromApiMessageIsForwardedAsRivetOsExpects) {
  peer_.answer = [](const Sent&, int) -> ScriptedPeer::Reply {
    return {RIVET_NET_OK, 200, R"({"response":"sync"})"};
  };
  DelegationEngine engine({"n", 3, 4, 1000}, agents_, &dir_, peer_.caller());
  Outcome out = engine.handleInbound({"grok", "x", "opus", "", 0, 1000}); // no parent task
  EXPECT_EQ(out.text, "sync");
  ASSERT_EQ(peer_.sent().size(), 1u);
  EXPECT_EQ(peer_.sent()[0].path, "/api/message");
}

} // namespace
