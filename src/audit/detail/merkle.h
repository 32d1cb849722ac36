// RFC 9162 §2.1 Merkle tree hashing for the audit log: leaf hash = SHA-256(0x00 || leaf), node hash =
// SHA-256(0x01 || left || right), tree shape split at the largest power of two below the size.
// MerkleFrontier is the writer's/verifier's incremental state (O(log n) memory); MerkleLevels holds a whole tree
// for producing many audit paths. Reference functions (root_hash, inclusion_path) follow the RFC's recursive
// definitions literally and serve as test oracles. Values only; not shared between threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "audit/audit.h"

namespace bulkhead::audit::detail {

[[nodiscard]] Sha256Digest leaf_hash(std::span<const std::uint8_t> leaf);
[[nodiscard]] Sha256Digest node_hash(const Sha256Digest& left, const Sha256Digest& right);
// SHA-256 of the empty string: the root of the empty tree.
[[nodiscard]] Sha256Digest empty_root();

// Perfect subtrees of the tree so far, largest (leftmost) first.
class MerkleFrontier {
 public:
  void add_leaf_hash(const Sha256Digest& hash);
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] Sha256Digest root() const;

 private:
  struct Subtree {
    Sha256Digest hash;
    std::uint64_t leaves;
  };
  std::vector<Subtree> subtrees_;
  std::uint64_t size_ = 0;
};

// All levels of the tree over `leaf_hashes` (a lone last node at a level is carried up unchanged, which yields
// exactly the RFC 9162 shape).
class MerkleLevels {
 public:
  explicit MerkleLevels(std::vector<Sha256Digest> leaf_hashes);
  [[nodiscard]] std::uint64_t size() const noexcept { return levels_.front().size(); }
  [[nodiscard]] Sha256Digest root() const;
  // RFC 9162 §2.1.3.1 PATH(index, D[size]); index < size.
  [[nodiscard]] std::vector<Sha256Digest> inclusion_path(std::uint64_t index) const;

 private:
  std::vector<std::vector<Sha256Digest>> levels_;
};

// RFC 9162 §2.1.3.2: true when `path` proves leaf `index` with `leaf` hash in the tree of `size` with `root`.
[[nodiscard]] bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Sha256Digest& leaf,
                                    std::span<const Sha256Digest> path, const Sha256Digest& root);

// Literal recursive definitions (MTH and PATH of RFC 9162 §2.1.1 / §2.1.3.1) over leaf hashes.
[[nodiscard]] Sha256Digest reference_root(std::span<const Sha256Digest> leaf_hashes);
[[nodiscard]] std::vector<Sha256Digest> reference_path(std::uint64_t index, std::span<const Sha256Digest> leaf_hashes);

}  // namespace bulkhead::audit::detail
