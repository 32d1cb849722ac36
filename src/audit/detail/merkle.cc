#include "audit/detail/merkle.h"

#include <openssl/sha.h>

#include <bit>
#include <cassert>

namespace bulkhead::audit::detail {

Sha256Digest leaf_hash(std::span<const std::uint8_t> leaf) {
  // SHA256_Init/Update/Final are deprecated in OpenSSL 3; the one-shot SHA256() is not. Leaves are small.
  thread_local std::vector<std::uint8_t> buffer;
  buffer.resize(leaf.size() + 1);
  buffer[0] = 0x00;
  std::copy(leaf.begin(), leaf.end(), buffer.begin() + 1);
  Sha256Digest out;
  SHA256(buffer.data(), buffer.size(), out.data());
  return out;
}

Sha256Digest node_hash(const Sha256Digest& left, const Sha256Digest& right) {
  std::uint8_t buffer[65];
  buffer[0] = 0x01;
  std::copy(left.begin(), left.end(), buffer + 1);
  std::copy(right.begin(), right.end(), buffer + 33);
  Sha256Digest out;
  SHA256(buffer, sizeof buffer, out.data());
  return out;
}

Sha256Digest empty_root() {
  Sha256Digest out;
  SHA256(nullptr, 0, out.data());
  return out;
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
