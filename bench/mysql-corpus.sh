#!/usr/bin/env bash
# Makes the dump corpus of bench/compare.sh: DIR/dump1.sql and DIR/dump2.sql, two mariadb-dump
# dumps of a sysbench database (TABLES x ROWS, ~800 MB with the defaults) on 127.0.0.1:3306, the
# second after a fixed-seed write workload (EVENTS oltp_write_only events, --rand-seed=42).
#
#   bench/mysql-corpus.sh DIR        (env: TABLES=8 ROWS=500000 EVENTS=1000)
set -euo pipefail
dir=$1
tables=${TABLES:-8}
rows=${ROWS:-500000}
events=${EVENTS:-1000}
db=cairn_bench_corpus
command -v sysbench >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sysbench >/dev/null; }
mkdir -p "$dir"
mysql=(mariadb --protocol=tcp -h127.0.0.1 -P3306 -uroot)
sb=(sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=3306 --mysql-user=root --mysql-db="$db"
    --tables="$tables" --table-size="$rows")
dump=(mariadb-dump --protocol=tcp -h127.0.0.1 -P3306 -uroot --single-transaction --routines --triggers
      --events --hex-blob --default-character-set=utf8mb4 --skip-dump-date "$db")
"${mysql[@]}" -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
"${sb[@]}" oltp_read_write prepare > /dev/null
"${dump[@]}" > "$dir/dump1.sql"
"${sb[@]}" --rand-seed=42 --events="$events" --threads=1 --time=0 oltp_write_only run > /dev/null
"${dump[@]}" > "$dir/dump2.sql"
"${mysql[@]}" -e "DROP DATABASE $db"
ls -l "$dir"
