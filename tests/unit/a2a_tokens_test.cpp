// a2a.tokens_file (docs/a2a.md "Bearer tokens"): the line format and its errors with line
// numbers, hostile files (group-writable, FIFO, directory, too large, missing), constant lookups
// by token, agent scopes, and a reload that keeps the old tokens when the new file is bad.
#include "a2a/A2aTokens.hpp"
#include "util/Sha256.hpp"

#include "TestSupport.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

using namespace rivet::a2a;
using rivet::test::TempDir;
using rivet::test::writeFile;

namespace {

std::string hashLine(const std::string& token) {
  return "sha256:" + rivet::util::sha256Hex(token);
}

std::string errorOf(const std::string& text) {
  try {
    parseTokens(text, "tokens");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

std::string fileError(const std::string& path) {
  try {
    readTokensFile(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(A2aTokens, ReadsNamesScopesAndHashesSkippingCommentsAndBlankLines) {
  auto t = parseTokens("# who agents hash\n\nalice echo,far " + hashLine("a") + "\r\n  ops  *\t" +
                           hashLine("b") + "\n",
                       "tokens");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].name, "alice");
  EXPECT_TRUE(t[0].reaches("echo"));
  EXPECT_TRUE(t[0].reaches("far"));
  EXPECT_FALSE(t[0].reaches("opus"));
  EXPECT_TRUE(t[1].reaches("anything"));
}

TEST(A2aTokens, EachFaultNamesItsLine) {
  EXPECT_NE(errorOf("alice echo").find("tokens line 1: expected 3 fields, found 2"),
            std::string::npos);
  EXPECT_NE(errorOf("\nal:ice * " + hashLine("a")).find("line 2: the name"), std::string::npos);
  EXPECT_NE(errorOf("alice echo,,far " + hashLine("a")).find("is not `*` or a comma list"),
            std::string::npos);
  EXPECT_NE(errorOf("alice * secret-token-in-clear").find("the token itself never goes"),
            std::string::npos);
  std::string bad = hashLine("a");
  bad[10] = 'z';
  EXPECT_NE(errorOf("alice * " + bad).find("not a hex digit"), std::string::npos);
  EXPECT_NE(errorOf("a * " + hashLine("x") + "\na * " + hashLine("y"))
                .find("line 2: the name a is "
                      "given twice"),
            std::string::npos);
  EXPECT_NE(
      errorOf("a * " + hashLine("x") + "\nb * " + hashLine("x")).find("is the token of a too"),
      std::string::npos);
  EXPECT_NE(errorOf(std::string(65, 'n') + " * " + hashLine("x")).find("1 to 64"),
            std::string::npos);
}

TEST(A2aTokens, ATableFindsATokenByItsHashOnly) {
  TempDir dir;
  const std::string path = dir.file("tokens");
  writeFile(path, "alice echo " + hashLine("alice-token") + "\n");
  ::chmod(path.c_str(), 0600);
  TokenTable table(path);
  auto found = table.find("alice-token");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "alice");
  EXPECT_FALSE(table.find("alice-token "));
  EXPECT_FALSE(table.find(""));
  EXPECT_FALSE(table.find(hashLine("alice-token"))); // the hash is not the token
}

TEST(A2aTokens, HostileFilesAreRefusedWithWhatToDo) {
  TempDir dir;
  const std::string path = dir.file("tokens");
  writeFile(path, "alice * " + hashLine("a") + "\n");
  ::chmod(path.c_str(), 0620);
  EXPECT_NE(fileError(path).find("may be written by its group or by others (mode 620)"),
            std::string::npos)
      << fileError(path);
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(fileError(path), "(no error)"); // hashes only: others may read it
  EXPECT_NE(fileError(dir.file("missing")).find("does not exist"), std::string::npos);
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(fileError(fifo).find("is a FIFO, not a regular file"), std::string::npos)
      << fileError(fifo);
  EXPECT_NE(fileError(dir.path()).find("a directory"), std::string::npos);
  const std::string big = dir.file("big");
  writeFile(big, std::string((1 << 20) + 1, '#'));
  ::chmod(big.c_str(), 0600);
  EXPECT_NE(fileError(big).find("larger than 1 MiB"), std::string::npos);
}

TEST(A2aTokens, AReloadThatFailsKeepsTheTokensInForce) {
  TempDir dir;
  const std::string path = dir.file("tokens");
  writeFile(path, "alice * " + hashLine("a") + "\n");
  ::chmod(path.c_str(), 0600);
  TokenTable table(path);
  writeFile(path, "alice * broken\n");
  std::string error;
  EXPECT_FALSE(table.reload(error));
  EXPECT_NE(error.find("line 1"), std::string::npos);
  EXPECT_TRUE(table.find("a"));
  writeFile(path, "bob * " + hashLine("b") + "\n");
  EXPECT_TRUE(table.reload(error));
  EXPECT_FALSE(table.find("a"));
  EXPECT_EQ(table.find("b")->name, "bob");
}

} // namespace
