package dev.cairn.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the example as its own process, as a user would, and checks what it restored. */
class EmbeddingExampleTest {
    @TempDir
    Path tmp;

    @Test
    void example_backsUpListsAndRestores() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("site"));
        Files.writeString(src.resolve("index.html"), "<h1>hello</h1>\n");
        Files.writeString(src.resolve("scratch.tmp"), "excluded");
        Path pw = tmp.resolve("pw");
        Files.writeString(pw, "example password\n");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EmbeddingExample.class.getName(),
                src.toString(), tmp.resolve("repo").toString(), tmp.resolve("restored").toString());
        pb.environment().put("CAIRN_PASSWORD_FILE", pw.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("snapshot ").contains("restored 1 files").doesNotContain("example password");
        assertThat(Files.readString(tmp.resolve("restored/site/index.html"))).isEqualTo("<h1>hello</h1>\n");
        assertThat(Files.exists(tmp.resolve("restored/site/scratch.tmp"))).isFalse();
    }
}
