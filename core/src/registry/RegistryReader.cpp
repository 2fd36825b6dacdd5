// A problem already reported is not retried or reported again, so a file that stays broken
// costs one read per call and one WARN in total; the next good read says it recovered.
#include "registry/RegistryReader.hpp"

#include "log/Log.hpp"
#include "registry/AtomicFile.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"

#include <chrono>
#include <optional>
#include <sys/stat.h>
#include <thread>

namespace rivet::registry {
namespace {

constexpr int kRetries = 3; // RivetOS rewrites in place: a torn read usually heals in ms
constexpr auto kRetryDelay = std::chrono::milliseconds(20);

// "inode:size:mtime" of the file, or "" when it cannot be stat'ed.
std::string fileIdentity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return "";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

} // namespace

struct RegistryReader::Attempt {
  std::optional<Registry> registry; // set when readable (empty when the file is missing)
  bool missing = false;
  std::optional<std::string> text; // what was read, valid or not
  std::string problem;             // otherwise: what is wrong, naming the file
  RegistryError::Kind kind = RegistryError::Kind::Invalid;
};

RegistryReader::RegistryReader(std::string path, int64_t maxBytes)
    : path_(std::move(path)), maxBytes_(maxBytes) {}

RegistryReader::Attempt RegistryReader::load() {
  Attempt a;
  for (int i = 0;; ++i) {
    try {
      a.text.reset();
      a.text = AtomicFile::read(path_, maxBytes_);
      if (!a.text) {
        a.registry.emplace();
        a.missing = true;
      } else {
        a.registry.emplace(RegistryFile::parse(*a.text, path_));
      }
      return a;
    } catch (const RegistryError& e) {
      if (e.kind() == RegistryError::Kind::Legacy)
        throw;
      a.problem = e.what();
      a.kind = e.kind();
    }
    bool reported;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      reported = a.problem == lastProblem_;
    }
    if (i == kRetries || reported || a.kind == RegistryError::Kind::Refused)
      return a; // a FIFO or a device does not heal in 20 ms: refused at once
    std::this_thread::sleep_for(kRetryDelay);
  }
}

std::shared_ptr<const Registry> RegistryReader::read() {
  // A file rewritten in place within one timestamp tick with the same size would look
  // unchanged, so a cached copy is also never older than a second.
  const std::string identity = fileIdentity(path_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ && !identity.empty() && identity == cachedIdentity_ &&
        std::chrono::steady_clock::now() - cachedAt_ < std::chrono::seconds(1))
      return cached_;
  }
  Attempt a = load();
  if (a.registry) {
    auto registry = std::make_shared<const Registry>(std::move(*a.registry));
    noteGood(a.missing ? nullptr : registry);
    std::lock_guard<std::mutex> lock(mutex_);
    cached_ = a.missing ? nullptr : registry;
    cachedIdentity_ = identity; // taken before the read: a change meanwhile reads again
    cachedAt_ = std::chrono::steady_clock::now();
    return registry;
  }
  std::shared_ptr<const Registry> fallback;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fallback = lastGood_;
  }
  std::string use = fallback ? "; using this node's last good copy (" +
                                   std::to_string(fallback->size()) + " nodes) meanwhile"
                             : "; no good copy was read before, so it reads as empty meanwhile";
  warnOnce(a.problem + use + ". If this lasts, restore the file or move it aside", a.problem);
  return fallback ? fallback : std::make_shared<const Registry>();
}

RegistryReader::ForUpdate RegistryReader::readForUpdate() {
  Attempt a = load();
  if (a.registry) {
    noteGood(nullptr);
    return {std::move(*a.registry), false, std::move(a.text), ""};
  }
  if (a.kind != RegistryError::Kind::Invalid && a.kind != RegistryError::Kind::Refused)
    throw RegistryError(a.kind, a.problem);
  std::shared_ptr<const Registry> good;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    good = lastGood_;
  }
  if (!good)
    throw RegistryError(RegistryError::Kind::NoGoodCopy,
                        a.problem +
                            "; not writing it: this node never read a good copy to rebuild it "
                            "from, and writing only its own entry would drop every other node. "
                            "Restore the file, or move it aside to start an empty registry");
  log::get("Mesh")->warn("{}; rewriting it from this node's last good copy ({} nodes) so that no "
                         "entry is lost",
                         a.problem, good->size());
  std::string refusal = a.kind == RegistryError::Kind::Refused ? a.problem : "";
  return {Registry(*good), true, std::move(a.text), std::move(refusal)};
}

bool RegistryReader::unchangedSince(const ForUpdate& read) const {
  try {
    return read.refusal.empty() && AtomicFile::read(path_, maxBytes_) == read.text;
  } catch (const RegistryError& e) {
    return e.kind() == RegistryError::Kind::Refused && e.what() == read.refusal;
  }
}

void RegistryReader::remember(Registry&& written) {
  auto good = std::make_shared<const Registry>(std::move(written));
  std::lock_guard<std::mutex> lock(mutex_);
  lastGood_ = std::move(good);
}

void RegistryReader::noteGood(const std::shared_ptr<const Registry>& good) {
  std::string recovered;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (good)
      lastGood_ = good;
    recovered.swap(lastProblem_);
  }
  if (!recovered.empty())
    log::get("Mesh")->info("{} reads well again", path_);
}

void RegistryReader::warnOnce(const std::string& message, const std::string& problem) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (problem == lastProblem_)
      return;
    lastProblem_ = problem;
  }
  log::get("Mesh")->warn("{}", message);
}

} // namespace rivet::registry
