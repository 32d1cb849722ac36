// The fast TOML reader for the subset MCP configurations are written in (Codex `config.toml`, `bulkhead.toml`):
// ASCII text of `[table]` and `[[array of tables]]` headers, `key = value` pairs with bare or quoted keys (no dotted
// keys), single-line basic and literal strings, decimal integers, booleans, arrays and single-line inline tables,
// `#` comments. It builds the same tree toml++ would (members ordered by name, offsets of toml++'s source
// positions) without allocating per value; anything outside the subset, and every error, returns false so that
// read_toml falls back to toml++, which also words the error. scan_reader_test and fuzz_scan compare the two.
#include <algorithm>
#include <array>

#include "core/core.h"
#include "scan/detail/byte_scan.h"
#include "scan/detail/document.h"

namespace bulkhead::scan::detail {
namespace {

constexpr std::size_t kMaxSegments = 32;    // per header; deeper documents go to toml++
constexpr std::size_t kMaxValueDepth = 32;  // arrays and inline tables inside one value

bool is_bare_key_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Plain ASCII with tabs and line breaks (CRLF allowed, no lone CR): everything else goes to toml++.
bool in_subset_alphabet(std::string_view text) noexcept {
  if (!is_plain_ascii(text)) return false;
  for (std::size_t cr = text.find('\r'); cr != std::string_view::npos; cr = text.find('\r', cr + 1)) {
    if (cr + 1 >= text.size() || text[cr + 1] != '\n') return false;
  }
  return true;
}

enum class MemberKind : std::uint8_t { value, table, table_array };

struct Member {
  std::uint32_t table = 0;  // the table this is a member of
  MemberKind kind = MemberKind::value;
  std::uint32_t index = 0;  // tables or arrays index for table / table_array
  std::string_view key;
  std::size_t key_offset = 0;
  Node value;  // kind == value
};

struct Table {
  std::size_t offset = 0;         // toml++: the '[' of the header that created (or made explicit) the table
  bool implicit = false;          // created as the parent in a header, not by its own header yet
  std::uint32_t next_element = 0;  // the next table of the same array of tables (0: none; the root is never one)
};

struct TableArray {
  std::size_t offset = 0;
  std::uint32_t first = 0;  // tables, chained by next_element
  std::uint32_t last = 0;
};

}  // namespace

// The reader's tables, kept in the Document so that the next file reuses their memory.
struct TomlScratch {
  std::string decoded;
  std::vector<Member> members;
  std::vector<Table> tables;
  std::vector<TableArray> arrays;
  std::vector<std::uint32_t> slots;  // open addressing: members index + 1 of header-created members, 0 = empty
  std::vector<std::uint32_t> order;
  std::vector<std::size_t> first_member;
  std::vector<std::size_t> fill;
};

namespace {

class TomlSubsetReader {
 public:
  TomlSubsetReader(std::string_view text, Document& document, TomlScratch& scratch)
      : text_(text),
        document_(document),
        decoded_(scratch.decoded),
        members_(scratch.members),
        tables_(scratch.tables),
        arrays_(scratch.arrays),
        slots_(scratch.slots),
        order_(scratch.order),
        first_member_(scratch.first_member),
        fill_(scratch.fill) {
    members_.clear();
    tables_.clear();
    arrays_.clear();
    std::fill(slots_.begin(), slots_.end(), 0);
  }

  bool read() {
    if (!in_subset_alphabet(text_)) return false;
    tables_.push_back({0, false, 0});  // the root
    std::uint32_t current = 0;
    while (pos_ < text_.size()) {
      skip_blanks();
      if (pos_ >= text_.size()) break;
      const char c = text_[pos_];
      if (c == '\n' || c == '\r' || c == '#') {
        if (!end_of_line()) return false;
      } else if (c == '[') {
        if (!parse_header(current) || !end_of_line()) return false;
      } else if (is_bare_key_char(c) || c == '"' || c == '\'') {
        if (!parse_key_value(current) || !end_of_line()) return false;
      } else {
        return false;
      }
    }
    return build();
  }

 private:
  // ---- lexing -------------------------------------------------------------------------------------------------

  void skip_blanks() noexcept {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }

  // At a '#': records the comment and stops at the line break.
  void comment() {
    const std::size_t start = pos_;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    pos_ = end;
    std::string_view body = text_.substr(start + 1, end - start - 1);
    if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    document_.comments.push_back({start, body, true});
  }

  // Blanks, an optional comment, then a line break or the end of the text.
  bool end_of_line() {
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == '#') comment();
    if (pos_ >= text_.size()) return true;
    if (text_[pos_] == '\r') ++pos_;  // always followed by '\n' (in_subset_alphabet)
    if (pos_ >= text_.size() || text_[pos_] != '\n') return false;
    ++pos_;
    return true;
  }

  // Blanks, comments and line breaks (between array items).
  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        comment();
      } else {
        return;
      }
    }
  }

  static bool is_value_end(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ']' || c == '}' || c == '#';
  }
  bool at_value_end() const noexcept { return pos_ >= text_.size() || is_value_end(text_[pos_]); }

  static int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // A single-line basic ("…") or literal ('…') string at pos_. `verbatim` when written without escapes.
  bool parse_string(std::string_view& out, bool& verbatim) {
    const char quote = text_[pos_];
    if (text_.substr(pos_, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''")) return false;  // multi-line
    const std::size_t begin = pos_ + 1;
    std::size_t i = find_string_end(text_, begin, quote, quote == '"');
    while (i < text_.size() && text_[i] == '\t') i = find_string_end(text_, i + 1, quote, quote == '"');
    if (i >= text_.size() || text_[i] == '\n' || text_[i] == '\r') return false;
    if (text_[i] == quote) {
      out = text_.substr(begin, i - begin);
      verbatim = true;
      pos_ = i + 1;
      return true;
    }
    decoded_.assign(text_.data() + begin, i - begin);
    while (true) {
      if (i >= text_.size() || text_[i] == '\n' || text_[i] == '\r') return false;
      const char c = text_[i];
      if (c == '"') break;
      if (c != '\\') {
        decoded_.push_back(c);
        ++i;
        continue;
      }
      if (i + 1 >= text_.size()) return false;
      const char e = text_[i + 1];
      i += 2;
      switch (e) {
        case 'b': decoded_.push_back('\b'); break;
        case 't': decoded_.push_back('\t'); break;
        case 'n': decoded_.push_back('\n'); break;
        case 'f': decoded_.push_back('\f'); break;
        case 'r': decoded_.push_back('\r'); break;
        case '"': decoded_.push_back('"'); break;
        case '\\': decoded_.push_back('\\'); break;
        case 'u':
        case 'U': {
          const std::size_t digits = e == 'u' ? 4 : 8;
          if (i + digits > text_.size()) return false;
          std::uint32_t cp = 0;
          for (std::size_t k = 0; k < digits; ++k) {
            const int d = hex_digit(text_[i + k]);
            if (d < 0) return false;
            cp = (cp << 4) | static_cast<std::uint32_t>(d);
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
          i += digits;
          core::append_utf8(decoded_, cp);
          break;
        }
        default:
          return false;
      }
    }
    out = document_.arena.copy(decoded_);
    verbatim = false;
    pos_ = i + 1;
    return true;
  }

  // One key segment: bare, or a basic or literal string.
  bool parse_key(std::string_view& key, std::size_t& offset) {
    offset = pos_;
    if (pos_ >= text_.size()) return false;
    if (text_[pos_] == '"' || text_[pos_] == '\'') {
      bool verbatim = false;
      return parse_string(key, verbatim);
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_bare_key_char(text_[pos_])) ++pos_;
    if (pos_ == start) return false;
    key = text_.substr(start, pos_ - start);
    return true;
  }

  // ---- values -------------------------------------------------------------------------------------------------

  bool parse_value(Node& node, std::size_t depth) {
    if (depth > kMaxValueDepth || pos_ >= text_.size()) return false;
    node.offset = pos_;
    const char c = text_[pos_];
    if (c == '"' || c == '\'') {
      node.kind = Node::Kind::string;
      return parse_string(node.text, node.verbatim);
    }
    if (c == '[') return parse_array(node, depth);
    if (c == '{') return parse_inline_table(node, depth);
    if (c == 't' || c == 'f') {
      const std::string_view word = c == 't' ? "true" : "false";
      if (text_.substr(pos_, word.size()) != word) return false;
      pos_ += word.size();
      if (!at_value_end()) return false;
      node.kind = Node::Kind::boolean;
      node.text = word;
      return true;
    }
    // Decimal integers as toml++ prints them back: no sign but '-', no leading zero, no '_', fits in int64.
    const std::size_t start = pos_;
    if (c == '-') ++pos_;
    const std::size_t digits = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    const std::size_t count = pos_ - digits;
    if (count == 0 || count > 18 || (text_[digits] == '0' && (count > 1 || c == '-')) || !at_value_end()) {
      return false;
    }
    node.kind = Node::Kind::number;
    node.text = text_.substr(start, pos_ - start);
    return true;
  }

  bool parse_array(Node& node, std::size_t depth) {
    node.kind = Node::Kind::array;
    ++pos_;  // '['
    const std::size_t base = document_.scratch.size();
    while (true) {
      skip_space_and_comments();
      if (pos_ >= text_.size()) return false;
      if (text_[pos_] == ']') break;
      Node item;
      if (!parse_value(item, depth + 1)) return false;
      document_.scratch.push_back(item);
      skip_space_and_comments();
      if (pos_ >= text_.size()) return false;
      if (text_[pos_] == ',') {
        ++pos_;
        continue;  // TOML allows a trailing comma in arrays
      }
      if (text_[pos_] != ']') return false;
      break;
    }
    ++pos_;  // ']'
    document_.close_children(node, base);
    return true;
  }

  // Members sorted by name (toml++ keeps tables in a std::map); a repeated name is an error for toml++.
  bool sort_members(std::span<Node> members) {
    std::sort(members.begin(), members.end(), [](const Node& a, const Node& b) { return a.key < b.key; });
    return std::adjacent_find(members.begin(), members.end(),
                              [](const Node& a, const Node& b) { return a.key == b.key; }) == members.end();
  }

  bool parse_inline_table(Node& node, std::size_t depth) {
    node.kind = Node::Kind::object;
    ++pos_;  // '{'
    const std::size_t base = document_.scratch.size();
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      document_.close_children(node, base);
      return true;
    }
    while (true) {
      skip_blanks();
      Node member;
      if (!parse_key(member.key, member.key_offset)) return false;
      skip_blanks();
      if (pos_ >= text_.size() || text_[pos_] != '=') return false;  // also: dotted keys go to toml++
      ++pos_;
      skip_blanks();
      if (!parse_value(member, depth + 1)) return false;
      document_.scratch.push_back(member);
      skip_blanks();
      if (pos_ >= text_.size()) return false;
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] != '}') return false;
      ++pos_;
      break;
    }
    std::vector<Node>& scratch = document_.scratch;
    if (!sort_members(std::span<Node>(scratch.data() + base, scratch.size() - base))) return false;
    document_.close_children(node, base);
    return true;
  }

  // ---- tables -------------------------------------------------------------------------------------------------

  bool parse_key_value(std::uint32_t table) {
    Member member;
    member.table = table;
    if (!parse_key(member.key, member.key_offset)) return false;
    skip_blanks();
    if (pos_ >= text_.size() || text_[pos_] != '=') return false;  // also: dotted keys go to toml++
    ++pos_;
    skip_blanks();
    if (!parse_value(member.value, 0)) return false;
    members_.push_back(member);  // a repeated name is found when the tables are built
    return true;
  }

  // Index into members_ of the member `key` of `table` that a header created, or -1.
  std::ptrdiff_t find_header_member(std::uint32_t table, std::string_view key) const noexcept {
    if (slots_.empty()) return -1;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t slot = hash(table, key) & mask;; slot = (slot + 1) & mask) {
      const std::uint32_t entry = slots_[slot];
      if (entry == 0) return -1;
      const Member& member = members_[entry - 1];
      if (member.table == table && member.key == key) return static_cast<std::ptrdiff_t>(entry - 1);
    }
  }

  static std::size_t hash(std::uint32_t table, std::string_view key) noexcept {
    std::size_t h = 1469598103934665603ull ^ table;
    for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h ^ (h >> 29);
  }

  void index_header_member(std::size_t member) {
    if ((indexed_ + 1) * 2 > slots_.size()) {
      std::vector<std::uint32_t> old = std::move(slots_);
      slots_.assign(std::max<std::size_t>(64, old.size() * 2), 0);
      for (std::uint32_t entry : old) {
        if (entry != 0) insert_slot(entry);
      }
    }
    insert_slot(static_cast<std::uint32_t>(member + 1));
    ++indexed_;
  }

  void insert_slot(std::uint32_t entry) {
    const Member& member = members_[entry - 1];
    const std::size_t mask = slots_.size() - 1;
    std::size_t slot = hash(member.table, member.key) & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = entry;
  }

  std::uint32_t add_table_member(std::uint32_t parent, std::string_view key, std::size_t key_offset,
                                 MemberKind kind, std::uint32_t index) {
    Member member;
    member.table = parent;
    member.kind = kind;
    member.index = index;
    member.key = key;
    member.key_offset = key_offset;
    members_.push_back(member);
    index_header_member(members_.size() - 1);
    return index;
  }

  std::uint32_t new_table(std::size_t offset, bool implicit) {
    tables_.push_back({offset, implicit, 0});
    return static_cast<std::uint32_t>(tables_.size() - 1);
  }

  // `[a.b.c]` or `[[a.b.c]]`, following toml++'s rules for implicit tables and arrays of tables.
  bool parse_header(std::uint32_t& current) {
    const std::size_t header = pos_;
    ++pos_;
    const bool is_array = pos_ < text_.size() && text_[pos_] == '[';
    if (is_array) ++pos_;
    std::array<std::pair<std::string_view, std::size_t>, kMaxSegments> segments;
    std::size_t count = 0;
    while (true) {
      skip_blanks();
      if (count == segments.size()) return false;
      if (!parse_key(segments[count].first, segments[count].second)) return false;
      ++count;
      skip_blanks();
      if (pos_ < text_.size() && text_[pos_] == '.') {
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ >= text_.size() || text_[pos_] != ']') return false;
    ++pos_;
    if (is_array) {
      if (pos_ >= text_.size() || text_[pos_] != ']') return false;
      ++pos_;
    }
    std::uint32_t parent = 0;
    for (std::size_t i = 0; i + 1 < count; ++i) {
      const std::ptrdiff_t found = find_header_member(parent, segments[i].first);
      if (found < 0) {
        const std::uint32_t table = new_table(header, true);
        parent = add_table_member(parent, segments[i].first, segments[i].second, MemberKind::table, table);
      } else if (members_[static_cast<std::size_t>(found)].kind == MemberKind::table) {
        parent = members_[static_cast<std::size_t>(found)].index;
      } else {
        parent = arrays_[members_[static_cast<std::size_t>(found)].index].last;  // the latest element
      }
    }
    const auto& [key, key_offset] = segments[count - 1];
    const std::ptrdiff_t found = find_header_member(parent, key);
    if (found >= 0) {
      const Member& member = members_[static_cast<std::size_t>(found)];
      if (is_array && member.kind == MemberKind::table_array) {
        current = new_table(header, false);
        TableArray& array = arrays_[member.index];
        tables_[array.last].next_element = current;
        array.last = current;
        return true;
      }
      if (!is_array && member.kind == MemberKind::table && tables_[member.index].implicit) {
        tables_[member.index].offset = header;
        tables_[member.index].implicit = false;
        current = member.index;
        return true;
      }
      return false;  // redefinition: toml++ reports it
    }
    current = new_table(header, false);
    if (is_array) {
      arrays_.push_back({header, current, current});
      add_table_member(parent, key, key_offset, MemberKind::table_array,
                       static_cast<std::uint32_t>(arrays_.size() - 1));
    } else {
      add_table_member(parent, key, key_offset, MemberKind::table, current);
    }
    return true;
  }

  // ---- the tree -----------------------------------------------------------------------------------------------

  bool build() {
    // Members grouped by table (counting sort), by name within a table (the order toml++ iterates in).
    first_member_.assign(tables_.size() + 1, 0);
    for (const Member& member : members_) ++first_member_[member.table + 1];
    for (std::size_t t = 0; t < tables_.size(); ++t) first_member_[t + 1] += first_member_[t];
    order_.resize(members_.size());
    fill_.assign(first_member_.begin(), first_member_.end() - 1);
    for (std::uint32_t i = 0; i < members_.size(); ++i) order_[fill_[members_[i].table]++] = i;
    for (std::size_t t = 0; t < tables_.size(); ++t) {
      const auto begin = order_.begin() + static_cast<std::ptrdiff_t>(first_member_[t]);
      const auto end = order_.begin() + static_cast<std::ptrdiff_t>(first_member_[t + 1]);
      const auto by_key = [this](std::uint32_t a, std::uint32_t b) { return members_[a].key < members_[b].key; };
      if (!std::is_sorted(begin, end, by_key)) std::sort(begin, end, by_key);
      const auto same_key = [this](std::uint32_t a, std::uint32_t b) { return members_[a].key == members_[b].key; };
      if (std::adjacent_find(begin, end, same_key) != end) return false;  // a redefinition: toml++ reports it
    }
    build_table(0, document_.root);
    document_.root.offset = 0;
    return true;
  }

  void build_table(std::uint32_t table, Node& out) {
    out.kind = Node::Kind::object;
    out.offset = tables_[table].offset;
    const std::size_t base = document_.scratch.size();
    for (std::size_t i = first_member_[table]; i < first_member_[table + 1]; ++i) {
      const Member& member = members_[order_[i]];
      Node node;
      if (member.kind == MemberKind::value) {
        node = member.value;
      } else if (member.kind == MemberKind::table) {
        build_table(member.index, node);
      } else {
        const TableArray& array = arrays_[member.index];
        node.kind = Node::Kind::array;
        node.offset = array.offset;
        const std::size_t items = document_.scratch.size();
        for (std::uint32_t element = array.first; element != 0; element = tables_[element].next_element) {
          Node item;
          build_table(element, item);
          document_.scratch.push_back(item);
        }
        document_.close_children(node, items);
      }
      node.key = member.key;
      node.key_offset = member.key_offset;
      document_.scratch.push_back(node);
    }
    document_.close_children(out, base);
  }

  std::string_view text_;
  Document& document_;
  std::size_t pos_ = 0;
  std::string& decoded_;
  std::vector<Member>& members_;
  std::vector<Table>& tables_;
  std::vector<TableArray>& arrays_;
  std::vector<std::uint32_t>& slots_;
  std::size_t indexed_ = 0;
  std::vector<std::uint32_t>& order_;
  std::vector<std::size_t>& first_member_;
  std::vector<std::size_t>& fill_;
};

}  // namespace

bool read_toml_subset(std::string_view text, Document& document) {
  document.clear(text);
  if (!document.toml) document.toml = std::make_shared<TomlScratch>();
  return TomlSubsetReader(text, document, *document.toml).read();
}

}  // namespace bulkhead::scan::detail
