// The provider HTTP client: deadlines on connect, send, first byte and every read; the host's
// cancellation seen within 100 ms (a watching thread ends a blocked read); every failure named with
// the URL and what to try next.
#include "HttpJsonClient.hpp"

#include "CancelWatch.hpp"
#include "SigpipeBlock.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/String.h>

#include <istream>
#include <ostream>

namespace rivet::llm {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kPollSlice{100}; // how often cancellation is checked while waiting

enum class Wait { Ready, Cancelled, TimedOut };

[[noreturn]] void rethrowBroken(const Poco::Net::HTTPClientSession& session, const char* what) {
  if (const Poco::Exception* e = session.networkException())
    e->rethrow();
  throw Poco::IOException(what);
}

// Reads the body as it arrives, giving each piece to `sink`; every read is bounded by what is
// left of the budget (and ended by the CancelWatch when the host cancels).
Wait readBody(Poco::Net::HTTPClientSession& session, std::istream& in, const Budget& budget,
              const std::function<bool()>& cancelled, const HttpJsonClient::BodySink& sink) {
  char buf[16384];
  while (true) {
    if (cancelled())
      return Wait::Cancelled;
    if (budget.passed())
      return Wait::TimedOut;
    session.socket().setReceiveTimeout(budget.leftSpan());
    if (in.peek() == std::char_traits<char>::eof()) {
      if (in.bad())
        rethrowBroken(session, "the answer broke off");
      return Wait::Ready;
    }
    sink(buf, static_cast<size_t>(in.readsome(buf, sizeof buf)));
  }
}

bool isEventStream(const std::string& contentType) {
  return Poco::icompare(contentType.substr(0, contentType.find(';')), "text/event-stream") == 0;
}

} // namespace

std::string HttpAnswer::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (Poco::icompare(key, name) == 0)
      return value;
  return "";
}

HttpJsonClient::HttpJsonClient(const std::string& baseUrl, const std::string& path,
                               const std::string& caPath, std::string userAgent)
    : baseUrl_(baseUrl), caPath_(caPath), userAgent_(std::move(userAgent)), uri_(baseUrl) {
  Poco::URI endpoint(uri_);
  endpoint.setPath(uri_.getPath() + path);
  target_ = endpoint.getPathAndQuery();
  endpoint_ = endpoint.toString();
  if (uri_.getScheme() != "https")
    return;
  Poco::Net::Context::Params p;
  p.verificationMode = Poco::Net::Context::VERIFY_STRICT; // also checks the host name
  p.verificationDepth = 9;
  p.loadDefaultCAs = caPath_.empty();
  p.caLocation = caPath_;
  p.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  try {
    tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, p);
    tls_->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  } catch (const Poco::Exception& e) {
    throw sdk::PluginError((caPath_.empty() ? "the system's trusted CAs" : "ca_path " + caPath_) +
                           " could not be loaded for " + baseUrl_ + ": " + e.displayText() +
                           "; point ca_path at a PEM CA bundle or a folder of CA certificates");
  }
}

// What to try next after a TLS failure, from OpenSSL's reason.
std::string HttpJsonClient::tlsHint(const std::string& error) const {
  if (error.find("wrong version number") != std::string::npos)
    return "; the server may speak plain HTTP: then write base_url with http://";
  if (error.find("ertificate") == std::string::npos)
    return "";
  if (caPath_.empty())
    return "; if the server's certificate is not from a public CA, set ca_path to its CA";
  return "; check that the server's certificate chains to ca_path " + caPath_ +
         " and names the host of base_url";
}

std::unique_ptr<Poco::Net::HTTPClientSession> HttpJsonClient::openSession() const {
  if (tls_)
    return std::make_unique<Poco::Net::HTTPSClientSession>(uri_.getHost(), uri_.getPort(), tls_);
  return std::make_unique<Poco::Net::HTTPClientSession>(uri_.getHost(), uri_.getPort());
}

sdk::TaskResult HttpJsonClient::cancelledResult() const {
  return sdk::TaskResult::failed("cancelled by the host while waiting for " + endpoint_);
}

PostOutcome HttpJsonClient::post(const std::string& body, const Headers& headers,
                                 const Budget& budget, const std::function<bool()>& cancelled,
                                 const BodySink* stream) const {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  CancelWatch watch(cancelled, kPollSlice); // declared after session: stops before it closes
  // What ends the request; "cancelled" whenever the watch cut the connection short.
  auto fail = [&](sdk::TaskResult r) {
    return PostOutcome{std::nullopt, watch.fired() ? cancelledResult() : std::move(r)};
  };
  bool streaming = false; // a stream began: its events are already being read
  auto timedOut = [&] {
    return fail(sdk::TaskResult::timeout(
        (streaming ? "the stream from " + endpoint_ + " had not ended after "
                   : "no answer from " + endpoint_ + " within ") +
        budget.describe()));
  };
  if (cancelled())
    return fail(cancelledResult());
  if (budget.passed())
    return timedOut();

  const SigpipeBlock noSigpipe;
  bool sent = false;
  try {
    session = openSession();
    session->setKeepAlive(false);
    session->setTimeout(budget.leftSpan());

    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, target_,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.set("Accept", stream ? "text/event-stream, application/json" : "application/json");
    req.set("User-Agent", userAgent_);
    for (const auto& [name, value] : headers)
      req.set(name, value);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    std::ostream& out = session->sendRequest(req);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
    if (!out.good())
      rethrowBroken(*session, "the request could not be sent");
    sent = true;
    watch.start(session->socket()); // an LLM may think for minutes before its first byte

    session->socket().setReceiveTimeout(budget.leftSpan());
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    HttpAnswer answer;
    answer.status = static_cast<int>(response.getStatus());
    answer.reason = response.getReason();
    for (const auto& [name, value] : response)
      answer.headers.emplace_back(name, value);
    // A stream only for a 2xx that is one: errors and servers that ignore "stream" send JSON.
    answer.streamed = stream && answer.status >= 200 && answer.status < 300 &&
                      isEventStream(response.getContentType());
    streaming = answer.streamed;
    BodySink whole = [&answer](const char* data, size_t size) {
      answer.body.append(data, size);
      if (answer.body.size() > kMaxAnswerBytes)
        throw Poco::DataFormatException("the answer is larger than 16 MiB");
    };
    Wait wait = readBody(*session, in, budget, cancelled, answer.streamed ? *stream : whole);
    if (wait == Wait::Ready && !watch.fired())
      return {std::move(answer), {}};
    return wait == Wait::TimedOut ? timedOut() : fail(cancelledResult());
  } catch (const Poco::TimeoutException&) {
    return timedOut();
  } catch (const Poco::DataFormatException& e) {
    return fail(
        sdk::TaskResult::failed("the answer from " + endpoint_ + " was refused: " + e.message()));
  } catch (const Poco::Net::SSLException& e) {
    return fail(sdk::TaskResult::failed("TLS with " + endpoint_ + " failed: " + e.displayText() +
                                        tlsHint(e.displayText())));
  } catch (const Poco::Exception& e) {
    if (sent)
      return fail(
          sdk::TaskResult::failed("lost the connection to " + endpoint_ + ": " + e.displayText()));
    return fail(sdk::TaskResult::failed("could not reach " + endpoint_ + ": " + e.displayText() +
                                        "; is the server running, and is base_url right?"));
  }
}

} // namespace rivet::llm
