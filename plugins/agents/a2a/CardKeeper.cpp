// Card fetches: GET card_url with A2A-Version 1.0, at most 256 KiB, parsed by AgentCard; every
// outcome that changes something is logged once, with the URL and what to do.
#include "CardKeeper.hpp"

namespace rivet::a2a {

using Clock = std::chrono::steady_clock;

CardKeeper::CardKeeper(const sdk::Host& host, const RemoteHttp& http, const Poco::URI& cardUrl,
                       bool allowHttp, std::chrono::seconds refresh)
    : host_(host), http_(http), cardUrl_(cardUrl), allowHttp_(allowHttp), refresh_(refresh) {}

CardKeeper::~CardKeeper() {
  stop();
}

void CardKeeper::start() {
  std::string why;
  (void)fetch(
      llm::Budget(kFetchBudget, "card fetch"), [this] { return stopping(); }, why);
  thread_ = std::thread([this] { loop(); });
}

bool CardKeeper::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void CardKeeper::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

std::optional<AgentCard> CardKeeper::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return card_;
}

void CardKeeper::refreshSoon() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    soon_ = true;
  }
  wake_.notify_all();
}

std::optional<AgentCard> CardKeeper::forTask(const llm::Budget& budget,
                                             const std::function<bool()>& cancelled,
                                             std::string& why) {
  if (auto card = current())
    return card;
  if (!fetch(budget, cancelled, why))
    return std::nullopt;
  return current();
}

void CardKeeper::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    const auto due = lastFetch_ + (soon_ ? std::chrono::duration_cast<Clock::duration>(kMinSpacing)
                                         : std::chrono::duration_cast<Clock::duration>(refresh_));
    if (Clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    soon_ = false;
    lock.unlock();
    std::string why;
    (void)fetch(
        llm::Budget(kFetchBudget, "card fetch"), [this] { return stopping(); }, why);
    lock.lock();
  }
}

bool CardKeeper::fetch(const llm::Budget& budget, const std::function<bool()>& cancelled,
                       std::string& why) {
  std::lock_guard<std::mutex> one(fetching_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    lastFetch_ = Clock::now();
  }
  const std::string agent = "agent " + host_.instanceName();
  std::optional<AgentCard> fresh;
  llm::PostOutcome got =
      http_.get(cardUrl_, {{"A2A-Version", "1.0"}}, AgentCard::kMaxBytes, budget, cancelled);
  if (!got.answer) {
    why = got.failure.text;
  } else if (got.answer->status != 200) {
    why = "the Agent Card at " + cardUrl_.toString() + " answered HTTP " +
          std::to_string(got.answer->status) + " " + got.answer->reason;
  } else {
    try {
      fresh = AgentCard::parse(got.answer->body, cardUrl_, allowHttp_);
    } catch (const CardError& e) {
      why = e.what();
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (!fresh) {
    if (why != lastError_) // once per distinct reason, not every refresh
      host_.warn(agent + ": could not load the Agent Card from " + cardUrl_.toString() + ": " +
                 why +
                 (card_ ? "; keeping the card loaded before (" + card_->summary() + ")"
                        : "; its tasks fail until the card loads") +
                 "; check that the remote agent is up and card_url is right (retried every " +
                 std::to_string(refresh_.count()) + " s and after a failed task)");
    lastError_ = why;
    return false;
  }
  if (!lastError_.empty() && card_)
    host_.info(agent + ": the Agent Card at " + cardUrl_.toString() + " loads again");
  lastError_.clear();
  if (!card_)
    host_.info(agent + " sends tasks to the A2A agent " + fresh->summary() +
               (fresh->description.empty() ? "" : ": " + fresh->description));
  else if (!card_->sameUse(*fresh))
    host_.info(agent + ": the Agent Card at " + cardUrl_.toString() + " changed, now " +
               fresh->summary() + "; used from the next task on");
  card_ = std::move(fresh);
  return true;
}

} // namespace rivet::a2a
