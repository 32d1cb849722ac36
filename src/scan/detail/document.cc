// Document storage (arena) and byte offset → line/column mapping shared by the readers and the engine.
#include <algorithm>
#include <cstring>

#include "scan/detail/byte_scan.h"
#include "scan/detail/document.h"

namespace bulkhead::scan::detail {

namespace {
constexpr std::size_t kBlockBytes = 256 * 1024;

bool is_continuation(char c) noexcept { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

void* Arena::allocate(std::size_t bytes, std::size_t align) {
  while (current_ < blocks_.size()) {
    Block& block = blocks_[current_];
    const std::size_t start = (used_ + align - 1) & ~(align - 1);
    if (start + bytes <= block.size) {
      used_ = start + bytes;
      return block.data.get() + start;
    }
    ++current_;
    used_ = 0;
  }
  const std::size_t size = std::max(kBlockBytes, bytes + align);
  blocks_.push_back({std::make_unique<std::byte[]>(size), size});
  current_ = blocks_.size() - 1;
  // operator new[] returns memory aligned for any fundamental type, so offset 0 is aligned.
  used_ = bytes;
  return blocks_.back().data.get();
}

std::span<const Node> Arena::copy(std::span<const Node> nodes) {
  if (nodes.empty()) return {};
  auto* out = static_cast<Node*>(allocate(nodes.size() * sizeof(Node), alignof(Node)));
  std::uninitialized_copy(nodes.begin(), nodes.end(), out);  // Node is trivially copyable and destructible
  return {out, nodes.size()};
}

std::string_view Arena::copy(std::string_view text) {
  if (text.empty()) return {};
  auto* out = static_cast<char*>(allocate(text.size(), 1));
  std::memcpy(out, text.data(), text.size());
  return {out, text.size()};
}

void Arena::reset() noexcept {
  current_ = 0;
  used_ = 0;
}

void Document::clear(std::string_view text) noexcept {
  root = Node{};
  comments.clear();
  source = text;
  origin = 0;
  arena.reset();
  scratch.clear();
}

void Document::close_children(Node& node, std::size_t base) {
  node.children = arena.copy(std::span<const Node>(scratch.data() + base, scratch.size() - base));
  scratch.resize(base);
}

void append_decimal(std::string& out, std::size_t value) {
  char digits[24];
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) out.push_back(digits[--n]);
}

Position Document::position(std::size_t offset) const noexcept { return PositionTracker(source, origin).at(offset); }

namespace {

std::string difference(const Node& a, const Node& b, const std::string& where) {
  const auto differ = [&](std::string_view what) {
    std::string out = where;
    out += ": ";
    out += what;
    out += " differs";
    return out;
  };
  if (a.kind != b.kind) return differ("kind");
  if (a.text != b.text) return differ("text");
  if (a.key != b.key) return differ("key");
  if (a.offset != b.offset) return differ("offset");
  if (a.key_offset != b.key_offset) return differ("key offset");
  if (a.verbatim != b.verbatim) return differ("verbatim");
  if (a.children.size() != b.children.size()) return differ("number of children");
  for (std::size_t i = 0; i < a.children.size(); ++i) {
    const Node& child = a.children[i];
    std::string path = where;
    if (a.kind == Node::Kind::object) {
      path += '.';
      path += child.key;
    } else {
      path += '[';
      path += std::to_string(i);
      path += ']';
    }
    std::string inner = difference(child, b.children[i], path);
    if (!inner.empty()) return inner;
  }
  return {};
}

}  // namespace

std::string describe_difference(const Document& a, const Document& b) {
  if (a.origin != b.origin) return "origin differs";
  std::string tree = difference(a.root, b.root, "(root)");
  if (!tree.empty()) return tree;
  if (a.comments.size() != b.comments.size()) return "number of comments differs";
  for (std::size_t i = 0; i < a.comments.size(); ++i) {
    const Comment& x = a.comments[i];
    const Comment& y = b.comments[i];
    if (x.offset != y.offset || x.text != y.text || x.verbatim != y.verbatim) {
      return "comment " + std::to_string(i) + " differs";
    }
  }
  return {};
}

std::uint32_t code_points(std::string_view text) noexcept {
  std::uint32_t count = 0;
  for (char c : text) count += is_continuation(c) ? 0 : 1;
  return count;
}

Position PositionTracker::at(std::size_t offset) noexcept {
  offset = std::clamp(offset, origin_, std::max(origin_, text_.size()));
  if (offset < offset_) {
    offset_ = origin_;
    line_ = 1;
    column_ = 1;
  }
  const std::string_view range = text_.substr(offset_, offset - offset_);
  const auto newlines = static_cast<std::uint32_t>(count_byte(range, '\n'));
  if (newlines == 0) {
    column_ += code_points(range);
  } else {
    line_ += newlines;
    const std::size_t last = range.rfind('\n');
    column_ = 1 + code_points(range.substr(last + 1));
  }
  offset_ = offset;
  return {line_, column_};
}

}  // namespace bulkhead::scan::detail
