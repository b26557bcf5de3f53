// SQL text as the database protocols report it: the operation and the table a statement works on, and the
// text with its literals replaced by `?` (OpenTelemetry db.query.text, db.operation.name,
// db.collection.name, db.query.summary).
//
// Rules:
//  - Never fails and never allocates more than the text's size: any bytes give some answer (an unknown
//    first word is the operation as written, upper-cased; no table when none can be read).
//  - Literals are string literals ('...', E'...', $tag$...$tag$, and "..." where the dialect makes it a
//    string), numbers (not part of a name), hex and bit literals. Names, keywords, placeholders ($1, ?,
//    :name) and comments stay as written (a comment may carry a traceparent; it is kept whole).
//  - An unterminated literal (text cut at the captured bytes) is replaced up to the end.
#pragma once

#include <string>
#include <string_view>

namespace cs::db {

enum class SqlDialect : uint8_t {
  Postgres,  // "..." is a name, '' escapes a quote, E'..' honours backslashes, $tag$..$tag$ strings
  MySql,     // "..." is a string, backslash escapes inside strings, `...` is a name
};

// The statement's operation (first keyword, upper-cased: "SELECT") and the table it names first after
// FROM / INTO / UPDATE / TABLE / JOIN (as written, quotes removed; empty if none). Leading comments and
// parentheses are skipped; WITH ... AS (...) takes the operation of the main statement.
struct SqlSummary {
  std::string operation;
  std::string collection;
};
SqlSummary summarize_sql(std::string_view sql);

// Appends `sql` to `out` with every literal replaced by `?`.
void sanitize_sql(std::string_view sql, SqlDialect dialect, std::string& out);

// The W3C traceparent in an SQL comment (sqlcommenter: /*traceparent='00-...-01'*/), verbatim; empty if
// none.
std::string_view traceparent_in_sql(std::string_view sql);

}  // namespace cs::db
