// The excerpt of a task's text or answer that log lines carry (log/TaskText.hpp).
#include "log/TaskText.hpp"

#include <gtest/gtest.h>

#include <string>

using rivet::log::excerpt;

TEST(TaskTextExcerpt, ShortTextIsKeptWholeWithoutEllipsis) {
  EXPECT_EQ(excerpt(""), "");
  EXPECT_EQ(excerpt(std::string(100, 'a')), std::string(100, 'a'));
}

TEST(TaskTextExcerpt, LongTextIsCutAfter100CharactersWithEllipsis) {
  EXPECT_EQ(excerpt(std::string(100, 'a') + "SECRET"), std::string(100, 'a') + "...");
}

TEST(TaskTextExcerpt, CountsCharactersNotBytesAndNeverCutsOneInHalf) {
  std::string euros;
  for (int i = 0; i < 101; ++i)
    euros += "\xE2\x82\xAC"; // U+20AC, three bytes
  std::string expected;
  for (int i = 0; i < 100; ++i)
    expected += "\xE2\x82\xAC";
  EXPECT_EQ(excerpt(euros), expected + "...");
}

TEST(TaskTextExcerpt, InvalidUtf8IsCutWithoutReadingPastTheEnd) {
  // Continuation bytes only: no character starts, nothing is counted, nothing is cut.
  std::string junk(300, '\x80');
  EXPECT_EQ(excerpt(junk), junk);
  std::string truncated = std::string(100, 'a') + "\xE2\x82"; // a character cut short at the end
  EXPECT_EQ(excerpt(truncated), std::string(100, 'a') + "...");
}
