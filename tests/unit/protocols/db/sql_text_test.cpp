// SQL summaries (operation, table) and literal replacement for PostgreSQL and MySQL texts.
#include <gtest/gtest.h>

#include "protocols/db/sql_text.h"

namespace cs::db {
namespace {

std::string sanitized(std::string_view sql, SqlDialect d = SqlDialect::Postgres) {
  std::string out;
  sanitize_sql(sql, d, out);
  return out;
}
std::string summary(std::string_view sql) {
  const SqlSummary s = summarize_sql(sql);
  return s.operation + "|" + s.collection;
}

TEST(SqlText, Summaries) {
  EXPECT_EQ(summary("SELECT a FROM orders WHERE id = 1"), "SELECT|orders");
  EXPECT_EQ(summary("select * from public.orders o join users u on u.id = o.uid"), "SELECT|public.orders");
  EXPECT_EQ(summary("INSERT INTO items (id) VALUES (1)"), "INSERT|items");
  EXPECT_EQ(summary("UPDATE ONLY \"Items\" SET a = 1"), "UPDATE|Items");
  EXPECT_EQ(summary("DELETE FROM `shop`.`items`"), "DELETE|shop.items");
  EXPECT_EQ(summary("CREATE TABLE IF NOT EXISTS items (id int)"), "CREATE|items");
  EXPECT_EQ(summary("DROP TABLE items"), "DROP|items");
  EXPECT_EQ(summary("TRUNCATE TABLE items"), "TRUNCATE|items");
  EXPECT_EQ(summary("/* c */ -- x\n  (SELECT 1)"), "SELECT|");
  EXPECT_EQ(summary("WITH t AS (SELECT * FROM a) SELECT * FROM t"), "SELECT|t");
  EXPECT_EQ(summary("SELECT * FROM (SELECT 1) s"), "SELECT|");
  EXPECT_EQ(summary("begin"), "BEGIN|");
  EXPECT_EQ(summary(""), "|");
  EXPECT_EQ(summary("'unterminated"), "|");
}

TEST(SqlText, LiteralsBecomeQuestionMarks) {
  EXPECT_EQ(sanitized("SELECT * FROM t WHERE a = 'x''y' AND b = 42 AND c = 1.5e-3"),
            "SELECT * FROM t WHERE a = ? AND b = ? AND c = ?");
  EXPECT_EQ(sanitized("SELECT $1, $$body$$, $tag$x$tag$, E'a\\'b', x2, t1.c3"), "SELECT $1, ?, ?, ?, x2, t1.c3");
  EXPECT_EQ(sanitized("SELECT \"Col 1\" FROM t -- 'comment' 5\n"), "SELECT \"Col 1\" FROM t -- 'comment' 5\n");
  EXPECT_EQ(sanitized("SELECT 1 /*traceparent='00-ab-cd-01'*/"), "SELECT ? /*traceparent='00-ab-cd-01'*/");
  EXPECT_EQ(sanitized("SELECT X'ff', 0x1F, B'01'"), "SELECT ?, ?, ?");
  EXPECT_EQ(sanitized("SELECT 'cut"), "SELECT ?");
  EXPECT_EQ(sanitized("SELECT \"a\", 'b\\'c' FROM `t`", SqlDialect::MySql), "SELECT ?, ? FROM `t`");
  EXPECT_EQ(sanitized("INSERT INTO t VALUES (?, ?)", SqlDialect::MySql), "INSERT INTO t VALUES (?, ?)");
}

TEST(SqlText, TraceparentOnlyInComments) {
  const std::string tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  EXPECT_EQ(traceparent_in_sql("SELECT 1 /*traceparent='" + tp + "'*/"), tp);
  EXPECT_EQ(traceparent_in_sql("SELECT 1 /* app='x',traceparent = '" + tp + "' */"), tp);
  EXPECT_EQ(traceparent_in_sql("SELECT 'traceparent=''" + tp + "'''"), "");
  EXPECT_EQ(traceparent_in_sql("SELECT 1"), "");
}

}  // namespace
}  // namespace cs::db
