// The SDK's JSON helpers (rivet/sdk/json.hpp) on good and hostile input: what JSON.parse accepts
// is read, everything else is refused with the byte offset, and what is written is valid JSON.
#include "rivet/sdk/json.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace rivet::sdk;

TEST(SdkJson, ReadsEveryKindOfValueInDocumentOrder) {
  json::Value v = json::parse(R"( {"s":"a\"b\\\/\n\u00e9\ud83d\ude00","n":-12.5e1,"i":42,)"
                              R"("t":true,"f":false,"z":null,"a":[1,[2,{}]],"o":{"k":"v"}} )");
  ASSERT_TRUE(v.isObject());
  EXPECT_EQ(*v.getString("s"), "a\"b\\/\n\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_DOUBLE_EQ(v.find("n")->asNumber(), -125.0);
  EXPECT_EQ(*v.getInteger("i"), 42);
  EXPECT_EQ(*v.getInteger("n"), -125) << "-12.5e1 is a whole number";
  EXPECT_FALSE(json::parse(R"({"x":12.5})").getInteger("x"));
  EXPECT_TRUE(*v.getBool("t"));
  EXPECT_TRUE(v.find("z")->isNull());
  EXPECT_EQ(v.find("a")->items().size(), 2u);
  EXPECT_EQ(v.members().front().first, "s");
  EXPECT_EQ(v.dump(),
            R"({"s":"a\"b\\/\n)"
            "\xC3\xA9\xF0\x9F\x98\x80"
            R"(","n":-125,"i":42,"t":true,"f":false,"z":null,"a":[1,[2,{}]],"o":{"k":"v"}})");
}

TEST(SdkJson, DuplicateKeyKeepsTheLastValueAsJavaScriptDoes) {
  EXPECT_EQ(*json::parse(R"({"a":1,"a":2})").getInteger("a"), 2);
}

TEST(SdkJson, RefusesWhatIsNotJsonNamingTheByte) {
  for (const char* bad : {"",
                          " ",
                          "{",
                          "[1,]",
                          "{\"a\":1,}",
                          "{'a':1}",
                          "01",
                          "1.",
                          ".5",
                          "+1",
                          "1e",
                          "-",
                          "tru",
                          "nul",
                          "NaN",
                          "[1] x",
                          "\"\\x\"",
                          "\"\\u12\"",
                          "\"\\ud800\"",
                          "\"\\udc00\"",
                          "\"\\ud800\\u0041\"",
                          "{\"a\" 1}",
                          "[1 2]",
                          "\"a"}) {
    EXPECT_THROW(json::parse(bad), json::ParseError) << bad;
  }
  try {
    json::parse("[1,2,x]");
    FAIL();
  } catch (const json::ParseError& e) {
    EXPECT_STREQ(e.what(), "invalid JSON at byte 5: expected a value");
  }
}

TEST(SdkJson, RefusesControlCharactersAndInvalidUtf8InStrings) {
  for (std::string bad : {std::string("\"a\x01\""), std::string("\"\n\""), std::string("\"\xff\""),
                          std::string("\"\xc0\xaf\""), std::string("\"\xed\xa0\x80\""),
                          std::string("\"\xf4\x90\x80\x80\""), std::string("\"\xe2\x82\""),
                          std::string("\"a\0b\"", 5)})
    EXPECT_THROW(json::parse(bad), json::ParseError) << bad;
  EXPECT_EQ(*json::parse("[\"\xEF\xBF\xBD\"]").items()[0].asString().data(), '\xEF')
      << "U+FFFD itself is a valid character";
}

TEST(SdkJson, DeepNestingIsRefusedInsteadOfOverflowingTheStack) {
  EXPECT_THROW(json::parse(std::string(100000, '[')), json::ParseError);
  EXPECT_NO_THROW(json::parse(std::string(100, '[') + std::string(100, ']')));
}

TEST(SdkJson, HugeNumbersStayNumbersAndAreWrittenAsNull) {
  json::Value v = json::parse("[1e400,-1e400,123456789012345678901234567890]");
  EXPECT_TRUE(v.items()[0].isNumber());
  EXPECT_EQ(v.dump(), "[null,null,1.2345678901234568e+29]");
  EXPECT_FALSE(json::parse(R"({"n":1e300})").getInteger("n"));
}

TEST(SdkJson, QuotedTextIsAlwaysValidJson) {
  std::string raw = "q\"b\\s\n\r\t\b\f\x01\x1f\x7f \xff \xe2\x82\xac \xed\xa0\x80";
  std::string q = json::quoted(raw);
  EXPECT_EQ(q, "\"q\\\"b\\\\s\\n\\r\\t\\b\\f\\u0001\\u001f\x7f \xEF\xBF\xBD \xe2\x82\xac "
               "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_NO_THROW(json::parse(q));
}

TEST(SdkJson, TryParseGivesNothingInsteadOfThrowing) {
  EXPECT_FALSE(json::tryParse("{"));
  EXPECT_TRUE(json::tryParse("\"ok\"")->isString());
}
