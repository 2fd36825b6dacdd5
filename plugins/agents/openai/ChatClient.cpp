// Chat-completions over Poco's HTTP client: a session per call, a deadline for every blocking
// step, cancellation polled while the provider thinks, and every failure named with the URL.
#include "ChatClient.hpp"

#include "SigpipeBlock.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>

#include <algorithm>
#include <istream>
#include <ostream>

namespace rivet::openai {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxAnswerBytes = 16 * 1024 * 1024;
constexpr milliseconds kPollSlice{100}; // how often cancellation is checked while waiting

class Deadline {
public:
  explicit Deadline(milliseconds budget) : end_(Clock::now() + budget) {}
  bool passed() const { return Clock::now() >= end_; }
  /// What is left, at least 1 ms: Poco reads a zero timeout as "wait forever".
  Poco::Timespan left(milliseconds cap = milliseconds::max()) const {
    auto ms = std::chrono::duration_cast<milliseconds>(end_ - Clock::now());
    ms = std::clamp(ms, milliseconds(1), cap);
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
  }

private:
  Clock::time_point end_;
};

enum class Wait { Ready, Cancelled, TimedOut };

[[noreturn]] void rethrowBroken(const Poco::Net::HTTPClientSession& session, const char* what) {
  if (const Poco::Exception* e = session.networkException())
    e->rethrow();
  throw Poco::IOException(what);
}

// Waits for the first byte of the answer (an LLM may think for minutes) in short slices, so
// that the host's cancellation is seen without waiting for the whole deadline.
Wait waitForAnswer(Poco::Net::HTTPClientSession& session, const Deadline& deadline,
                   const std::function<bool()>& cancelled) {
  while (true) {
    if (cancelled())
      return Wait::Cancelled;
    if (deadline.passed())
      return Wait::TimedOut;
    if (session.socket().poll(deadline.left(kPollSlice),
                              Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR))
      return Wait::Ready;
  }
}

// Reads the body one socket read at a time, each bounded by what is left of the deadline.
Wait readBody(Poco::Net::HTTPClientSession& session, std::istream& in, const Deadline& deadline,
              const std::function<bool()>& cancelled, std::string& body) {
  char buf[16384];
  while (true) {
    if (cancelled())
      return Wait::Cancelled;
    if (deadline.passed())
      return Wait::TimedOut;
    session.socket().setReceiveTimeout(deadline.left());
    if (in.peek() == std::char_traits<char>::eof()) {
      if (in.bad())
        rethrowBroken(session, "the answer broke off");
      return Wait::Ready;
    }
    body.append(buf, static_cast<size_t>(in.readsome(buf, sizeof buf)));
    if (body.size() > kMaxAnswerBytes)
      throw Poco::DataFormatException("the answer is larger than 16 MiB");
  }
}

} // namespace

ChatClient::ChatClient(const OpenAiSettings& settings)
    : settings_(settings), uri_(settings.baseUrl) {
  Poco::URI endpoint(uri_);
  endpoint.setPath(uri_.getPath() + "/chat/completions");
  target_ = endpoint.getPathAndQuery();
  endpoint_ = endpoint.toString();
  if (!settings_.https())
    return;
  Poco::Net::Context::Params p;
  p.verificationMode = Poco::Net::Context::VERIFY_STRICT; // also checks the host name
  p.verificationDepth = 9;
  p.loadDefaultCAs = settings_.caPath.empty();
  p.caLocation = settings_.caPath;
  p.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  try {
    tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, p);
    tls_->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  } catch (const Poco::Exception& e) {
    throw sdk::PluginError(
        (settings_.caPath.empty() ? "the system's trusted CAs" : "ca_path " + settings_.caPath) +
        " could not be loaded for " + settings_.baseUrl + ": " + e.displayText() +
        "; point ca_path at a PEM CA bundle or a folder of CA certificates");
  }
}

// What to try next after a TLS failure, from OpenSSL's reason.
std::string ChatClient::tlsHint(const std::string& error) const {
  if (error.find("wrong version number") != std::string::npos)
    return "; the server may speak plain HTTP: then write base_url with http://";
  if (error.find("ertificate") == std::string::npos)
    return "";
  if (settings_.caPath.empty())
    return "; if the server's certificate is not from a public CA, set ca_path to its CA";
  return "; check that the server's certificate chains to ca_path " + settings_.caPath +
         " and names the host of base_url";
}

std::unique_ptr<Poco::Net::HTTPClientSession> ChatClient::openSession() const {
  if (tls_)
    return std::make_unique<Poco::Net::HTTPSClientSession>(uri_.getHost(), uri_.getPort(), tls_);
  return std::make_unique<Poco::Net::HTTPClientSession>(uri_.getHost(), uri_.getPort());
}

sdk::TaskResult ChatClient::complete(const ChatRequest& request, milliseconds budget,
                                     const std::string& budgetSource,
                                     const std::function<bool()>& cancelled) const {
  auto timedOut = [&] {
    return sdk::TaskResult::timeout("no answer from " + endpoint_ + " within " +
                                    std::to_string(budget.count()) + " ms (" + budgetSource + ")");
  };
  auto wasCancelled = [&] {
    return sdk::TaskResult::failed("cancelled by the host while waiting for " + endpoint_);
  };
  if (cancelled())
    return wasCancelled();

  const std::string body = encodeChatRequest(request);
  const Deadline deadline(budget);
  const SigpipeBlock noSigpipe;
  bool sent = false;
  try {
    auto session = openSession();
    session->setKeepAlive(false);
    session->setTimeout(deadline.left());

    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, target_,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.set("Accept", "application/json");
    req.set("User-Agent", "rivet-mesh-openai/1.0");
    if (!settings_.apiKey.empty())
      req.setCredentials("Bearer", settings_.apiKey);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    std::ostream& out = session->sendRequest(req);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
    if (!out.good())
      rethrowBroken(*session, "the request could not be sent");
    sent = true;

    Wait wait = waitForAnswer(*session, deadline, cancelled);
    if (wait == Wait::Ready) {
      session->socket().setReceiveTimeout(deadline.left());
      Poco::Net::HTTPResponse response;
      std::istream& in = session->receiveResponse(response);
      std::string answer;
      wait = readBody(*session, in, deadline, cancelled, answer);
      if (wait == Wait::Ready) {
        const std::string prefix = "provider " + settings_.baseUrl + " answered HTTP " +
                                   std::to_string(static_cast<int>(response.getStatus()));
        if (response.getStatus() < 200 || response.getStatus() >= 300)
          return sdk::TaskResult::failed(
              prefix + ": " + providerErrorText(answer, response.getReason() + " (empty body)"));
        ChatAnswer decoded = decodeChatAnswer(answer);
        if (!decoded.ok)
          return sdk::TaskResult::failed(prefix + " " + decoded.problem);
        return sdk::TaskResult::completed(std::move(decoded.content));
      }
    }
    return wait == Wait::Cancelled ? wasCancelled() : timedOut();
  } catch (const Poco::TimeoutException&) {
    return timedOut();
  } catch (const Poco::DataFormatException& e) {
    return sdk::TaskResult::failed("the answer from " + endpoint_ + " was refused: " + e.message());
  } catch (const Poco::Net::SSLException& e) {
    return sdk::TaskResult::failed("TLS with " + endpoint_ + " failed: " + e.displayText() +
                                   tlsHint(e.displayText()));
  } catch (const Poco::Exception& e) {
    if (sent)
      return sdk::TaskResult::failed("lost the connection to " + endpoint_ + ": " +
                                     e.displayText());
    return sdk::TaskResult::failed("could not reach " + endpoint_ + ": " + e.displayText() +
                                   "; is the server running, and is base_url right?");
  }
}

} // namespace rivet::openai
