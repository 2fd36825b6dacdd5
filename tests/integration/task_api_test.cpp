// The task API (docs/protocol.md "Tasks") against a real rivetd over mutual TLS: submit with an
// idempotency key, read, list, cancel, events over SSE with resume and keep-alives, visibility
// per certificate, restart semantics, and hostile requests.
#include "MeshTestKit.hpp"
#include "TestSupport.hpp"
#include "TestTlsClient.hpp"

#include "rivet/sdk/json.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <thread>

namespace rivet::test {
namespace {

using namespace std::chrono_literals;
namespace json = sdk::json;

template <class Pred> bool waitFor(Pred done, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// A command agent that runs `script` with sh (the task on stdin).
std::string shellAgent(const std::string& name, const std::string& script) {
  return "  " + name + ":\n    plugin: command\n    argv: [\"/bin/sh\", \"-c\", " +
         json::quoted(script) + "]\n";
}

class TaskApi : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    pki_->issueNode("node-b");
    pki_->issueNode("node-c");
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void startNode(const std::string& extraAgents = "", const std::string& tasksYaml = "") {
    NodeSettings s = nodeSettings(*pki_, "node-a");
    if (port_)
      s.port = port_;
    s.agentsYaml = pluginsYaml_ + "agents:\n  echo:\n    plugin: echo\n" + extraAgents;
    s.meshYaml = "  state_dir: " + state_.path() + "\n";
    s.tailYaml = tasksYaml.empty() ? "" : "tasks:\n" + tasksYaml;
    node_ = std::make_unique<NodeProcess>(s);
    ASSERT_TRUE(node_->ready()) << node_->output();
    port_ = node_->port();
  }

  std::unique_ptr<TestTlsClient> client(const std::string& who = "node-b") {
    auto c = std::make_unique<TestTlsClient>(clientOptions(*pki_, who, "node-a.mesh"));
    EXPECT_TRUE(c->connect(port_)) << c->error();
    return c;
  }

  HttpResponse call(const std::string& method, const std::string& path,
                    const std::string& body = "", const std::string& who = "node-b",
                    const std::map<std::string, std::string>& headers = {}) {
    auto c = client(who);
    HttpResponse r;
    EXPECT_TRUE(c->request(method, path, body, r, headers)) << method << " " << path;
    return r;
  }

  json::Value submit(const std::string& body, int expectStatus = 202,
                     const std::map<std::string, std::string>& headers = {}) {
    HttpResponse r = call("POST", "/api/tasks", body, "node-b", headers);
    EXPECT_EQ(r.status, expectStatus) << r.body;
    auto v = json::tryParse(r.body);
    EXPECT_TRUE(v && v->isObject()) << r.body;
    return v ? *v : json::Value();
  }

  json::Value task(const std::string& id, const std::string& who = "node-b") {
    HttpResponse r = call("GET", "/api/tasks/" + id, "", who);
    auto v = json::tryParse(r.body);
    return r.status == 200 && v ? *v : json::Value();
  }

  // Waits until the task is in `state`; its last reading either way.
  json::Value waitForState(const std::string& id, const std::string& state,
                           std::chrono::milliseconds timeout = 5s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      json::Value t = task(id);
      if (t.getString("state") == state || std::chrono::steady_clock::now() > until)
        return t;
      std::this_thread::sleep_for(20ms);
    }
  }

  // Opens the task's event stream; the answer's head is read.
  std::unique_ptr<TestTlsClient> openEvents(const std::string& id, const std::string& lastId = "",
                                            std::string* head = nullptr) {
    auto c = client();
    std::string req = "GET /api/tasks/" + id + "/events HTTP/1.1\r\nHost: node-a.mesh\r\n" +
                      (lastId.empty() ? "" : "Last-Event-ID: " + lastId + "\r\n") + "\r\n";
    EXPECT_TRUE(c->sendRaw(req)) << c->error();
    std::string h;
    EXPECT_TRUE(c->readUntil("\r\n\r\n", h)) << c->error();
    if (head)
      *head = h;
    return c;
  }

  static TestPki* pki_;
  std::string pluginsYaml_; // more keys of plugins:, each indented by two spaces
  TempDir state_;
  int port_ = 0;
  std::unique_ptr<NodeProcess> node_;
};

TestPki* TaskApi::pki_ = nullptr;

// The SSE frames' ids in `raw` (chunk framing between them is skipped).
std::vector<int> eventIds(const std::string& raw) {
  std::vector<int> ids;
  for (size_t at = raw.find("id: "); at != std::string::npos; at = raw.find("id: ", at + 4))
    if (at == 0 || raw[at - 1] == '\n')
      ids.push_back(std::atoi(raw.c_str() + at + 4));
  return ids;
}

TEST_F(TaskApi, SubmitAnswersAtOnceWithAnIdAndReadGivesTheResult) {
  startNode();
  json::Value t = submit(R"({"fromAgent":"me","toAgent":"echo","message":"hello tasks"})");
  std::string id = t.getString("id").value_or("");
  ASSERT_EQ(id.size(), 32u) << t.dump();
  EXPECT_EQ(t.getString("agent"), "echo");
  EXPECT_EQ(t.getString("node"), "node-a");
  EXPECT_EQ(t.getString("caller"), "cn:node-b");
  json::Value done = waitForState(id, "completed");
  ASSERT_EQ(done.getString("state"), "completed") << done.dump();
  const json::Value* result = done.find("result");
  ASSERT_TRUE(result && result->isObject()) << done.dump();
  EXPECT_EQ(result->getString("response"), "hello tasks");
  EXPECT_EQ(result->getString("status"), "completed");
  HttpResponse list = call("GET", "/api/tasks?state=completed");
  EXPECT_EQ(list.status, 200);
  EXPECT_PRED2(contains, list.body, id);
}

TEST_F(TaskApi, SameIdempotencyKeyGivesTheSameTaskWhileRunningAndAfterAndRunsItOnce) {
  TempDir work;
  std::string runs = work.file("runs");
  startNode(shellAgent("slow", "echo run >> " + runs + "; sleep 1; echo done"));
  std::string body = R"({"fromAgent":"me","toAgent":"slow","message":"x","idempotencyKey":"k-1"})";
  std::string id = submit(body, 202).getString("id").value_or("");
  json::Value again = submit(body, 200);
  EXPECT_EQ(again.getString("id"), id);
  EXPECT_NE(again.getString("state"), "completed");
  ASSERT_EQ(waitForState(id, "completed").getString("state"), "completed");
  json::Value after = submit(body, 200);
  EXPECT_EQ(after.getString("id"), id);
  EXPECT_EQ(after.getString("state"), "completed");
  json::Value byHeader = submit(R"({"fromAgent":"me","toAgent":"slow","message":"x"})", 200,
                                {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(byHeader.getString("id"), id);
  EXPECT_EQ(readFile(runs), "run\n") << "the task ran more than once";
}

TEST_F(TaskApi, IdempotencyKeyAndResultSurviveARestart) {
  startNode();
  std::string body = R"({"fromAgent":"me","toAgent":"echo","message":"kept","idempotencyKey":"r"})";
  std::string id = submit(body).getString("id").value_or("");
  ASSERT_EQ(waitForState(id, "completed").getString("state"), "completed");
  EXPECT_EQ(node_->process().stop(), 0);
  node_.reset();
  startNode();
  json::Value again = submit(body, 200);
  EXPECT_EQ(again.getString("id"), id);
  EXPECT_EQ(again.getString("state"), "completed");
}

TEST_F(TaskApi, TaskRunningWhenTheNodeDiedIsFailedAfterTheRestart) {
  startNode(shellAgent("sleeper", "sleep 30"));
  std::string id = submit(R"({"fromAgent":"me","toAgent":"sleeper","message":"x"})")
                       .getString("id")
                       .value_or("");
  ASSERT_EQ(waitForState(id, "working").getString("state"), "working");
  node_->process().signal(SIGKILL);
  node_.reset();
  startNode(shellAgent("sleeper", "sleep 30"));
  json::Value t = task(id);
  EXPECT_EQ(t.getString("state"), "failed") << t.dump();
  EXPECT_PRED2(contains, t.dump(), "node restarted while the task ran");
}

TEST_F(TaskApi, EventsComeInOrderAndResumeAfterADropWithoutLossOrRepeat) {
  startNode(shellAgent("slow", "sleep 1; echo finished"));
  std::string id =
      submit(R"({"fromAgent":"me","toAgent":"slow","message":"x"})").getString("id").value_or("");
  std::string head, first;
  auto stream = openEvents(id, "", &head);
  EXPECT_PRED2(contains, head, "HTTP/1.1 200");
  EXPECT_PRED2(contains, head, "Content-Type: text/event-stream");
  ASSERT_TRUE(stream->readUntil("\"state\":\"working\"}\n\n", first)) << stream->error();
  EXPECT_EQ(eventIds(first), (std::vector<int>{1, 2})) << first;
  stream->close(); // a dropped connection
  ASSERT_EQ(waitForState(id, "completed").getString("state"), "completed");
  std::string rest;
  auto resumed = openEvents(id, "2");
  ASSERT_TRUE(resumed->readUntil("0\r\n\r\n", rest)) << resumed->error(); // the stream's end
  EXPECT_EQ(eventIds(rest), (std::vector<int>{3})) << rest;
  EXPECT_PRED2(contains, rest, "event: state\ndata: {\"state\":\"completed\"");
  EXPECT_PRED2(contains, rest, "finished");
}

// The `progress` events' texts of one kind in `raw`, in order.
std::vector<std::string> progressTexts(const std::string& raw, const std::string& kind) {
  std::vector<std::string> out;
  const std::string marker = "event: progress\ndata: ";
  for (size_t at = raw.find(marker); at != std::string::npos; at = raw.find(marker, at + 1)) {
    size_t end = raw.find('\n', at + marker.size());
    auto data = json::tryParse(raw.substr(at + marker.size(), end - at - marker.size()));
    if (data && data->getString("kind") == kind)
      out.push_back(data->getString("text").value_or(""));
  }
  return out;
}

TEST_F(TaskApi, StreamedTextSurvivesTheProgressLimitWholeAndInOrder) {
  pluginsYaml_ = "  agents_dir: " + fixturePath("") + "\n";
  startNode("  chatty:\n    plugin: chatty\n", "  progress_per_second: 1\n  progress_burst: 3\n");
  std::string text;
  for (int i = 0; i < 300; ++i)
    text += static_cast<char>('a' + i % 26);
  json::Value t =
      submit(R"({"fromAgent":"me","toAgent":"chatty","message":")" + text + "\"}", 202,
             {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}});
  std::string id = t.getString("id").value_or("");
  auto stream = openEvents(id);
  std::string got;
  ASSERT_TRUE(stream->readUntil("0\r\n\r\n", got)) << stream->error();
  std::vector<std::string> pieces = progressTexts(got, "text");
  std::string joined;
  for (const auto& p : pieces)
    joined += p;
  EXPECT_EQ(joined, text) << got;
  EXPECT_LE(pieces.size(), 5u) << "300 deltas at 1 a second must be merged, not sent one by one";
  std::vector<std::string> status = progressTexts(got, "status");
  ASSERT_EQ(status.size(), 1u) << got;
  EXPECT_PRED2(contains, status[0], "1 progress event was dropped");
  EXPECT_PRED2(contains, got, R"("agent":"chatty","node":"node-a")");
  EXPECT_PRED2(contains, got,
               "task=" + id + " trace=0af7651916cd43dd8448eb211c80319c kinds-checked");
}

TEST_F(TaskApi, ACommandAgentsStderrLinesArriveAsProgressWhileItRuns) {
  startNode(shellAgent("worker", "echo 'reading the input' >&2; sleep 1; echo done"));
  std::string id =
      submit(R"({"fromAgent":"me","toAgent":"worker","message":"x"})").getString("id").value_or("");
  auto stream = openEvents(id);
  std::string got;
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(stream->readUntil("reading the input", got)) << stream->error();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms) << "it came only at the end";
  ASSERT_TRUE(stream->readUntil("0\r\n\r\n", got)) << stream->error();
  EXPECT_PRED2(
      contains, got,
      R"(data: {"kind":"status","text":"reading the input","agent":"worker","node":"node-a"})");
  EXPECT_LT(got.find("reading the input"), got.find("\"state\":\"completed\""));
}

TEST_F(TaskApi, EventsAfterAnswersTheTaskWithItsNextEvents) {
  startNode();
  std::string id =
      submit(R"({"fromAgent":"me","toAgent":"echo","message":"x"})").getString("id").value_or("");
  ASSERT_EQ(waitForState(id, "completed").getString("state"), "completed");
  HttpResponse all = call("GET", "/api/tasks/" + id + "?eventsAfter=0");
  auto v = json::tryParse(all.body);
  ASSERT_TRUE(v && v->find("events")) << all.body;
  const auto& events = v->find("events")->items();
  ASSERT_GE(events.size(), 2u) << all.body;
  EXPECT_EQ(events[0].getInteger("id"), 1);
  EXPECT_EQ(events[0].getString("type"), "state");
  HttpResponse rest = call("GET", "/api/tasks/" + id + "?eventsAfter=1");
  auto w = json::tryParse(rest.body);
  ASSERT_TRUE(w && w->find("events")) << rest.body;
  EXPECT_EQ(w->find("events")->items().size(), events.size() - 1);
  EXPECT_EQ(call("GET", "/api/tasks/" + id + "?eventsAfter=-1").status, 400);
  EXPECT_EQ(call("GET", "/api/tasks/" + id + "?eventsAfter=1x").status, 400);
  EXPECT_EQ(call("GET", "/api/tasks/" + id + "?eventsAfter=0", "", "node-c").status, 404)
      << "another identity sees nothing, events included";
}

TEST_F(TaskApi, PollsKeepACancelOnDisconnectTaskAndItEndsWhenTheyStop) {
  startNode(shellAgent("long", "sleep 30"), "  disconnect_grace_ms: 400\n");
  std::string id =
      submit(R"({"fromAgent":"me","toAgent":"long","message":"x","cancelOnDisconnect":true})")
          .getString("id")
          .value_or("");
  for (int i = 0; i < 12; ++i) { // 1.2 s of polls, three times the grace
    EXPECT_EQ(call("GET", "/api/tasks/" + id + "?eventsAfter=0").status, 200);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(task(id).getString("state"), "working") << "a polled task is watched";
  json::Value t = waitForState(id, "canceled", 3s);
  EXPECT_EQ(t.getString("state"), "canceled") << t.dump();
  EXPECT_EQ(t.getString("canceledBy"), "disconnect");
}

TEST_F(TaskApi, KeepAliveCommentsArriveWhileTheAgentIsSilent) {
  startNode(shellAgent("quiet", "sleep 3"), "  keepalive_ms: 200\n");
  std::string id =
      submit(R"({"fromAgent":"me","toAgent":"quiet","message":"x"})").getString("id").value_or("");
  auto stream = openEvents(id);
  std::string got;
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(stream->readUntil(": keep-alive\n\n", got)) << stream->error();
  ASSERT_TRUE(stream->readUntil(": keep-alive\n\n", got)) << stream->error();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  call("POST", "/api/tasks/" + id + "/cancel");
}

TEST_F(TaskApi, CancelKillsTheAgentsProcessGroupAndEndsCanceledByTheCaller) {
  TempDir work;
  std::string pidFile = work.file("pid");
  startNode(shellAgent("sleeper", "sleep 30 & echo $! > " + pidFile + "; wait"));
  std::string id = submit(R"({"fromAgent":"me","toAgent":"sleeper","message":"x"})")
                       .getString("id")
                       .value_or("");
  ASSERT_TRUE(waitFor([&] { return readFile(pidFile).size() > 1; }, 5s));
  int child = std::atoi(readFile(pidFile).c_str());
  ASSERT_GT(child, 0);
  auto started = std::chrono::steady_clock::now();
  HttpResponse r = call("POST", "/api/tasks/" + id + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  auto t = json::tryParse(r.body);
  ASSERT_TRUE(t) << r.body;
  EXPECT_EQ(t->getString("state"), "canceled") << r.body;
  EXPECT_EQ(t->getString("canceledBy"), "cn:node-b");
  auto ended = [&] { // gone, or a zombie nobody reaps (the test's pid 1 may not)
    std::string stat = readFile("/proc/" + std::to_string(child) + "/stat");
    size_t paren = stat.rfind(')');
    return stat.empty() || (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z");
  };
  EXPECT_TRUE(waitFor(ended, 1s)) << "sleep still runs";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  EXPECT_EQ(call("POST", "/api/tasks/" + id + "/cancel").status, 200); // again: no change
}

TEST_F(TaskApi, CancelOnDisconnectTaskEndsWhenNoStreamIsAttachedAndAnotherGoesOn) {
  startNode(shellAgent("slow", "sleep 2; echo done"), "  disconnect_grace_ms: 300\n");
  std::string watched = submit(R"({"fromAgent":"me","toAgent":"slow","message":"x",)"
                               R"("cancelOnDisconnect":true})")
                            .getString("id")
                            .value_or("");
  std::string detached =
      submit(R"({"fromAgent":"me","toAgent":"slow","message":"y"})").getString("id").value_or("");
  {
    auto stream = openEvents(watched);
    std::string got;
    ASSERT_TRUE(stream->readUntil("\"state\":\"working\"}\n\n", got)) << stream->error();
  } // the caller goes away
  json::Value t = waitForState(watched, "canceled", 3s);
  EXPECT_EQ(t.getString("state"), "canceled") << t.dump();
  EXPECT_EQ(t.getString("canceledBy"), "disconnect");
  EXPECT_EQ(waitForState(detached, "completed").getString("state"), "completed");
}

TEST_F(TaskApi, AnotherCertificateGets404AndTheNodeItselfSeesEveryTask) {
  startNode(shellAgent("slow", "sleep 1"));
  std::string id =
      submit(R"({"fromAgent":"me","toAgent":"slow","message":"x"})").getString("id").value_or("");
  EXPECT_EQ(call("GET", "/api/tasks/" + id, "", "node-c").status, 404);
  EXPECT_EQ(call("GET", "/api/tasks/" + id + "/events", "", "node-c").status, 404);
  EXPECT_EQ(call("POST", "/api/tasks/" + id + "/cancel", "", "node-c").status, 404);
  HttpResponse others = call("GET", "/api/tasks", "", "node-c");
  EXPECT_EQ(others.status, 200);
  EXPECT_FALSE(contains(others.body, id)) << others.body;
  EXPECT_EQ(call("GET", "/api/tasks/" + id, "", "node-a").status, 200);
  EXPECT_PRED2(contains, call("GET", "/api/tasks", "", "node-a").body, id);
  EXPECT_NE(waitForState(id, "completed").getString("state"), "canceled");
}

TEST_F(TaskApi, TimeoutEndsTheTaskAsFailedWithATimeoutResult) {
  startNode(shellAgent("sleeper", "sleep 30"));
  std::string id = submit(R"({"fromAgent":"me","toAgent":"sleeper","message":"x","timeoutMs":500})")
                       .getString("id")
                       .value_or("");
  json::Value t = waitForState(id, "failed", 4s);
  EXPECT_EQ(t.getString("state"), "failed") << t.dump();
  EXPECT_PRED2(contains, t.dump(), R"("status":"timeout")");
}

TEST_F(TaskApi, ATimeoutLongerThanADayNeedsMaxTimeoutMs) {
  startNode("", "  max_timeout_ms: 172800000\n"); // two days
  const std::string twoDays =
      R"({"fromAgent":"me","toAgent":"echo","message":"x","timeoutMs":172800000})";
  json::Value t = submit(twoDays);
  EXPECT_EQ(waitForState(t.getString("id").value_or(""), "completed").getString("state"),
            "completed");
  HttpResponse longer =
      call("POST", "/api/tasks",
           R"({"fromAgent":"me","toAgent":"echo","message":"x","timeoutMs":172800001})");
  EXPECT_EQ(longer.status, 400);
  EXPECT_PRED2(contains, longer.body, "172800000");
  EXPECT_PRED2(contains, longer.body, "tasks.max_timeout_ms");
  node_.reset();
  startNode(); // the default: one day
  HttpResponse refused = call("POST", "/api/tasks", twoDays);
  EXPECT_EQ(refused.status, 400);
  EXPECT_PRED2(contains, refused.body, "tasks.max_timeout_ms: 86400000");
}

TEST_F(TaskApi, BeyondMaxRunningASubmitGets503WithRetryAfter) {
  startNode(shellAgent("sleeper", "sleep 30"), "  max_running: 1\n");
  std::string id = submit(R"({"fromAgent":"me","toAgent":"sleeper","message":"x"})")
                       .getString("id")
                       .value_or("");
  HttpResponse busy =
      call("POST", "/api/tasks", R"({"fromAgent":"me","toAgent":"echo","message":"y"})");
  EXPECT_EQ(busy.status, 503) << busy.body;
  EXPECT_EQ(busy.header("retry-after"), "5");
  EXPECT_PRED2(contains, busy.body, "tasks.max_running");
  call("POST", "/api/tasks/" + id + "/cancel");
}

TEST_F(TaskApi, TraceparentIsKeptAndAnInvalidOneGetsAFreshTraceId) {
  startNode();
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  json::Value t = submit(R"({"fromAgent":"me","toAgent":"echo","message":"x"})", 202,
                         {{"traceparent", "00-" + trace + "-00f067aa0ba902b7-01"}});
  EXPECT_EQ(t.getString("traceId"), trace);
  for (std::string bad :
       {"00-" + std::string(32, '0') + "-00f067aa0ba902b7-01", "00-" + trace + "-00f067aa0ba902b7",
        "zz-" + trace + "-00f067aa0ba902b7-01", "00-" + trace + "-00F067AA0BA902B7-01"}) {
    json::Value fresh =
        submit(R"({"fromAgent":"me","toAgent":"echo","message":"x"})", 202, {{"traceparent", bad}});
    std::string id = fresh.getString("traceId").value_or("");
    EXPECT_EQ(id.size(), 32u) << bad;
    EXPECT_NE(id, trace) << bad;
  }
}

TEST_F(TaskApi, HostileRequestsAreRefusedWithAReason) {
  startNode();
  struct Case {
    std::string method, path, body;
    std::map<std::string, std::string> headers;
    int status;
    std::string says;
  };
  std::string hex(32, 'a');
  std::vector<Case> cases = {
      {"POST", "/api/tasks", R"({"fromAgent":"me","message":"x"})", {}, 400, "toAgent"},
      {"POST", "/api/tasks", R"({"fromAgent":"me","toAgent":"echo"})", {}, 400, "message"},
      {"POST", "/api/tasks", "[1,2]", {}, 400, ""},
      {"POST",
       "/api/tasks",
       R"({"fromAgent":"me","toAgent":"echo","message":"x",)"
       R"("idempotencyKey":7})",
       {},
       400,
       "idempotencyKey"},
      {"POST",
       "/api/tasks",
       R"({"fromAgent":"me","toAgent":"echo","message":"x",)"
       R"("idempotencyKey":")" +
           std::string(257, 'k') + "\"}",
       {},
       400,
       "idempotencyKey"},
      {"POST",
       "/api/tasks",
       R"({"fromAgent":"me","toAgent":"echo","message":"x",)"
       R"("idempotencyKey":"a b"})",
       {},
       400,
       "idempotencyKey"},
      {"POST",
       "/api/tasks",
       R"({"fromAgent":"me","toAgent":"echo","message":"x",)"
       R"("idempotencyKey":"one"})",
       {{"Idempotency-Key", "two"}},
       400,
       "differ"},
      {"POST",
       "/api/tasks",
       R"({"fromAgent":"me","toAgent":"echo","message":"x",)"
       R"("cancelOnDisconnect":"yes"})",
       {},
       400,
       "cancelOnDisconnect"},
      {"POST",
       "/api/tasks",
       R"({"fromAgent":"me","toAgent":"echo","message":"x",)"
       R"("timeoutMs":86400001})",
       {},
       400,
       "timeoutMs"},
      {"GET", "/api/tasks/" + hex, "", {}, 404, "No task"},
      {"GET", "/api/tasks/../../etc/passwd", "", {}, 404, ""},
      {"GET", "/api/tasks/" + std::string(5000, 'a'), "", {}, 404, "No task"},
      {"GET",
       "/api/tasks/" + hex + "/events",
       "",
       {{"Last-Event-ID", "abc"}},
       400,
       "Last-Event-ID"},
      {"GET", "/api/tasks/" + hex + "/events", "", {{"Last-Event-ID", "-1"}}, 400, "Last-Event-ID"},
      {"GET",
       "/api/tasks/" + hex + "/events?after=99999999999999999999",
       "",
       {},
       400,
       "Last-Event-ID"},
      {"GET", "/api/tasks/" + hex + "/cancel", "", {}, 405, "not allowed"},
      {"DELETE", "/api/tasks", "", {}, 405, ""},
      {"GET", "/api/tasks/" + hex + "/other", "", {}, 404, ""},
      {"GET", "/api/tasks?state=sleeping", "", {}, 400, "state"},
      {"GET", "/api/tasks?limit=0", "", {}, 400, "limit"},
      {"GET", "/api/tasks?limit=1001", "", {}, 400, "limit"},
  };
  for (const auto& c : cases) {
    HttpResponse r = call(c.method, c.path, c.body, "node-b", c.headers);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path.substr(0, 80) << ": " << r.body;
    EXPECT_PRED2(contains, r.body, c.says) << c.method << " " << c.path.substr(0, 80);
  }
  EXPECT_EQ(call("GET", "/api/mesh/ping").status, 200); // the node serves on
}

} // namespace
} // namespace rivet::test
