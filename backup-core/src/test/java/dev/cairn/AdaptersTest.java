package dev.cairn;

import dev.cairn.testing.TestRepos;
import dev.cairn.verify.DrillReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdaptersTest {
    @TempDir
    Path tmp;

    @Test
    void unknownScheme_listsKnown_andNamesModule() {
        assertThatThrownBy(() -> Adapters.source("mongodb://db/shop", Map.of()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("backup-mongo");
        assertThatThrownBy(() -> Adapters.restoreTarget("s3://bucket/x", Map.of()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("backup-s3");
    }

    @Test
    void passwordInUri_isRefused_andRedacted() {
        assertThatThrownBy(() -> Adapters.source("mysql://root:s3cr3t@db/shop", Map.of()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("root:***@")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void isUri_tellsUrisFromPaths() {
        assertThat(Adapters.isUri("mysql://h/db")).isTrue();
        assertThat(Adapters.isUri("/srv/www")).isFalse();
        assertThat(Adapters.isUri("relative/dir")).isFalse();
    }

    @Test
    void fileSystemDrill_passes_thenFailsOnCorruptData_andCleansUp() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("s"));
        Files.write(src.resolve("f.bin"), RepositoryRoundTripTest.random(200_000, 1));
        Path scratch = tmp.resolve("scratch");
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            var snap = repo.backup(src).run().snapshot();
            DrillReport ok = Adapters.drill("fs", scratch.toString(), Map.of()).run(repo, snap);
            assertThat(ok.passed()).as("%s", ok).isTrue();
            assertThat(ok.checks()).anyMatch(c -> c.contains("file count: 1"));
            try (var s = Files.list(tmp.resolve("repo/data"))) {
                for (Path d : s.toList()) {
                    try (var packs = Files.list(d)) {
                        for (Path p : packs.toList()) {
                            byte[] b = Files.readAllBytes(p);
                            b[10] ^= 1;
                            Files.delete(p);
                            Files.write(p, b);
                        }
                    }
                }
            }
            DrillReport bad = Adapters.drill("fs", scratch.toString(), Map.of()).run(repo, snap);
            assertThat(bad.passed()).isFalse();
            assertThat(bad.failures()).singleElement().asString().contains("restore failed");
        }
        try (var left = Files.list(scratch)) {
            assertThat(left).isEmpty();
        }
    }
}
