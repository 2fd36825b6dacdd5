// The real `rivetctl ca` binary: init, issue, show, revoke and crl, their output (one path per
// file written), exit codes 0/1/2, one-line errors, and certificates `openssl verify` accepts.
#include "TestSupport.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <sys/stat.h>

#include <gtest/gtest.h>

using namespace rivet::test;

namespace {

using Strings = std::vector<std::string>;

size_t lineCount(const std::string& text) {
  size_t n = 0;
  for (char c : text)
    n += c == '\n' ? 1 : 0;
  return n;
}

class CaCommand : public ::testing::Test {
protected:
  // rivetctl ca <args> --dir <tmp>/ca --root-dir <tmp>/root
  RunResult ca(Strings args) {
    Strings argv = {binPath("rivetctl"), "ca"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--dir", dir_, "--root-dir", root_});
    return run(argv);
  }

  RunResult openssl(const Strings& args) {
    Strings argv = {"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }

  void init() {
    auto r = ca({"init"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }

  TempDir tmp_;
  std::string dir_ = tmp_.file("rivet-ca");
  std::string root_ = tmp_.file("root");
};

} // namespace

TEST_F(CaCommand, InitPrintsEveryFileItWrote) {
  auto r = ca({"init"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, root_ + "/ca.key\n" + root_ + "/ca.crt\n" + dir_ +
                       "/intermediate/private/intermediate.key\n" + dir_ +
                       "/intermediate/intermediate.crt\n" + dir_ + "/intermediate/ca-chain.pem\n" +
                       dir_ + "/intermediate/chain.pem\n" + dir_ + "/crl.pem\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CaCommand, IssuedNodeCertificateVerifiesAgainstTheChain) {
  init();
  auto r = ca({"issue", "n", "--ip", "127.0.0.1", "--dns", "n.local"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, dir_ + "/issued/n.crt\n" + dir_ + "/issued/n.key\n");
  auto v =
      openssl({"verify", "-CAfile", dir_ + "/intermediate/ca-chain.pem", dir_ + "/issued/n.crt"});
  EXPECT_EQ(v.exitCode, 0) << v.err;
  EXPECT_EQ(v.out, dir_ + "/issued/n.crt: OK\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/issued/n.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(CaCommand, ShowPrintsNamesUsagesDatesAndSerial) {
  init();
  ASSERT_EQ(ca({"issue", "n", "--ip", "10.0.0.5", "--days", "30"}).exitCode, 0);
  auto r = ca({"show", dir_ + "/issued/n.crt"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "subject:     O=Rivet Collective, CN=n\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "issuer:      O=Rivet Collective, CN=Rivet Intermediate CA\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "SANs:        DNS:n.mesh, IP:10.0.0.5\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "EKU:         serverAuth, clientAuth\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "key:         EC P-256\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "UTC (29 days left)") || contains(r.out, "UTC (30 days left)"))
      << r.out;
  auto serial = openssl({"x509", "-in", dir_ + "/issued/n.crt", "-noout", "-serial"});
  EXPECT_TRUE(contains(r.out, "serial:      " + serial.out.substr(7))) << r.out << serial.out;
}

TEST_F(CaCommand, RsaAndAgentOptions) {
  init();
  ASSERT_EQ(ca({"issue", "n", "--rsa"}).exitCode, 0);
  EXPECT_TRUE(contains(ca({"show", dir_ + "/issued/n.crt"}).out, "key:         RSA 2048"));
  auto r = ca({"issue", "n", "--agent", "opus"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, dir_ + "/issued/opus@n.crt\n" + dir_ + "/issued/opus@n.key\n");
  auto show = ca({"show", dir_ + "/issued/opus@n.crt"});
  EXPECT_TRUE(contains(show.out, "CN=opus@n\n")) << show.out;
  EXPECT_TRUE(contains(show.out, "EKU:         clientAuth\n")) << show.out;
}

TEST_F(CaCommand, RevokeAndCrlListTheSerial) {
  init();
  ASSERT_EQ(ca({"issue", "bad"}).exitCode, 0);
  auto revoke = ca({"revoke", "bad"});
  ASSERT_EQ(revoke.exitCode, 0) << revoke.err;
  EXPECT_EQ(revoke.out, dir_ + "/crl.pem\n");
  auto crl = ca({"crl"});
  ASSERT_EQ(crl.exitCode, 0) << crl.err;
  EXPECT_EQ(crl.out, dir_ + "/crl.pem\n");
  auto serial = openssl({"x509", "-in", dir_ + "/issued/bad.crt", "-noout", "-serial"});
  auto text = openssl({"crl", "-in", dir_ + "/crl.pem", "-noout", "-text"});
  EXPECT_TRUE(contains(text.out, "Serial Number: " + serial.out.substr(7))) << text.out;
  auto v = openssl({"verify", "-crl_check", "-CRLfile", dir_ + "/crl.pem", "-CAfile",
                    dir_ + "/intermediate/ca-chain.pem", dir_ + "/issued/bad.crt"});
  EXPECT_NE(v.exitCode, 0);
  EXPECT_TRUE(contains(v.out + v.err, "certificate revoked")) << v.out << v.err;
}

TEST_F(CaCommand, ParallelIssuesFromSeveralProcessesAreAllRevocable) {
  init();
  std::vector<std::unique_ptr<Process>> issuers;
  for (int i = 0; i < 4; ++i)
    issuers.push_back(std::make_unique<Process>(
        Strings{binPath("rivetctl"), "ca", "issue", "p" + std::to_string(i), "--dir", dir_}));
  for (auto& p : issuers)
    EXPECT_EQ(p->wait(std::chrono::seconds(30)), 0) << p->output();
  for (int i = 0; i < 4; ++i) {
    auto r = ca({"revoke", "p" + std::to_string(i)});
    EXPECT_EQ(r.exitCode, 0) << r.err;
  }
}

TEST_F(CaCommand, SecondInitFailsWithOneLineNamingTheFile) {
  init();
  auto r = ca({"init"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(lineCount(r.err), 1u) << r.err;
  EXPECT_TRUE(contains(r.err, "rivetctl: a CA already exists: " + root_ + "/ca.key")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CaCommand, IssueWithoutACaSaysToRunInit) {
  auto r = ca({"issue", "n"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(lineCount(r.err), 1u) << r.err;
  EXPECT_TRUE(contains(r.err, dir_ + "/intermediate/intermediate.crt is missing")) << r.err;
  EXPECT_TRUE(contains(r.err, "run `rivetctl ca init`")) << r.err;
}

TEST_F(CaCommand, IssueNeedsOnlyTheIntermediateNotTheRootKey) {
  init();
  auto r = run({binPath("rivetctl"), "ca", "issue", "n", "--dir", dir_, "--root-dir",
                tmp_.file("no-such-root")});
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST_F(CaCommand, BadInputFailsWithOneLineThatSaysWhatToDo) {
  init();
  auto badIp = ca({"issue", "n", "--ip", "not-an-ip"});
  EXPECT_EQ(badIp.exitCode, 1);
  EXPECT_EQ(badIp.err, "rivetctl: invalid IP address 'not-an-ip' for the certificate: give an "
                       "IPv4 or IPv6 address, as in 10.0.0.5\n");
  auto unknown = ca({"revoke", "ghost"});
  EXPECT_EQ(unknown.exitCode, 1);
  EXPECT_EQ(lineCount(unknown.err), 1u) << unknown.err;
  EXPECT_TRUE(contains(unknown.err, "no certificate named 'ghost'")) << unknown.err;
  auto missing = ca({"show", tmp_.file("none.crt")});
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_TRUE(contains(missing.err, tmp_.file("none.crt") + " is not readable")) << missing.err;
}

TEST_F(CaCommand, UsageErrorsExitTwoWithAUsageLine) {
  for (const Strings& args : std::vector<Strings>{{"issue"},
                                                  {"issue", "n", "--days", "zero"},
                                                  {"issue", "n", "--frobnicate"},
                                                  {"init", "extra"},
                                                  {"revoke"},
                                                  {"init", "--ip", "1.2.3.4"},
                                                  {"issue", "n", "--dns"}}) {
    auto r = ca(args);
    EXPECT_EQ(r.exitCode, 2) << args[0];
    EXPECT_TRUE(contains(r.err, "rivetctl: ")) << r.err;
    EXPECT_TRUE(contains(r.err, "\nusage: rivetctl ca " + args[0])) << r.err;
  }
  auto unknown = run({binPath("rivetctl"), "ca", "frobnicate"});
  EXPECT_EQ(unknown.exitCode, 2);
  EXPECT_TRUE(contains(unknown.err, "unknown ca command 'frobnicate'")) << unknown.err;
  auto bare = run({binPath("rivetctl"), "ca"});
  EXPECT_EQ(bare.exitCode, 2);
  EXPECT_TRUE(contains(bare.err, "usage: rivetctl ca init")) << bare.err;
}

TEST_F(CaCommand, HelpListsEverySubcommand) {
  auto r = run({binPath("rivetctl"), "ca", "--help"});
  EXPECT_EQ(r.exitCode, 0);
  for (const char* sub : {"init", "issue", "revoke", "crl", "show"})
    EXPECT_TRUE(contains(r.out, std::string("rivetctl ca ") + sub)) << r.out;
  EXPECT_TRUE(contains(run({binPath("rivetctl"), "--help"}).out, "ca COMMAND"));
}

// `rivetctl ca COMMAND --help`, like every other command's: usage, what it does, each option of
// the usage line described on a line of its own, and the exit codes, on stdout.
TEST_F(CaCommand, EachSubcommandHasItsOwnHelp) {
  const std::map<std::string, std::vector<std::string>> options = {
      {"init", {"--dir DIR", "--root-dir DIR"}},
      {"issue", {"--ip ADDR", "--dns NAME", "--days N", "--rsa", "--agent AGENT", "--dir DIR"}},
      {"revoke", {"--dir DIR"}},
      {"crl", {"--dir DIR"}},
      {"show", {}},
      {"list", {"--json", "--dir DIR"}},
  };
  for (const auto& [sub, opts] : options) {
    auto r = run({binPath("rivetctl"), "ca", sub, "--help"});
    EXPECT_EQ(r.exitCode, 0) << sub;
    EXPECT_EQ(r.err, "") << sub;
    EXPECT_EQ(r.out.rfind("usage: rivetctl ca " + sub, 0), 0u) << r.out;
    EXPECT_TRUE(contains(r.out, "\noptions:\n")) << r.out;
    for (const auto& o : opts)
      EXPECT_TRUE(contains(r.out, "\n  " + o + " ")) << sub << " lacks " << o << ":\n" << r.out;
    EXPECT_TRUE(contains(r.out, "\n  --help ")) << r.out;
    EXPECT_TRUE(contains(r.out, "\nexit status: 0 ")) << r.out;
    EXPECT_TRUE(contains(r.out, "2 usage error")) << r.out;
    // More than the usage line: a paragraph on what it does.
    EXPECT_GT(std::count(r.out.begin(), r.out.end(), '\n'), 8) << r.out;
  }
}
