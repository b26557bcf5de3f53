#include "protocols/db/sql_text.h"

#include <algorithm>
#include <cstring>

namespace cs::db {

namespace {

// Only the start of a statement is read to summarise it.
constexpr size_t kSummaryScan = 4096;

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_ident(char c) { return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper(b[i])) return false;
  return true;
}

// A tokenizer good enough to find keywords and names: skips blanks, comments and literals.
class Tokens {
 public:
  explicit Tokens(std::string_view s) : s_(s) {}

  enum class Kind { End, Word, Quoted, Open, Close, Other };
  struct Token {
    Kind kind = Kind::End;
    std::string_view text;  // Word: the word; Quoted: the name inside the quotes
  };

  Token next() {
    for (;;) {
      while (i_ < s_.size() && is_space(s_[i_])) ++i_;
      if (i_ >= s_.size()) return {};
      const char c = s_[i_];
      if (c == '-' && i_ + 1 < s_.size() && s_[i_ + 1] == '-') {
        const size_t nl = s_.find('\n', i_);
        i_ = nl == std::string_view::npos ? s_.size() : nl + 1;
        continue;
      }
      if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        const size_t e = s_.find("*/", i_ + 2);
        i_ = e == std::string_view::npos ? s_.size() : e + 2;
        continue;
      }
      if (c == '\'') {
        skip_quoted('\'');
        return {Kind::Other, {}};
      }
      if (c == '"' || c == '`') {
        const size_t start = ++i_;
        while (i_ < s_.size() && s_[i_] != c) ++i_;
        Token t{Kind::Quoted, s_.substr(start, i_ - start)};
        if (i_ < s_.size()) ++i_;
        return t;
      }
      if (is_ident_start(c)) {
        const size_t start = i_;
        while (i_ < s_.size() && is_ident(s_[i_])) ++i_;
        return {Kind::Word, s_.substr(start, i_ - start)};
      }
      ++i_;
      if (c == '(') return {Kind::Open, {}};
      if (c == ')') return {Kind::Close, {}};
      return {Kind::Other, s_.substr(i_ - 1, 1)};
    }
  }

  // A possibly qualified name right here ("schema"."table", db.t): returned as written without quotes
  // around the last part, the parts joined by '.'.
  void name_after(Token first, std::string& out) {
    out.clear();
    Token t = first;
    for (;;) {
      if (t.kind != Kind::Word && t.kind != Kind::Quoted) return;
      if (!out.empty()) out.push_back('.');
      out.append(t.text);
      if (i_ < s_.size() && s_[i_] == '.') {
        ++i_;
        t = next();
        continue;
      }
      return;
    }
  }

 private:
  void skip_quoted(char q) {
    ++i_;
    while (i_ < s_.size()) {
      if (s_[i_] == '\\') {
        i_ += 2;
        continue;
      }
      if (s_[i_] == q) {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == q) {
          i_ += 2;
          continue;
        }
        ++i_;
        return;
      }
      ++i_;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool is_word(const Tokens::Token& t, std::string_view w) { return t.kind == Tokens::Kind::Word && iequals(t.text, w); }

bool is_main_operation(std::string_view w) {
  static constexpr std::string_view ops[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT"};
  return std::any_of(std::begin(ops), std::end(ops), [&](std::string_view o) { return iequals(w, o); });
}

void set_upper(std::string& out, std::string_view w) {
  out.resize(w.size());
  std::transform(w.begin(), w.end(), out.begin(), upper);
}

}  // namespace

SqlSummary summarize_sql(std::string_view sql) {
  SqlSummary out;
  Tokens tok(sql.substr(0, std::min(sql.size(), kSummaryScan)));
  Tokens::Token t = tok.next();
  while (t.kind == Tokens::Kind::Open) t = tok.next();
  if (t.kind != Tokens::Kind::Word) return out;
  if (iequals(t.text, "WITH")) {
    // WITH name AS (...), ... main statement: the first main operation at depth 0.
    int depth = 0;
    for (t = tok.next(); t.kind != Tokens::Kind::End; t = tok.next()) {
      if (t.kind == Tokens::Kind::Open) ++depth;
      else if (t.kind == Tokens::Kind::Close) --depth;
      else if (depth == 0 && t.kind == Tokens::Kind::Word && is_main_operation(t.text)) break;
    }
    if (t.kind != Tokens::Kind::Word) {
      out.operation = "WITH";
      return out;
    }
  }
  set_upper(out.operation, t.text);
  const std::string& op = out.operation;

  // Where the table name is, per operation.
  if (op == "UPDATE") {
    Tokens::Token n = tok.next();
    while (is_word(n, "ONLY") || is_word(n, "LOW_PRIORITY") || is_word(n, "IGNORE")) n = tok.next();
    tok.name_after(n, out.collection);
    return out;
  }
  if (op == "TRUNCATE" || op == "COPY" || op == "LOCK" || op == "ANALYZE" || op == "VACUUM") {
    Tokens::Token n = tok.next();
    while (is_word(n, "TABLE") || is_word(n, "ONLY") || is_word(n, "TABLES")) n = tok.next();
    if (n.kind == Tokens::Kind::Word && (is_word(n, "VERBOSE") || is_word(n, "FULL"))) return out;
    tok.name_after(n, out.collection);
    return out;
  }
  const bool ddl = op == "CREATE" || op == "DROP" || op == "ALTER";
  int depth = 0;
  for (t = tok.next(); t.kind != Tokens::Kind::End; t = tok.next()) {
    if (t.kind == Tokens::Kind::Open) {
      ++depth;
      continue;
    }
    if (t.kind == Tokens::Kind::Close) {
      --depth;
      continue;
    }
    if (t.kind != Tokens::Kind::Word || depth != 0) continue;
    const bool here = ddl ? is_word(t, "TABLE") : (is_word(t, "FROM") || is_word(t, "INTO") || is_word(t, "JOIN"));
    if (!here) continue;
    Tokens::Token n = tok.next();
    while (is_word(n, "IF") || is_word(n, "NOT") || is_word(n, "EXISTS") || is_word(n, "ONLY")) n = tok.next();
    if (n.kind == Tokens::Kind::Open) return out;  // a subquery: no single table
    tok.name_after(n, out.collection);
    return out;
  }
  return out;
}

void sanitize_sql(std::string_view s, SqlDialect dialect, std::string& out) {
  out.reserve(out.size() + s.size());
  const bool pg = dialect == SqlDialect::Postgres;
  size_t i = 0;
  const size_t n = s.size();
  // Skips a quoted literal starting at s[i] == q; backslashes escape when `backslash`.
  auto skip_literal = [&](char q, bool backslash) {
    ++i;
    while (i < n) {
      const char c = s[i];
      if (backslash && c == '\\') {
        i += 2;
        continue;
      }
      if (c == q) {
        if (i + 1 < n && s[i + 1] == q) {
          i += 2;
          continue;
        }
        ++i;
        return;
      }
      ++i;
    }
    i = n;
  };
  while (i < n) {
    const char c = s[i];
    if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      const size_t nl = s.find('\n', i);
      const size_t e = nl == std::string_view::npos ? n : nl + 1;
      out.append(s.substr(i, e - i));
      i = e;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      const size_t close = s.find("*/", i + 2);
      const size_t e = close == std::string_view::npos ? n : close + 2;
      out.append(s.substr(i, e - i));
      i = e;
      continue;
    }
    if (c == '\'' || (c == '"' && !pg)) {
      // A one-letter prefix (E'..', X'..', B'..', N'..') belongs to the literal.
      bool backslash = !pg;
      if (!out.empty() && i > 0 && is_ident_start(s[i - 1]) && (i < 2 || !is_ident(s[i - 2]))) {
        const char p = upper(s[i - 1]);
        if (p == 'E' || p == 'X' || p == 'B' || p == 'N') {
          out.pop_back();
          if (p == 'E') backslash = true;
        }
      }
      skip_literal(c, backslash);
      out.push_back('?');
      continue;
    }
    if (c == '"' || c == '`') {  // quoted name
      const size_t close = s.find(c, i + 1);
      const size_t e = close == std::string_view::npos ? n : close + 1;
      out.append(s.substr(i, e - i));
      i = e;
      continue;
    }
    if (c == '$' && pg && (i == 0 || !is_ident(s[i - 1]))) {
      // $1 is a placeholder; $tag$ ... $tag$ (tag may be empty) is a string.
      size_t j = i + 1;
      if (j < n && is_digit(s[j])) {
        while (j < n && is_digit(s[j])) ++j;
        out.append(s.substr(i, j - i));
        i = j;
        continue;
      }
      while (j < n && is_ident(s[j]) && s[j] != '$') ++j;
      if (j < n && s[j] == '$') {
        const std::string_view tag = s.substr(i, j - i + 1);
        const size_t close = s.find(tag, j + 1);
        i = close == std::string_view::npos ? n : close + tag.size();
        out.push_back('?');
        continue;
      }
      out.push_back(c);
      ++i;
      continue;
    }
    if (is_ident_start(c)) {
      size_t j = i + 1;
      while (j < n && is_ident(s[j])) ++j;
      out.append(s.substr(i, j - i));
      i = j;
      continue;
    }
    if (is_digit(c) || (c == '.' && i + 1 < n && is_digit(s[i + 1]))) {
      size_t j = i;
      if (c == '0' && j + 1 < n && (s[j + 1] == 'x' || s[j + 1] == 'X' || s[j + 1] == 'b' || s[j + 1] == 'B')) {
        j += 2;
        while (j < n && (is_digit(s[j]) || (upper(s[j]) >= 'A' && upper(s[j]) <= 'F'))) ++j;
      } else {
        while (j < n && (is_digit(s[j]) || s[j] == '.')) ++j;
        if (j < n && (s[j] == 'e' || s[j] == 'E')) {
          size_t k = j + 1;
          if (k < n && (s[k] == '+' || s[k] == '-')) ++k;
          if (k < n && is_digit(s[k])) {
            j = k;
            while (j < n && is_digit(s[j])) ++j;
          }
        }
      }
      out.push_back('?');
      i = j;
      continue;
    }
    out.push_back(c);
    ++i;
  }
}

std::string_view traceparent_in_sql(std::string_view sql) {
  size_t at = 0;
  while ((at = sql.find("traceparent", at)) != std::string_view::npos) {
    size_t i = at + 11;
    at = i;
    while (i < sql.size() && sql[i] == ' ') ++i;
    if (i >= sql.size() || sql[i] != '=') continue;
    ++i;
    while (i < sql.size() && sql[i] == ' ') ++i;
    if (i >= sql.size() || sql[i] != '\'') continue;
    ++i;
    const size_t close = sql.find('\'', i);
    if (close == std::string_view::npos) return {};
    // Only inside a comment: the text before it opens one that has not been closed.
    const size_t open = sql.rfind("/*", i);
    if (open == std::string_view::npos) continue;
    const size_t shut = sql.find("*/", open);
    if (shut != std::string_view::npos && shut < close) continue;
    return sql.substr(i, close - i);
  }
  return {};
}

}  // namespace cs::db
