#include "audit/detail/merkle.h"

#include <openssl/evp.h>

#include <bit>
#include <cassert>
#include <cstdlib>

namespace bulkhead::audit::detail {
namespace {

// SHA-256 with the algorithm fetched once and one reusable EVP_MD_CTX per thread: the one-shot SHA256() of
// OpenSSL 3 fetches the algorithm by name and allocates a context on every call, which cost as much as hashing a
// whole 650-byte record (callgrind: ~40% of the writer's per-record work; see docs/benchmarks.md "Audit log").
class Sha256Hasher {
 public:
  Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) std::abort();  // out of memory, like core::sha256
  }
  ~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // SHA-256(prefix || a || b).
  Sha256Digest digest(std::uint8_t prefix, std::span<const std::uint8_t> a, std::span<const std::uint8_t> b = {}) {
    Sha256Digest out;
    unsigned length = 0;
    if (EVP_DigestInit_ex2(ctx_, md(), nullptr) != 1 || EVP_DigestUpdate(ctx_, &prefix, 1) != 1 ||
        (!a.empty() && EVP_DigestUpdate(ctx_, a.data(), a.size()) != 1) ||
        (!b.empty() && EVP_DigestUpdate(ctx_, b.data(), b.size()) != 1) ||
        EVP_DigestFinal_ex(ctx_, out.data(), &length) != 1 || length != out.size()) {
      std::abort();  // cannot fail short of memory exhaustion
    }
    return out;
  }

 private:
  static const EVP_MD* md() {
    static const EVP_MD* const sha256 = [] {
      const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
      if (fetched == nullptr) std::abort();
      return fetched;  // kept for the life of the process
    }();
    return sha256;
  }
  EVP_MD_CTX* ctx_;
};

Sha256Hasher& hasher() {
  thread_local Sha256Hasher instance;
  return instance;
}

}  // namespace

Sha256Digest leaf_hash(std::span<const std::uint8_t> leaf) { return hasher().digest(0x00, leaf); }

Sha256Digest node_hash(const Sha256Digest& left, const Sha256Digest& right) {
  return hasher().digest(0x01, left, right);
}

Sha256Digest empty_root() {
  // SHA-256 of the empty string.
  static constexpr Sha256Digest kEmpty = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                                          0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                                          0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  return kEmpty;
}

void MerkleFrontier::add_leaf_hash(const Sha256Digest& hash) {
  subtrees_.push_back({hash, 1});
  while (subtrees_.size() >= 2 && subtrees_[subtrees_.size() - 2].leaves == subtrees_.back().leaves) {
    const Subtree right = subtrees_.back();
    subtrees_.pop_back();
    Subtree& left = subtrees_.back();
    left.hash = node_hash(left.hash, right.hash);
    left.leaves *= 2;
  }
  ++size_;
}

Sha256Digest MerkleFrontier::root() const {
  if (subtrees_.empty()) return empty_root();
  // Subtrees are perfect and strictly decreasing in size: the RFC shape folds them right to left.
  Sha256Digest acc = subtrees_.back().hash;
  for (std::size_t i = subtrees_.size() - 1; i-- > 0;) acc = node_hash(subtrees_[i].hash, acc);
  return acc;
}

MerkleLevels::MerkleLevels(std::vector<Sha256Digest> leaf_hashes) {
  levels_.push_back(std::move(leaf_hashes));
  while (levels_.back().size() > 1) {
    const std::vector<Sha256Digest>& below = levels_.back();
    std::vector<Sha256Digest> above;
    above.reserve((below.size() + 1) / 2);
    for (std::size_t i = 0; i + 1 < below.size(); i += 2) above.push_back(node_hash(below[i], below[i + 1]));
    if (below.size() % 2 == 1) above.push_back(below.back());
    levels_.push_back(std::move(above));
  }
}

Sha256Digest MerkleLevels::root() const {
  if (levels_.front().empty()) return empty_root();
  return levels_.back().front();
}

std::vector<Sha256Digest> MerkleLevels::inclusion_path(std::uint64_t index) const {
  std::vector<Sha256Digest> path;
  for (const auto& level : levels_) {
    if (level.size() <= 1) break;
    const std::uint64_t sibling = index ^ 1u;
    if (sibling < level.size()) path.push_back(level[sibling]);
    index >>= 1;
  }
  return path;
}

bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Sha256Digest& leaf,
                      std::span<const Sha256Digest> path, const Sha256Digest& root) {
  if (index >= size) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Sha256Digest r = leaf;
  for (const Sha256Digest& p : path) {
    if (sn == 0) return false;
    if ((fn & 1u) != 0 || fn == sn) {
      r = node_hash(p, r);
      while ((fn & 1u) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

namespace {
// Largest power of two strictly less than n (n >= 2).
std::uint64_t split_point(std::uint64_t n) { return std::bit_floor(n - 1); }
}  // namespace

Sha256Digest reference_root(std::span<const Sha256Digest> leaves) {
  if (leaves.empty()) return empty_root();
  if (leaves.size() == 1) return leaves[0];
  const std::uint64_t k = split_point(leaves.size());
  return node_hash(reference_root(leaves.subspan(0, k)), reference_root(leaves.subspan(k)));
}

std::vector<Sha256Digest> reference_path(std::uint64_t index, std::span<const Sha256Digest> leaves) {
  assert(index < leaves.size());
  if (leaves.size() <= 1) return {};
  const std::uint64_t k = split_point(leaves.size());
  std::vector<Sha256Digest> path;
  if (index < k) {
    path = reference_path(index, leaves.subspan(0, k));
    path.push_back(reference_root(leaves.subspan(k)));
  } else {
    path = reference_path(index - k, leaves.subspan(k));
    path.push_back(reference_root(leaves.subspan(0, k)));
  }
  return path;
}

}  // namespace bulkhead::audit::detail
