// Heap or mapped storage of request bodies.
#include "BodyBuffer.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>

namespace rivet::mtls {
namespace {

constexpr size_t kHeapMax = 64 * 1024; // larger bodies are mapped

} // namespace

BodyBuffer& BodyBuffer::operator=(BodyBuffer&& o) noexcept {
  if (this != &o) {
    clear();
    data_ = o.data_;
    size_ = o.size_;
    capacity_ = o.capacity_;
    limit_ = o.limit_;
    mapped_ = o.mapped_;
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
    o.mapped_ = false;
  }
  return *this;
}

bool BodyBuffer::reserveMore(size_t extra, bool exact) {
  size_t need = size_ + extra;
  if (need < size_ || (limit_ && need > limit_))
    return false;
  if (need <= capacity_)
    return true;
  if (need <= kHeapMax && !mapped_) {
    size_t cap = exact ? need : std::min(kHeapMax, std::max({need, capacity_ * 2, size_t(4096)}));
    char* grown = static_cast<char*>(std::realloc(data_, cap));
    if (!grown)
      return false;
    data_ = grown;
    capacity_ = cap;
    return true;
  }
  // Map the whole limit once: pages not written are not resident and never copied.
  size_t cap = std::max(need, limit_);
  void* map = ::mmap(nullptr, cap, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED)
    return false;
  if (size_)
    std::memcpy(map, data_, size_);
  size_t keep = size_;
  clear();
  data_ = static_cast<char*>(map);
  size_ = keep;
  capacity_ = cap;
  mapped_ = true;
  return true;
}

void BodyBuffer::append(const char* data, size_t n) {
  if (n == 0)
    return;
  std::memcpy(data_ + size_, data, n);
  size_ += n;
}

void BodyBuffer::clear() {
  if (mapped_)
    ::munmap(data_, capacity_);
  else
    std::free(data_);
  data_ = nullptr;
  size_ = capacity_ = 0;
  mapped_ = false;
}

} // namespace rivet::mtls
