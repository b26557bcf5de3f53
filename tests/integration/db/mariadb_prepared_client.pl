#!/usr/bin/perl
# MariaDB prepared statements over the binary protocol (DBD::MariaDB with server-side prepare):
# COM_STMT_PREPARE once, COM_STMT_EXECUTE many times, COM_STMT_CLOSE, COM_QUIT.
# Usage: mariadb_prepared_client.pl PORT
use strict;
use warnings;
use DBI;

my $port = shift or die "usage: $0 PORT\n";
my $dbh = DBI->connect("DBI:MariaDB:database=shop;host=127.0.0.1;port=$port;mariadb_server_prepare=1",
                       "app", "", {RaiseError => 1, PrintError => 0, AutoCommit => 1});
my $ins = $dbh->prepare("INSERT INTO items (id, name) VALUES (?, ?)");
$ins->execute($_, "item-$_") for 0 .. 9;
my $sel = $dbh->prepare("SELECT name FROM items WHERE id = ?");
for my $i (0 .. 4) {
  $sel->execute($i);
  my $rows = $sel->fetchall_arrayref;
  die "bad row for $i" unless @$rows == 1 && $rows->[0][0] eq "item-$i";
}
undef $ins;
undef $sel;
$dbh->disconnect;
print "mariadb_prepared_client: done\n";
