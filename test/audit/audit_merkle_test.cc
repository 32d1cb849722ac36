// RFC 9162 Merkle trees: known roots (the RFC 6962 test vectors used by certificate-transparency-go), and for every
// size 1..64 the incremental frontier, the level tree and the literal recursive definitions agree, and every audit
// path verifies with the RFC 9162 §2.1.3.2 algorithm while altered ones do not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "audit/detail/merkle.h"

namespace bulkhead::audit::detail {
namespace {

std::vector<std::uint8_t> unhex(const std::string& text) { return *core::hex_decode(text); }

std::vector<Sha256Digest> leaves(std::size_t n) {
  std::vector<Sha256Digest> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string leaf = "leaf " + std::to_string(i);
    out.push_back(leaf_hash(core::as_bytes(leaf)));
  }
  return out;
}

TEST(Merkle, EmptyTreeIsHashOfNothing) {
  EXPECT_EQ(core::hex_encode(empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(MerkleFrontier{}.root(), empty_root());
}

TEST(Merkle, LeafAndNodePrefixes) {
  // SHA-256(0x00) and SHA-256(0x01 || l || r) — domain separation of RFC 9162 §2.1.1.
  EXPECT_EQ(core::hex_encode(leaf_hash({})), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  Sha256Digest zero{};
  std::vector<std::uint8_t> buffer(65, 0);
  buffer[0] = 1;
  EXPECT_EQ(node_hash(zero, zero), core::sha256(buffer));
}

TEST(Merkle, KnownRootsOfTheRfc6962TestVectors) {
  const std::vector<std::string> inputs = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                           "606162636465666768696a6b6c6d6e6f"};
  const std::vector<std::string> roots = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  MerkleFrontier frontier;
  std::vector<Sha256Digest> hashes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    hashes.push_back(leaf_hash(unhex(inputs[i])));
    frontier.add_leaf_hash(hashes.back());
    EXPECT_EQ(core::hex_encode(frontier.root()), roots[i]) << "size " << i + 1;
    EXPECT_EQ(core::hex_encode(reference_root(hashes)), roots[i]) << "size " << i + 1;
  }
}

TEST(Merkle, KnownAuditPathOfTheRfc6962TestVectors) {
  // certificate-transparency-go: PATH(0, D[8]) and PATH(5, D[8]).
  const std::vector<std::string> inputs = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                           "606162636465666768696a6b6c6d6e6f"};
  std::vector<Sha256Digest> hashes;
  for (const auto& input : inputs) hashes.push_back(leaf_hash(unhex(input)));
  const MerkleLevels tree(hashes);
  std::vector<std::string> path0;
  for (const auto& h : tree.inclusion_path(0)) path0.push_back(core::hex_encode(h));
  EXPECT_EQ(path0, (std::vector<std::string>{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                                             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                                             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  std::vector<std::string> path5;
  for (const auto& h : tree.inclusion_path(5)) path5.push_back(core::hex_encode(h));
  EXPECT_EQ(path5, (std::vector<std::string>{"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                                             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                                             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
}

TEST(Merkle, AllImplementationsAgreeForSizes1To64) {
  for (std::size_t n = 1; n <= 64; ++n) {
    const std::vector<Sha256Digest> hashes = leaves(n);
    MerkleFrontier frontier;
    for (const auto& h : hashes) frontier.add_leaf_hash(h);
    const MerkleLevels tree(hashes);
    const Sha256Digest root = reference_root(hashes);
    ASSERT_EQ(frontier.root(), root) << n;
    ASSERT_EQ(tree.root(), root) << n;
    ASSERT_EQ(frontier.size(), n);
    for (std::uint64_t m = 0; m < n; ++m) {
      const std::vector<Sha256Digest> path = tree.inclusion_path(m);
      ASSERT_EQ(path, reference_path(m, hashes)) << "size " << n << " index " << m;
      EXPECT_TRUE(verify_inclusion(m, n, hashes[m], path, root)) << "size " << n << " index " << m;
      // Wrong leaf, wrong index, altered or shortened path, wrong root: all rejected.
      if (n > 1) {
        EXPECT_FALSE(verify_inclusion(m, n, hashes[(m + 1) % n], path, root));
        EXPECT_FALSE(verify_inclusion((m + 1) % n, n, hashes[m], path, root));
      }
      if (!path.empty()) {
        std::vector<Sha256Digest> altered = path;
        altered.back()[0] ^= 1;
        EXPECT_FALSE(verify_inclusion(m, n, hashes[m], altered, root));
        altered = path;
        altered.pop_back();
        EXPECT_FALSE(verify_inclusion(m, n, hashes[m], altered, root));
      }
      EXPECT_FALSE(verify_inclusion(m, n, hashes[m], path, leaf_hash({})));
    }
  }
}

TEST(Merkle, IndexOutOfRangeIsRejected) {
  const std::vector<Sha256Digest> hashes = leaves(3);
  EXPECT_FALSE(verify_inclusion(3, 3, hashes[0], {}, reference_root(hashes)));
  EXPECT_TRUE(verify_inclusion(0, 1, hashes[0], {}, hashes[0]));
}

}  // namespace
}  // namespace bulkhead::audit::detail
