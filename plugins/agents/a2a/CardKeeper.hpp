// The remote agent's Agent Card, kept fresh: fetched at start, again every card_refresh_s by a
// background thread (and soon after a failed call), bounded in size and time. A card that fails
// to load keeps the last good one and the log says why; a changed card is used from the next
// task on (each task copies the card it starts with).
#pragma once

#include "AgentCard.hpp"
#include "Budget.hpp"
#include "RemoteHttp.hpp"

#include <rivet/sdk/plugin.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace rivet::a2a {

class CardKeeper {
public:
  /// How long one fetch may take (at start, in the background).
  static constexpr std::chrono::milliseconds kFetchBudget{10000};
  /// Fetches after a failed call come at most this often.
  static constexpr std::chrono::milliseconds kMinSpacing{2000};

  CardKeeper(const sdk::Host& host, const RemoteHttp& http, const Poco::URI& cardUrl,
             bool allowHttp, std::chrono::seconds refresh);
  ~CardKeeper();
  CardKeeper(const CardKeeper&) = delete;
  CardKeeper& operator=(const CardKeeper&) = delete;

  /// The first fetch (its failure is logged, not fatal), then the refreshing thread.
  void start();
  void stop();

  /// The card for a new task; without one yet, a fetch now within `budget`. nullopt and the
  /// reason in `why` when there is none.
  std::optional<AgentCard> forTask(const llm::Budget& budget,
                                   const std::function<bool()>& cancelled, std::string& why);
  std::optional<AgentCard> current() const;
  /// A call failed: the card may have changed (a new endpoint); fetch it again soon.
  void refreshSoon();

private:
  bool fetch(const llm::Budget& budget, const std::function<bool()>& cancelled, std::string& why);
  void loop();
  bool stopping() const;

  const sdk::Host& host_;
  const RemoteHttp& http_;
  Poco::URI cardUrl_;
  bool allowHttp_;
  std::chrono::seconds refresh_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<AgentCard> card_;
  std::string lastError_;
  std::chrono::steady_clock::time_point lastFetch_{};
  bool soon_ = false;
  bool stopping_ = false;
  std::mutex fetching_; // one fetch at a time
  std::thread thread_;
};

} // namespace rivet::a2a
