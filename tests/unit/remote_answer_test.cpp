// A peer's 2xx answer to /api/message read as a result (docs/protocol.md §6): our fields, a
// RivetOS answer without status, and bodies that are not our JSON, hostile ones included.
#include "delegation/RemoteCall.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace rivet::delegation;

namespace {

TEST(RemoteAnswer, OurFieldsAreRead) {
  RemoteResult r = answerFrom(R"({"response":"done","status":"timeout","agent":"beta"})");
  EXPECT_TRUE(r.reachedAgent);
  EXPECT_EQ(r.text, "done");
  EXPECT_EQ(r.status, RIVET_TASK_TIMEOUT);
  EXPECT_EQ(r.answeredBy, "beta");
  EXPECT_EQ(answerFrom(R"({"response":"no","status":"rejected"})").status, RIVET_TASK_REJECTED);
  EXPECT_EQ(answerFrom(R"({"response":"x","status":"canceled"})").status, RIVET_TASK_FAILED);
}

TEST(RemoteAnswer, ARivetOsAnswerWithoutStatusIsCompleted) {
  RemoteResult r = answerFrom(R"({"response":"hi","agent":"opus"})");
  EXPECT_EQ(r.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(r.text, "hi");
}

TEST(RemoteAnswer, TextWithAnEscapedNulKeepsItsLength) {
  RemoteResult r = answerFrom(R"({"response":"a\u0000b"})");
  EXPECT_EQ(r.text, std::string("a\0b", 3));
}

TEST(RemoteAnswer, BodiesThatAreNotOurJsonAreCompletedWithoutText) {
  const std::string deep(1000000, '[');
  for (const std::string& body :
       {std::string("not json"), std::string("[1,2]"), std::string(""), std::string("\"s\""),
        std::string(R"({"response":42,"status":7,"agent":null})"), deep,
        std::string(R"({"response":"cut)")}) {
    RemoteResult r = answerFrom(body);
    EXPECT_TRUE(r.reachedAgent) << body.substr(0, 40);
    EXPECT_EQ(r.status, RIVET_TASK_COMPLETED) << body.substr(0, 40);
    EXPECT_EQ(r.text, "[no response from remote agent]") << body.substr(0, 40);
    EXPECT_EQ(r.answeredBy, "") << body.substr(0, 40);
  }
}

} // namespace
