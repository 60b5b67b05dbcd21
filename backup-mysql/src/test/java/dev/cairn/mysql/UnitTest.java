package dev.cairn.mysql;

import dev.cairn.Secret;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Builders, names, option files and the dump stream watcher; no server needed. */
class UnitTest {
    @Test
    void optionFileQuoting_escapesWhatTheParserDecodes() {
        assertThat(Server.quote("p\"a\\ss#w'rd x\n")).isEqualTo("\"p\\\"a\\\\ss#w'rd x\\n\"");
    }

    @Test
    void optionFile_isPrivate_andHoldsThePassword() throws IOException {
        Server s = new Server("db1", 3307, "backup", Secret.of("s3cr#t\"".toCharArray()), MySqlTls.required());
        Path f = s.writeOptionFile(new Tool(Path.of("/usr/bin/mariadb-dump"), "x", true));
        try {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
            assertThat(Files.readString(f)).contains("[client]", "host=\"db1\"", "port=3307", "protocol=TCP",
                    "user=\"backup\"", "password=\"s3cr#t\\\"\"", "ssl\n");
            assertThat(s.describe()).isEqualTo("mysql://backup@db1:3307").doesNotContain("s3cr");
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void dumpCommand_carriesNoPassword() {
        Tool t = new Tool(Path.of("/usr/bin/mariadb-dump"), "x", true);
        List<String> cmd = Tool.command(t, Path.of("/tmp/o.cnf"), MySqlSource.dumpArgs(t, new ServerInfo("10.11.19-MariaDB", "", true), "shop"));
        assertThat(cmd.get(1)).isEqualTo("--defaults-extra-file=/tmp/o.cnf");
        assertThat(cmd).contains("--single-transaction", "--routines", "--triggers", "--events", "--hex-blob",
                "--default-character-set=utf8mb4").endsWith("shop").noneMatch(a -> a.startsWith("--password")
                || a.startsWith("-p"));
        assertThat(MySqlSource.dumpArgs(new Tool(Path.of("mysqldump"), "x", false), new ServerInfo("10.11.19-MariaDB", "", true), "s")).contains("--set-gtid-purged=OFF", "--column-statistics=0");
    }

    @Test
    void entryNames_roundTrip() {
        for (String db : List.of("shop", "a/b", "100%", "%2F", "x.sql")) {
            assertThat(MySqlSource.databaseOf(MySqlSource.entryName(db))).isEqualTo(db);
            assertThat(MySqlSource.entryName(db)).doesNotContain("/");
        }
        assertThat(MySqlSource.databaseOf("notes.txt")).isNull();
    }

    @Test
    void url_setsConnection_andRefusesPasswords() {
        MySqlSource s = MySqlSource.builder().url("mysql://backup@db1:3307/shop").build();
        assertThat(s.descriptor()).isEqualTo("mysql://backup@db1:3307/shop");
        assertThat(s.kind()).isEqualTo("mysql");
        assertThat(s.chunking()).isEqualTo("stream");
        assertThatThrownBy(() -> MySqlSource.builder().url("mysql://backup:hunter2@db1/shop"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> MySqlRestore.builder().url("mysql://root@db1/shop"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(MySqlSource.builder().url("mariadb://u@[::1]/x").build().descriptor()).isEqualTo("mysql://u@[::1]:3306/x");
    }

    @Test
    void builders_validateAtOnce() {
        assertThatThrownBy(() -> MySqlSource.builder().port(0)).hasMessageContaining("port");
        assertThatThrownBy(() -> MySqlSource.builder().database("-x")).hasMessageContaining("database");
        assertThatThrownBy(() -> MySqlSource.builder().user("u").build()).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> MySqlSource.builder().database("a").build()).hasMessageContaining("user");
        assertThatThrownBy(() -> MySqlSource.builder().user("u").database("a").allDatabases().build())
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> MySqlRestore.builder().database("a", "mysql")).hasMessageContaining("system");
        assertThatThrownBy(() -> MySqlRestore.builder().user("u").build()).hasMessageContaining("database");
        assertThatThrownBy(() -> MySqlDrill.builder().scratchPrefix("a-b")).hasMessageContaining("scratchPrefix");
        assertThatThrownBy(() -> new MySqlTls(MySqlTls.Mode.REQUIRED, null, Path.of("c"), null))
                .hasMessageContaining("certificate and key");
        assertThat(MySqlSource.builder().user("u").allDatabases().build().descriptor()).endsWith("/*");
    }

    @Test
    void dumpStream_firesAfterTheHeader_andSeesTheTrailer() throws IOException {
        String header = "-- MariaDB dump 10.19\n--\n-- Host: h    Database: d\n/*!40101 SET NAMES utf8mb4 */;\n\n";
        String body = "--\n-- Table structure for table `t`\n--\nCREATE TABLE `t` (a int);\n";
        String trailer = "\n-- Dump completed on 2026-11-25 13:56:25\n";
        AtomicInteger fired = new AtomicInteger();
        AtomicInteger firedAt = new AtomicInteger(-1);
        byte[] all = (header + body + trailer).getBytes(StandardCharsets.UTF_8);
        DumpStream[] holder = new DumpStream[1];
        holder[0] = new DumpStream(new ByteArrayInputStream(all), () -> {
            fired.incrementAndGet();
            firedAt.set((int) holder[0].count());
        });
        byte[] buf = new byte[7];
        while (holder[0].read(buf) > 0) {
            assertThat(fired.get()).isLessThanOrEqualTo(1);
        }
        assertThat(fired.get()).isEqualTo(1);
        assertThat(firedAt.get()).isGreaterThanOrEqualTo(header.length()).isLessThan(header.length() + body.length());
        assertThat(holder[0].completed()).isTrue();

        DumpStream cut = new DumpStream(new ByteArrayInputStream((header + body).getBytes(StandardCharsets.UTF_8)),
                fired::incrementAndGet);
        cut.readAllBytes();
        assertThat(fired.get()).isEqualTo(2); // at the end of the stream at the latest
        assertThat(cut.completed()).isFalse();
    }

    @Test
    void sandboxLine_isDroppedForMySqlClients_only() throws IOException {
        String dump = "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\nCREATE TABLE t (a int);\n";
        assertThat(new String(MySqlRestore.withoutSandboxLine(new ByteArrayInputStream(dump.getBytes(
                StandardCharsets.UTF_8))).readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("-- MariaDB dump 10.19\nCREATE TABLE t (a int);\n");
        String mysql = "-- MySQL dump 10.13\nCREATE TABLE t (a int);\n";
        assertThat(new String(MySqlRestore.withoutSandboxLine(new ByteArrayInputStream(mysql.getBytes(
                StandardCharsets.UTF_8))).readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(mysql);
    }
}
