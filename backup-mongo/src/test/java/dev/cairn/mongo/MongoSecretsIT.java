package dev.cairn.mongo;

import dev.cairn.Adapters;
import dev.cairn.BackupException;
import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.SourceReadException;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.TestRepos;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Passwords and secret connection strings never reach messages, stack traces or logs. */
class MongoSecretsIT {
    private static final String PASSWORD = "pw-Zq9-never-shown";
    private static InProcessMongo mongo;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        mongo = InProcessMongo.start();
    }

    @AfterAll
    static void stop() {
        mongo.close();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs {@code action}, expecting a failure; returns everything it printed plus the whole exception. */
    private static String failureText(ThrowingRunnable action) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(captured, true, StandardCharsets.UTF_8);
        Throwable thrown = null;
        System.setOut(tee);
        System.setErr(tee);
        try {
            action.run();
        } catch (Throwable t) {
            thrown = t;
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertThat(thrown).as("expected a failure").isNotNull();
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        return captured.toString(StandardCharsets.UTF_8) + "\n" + trace;
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void backup_unreachableServer_messageAndOutputNeverShowPassword() throws IOException {
        int port = closedPort();
        MongoSource src = MongoSource.builder()
                .connectionString("mongodb://backup@127.0.0.1:" + port + "/?serverSelectionTimeoutMS=300&authSource=admin")
                .password(Secret.of(PASSWORD.toCharArray())).build();
        assertThat(src.descriptor()).isEqualTo("mongodb://backup@127.0.0.1:" + port + "/");
        try (Repository repo = TestRepos.fast(dir.resolve("repo")).init()) {
            String text = failureText(() -> repo.backup(src).run());
            assertThat(text).doesNotContain(PASSWORD).contains("SourceReadException")
                    .contains("Backup of mongodb://backup@127.0.0.1:" + port + "/ failed")
                    .contains("is reachable");
            assertThat(repo.snapshots()).isEmpty();
        }
    }

    @Test
    void backup_authenticationFails_messageNeverShowsPassword() {
        MongoSource src = MongoSource.builder()
                .connectionString("mongodb://backup@127.0.0.1:" + mongo.port() + "/?serverSelectionTimeoutMS=3000")
                .password(Secret.of(PASSWORD.toCharArray())).build();
        try (Repository repo = TestRepos.fast(dir.resolve("repo")).init()) {
            assertThatThrownBy(() -> repo.backup(src).run()).isInstanceOf(SourceReadException.class)
                    .hasMessageContaining("Check the user")
                    .satisfies(e -> assertThat(failureText(() -> {
                        throw (Exception) e;
                    })).doesNotContain(PASSWORD));
        }
    }

    @Test
    void backup_wholeConnectionStringSecret_backsUpWithoutShowingIt() throws IOException {
        mongo.client().getDatabase("sec_whole").getCollection("c").insertOne(new Document("_id", 1));
        Path secret = dir.resolve("uri");
        Files.writeString(secret, mongo.uri() + "&appName=" + PASSWORD + "\n");
        MongoSource src = MongoSource.builder().connectionString(Secret.fromFile(secret)).database("sec_whole").build();
        try (Repository repo = TestRepos.fast(dir.resolve("repo")).init()) {
            Snapshot s = repo.backup(src).run().snapshot();
            assertThat(s.source()).isEqualTo("mongodb://127.0.0.1:" + mongo.port() + "/ [sec_whole]")
                    .doesNotContain(PASSWORD);
            assertThat(s.facts()).containsEntry("mongodb.coll.sec_whole.c.count", "1");
            assertThat(s.facts().toString()).doesNotContain(PASSWORD);
        }
    }

    @Test
    void backup_wholeSecretWithCredentials_failureNeverShowsIt() throws IOException {
        Secret uri = Secret.of(("mongodb://backup:" + PASSWORD + "@127.0.0.1:" + closedPort()
                + "/?serverSelectionTimeoutMS=300").toCharArray());
        MongoSource src = MongoSource.builder().connectionString(uri).build();
        assertThat(src.descriptor()).doesNotContain(PASSWORD);
        try (Repository repo = TestRepos.fast(dir.resolve("repo")).init()) {
            assertThat(failureText(() -> repo.backup(src).run())).doesNotContain(PASSWORD)
                    .contains("SourceReadException");
        }
        assertThatThrownBy(() -> MongoSource.builder().connectionString(Secret.of(("mongodb://backup:" + PASSWORD
                + "@host:notaport/").toCharArray()))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the connection string secret is not a valid MongoDB connection string")
                .satisfies(e -> assertThat(failureText(() -> {
                    throw (Exception) e;
                })).doesNotContain(PASSWORD));
    }

    @Test
    void builder_connectionStringWithPassword_refusedWithoutEchoingIt() {
        for (String text : List.of("mongodb://backup:" + PASSWORD + "@db1:27017/shop",
                "mongodb+srv://backup:" + PASSWORD + "@cluster0.example.net/",
                "mongodb://backup:" + PASSWORD + "@")) {
            assertThatThrownBy(() -> MongoSource.builder().connectionString(text))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must not contain a password")
                    .satisfies(e -> assertThat(failureText(() -> {
                        throw (Exception) e;
                    })).doesNotContain(PASSWORD));
            assertThatThrownBy(() -> MongoRestore.builder().connectionString(text))
                    .hasMessageNotContaining(PASSWORD);
            assertThatThrownBy(() -> MongoDrill.builder().connectionString(text))
                    .hasMessageNotContaining(PASSWORD);
        }
    }

    @Test
    void providers_passwordInUri_refusedWithoutEchoingIt() {
        String uri = "mongodb://backup:" + PASSWORD + "@127.0.0.1:" + mongo.port() + "/shop";
        assertThatThrownBy(() -> Adapters.source(uri, Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageNotContaining(PASSWORD);
        assertThatThrownBy(() -> Adapters.restoreTarget(uri, Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageNotContaining(PASSWORD);
        assertThatThrownBy(() -> Adapters.drill("mongodb", "mongodb://backup:" + PASSWORD + "@127.0.0.1/", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageNotContaining(PASSWORD)
                .hasMessageContaining("backup:***@");
        assertThatThrownBy(() -> new MongoSource.Provider().create(java.net.URI.create(uri), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining(PASSWORD)
                .hasMessageContaining("CAIRN_MONGODB_PASSWORD");
    }

    @Test
    void providers_passwordFromEnvOrFile_usedAndNeverShown() throws IOException {
        Path file = dir.resolve("pw");
        Files.writeString(file, PASSWORD + "\n");
        String uri = "mongodb://backup@127.0.0.1:" + mongo.port() + "/sec_env?serverSelectionTimeoutMS=3000";
        for (Map<String, String> env : List.of(Map.of("CAIRN_MONGODB_PASSWORD", PASSWORD),
                Map.of("CAIRN_MONGODB_PASSWORD_FILE", file.toString()))) {
            var src = Adapters.source(uri, env);
            assertThat(src.descriptor()).isEqualTo("mongodb://backup@127.0.0.1:" + mongo.port() + "/sec_env [sec_env]");
            try (Repository repo = TestRepos.fast(dir.resolve("repo-" + env.size() + env.hashCode())).init()) {
                // The in-process server has no authentication: the attempt itself must fail cleanly.
                assertThat(failureText(() -> repo.backup(src).run())).doesNotContain(PASSWORD)
                        .contains("Check the user");
            }
        }
        assertThatThrownBy(() -> Adapters.source(uri, Map.of())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("user backup is given but neither CAIRN_MONGODB_PASSWORD nor "
                        + "CAIRN_MONGODB_PASSWORD_FILE is set");
        assertThatThrownBy(() -> Adapters.source(uri, Map.of("CAIRN_MONGODB_PASSWORD_FILE", dir.resolve("none").toString())))
                .isInstanceOf(BackupException.class).hasMessageContaining("Cannot read password file");
    }
}
